"""What the bot asks a member of staff, so that nothing they type by accident reaches a
partner: a note for Resolve or Won't fix, a note on an idea's outcome, a reply to a
partner's message.

Their message is a draft, shown back exactly as the partner would get it, naming the
partner and what it is about, with Send / Edit / Cancel: only Send passes it on.  Any
command, ``cancel`` or ``/cancel``, or 30 minutes without an answer ends the prompt
and says so.  One prompt at a time: a new one ends the one before, and says so."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core import texts
from bot.core.callbacks import PromptChoice
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.unit import once_per_update
from bot.staff import digest, team
from bot.staff import flags as staff_flags
from bot.staff import ideas as staff_ideas
from storage import flags, ideas, people
from storage.models import Person, StaffPrompt

log = logging.getLogger(__name__)

#: how long the bot waits for what it asked a member of staff
EXPIRES_AFTER = timedelta(minutes=30)
#: the longest note a member of staff's message makes
NOTE_MAX_CHARS = 1000
#: prompt kinds whose answer reaches a partner, and their short codes in the preview's buttons
CODES = {"resolved": "r", "wont_fix": "w", staff_ideas.OUTCOME_PROMPT.rstrip(":"): "i", team.REPLY_PROMPT: "m"}


def is_staff_kind(kind: str) -> bool:
    return kind.split(":")[0] in CODES


def take_draft(session: Session, person: Person, prompt: StaffPrompt, text: str, now: datetime) -> None:
    """Their message becomes the draft, shown back with Send / Edit / Cancel."""
    note = text.strip()[:NOTE_MAX_CHARS]
    first_name, subject = describe(session, prompt)
    flags.set_draft(session, prompt, note, now)
    code = CODES[prompt.kind.split(":")[0]]
    buttons = [
        [
            (texts.PROMPT_SEND_BUTTON, PromptChoice("send", code, prompt.subject_id).data()),
            (texts.PROMPT_EDIT_BUTTON, PromptChoice("edit", code, prompt.subject_id).data()),
            (texts.PROMPT_CANCEL_BUTTON, PromptChoice("cancel", code, prompt.subject_id).data()),
        ]
    ]
    say(session, person.chat_id, now, texts.PROMPT_PREVIEW, buttons, first_name=first_name, subject=subject, note=note)


@once_per_update
def press(rt: Runtime, session: Session, now: datetime, sender: Sender, tap: PromptChoice) -> None:
    """Send passes the draft on; Edit asks again; Cancel ends it.  A preview of a prompt that
    has since ended (or been replaced) sends nothing."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    prompt = flags.get_prompt(session, person.id) if person is not None else None  # type: ignore[arg-type]
    if (
        person is None
        or prompt is None
        or not is_staff_kind(prompt.kind)
        or CODES[prompt.kind.split(":")[0]] != tap.kind
        or prompt.subject_id != tap.subject_id
    ):
        say(session, sender.chat_id, now, texts.PROMPT_NOT_WAITING)
        return
    if tap.action == "cancel":
        flags.clear_prompt(session, prompt)
        say(session, person.chat_id, now, texts.PROMPT_CANCELLED)
    elif tap.action == "edit" or prompt.draft is None:
        first_name, subject = describe(session, prompt)
        flags.set_draft(session, prompt, None, now)
        say(session, person.chat_id, now, texts.PROMPT_TYPE_AGAIN, first_name=first_name, subject=subject)
    else:
        kind, subject_id, note = prompt.kind, prompt.subject_id, prompt.draft
        flags.clear_prompt(session, prompt)
        _pass_on(session, rt, person, kind, subject_id, note, now)


def _pass_on(
    session: Session, rt: Runtime, person: Person, kind: str, subject_id: int, note: str, now: datetime
) -> None:
    if kind in ("resolved", "wont_fix"):
        staff_flags.close(session, rt, person, subject_id, kind, note, now)
    elif kind.startswith(staff_ideas.OUTCOME_PROMPT):
        staff_ideas.record_outcome(
            session, person, subject_id, kind.removeprefix(staff_ideas.OUTCOME_PROMPT), note, now
        )
    elif kind == team.REPLY_PROMPT:
        team.relay(session, person, subject_id, note, now)


def end(session: Session, person: Person, prompt: StaffPrompt, text: str, now: datetime) -> None:
    """End a staff prompt and say why, naming the partner and what it was about."""
    first_name, subject = describe(session, prompt)
    flags.clear_prompt(session, prompt)
    say(session, person.chat_id, now, text, first_name=first_name, subject=subject)


def end_by_command(rt: Runtime, sender: Sender) -> None:
    """Any command ends what the bot was waiting for from a member of staff (a command is
    never the note).  A partner's prompt (their idea, a message for the team) waits on."""
    now = rt.clock.now()
    with rt.db.session() as session:
        person = people.person_by_telegram_id(session, sender.telegram_user_id)
        prompt = flags.get_prompt(session, person.id) if person is not None else None  # type: ignore[arg-type]
        if person is not None and prompt is not None and is_staff_kind(prompt.kind):
            end(session, person, prompt, texts.PROMPT_ENDED_BY_COMMAND, now)


def expire(rt: Runtime) -> int:
    """Staff prompts nobody answered for 30 minutes end, and say so.  Returns how many."""
    now = rt.clock.now()
    with rt.db.session() as session:
        stale = flags.prompts_asked_before(session, now - EXPIRES_AFTER, tuple(CODES))
        for prompt in stale:
            person = people.get_person(session, prompt.person_id)
            if person is not None:
                end(session, person, prompt, texts.PROMPT_EXPIRED, now)
    if stale:
        log.info("ended %d staff prompt(s) nobody answered for %s", len(stale), EXPIRES_AFTER)
    return len(stale)


def describe(session: Session, prompt: StaffPrompt) -> tuple[str, str]:
    """The partner a prompt's answer reaches, and what about (for the preview and its endings)."""
    kind = prompt.kind.split(":")[0]
    if kind in ("resolved", "wont_fix"):
        flag = flags.get_flag(session, prompt.subject_id)
        partner = people.get_person(session, flag.person_id) if flag and flag.person_id else None
        need = digest.NEED_LABELS.get(flag.need, flag.need).lower() if flag else ""
        return (partner.first_name if partner else "the partner"), f"#{prompt.subject_id} ({need})"
    if kind == staff_ideas.OUTCOME_PROMPT.rstrip(":"):
        idea = ideas.get_idea(session, prompt.subject_id)
        partner = people.get_person(session, idea.person_id) if idea and idea.person_id else None
        return (partner.first_name if partner else "the partner"), f"idea #{prompt.subject_id}"
    return team.describe(session, prompt.subject_id)
