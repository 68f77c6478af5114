"""A partner can always write to their project's team: anything they type when no
check-in is open, or ``/team`` (with their words, or then their next message) at
any time.  A partner in several projects chooses which team.  The thread is kept
in order (storage/team.py), shown with ``/team``, and goes with ``/forget``."""

from __future__ import annotations

from datetime import datetime
from html import escape

from sqlmodel import Session

from bot.core import outgoing, texts
from bot.core.callbacks import TeamProject
from bot.core.outgoing import Timing
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import split_html, text_payload
from bot.core.unit import once_per_update
from bot.partners import conversation
from bot.staff import team as staff_team
from storage import flags, people, projects, team
from storage.models import Person
from storage.people import PartnerRow

#: StaffPrompt kinds for partners: their next message goes to the team; a message held
#: while they choose which team (its text in the prompt's draft)
TEAM_PROMPT = "team"
CHOOSING_PROMPT = "team_choice"
#: the longest message kept (Telegram's own limit is 4,096 a message)
TEAM_MESSAGE_MAX_CHARS = 20_000
THREAD_SHOWN = 6


@once_per_update
def team_command(rt: Runtime, session: Session, now: datetime, sender: Sender, text: str) -> None:
    """``/team <words>`` sends them; ``/team`` alone shows the thread and waits for the next message."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is None or person.consent_version is None or not _project_ids(session, person.id):  # type: ignore[arg-type]
        say(session, sender.chat_id, now, texts.TEAM_NOT_A_PARTNER)
        return
    if text.strip():
        send(session, rt, person, text, now)
        return
    for project_id in _project_ids(session, person.id):  # type: ignore[arg-type]
        _show_thread(session, rt, person, project_id, now)
    flags.set_prompt(session, person.id, TEAM_PROMPT, 0, now)  # type: ignore[arg-type]
    say(session, person, now, texts.TEAM_ASK)


def send(session: Session, rt: Runtime, person: Person | PartnerRow, text: str, now: datetime) -> None:
    """To the one team they are in, or ask which (the message waits in a prompt meanwhile)."""
    text = text.strip()[:TEAM_MESSAGE_MAX_CHARS]
    person_id = person.id
    assert person_id is not None
    project_ids = _project_ids(session, person_id)
    if not project_ids:
        say(session, person, now, texts.TEAM_NOT_A_PARTNER)
        return
    if len(project_ids) == 1:
        deliver(session, rt, person, project_ids[0], text, now)
        return
    flags.set_prompt(session, person_id, CHOOSING_PROMPT, 0, now)
    prompt = flags.get_prompt(session, person_id)
    assert prompt is not None
    flags.set_draft(session, prompt, text, now)
    places = {project_id: rt.settings.project_index(project_id) for project_id in project_ids}
    buttons = [
        [(_name(session, rt, project_id), TeamProject(place).data())]
        for project_id, place in places.items()
        if place is not None
    ]
    say(session, person, now, texts.TEAM_WHICH_PROJECT, buttons)


def deliver(
    session: Session, rt: Runtime, person: Person | PartnerRow, project_id: str, text: str, now: datetime
) -> None:
    assert person.id is not None
    message = team.add_message(session, project_id, person.id, text, now)
    staff_team.show_to_facilitators(session, message, person, now)
    say(
        session,
        person.chat_id,
        now,
        texts.TEAM_SENT,
        first_name=person.first_name,
        project_name=_name(session, rt, project_id),
    )


@once_per_update
def choose_project(rt: Runtime, session: Session, now: datetime, sender: Sender, tap: TeamProject) -> None:
    """The held message goes to the chosen team (if it is still one of theirs)."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    prompt = flags.get_prompt(session, person.id) if person is not None else None  # type: ignore[arg-type]
    in_config = tap.project_index < len(rt.settings.projects)
    project_id = rt.settings.projects[tap.project_index].id if in_config else None
    if person is None or prompt is None or prompt.kind != CHOOSING_PROMPT or not prompt.draft:
        say(session, sender.chat_id, now, texts.ALREADY_DONE)
        return
    if project_id is None or project_id not in _project_ids(session, person.id):  # type: ignore[arg-type]
        say(session, sender.chat_id, now, texts.TEAM_WHICH_PROJECT)
        return
    text = prompt.draft
    flags.clear_prompt(session, prompt)
    deliver(session, rt, person, project_id, text, now)


def _show_thread(session: Session, rt: Runtime, person: Person, project_id: str, now: datetime) -> None:
    thread = team.thread(session, person.id, project_id, THREAD_SHOWN)  # type: ignore[arg-type]
    if not thread:
        return
    header = texts.TEAM_THREAD_HEADER.replace("{project_name}", _name(session, rt, project_id))
    lines = [escape(header)]
    for message in thread:
        author = people.get_person(session, message.author_id) if message.author_id is not None else None
        who = person.first_name if message.author_id is None else (author.first_name if author else "The team")
        lines.append(f"<b>{escape(who)}</b>: {escape(staff_team.short(message.text, 500))}")
    for piece in split_html("\n\n".join(lines)):
        outgoing.send(session, person, text_payload(piece), now, timing=Timing.NOW)


def _project_ids(session: Session, person_id: int) -> list[str]:
    memberships = projects.memberships_of(session, person_id, "partner")
    return list(dict.fromkeys(m.project_id for m in memberships if m.status == "active"))


def _name(session: Session, rt: Runtime, project_id: str) -> str:
    return conversation.project_name(session, rt, project_id) or project_id
