"""The one front door: every message or tap a person sends comes in here, and only
here is it decided where it goes.

1. :func:`screen`, before anything else: the text of every message, edit, caption
   and command a partner sends is checked for distress (bot/core/distress.py),
   before any routing, parsing, length check, flood pause or rate limit.  If it
   shows distress it is answered here (bot/partners/safety.py) and goes nowhere
   else.  Staff's messages are not checked.  The check is in memory; only a
   message that shows distress costs a database transaction.
2. :func:`receive`, in one unit of work (its first query finds the person, their
   open check-in and whether the bot is waiting on an answer from them):
   a. something the bot asked this person: a staff member's note or reply is a draft
      shown back with Send / Edit / Cancel (bot/staff/prompts.py); a partner's idea
      after a bare ``/idea``; a message for the team after ``/team``;
   b. the partner's open check-in: its next input (a paused one takes only "carry on");
   c. a typed yes or no to a consent question (bot/partners/onboarding.py);
   d. otherwise the team (bot/partners/team.py); staff's words reach no one, and say so.
   An edited message goes to :func:`receive_edit`: the answer it gave, never another.

Commands (``/pause``, ``/settings``, ...) and the staff's and settings' buttons
are routed by the Application's handlers straight to their features, after step 1."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core import callbacks, distress, outgoing, texts
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.unit import once_per_update, work_of
from bot.partners import access_needs, conversation, follow_up, forget, onboarding, safety, settings
from bot.partners import ideas as partner_ideas
from bot.partners import team as partner_team
from bot.staff import prompts as staff_prompts
from flows.types import Input
from storage import checkins, flags, people, projects, typed_choices
from storage.people import PartnerRow

#: a message that only says one of these withdraws from what the bot asked
CANCEL_WORDS = ("cancel", "/cancel", "stop")
#: a typed answer longer than this is words, never a choice standing for a button
TYPED_CHOICE_MAX_CHARS = 60


def screen(rt: Runtime, text: str) -> distress.Recognised | None:
    """Safety first, in memory (on the event loop: every message pays it, so it must be cheap)."""
    return distress.recognise(text, rt.settings.safety.distress_phrases)


def answer_distress(rt: Runtime, update_id: int, sender: Sender, text: str, found: distress.Recognised) -> bool:
    """True if the partner's message was answered (signposting, an alert), so nothing else
    may take the update; False for staff, whose messages go on their way unchecked."""
    if safety.is_staff_only(rt, sender.telegram_user_id):
        return False
    safety.answer(rt, update_id, sender, text, found.rule)
    return True


@once_per_update
def receive(
    rt: Runtime,
    session: Session,
    now: datetime,
    sender: Sender,
    inp: Input,
    checkin_id: int | None = None,
    message_id: int | None = None,
) -> None:
    """One input from a person: typed text, a tapped answer, or something else (a
    sticker, a photo).  ``checkin_id`` and ``message_id`` come with taps: the check-in
    and the message whose button was tapped.  A typed message's own id comes as
    ``message_id`` too, so its answer can be found again if they edit it."""
    person, checkin, prompted = checkins.partner_checkin_and_prompt(session, sender.telegram_user_id)
    if (
        person is not None
        and inp.kind == "text"
        and access_needs.PLAIN_TEXT in (person.access_needs or [])  # only they are offered typed choices
        and (data := _typed_choice(session, person.chat_id, inp.text, now)) is not None
        and _tap(rt, session, now, sender, data)
    ):
        return
    if person is not None and prompted and inp.kind == "text" and _answer_prompt(session, rt, person.id, inp.text, now):
        return
    taken_by_checkin = (
        person is not None
        and person.consent_version is not None
        and checkin is not None
        and conversation.continue_checkin(session, rt, person, checkin, inp, checkin_id, message_id, now)
    )
    if taken_by_checkin:
        return
    _otherwise(session, rt, sender, person, inp, checkin_id, now)


def receive_text(rt: Runtime, update_id: int, sender: Sender, text: str, message_id: int | None = None) -> None:
    """A typed message, the most common thing anyone sends.  Where the bot's last message
    offered choices without buttons (the "no buttons" access need), a typed number or word
    does what its tap would; safety screening has already come first (:func:`screen`)."""
    receive(rt, update_id, sender, Input.typed(text), None, message_id)


def _typed_choice(session: Session, chat_id: int, text: str, now: datetime) -> str | None:
    """The button data a typed answer stands for, if the chat has choices standing
    (storage/typed_choices.py).  Anything else typed means the partner moved on: the
    choices go, so a later "1" is never read as an old confirmation.  A check-in's
    choices are left to the check-in, which reads typed answers itself."""
    if len(text) > TYPED_CHOICE_MAX_CHARS or text.startswith("/"):
        return None
    choices = typed_choices.standing(session, chat_id, now)
    data = outgoing.typed_tap(choices, text) if choices else None
    if choices and (data is None or not callbacks.AnswerTap.matches(data)):
        typed_choices.clear(session, chat_id, now)
    return data


def _tap(rt: Runtime, session: Session, now: datetime, sender: Sender, data: str) -> bool:
    """Do what tapping the button with ``data`` does, in this update's transaction;
    False for a check-in's answer (the check-in reads typed answers itself)."""
    if (confirm := callbacks.Forget.parse(data)) is not None:
        work_of(forget.decide)(rt, session, now, sender, confirm.confirmed)
    elif (consent := callbacks.Consent.parse(data)) is not None:
        work_of(onboarding.handle_consent)(rt, session, now, sender, consent.accepted)
    elif (met := callbacks.FollowUp.parse(data)) is not None:
        work_of(follow_up.answer)(rt, session, now, sender, met, None)
    elif (setting := callbacks.SettingsTap.parse(data)) is not None:
        work_of(settings.handle_tap)(rt, session, now, sender, setting, None)
    elif (team_choice := callbacks.TeamProject.parse(data)) is not None:
        work_of(partner_team.choose_project)(rt, session, now, sender, team_choice)
    else:
        return False
    return True


def _otherwise(
    session: Session,
    rt: Runtime,
    sender: Sender,
    person: PartnerRow | None,
    inp: Input,
    checkin_id: int | None,
    now: datetime,
) -> None:
    """Nothing the bot asked, no check-in taking it: a typed yes or no answers a consent
    question waiting for one; otherwise a partner's words go to their team."""
    if person is None:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
    elif projects.is_staff_only(session, person.id):
        say(session, sender.chat_id, now, texts.STAFF_NOTHING_WAITING)
    elif (whole := people.get_person(session, person.id)) is not None and onboarding.typed_consent(
        session, rt, whole, inp.text if inp.kind == "text" else "", now
    ):
        return
    elif person.consent_version is None:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
    elif inp.kind == "text" and inp.text.strip():
        partner_team.send(session, rt, person, inp.text, now)
    else:
        say(session, sender.chat_id, now, texts.ALREADY_DONE if checkin_id is not None else texts.NO_CHECKIN_NOW)


def _answer_prompt(session: Session, rt: Runtime, person_id: int, text: str, now: datetime) -> bool:
    """A plain message from someone the bot asked something of is its answer.
    False if the prompt has gone since: the message is then not its answer."""
    person, prompt = people.get_person(session, person_id), flags.get_prompt(session, person_id)
    if person is None or prompt is None:
        return False
    if text.strip().lower() in CANCEL_WORDS:
        flags.clear_prompt(session, prompt)
        say(session, person, now, texts.PROMPT_CANCELLED)
    elif staff_prompts.is_staff_kind(prompt.kind):  # shown back first: only Send passes it on
        staff_prompts.take_draft(session, person, prompt, text, now)
    elif prompt.kind == partner_team.CHOOSING_PROMPT:  # more words while they choose the team
        flags.set_draft(session, prompt, f"{prompt.draft or ''}\n{text.strip()}".strip(), now)
        say(session, person, now, texts.TEAM_WHICH_PROJECT)
    else:
        kind = prompt.kind
        flags.clear_prompt(session, prompt)
        if kind == partner_ideas.IDEA_PROMPT:
            partner_ideas.submit(session, rt.settings, person, text, now)
        else:
            partner_team.send(session, rt, person, text, now)
    return True


def command_arrived(rt: Runtime, sender: Sender) -> None:
    """A command is never the answer to what the bot asked a member of staff: it ends it, and says so."""
    staff_prompts.end_by_command(rt, sender)


@once_per_update
def cancel(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    """/cancel: whatever the bot was waiting for from this person ends; nothing is sent."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    prompt = flags.get_prompt(session, person.id) if person is not None else None  # type: ignore[arg-type]
    if prompt is None:
        say(session, sender.chat_id, now, texts.NOTHING_TO_CANCEL)
        return
    flags.clear_prompt(session, prompt)
    say(session, sender.chat_id, now, texts.PROMPT_CANCELLED)


@once_per_update
def receive_edit(rt: Runtime, session: Session, now: datetime, sender: Sender, message_id: int, text: str) -> None:
    """An edited message edits the answer it gave, never another question's.  In an open
    check-in the answer is replaced and the partner told; once it has closed, they are told
    it could not be changed, and a flag it was evidence for gets the correction."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is not None and person.consent_version is None and onboarding.awaits_consent(session, rt, person):
        onboarding.ask_pending_consent(session, rt, person, now)  # an edit is no answer to consent either
        return
    answer = checkins.answer_by_message(session, person.id, message_id) if person is not None else None  # type: ignore[arg-type]
    if person is None or answer is None:
        say(session, sender.chat_id, now, texts.EDIT_NOT_AN_ANSWER)
        return
    conversation.edit_answer(session, rt, person, answer, text.strip(), now)
