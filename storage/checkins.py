"""Check-ins: schedule rows, claiming due ones, conversation state, answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage.locks import serialise
from storage.models import Answer, Checkin, FlowVersion, Membership, Person, StaffPrompt, table_of
from storage.people import PartnerRow
from storage.queued import (
    first_row,
    queue_insert,
    queue_write,
    show_written,
    written_id,
)
from storage.upsert import upsert

ACTIVE = "active"
SCHEDULED = "scheduled"
EXPIRED = "expired"
MISSED = "missed"
WEEK = timedelta(days=7)


_INSERT_CHECKIN = insert(table_of(Checkin))


def queue_checkin(
    session: Session,
    person_id: int,
    project_id: str,
    flow_id: str,
    due_at: datetime,
    activity_id: int | None = None,
) -> None:
    """Put a check-in on the calendar as a queued write (storage/queued.py), written
    before the session's next statement: the next check-in, as each one ends, without
    an ORM object and a flush of its own."""
    row = {"person_id": person_id, "project_id": project_id, "flow_id": flow_id, "status": SCHEDULED}
    queue_write(session, _INSERT_CHECKIN, {**row, "due_at": due_at, "activity_id": activity_id})


_SCHEDULED_OF = (
    Checkin.person_id == bindparam("person_id"),
    Checkin.project_id == bindparam("project_id"),
    Checkin.flow_id == bindparam("flow_id"),
    Checkin.status == SCHEDULED,
)
_NEXT_SCHEDULED = select(Checkin).where(*_SCHEDULED_OF)
_ANY_SCHEDULED = select(Checkin.id).where(*_SCHEDULED_OF).limit(1)


def next_scheduled(session: Session, person_id: int, project_id: str, flow_id: str) -> Checkin | None:
    """The partner's next check-in of this flow, if one is on the calendar."""
    return (
        session.execute(_NEXT_SCHEDULED, {"person_id": person_id, "project_id": project_id, "flow_id": flow_id})
        .scalars()
        .first()
    )


def has_next_scheduled(session: Session, person_id: int, project_id: str, flow_id: str) -> bool:
    """Asked each time a check-in ends: an id, not an object, since only its existence matters."""
    return (
        session.execute(_ANY_SCHEDULED, {"person_id": person_id, "project_id": project_id, "flow_id": flow_id}).first()
        is not None
    )


def had_checkin(session: Session, person_id: int, project_id: str, flow_id: str) -> bool:
    """Whether the partner ever had this flow here (a ``once`` flow goes once): any row
    but a missed one, which never reached them."""
    query = select(Checkin.id).where(
        Checkin.person_id == person_id,
        Checkin.project_id == project_id,
        Checkin.flow_id == flow_id,
        Checkin.status != MISSED,
    )
    return session.exec(query.limit(1)).first() is not None


def activities_served(session: Session, person_id: int, project_id: str, flow_id: str) -> set[int]:
    """The activities this flow was already scheduled for, for this partner: each gets one."""
    query = select(Checkin.activity_id).where(
        Checkin.person_id == person_id,
        Checkin.project_id == project_id,
        Checkin.flow_id == flow_id,
        col(Checkin.activity_id).is_not(None),
    )
    return {activity_id for activity_id in session.exec(query) if activity_id is not None}


def of_activity(session: Session, activity_id: int) -> list[Checkin]:
    """The check-ins scheduled from an activity, soonest first."""
    query = select(Checkin).where(Checkin.activity_id == activity_id).order_by(col(Checkin.due_at), col(Checkin.id))
    return list(session.exec(query))


def delete_unsent_of_activity(session: Session, activity_id: int) -> list[tuple[int, str, str]]:
    """Take the activity's check-ins that have not begun off the calendar; returns
    (person id, project id, flow id) of each, so the next can be planned."""
    deleted = session.execute(
        delete(Checkin)
        .where(col(Checkin.activity_id) == activity_id, col(Checkin.status) == SCHEDULED)
        .returning(col(Checkin.person_id), col(Checkin.project_id), col(Checkin.flow_id)),
        execution_options={"synchronize_session": False},
    )
    return [(person_id, project_id, flow_id) for person_id, project_id, flow_id in deleted]


#: any fixed number: the PostgreSQL advisory lock under which a starting process fills calendars
CALENDAR_LOCK_KEY = 0xCA1E_4DA5


def fill_alone(session: Session) -> None:
    """Workers starting together fill partners' calendars one at a time, so none is planned twice."""
    serialise(session, CALENDAR_LOCK_KEY)


def partners_without(session: Session, project_id: str, flow_id: str, *, ever: bool) -> list[Person]:
    """The project's active partners with nothing of this flow on the calendar or under
    way; ``ever``: nor ever had it (a missed one aside).  At start, a schedule the
    coordinator added reaches the partners who joined before it."""
    rows = select(Checkin.id).where(
        Checkin.person_id == Person.id, Checkin.project_id == project_id, Checkin.flow_id == flow_id
    )
    rows = rows.where(Checkin.status != MISSED) if ever else rows.where(col(Checkin.status).in_([SCHEDULED, ACTIVE]))
    query = (
        select(Person)
        .join(Membership, col(Membership.person_id) == Person.id)
        .where(
            Membership.project_id == project_id,
            Membership.role == "partner",
            Membership.status == "active",
            Person.status == "active",
            ~rows.exists(),
        )
        .order_by(col(Person.id))
    )
    return list(session.exec(query))


def claim_due_checkins(session: Session, now: datetime, limit: int, weekly_cap: int | None = None) -> list[Checkin]:
    """Take due check-ins for this process, oldest first, and mark them active.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several bot processes claim at
    once without waiting on or double-taking each other's rows; the guarded
    UPDATE makes the claim safe on SQLite too.  A partner already in a
    check-in is left for a later tick, so conversations never interleave.
    Paused and away partners' rows stay scheduled (see :func:`close_missed`); a
    row over the partner's ``weekly_cap`` is deferred, not sent."""
    busy = select(Checkin.person_id).where(Checkin.status == ACTIVE)
    query = (
        select(Checkin)
        .join(Person, col(Person.id) == Checkin.person_id)
        .where(
            Checkin.status == SCHEDULED,
            Checkin.due_at <= now,
            Person.status == "active",
            ~col(Person.paused),
            or_(col(Person.away_until).is_(None), col(Person.away_until) <= now),
            col(Checkin.person_id).not_in(busy),
        )
        .order_by(col(Checkin.due_at), col(Checkin.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=Checkin)
    )
    candidates: dict[int, Checkin] = {}
    for checkin in session.exec(query).all():
        candidates.setdefault(checkin.person_id, checkin)  # one check-in per partner at a time
    if weekly_cap is not None:
        for checkin in _over_weekly_cap(session, list(candidates.values()), now, weekly_cap):
            del candidates[checkin.person_id]
    if not candidates:
        return []
    # one guarded UPDATE for the batch: on SQLite, where the SELECT took no lock,
    # RETURNING says which rows really became ours
    taken = set(
        session.execute(
            update(Checkin)
            .where(col(Checkin.id).in_([c.id for c in candidates.values()]), col(Checkin.status) == SCHEDULED)
            .values(status=ACTIVE, started_at=now)
            .returning(col(Checkin.id)),
            execution_options={"synchronize_session": False},
        ).scalars()
    )
    claimed = sorted((c for c in candidates.values() if c.id in taken), key=lambda c: (c.due_at, c.id))
    for checkin in claimed:
        set_committed_value(checkin, "status", ACTIVE)
        set_committed_value(checkin, "started_at", now)
    return claimed


def _over_weekly_cap(session: Session, checkins: list[Checkin], now: datetime, cap: int) -> list[Checkin]:
    """Fatigue: a partner who had ``cap`` check-ins (any project) in the last 7 days
    gets the next one when the oldest of them is a week old, not now.  Returns
    the deferred check-ins (their ``due_at`` moved).  One query for the batch."""
    starts: dict[int, list[datetime]] = {}
    rows = session.exec(
        select(Checkin.person_id, Checkin.started_at)
        .where(col(Checkin.person_id).in_([c.person_id for c in checkins]), col(Checkin.started_at) > now - WEEK)
        .order_by(col(Checkin.started_at))
    ).all()
    for person_id, started_at in rows:
        starts.setdefault(person_id, []).append(started_at)  # type: ignore[arg-type]
    deferred = []
    for checkin in checkins:
        recent = starts.get(checkin.person_id, [])
        if len(recent) >= cap:
            checkin.due_at = recent[-cap] + WEEK
            deferred.append(checkin)
    return deferred


def close_missed(session: Session, now: datetime, due_before: datetime, seen_until: datetime) -> list[Checkin]:
    """Close as ``missed`` the scheduled rows due before ``due_before`` that the bot
    could not send in time: due while it was down (before ``seen_until``, its
    start or last tick) or while the partner was away or busy.  Paused partners'
    rows wait for /resume instead."""
    query = (
        select(Checkin)
        .join(Person, col(Person.id) == Checkin.person_id)
        .where(
            Checkin.status == SCHEDULED,
            Checkin.due_at < due_before,
            Checkin.due_at <= seen_until,
            ~col(Person.paused),
        )
        .with_for_update(skip_locked=True, of=Checkin)
    )
    missed = list(session.exec(query).all())
    for checkin in missed:
        checkin.status, checkin.finished_at = MISSED, now
    return missed


def unanswered(session: Session, started_before: datetime, reminded: bool | None = None) -> list[Checkin]:
    """Active check-ins started before a time; ``reminded`` filters on the reminder."""
    query = select(Checkin).where(Checkin.status == ACTIVE, col(Checkin.started_at) <= started_before)
    if reminded is not None:
        query = query.where(col(Checkin.reminded_at).is_not(None) if reminded else col(Checkin.reminded_at).is_(None))
    return list(session.exec(query.order_by(col(Checkin.id)).with_for_update(skip_locked=True)).all())


def recent_endings(session: Session, person_id: int, project_id: str, flow_id: str, limit: int) -> list[str]:
    """How the partner's last check-ins of a flow ended, newest first (missed ones
    were never sent, so they do not count)."""
    return list(
        session.exec(
            select(Checkin.status)
            .where(
                Checkin.person_id == person_id,
                Checkin.project_id == project_id,
                Checkin.flow_id == flow_id,
                col(Checkin.status).not_in([SCHEDULED, ACTIVE, MISSED]),
            )
            .order_by(col(Checkin.finished_at).desc(), col(Checkin.id).desc())
            .limit(limit)
        ).all()
    )


def scheduled_for(session: Session, person_id: int) -> list[Checkin]:
    """The partner's scheduled check-ins, soonest first."""
    return list(
        session.exec(
            select(Checkin)
            .where(Checkin.person_id == person_id, Checkin.status == SCHEDULED)
            .order_by(col(Checkin.due_at))
        ).all()
    )


def active_checkin(session: Session, person_id: int) -> Checkin | None:
    return session.exec(
        select(Checkin).where(Checkin.person_id == person_id, Checkin.status == ACTIVE).order_by(col(Checkin.id))
    ).first()


@dataclass(slots=True)
class CheckinRow:
    """A check-in under way, in plain values (see :class:`storage.people.PartnerRow`)."""

    id: int
    person_id: int
    project_id: str
    flow_id: str
    flow_version: str | None
    status: str
    finished_at: datetime | None
    state: dict[str, Any] | None


#: built once: constructing the statement cost as much as running it
_P, _C, _S = table_of(Person).c, table_of(Checkin).c, table_of(StaffPrompt).c
_PARTNER_COLUMNS = [_P[name] for name in PartnerRow.__dataclass_fields__]
_CHECKIN_COLUMNS = [_C[name] for name in CheckinRow.__dataclass_fields__]
_PARTNER_CHECKIN_AND_PROMPT = (
    core_select(*_PARTNER_COLUMNS, *_CHECKIN_COLUMNS, _S.person_id)
    .select_from(table_of(Person))
    .outerjoin(table_of(Checkin), and_(_C.person_id == _P.id, _C.status == ACTIVE))
    .outerjoin(table_of(StaffPrompt), _S.person_id == _P.id)
    .where(_P.telegram_user_id == bindparam("telegram_user_id"))
    .order_by(_C.id)
    .limit(1)
)


def partner_checkin_and_prompt(
    session: Session, telegram_user_id: int
) -> tuple[PartnerRow | None, CheckinRow | None, bool]:
    """Who sent an update, the check-in they are in, if any, and whether the bot is
    waiting on an answer from them (a note, an idea): one query, as every message a
    partner sends starts with it, read on the driver's cursor (storage/queued.py)."""
    row = first_row(session, _PARTNER_CHECKIN_AND_PROMPT, {"telegram_user_id": telegram_user_id})
    if row is None:
        return None, None, False
    split = len(_PARTNER_COLUMNS)
    checkin = CheckinRow(*row[split:-1]) if row[split] is not None else None
    return PartnerRow(*row[:split]), checkin, row[-1] is not None


def get_checkin(session: Session, checkin_id: int) -> Checkin | None:
    return session.get(Checkin, checkin_id)


_SAVE_STATE = (
    update(Checkin)
    .where(col(Checkin.id) == bindparam("s_id"))
    .values(
        flow_version=bindparam("s_version"),
        state=bindparam("s_state"),
        status=bindparam("s_status"),
        finished_at=bindparam("s_finished"),
    )
)


def save_state(
    session: Session,
    checkin: Checkin | CheckinRow,
    flow_version: str,
    state: dict[str, Any],
    finished_status: str | None,
    now: datetime,
) -> None:
    """Store where the partner is; ``finished_status`` closes the check-in.

    Queued with the unit of work's other writes (storage/queued.py) rather than
    flushed by the ORM; the object in hand shows the new values at once."""
    status, finished_at = (
        (finished_status, now) if finished_status is not None else (checkin.status, checkin.finished_at)
    )
    queue_write(
        session,
        _SAVE_STATE,
        {
            "s_id": checkin.id,
            "s_version": flow_version,
            "s_state": state,
            "s_status": status,
            "s_finished": finished_at,
        },
    )
    show_written(checkin, {"flow_version": flow_version, "state": state, "status": status, "finished_at": finished_at})


def last_answers(session: Session, of: Sequence[Checkin | CheckinRow]) -> dict[int, dict[str, Any]]:
    """For each check-in, by its id: the partner's answers in their last finished
    check-in of the same flow before it, by step id.  Two queries for any number."""
    if not of:
        return {}
    earlier = aliased(Checkin)
    latest = (
        select(func.max(earlier.id))
        .where(
            earlier.person_id == Checkin.person_id,
            earlier.flow_id == Checkin.flow_id,
            earlier.status == "completed",
            col(earlier.id) < Checkin.id,
        )
        .correlate(Checkin)
        .scalar_subquery()
    )
    rows = session.execute(select(Checkin.id, latest).where(col(Checkin.id).in_([c.id for c in of])))
    previous: dict[int, int | None] = dict(rows.all())
    found: dict[int, dict[str, Any]] = {checkin_id: {} for checkin_id in previous}
    later: dict[int, list[int]] = {}
    for checkin_id, earlier_id in previous.items():
        if earlier_id is not None:
            later.setdefault(earlier_id, []).append(checkin_id)
    if later:
        answers = session.execute(
            select(Answer.checkin_id, Answer.step_id, Answer.value).where(col(Answer.checkin_id).in_(later))
        )
        for earlier_id, step_id, value in answers:
            for checkin_id in later[earlier_id]:
                found[checkin_id][step_id] = value
    return found


_ANSWERS = table_of(Answer)


def add_answer(
    session: Session,
    *,
    project_id: str,
    flow_id: str,
    flow_version: str,
    step_id: str,
    question: str,
    value: Any,
    answered_at: datetime,
    checkin_id: int | None = None,
    person_id: int | None = None,
    display: str = "",
    skipped: bool = False,
    anonymous: bool = False,
    comment: str = "",
    message_id: int | None = None,
) -> dict[str, Any]:
    """Queue an answer in the unit of work, written at its commit (storage/queued.py):
    nothing reads a check-in's own answers back while it runs.  Returns the row;
    :func:`answer_id` gives its id."""
    row = {
        "checkin_id": checkin_id,
        "person_id": person_id,
        "project_id": project_id,
        "flow_id": flow_id,
        "flow_version": flow_version,
        "step_id": step_id,
        "question": question,
        "value": value,
        "display": display,
        "skipped": skipped,
        "anonymous": anonymous,
        "answered_at": answered_at,
        "comment": comment,
        "message_id": message_id,
    }
    return queue_insert(session, _ANSWERS, row)


def retract_answers(session: Session, checkin_id: int, step_ids: list[str]) -> None:
    """The partner went back: what they answered to these questions in this check-in is withdrawn
    (anonymous answers, linked to no check-in, cannot be found again and stay)."""
    session.execute(delete(Answer).where(col(Answer.checkin_id) == checkin_id, col(Answer.step_id).in_(step_ids)))


def answer_by_message(session: Session, person_id: int, message_id: int) -> Answer | None:
    """The answer a partner's typed message gave, to edit it when they edit the message."""
    query = select(Answer).where(Answer.person_id == person_id, Answer.message_id == message_id)
    return session.exec(query.order_by(col(Answer.id).desc())).first()


def answer_id(session: Session, answer: dict[str, Any]) -> int:
    """The queued answer's id, writing it now (a flag's evidence needs it)."""
    return written_id(session, _ANSWERS, answer)


def answers_of_checkin(session: Session, checkin_id: int) -> list[Answer]:
    return list(session.exec(select(Answer).where(Answer.checkin_id == checkin_id).order_by(col(Answer.id))))


def remember_flow_version(session: Session, flow_id: str, version: str, source: str) -> None:
    """Keep the source of every flow version that a check-in may use.  Several
    processes may start at once: an insert that finds the row there does nothing."""
    values = {"flow_id": flow_id, "version": version, "source": source, "loaded_at": datetime.now(UTC)}
    upsert(session, FlowVersion, ["flow_id", "version"], values, update=[])


def flow_source(session: Session, flow_id: str, version: str) -> str | None:
    return session.exec(
        select(FlowVersion.source).where(FlowVersion.flow_id == flow_id, FlowVersion.version == version)
    ).first()


def replace_answer(session: Session, answer: Answer, text: str, now: datetime) -> None:
    """The partner edited a typed answer while its check-in was open."""
    answer.value, answer.display, answer.answered_at = text, text, now
    session.add(answer)


def wait_for_more(session: Session, checkin_id: int, until: datetime | None) -> None:
    """A long message's first parts are held in the check-in's state until ``until``
    (None: nothing is waiting any more)."""
    session.execute(update(Checkin).where(col(Checkin.id) == checkin_id).values(waiting_until=until))


def done_waiting(session: Session, now: datetime) -> list[Checkin]:
    """Active check-ins whose long message got no next part in time: what came is the answer."""
    query = select(Checkin).where(Checkin.status == ACTIVE, col(Checkin.waiting_until) < now)
    return list(session.exec(query).all())


def defer(session: Session, checkin: Checkin, until: datetime) -> None:
    """A claimed check-in that may not start yet (the partner's quiet hours): back on the
    calendar at ``until``, as if never started, so its reminder and expiry count from then."""
    values = {"status": SCHEDULED, "due_at": until, "started_at": None}
    session.execute(
        update(Checkin).where(col(Checkin.id) == checkin.id).values(**values),
        execution_options={"synchronize_session": False},
    )
    for name, value in values.items():
        set_committed_value(checkin, name, value)
