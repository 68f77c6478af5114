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
   a. something the bot asked this person (a facilitator's resolve note or reason,
      a note on an idea's outcome, a partner's idea after a bare ``/idea``);
   b. the partner's open check-in: its next input;
   c. otherwise the team: 0.2 · 3/9 passes it on; today the check-in says there is none open.

Commands (``/pause``, ``/settings``, ...) and the staff's and settings' buttons
are routed by the Application's handlers straight to their features, after step 1."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core import distress, texts
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.unit import once_per_update
from bot.partners import conversation, safety
from bot.partners import ideas as partner_ideas
from bot.staff import flags as staff_flags
from bot.staff import ideas as staff_ideas
from flows.types import Input
from storage import checkins, flags, people

#: the longest note a facilitator's message makes (resolve, won't fix, an idea's outcome)
NOTE_MAX_CHARS = 1000
#: a message that only says one of these withdraws from what the bot asked
CANCEL_WORDS = ("cancel", "/cancel", "stop")


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
    """One input from a person: typed text, a tapped answer, or something else
    (a sticker, a photo).  ``checkin_id`` and ``message_id`` come with taps."""
    person, checkin, prompted = checkins.partner_checkin_and_prompt(session, sender.telegram_user_id)
    if person is not None and prompted and inp.kind == "text" and _answer_prompt(session, rt, person.id, inp.text, now):
        return
    conversation.continue_checkin(session, rt, sender, person, checkin, inp, checkin_id, message_id, now)


def receive_text(rt: Runtime, update_id: int, sender: Sender, text: str) -> None:
    """A typed message, the most common thing anyone sends."""
    receive(rt, update_id, sender, Input.typed(text))


def _answer_prompt(session: Session, rt: Runtime, person_id: int, text: str, now: datetime) -> bool:
    """A plain message from someone the bot asked something of is its answer.
    False if the prompt has gone since: the message is then not its answer."""
    person, prompt = people.get_person(session, person_id), flags.get_prompt(session, person_id)
    if person is None or prompt is None:
        return False
    kind, subject_id = prompt.kind, prompt.subject_id
    flags.clear_prompt(session, prompt)
    note = text.strip()[:NOTE_MAX_CHARS]
    if text.strip().lower() in CANCEL_WORDS:
        say(session, person.chat_id, now, texts.PROMPT_CANCELLED)
    elif kind in ("resolved", "wont_fix"):
        staff_flags.close(session, rt, person, subject_id, kind, note, now)
    elif kind.startswith(staff_ideas.OUTCOME_PROMPT):
        staff_ideas.record_outcome(
            session, person, subject_id, kind.removeprefix(staff_ideas.OUTCOME_PROMPT), note, now
        )
    elif kind == partner_ideas.IDEA_PROMPT:
        partner_ideas.submit(session, rt.settings, person, text, now)
    return True
