"""Keeping check-ins from becoming a burden: one reminder, then a quiet close as
"no response" (never an unmet need); slower check-ins after two go unanswered;
and check-ins the bot could not send in time recorded as missed, not sent late."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core import outgoing, texts
from bot.core.outgoing import Timing
from bot.core.runtime import Runtime
from bot.core.schedules import schedule_next
from bot.core.telegram_format import plain, prompt_payload
from bot.partners.conversation import CHECKIN_REF, context_for
from flows.engine import current_question
from flows.types import State
from storage import checkins, outbox, people, projects
from storage.models import Checkin, Person

log = logging.getLogger(__name__)

#: unanswered check-ins in a row after which the partner is asked half as often
SLOW_DOWN_AFTER = 2


def keep_pace(rt: Runtime, now: datetime, seen_until: datetime) -> int:
    """Close missed and expired check-ins and send due reminders, in one
    transaction.  ``seen_until`` is the previous tick, or the bot's start.
    Returns how many messages were queued."""
    settings = rt.settings.scheduler
    queued = 0
    with rt.db.session() as session:
        missed = checkins.close_missed(session, now, now - timedelta(hours=settings.missed_after_hours), seen_until)
        for checkin in missed:
            _schedule_after(session, rt, checkin, now)
        for checkin in checkins.unanswered(session, now - timedelta(hours=settings.expire_after_hours)):
            queued += _expire(session, rt, checkin, now)
        for checkin in checkins.unanswered(session, now - timedelta(hours=settings.remind_after_hours), reminded=False):
            queued += _remind(session, rt, checkin, now)
    if missed:
        log.info("recorded %d check-in(s) as missed instead of sending them late", len(missed))
    return queued


def _expire(session: Session, rt: Runtime, checkin: Checkin, now: datetime) -> int:
    """Close as "no response": answers given so far stay, no flag is opened."""
    checkins.save_state(session, checkin, checkin.flow_version or "", checkin.state or {}, checkins.EXPIRED, now)
    endings = checkins.recent_endings(
        session, checkin.person_id, checkin.project_id, checkin.flow_id, SLOW_DOWN_AFTER + 1
    )
    _schedule_after(session, rt, checkin, now)
    starts_slowing = endings[:SLOW_DOWN_AFTER] == [checkins.EXPIRED] * SLOW_DOWN_AFTER
    if starts_slowing and endings[SLOW_DOWN_AFTER:] != [checkins.EXPIRED]:  # told once, not at every later one
        return _tell_facilitators(session, checkin, now)
    return 0


def _schedule_after(session: Session, rt: Runtime, checkin: Checkin, now: datetime) -> None:
    """The next check-in of this flow; after two unanswered in a row, one
    occurrence is skipped, so the partner is asked half as often until they reply."""
    person = people.get_person(session, checkin.person_id)
    if person is None or checkins.has_next_scheduled(session, person.id, checkin.project_id, checkin.flow_id):  # type: ignore[arg-type]
        return
    schedule_next(session, rt.settings, person, checkin.project_id, checkin.flow_id, now)
    endings = checkins.recent_endings(session, person.id, checkin.project_id, checkin.flow_id, SLOW_DOWN_AFTER)  # type: ignore[arg-type]
    if endings != [checkins.EXPIRED] * SLOW_DOWN_AFTER:
        return
    following = checkins.next_scheduled(session, person.id, checkin.project_id, checkin.flow_id)  # type: ignore[arg-type]
    if following is not None:
        skipped = following.due_at
        session.delete(following)
        session.flush()
        schedule_next(session, rt.settings, person, checkin.project_id, checkin.flow_id, skipped)


def _remind(session: Session, rt: Runtime, checkin: Checkin, now: datetime) -> int:
    """One gentle reminder with the question again, so it is one tap away.  A check-in the
    partner paused is not reminded of: they said when they would go on (it still closes
    quietly when it expires)."""
    checkin.reminded_at = now
    person = people.get_person(session, checkin.person_id)
    state = State.from_dict(checkin.state or {})
    if person is None or state.status == "paused":
        return 0
    outgoing.tell(session, person, now, texts.REMINDER, timing=Timing.GOOD_TIME)
    question = question_now(session, rt, person, checkin, state)
    if question is not None:
        outgoing.send(session, person, question, now, timing=Timing.GOOD_TIME, ref=f"{CHECKIN_REF}{checkin.id}")
    return 1 + (question is not None)


def question_now(
    session: Session, rt: Runtime, person: Person, checkin: Checkin, state: State
) -> dict[str, object] | None:
    """The question the partner is at, on its own, with its buttons."""
    flow = rt.flows.version(session, checkin.flow_id, checkin.flow_version or "")
    if flow is None:
        return None
    question = current_question(flow, state, context_for(session, rt, person, checkin, flow))
    return prompt_payload(question, checkin.id) if question is not None else None  # type: ignore[arg-type]


def _tell_facilitators(session: Session, checkin: Checkin, now: datetime) -> int:
    """A short plain note to the project's facilitators (the digest comes later)."""
    person = people.get_person(session, checkin.person_id)
    project = projects.get_project(session, checkin.project_id)
    note = plain(
        texts.FACILITATOR_SLOWED,
        first_name=person.first_name if person else "A partner",
        project_name=project.name if project else checkin.project_id,
    )
    facilitators = projects.people_with_role(session, checkin.project_id, "facilitator")
    for facilitator in facilitators:
        outbox.enqueue(session, facilitator.chat_id, "sendMessage", note, now)
    return len(facilitators)
