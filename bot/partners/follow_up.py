"""Closing the loop with the partner: at the start of their next check-in, is each
need the team resolved now met for them?  "Yes" closes the loop; "no" reopens the
flag with their answer as evidence, and the facilitators hear of it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core import callbacks, outgoing, texts
from bot.core.outgoing import Timing
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import plain
from bot.core.unit import once_per_update
from bot.staff import digest
from storage import checkins, flags, outbox, people
from storage.models import Flag, Person

#: the flow id the follow-up answers are stored under
FOLLOW_UP_FLOW = "follow-up"


def queue(session: Session, person: Person, due: list[Flag], now: datetime) -> None:
    """At the start of a check-in: is each need the team resolved (``due``, from
    storage.flags.follow_ups_due) now met for them?"""
    for flag in due:
        assert flag.id is not None
        buttons = [
            [
                (texts.FOLLOW_UP_YES, callbacks.FollowUp(flag.id, True).data()),
                (texts.FOLLOW_UP_NO, callbacks.FollowUp(flag.id, False).data()),
            ]
        ]
        need = digest.NEED_LABELS.get(flag.need, flag.need).lower()
        outgoing.tell(session, person, now, texts.FOLLOW_UP_QUESTION, buttons, timing=Timing.GOOD_TIME, need=need)
        flag.follow_up = "asked"


@once_per_update
def answer(
    rt: Runtime, session: Session, now: datetime, sender: Sender, tap: callbacks.FollowUp, message_id: int | None
) -> None:
    """Yes: the loop is closed.  No: the flag reopens with this answer as evidence."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    flag = flags.get_flag(session, tap.flag_id)
    if person is None or flag is None or flag.person_id != person.id or flag.follow_up != "asked":
        say(session, sender.chat_id, now, texts.ALREADY_DONE)
        return
    met = tap.met
    need = digest.NEED_LABELS.get(flag.need, flag.need).lower()
    question = texts.FOLLOW_UP_QUESTION.replace("{need}", need)
    display = texts.FOLLOW_UP_YES if met else texts.FOLLOW_UP_NO
    stored = checkins.add_answer(
        session,
        person_id=person.id,
        project_id=flag.project_id,
        flow_id=FOLLOW_UP_FLOW,
        flow_version="1",
        step_id=f"flag-{flag.id}",
        question=question,
        value="yes" if met else "no",
        display=display,
        answered_at=now,
    )
    if message_id is not None:  # the buttons go, the answer shows
        outbox.enqueue(
            session,
            person.chat_id,
            "editMessageText",
            {**plain(f"{question}\n\n✓ {display}"), "message_id": message_id},
            now,
        )
    if met:
        flag.follow_up = "met"
        session.add(flag)
        flags.change(session, flag, "met", person, "", now)
        say(session, person, now, texts.FOLLOW_UP_MET)
        return
    flags.change(session, flag, "reopened", person, "", now)
    flags.open_flag(
        session,
        project_id=flag.project_id,
        person_id=person.id,
        need=flag.need,
        severity=flag.severity,
        note=flag.note,
        answer_ids=[checkins.answer_id(session, stored)],
        now=now,
    )
    say(session, person, now, texts.FOLLOW_UP_NOT_MET)
    digest.queue_alerts(session, rt, flag.project_id, now)
