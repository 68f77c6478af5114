"""Flags: unmet needs, their evidence and their history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, func, update
from sqlalchemy import select as core_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage import audit
from storage.models import Answer, Flag, FlagEvent, FlagEvidence, Person, StaffPrompt

OPEN_STATUSES = ("open", "acknowledged")


def open_flag(
    session: Session,
    *,
    project_id: str,
    person_id: int | None,
    need: str,
    severity: str,
    note: str,
    answer_ids: list[int],
    now: datetime,
    alert_again: bool = False,
) -> Flag:
    """Open a flag, or add evidence to the partner's open flag for the same need.

    A repeat report never makes a duplicate; it raises the severity if the new
    report is more serious, and with ``alert_again`` (distress: every message is
    alerted) it is marked not yet alerted, so the facilitators hear of it again."""
    flag = None
    if person_id is not None:
        flag = session.exec(
            select(Flag).where(
                Flag.project_id == project_id,
                Flag.person_id == person_id,
                Flag.need == need,
                col(Flag.status).in_(OPEN_STATUSES),
            )
        ).first()
    if flag is None:
        flag = Flag(
            project_id=project_id,
            person_id=person_id,
            need=need,
            severity=severity,
            note=note,
            opened_at=now,
            updated_at=now,
        )
        session.add(flag)
        session.flush()
        action = "opened"
    else:
        if _SEVERITY_RANK[severity] > _SEVERITY_RANK.get(flag.severity, 0):
            flag.severity = severity
        flag.updated_at = now
        if alert_again:
            flag.alerted_at = None
        action = "evidence"
    for answer_id in answer_ids:
        session.merge(FlagEvidence(flag_id=flag.id, answer_id=answer_id))  # type: ignore[arg-type]
    session.add(FlagEvent(flag_id=flag.id, action=action, note=note, at=now))  # type: ignore[arg-type]
    return flag


_SEVERITY_RANK = {"info": 0, "low": 1, "high": 2, "urgent": 3}


def open_flags_for_projects(session: Session, project_ids: list[str]) -> list[tuple[Flag, Person | None]]:
    """Open and acknowledged flags, most severe first, then oldest."""
    rows = session.exec(
        select(Flag, Person)
        .join(Person, col(Person.id) == Flag.person_id, isouter=True)
        .where(col(Flag.project_id).in_(project_ids), col(Flag.status).in_(OPEN_STATUSES))
        .order_by(col(Flag.opened_at))
    ).all()
    return sorted(rows, key=lambda row: -_SEVERITY_RANK.get(row[0].severity, 0))


def evidence_of(session: Session, flag_id: int) -> list[Answer]:
    return list(
        session.exec(
            select(Answer)
            .join(FlagEvidence, col(FlagEvidence.answer_id) == Answer.id)
            .where(FlagEvidence.flag_id == flag_id)
            .order_by(col(Answer.id))
        )
    )


def evidence_of_open_flags(session: Session, project_id: str) -> dict[int, list[Answer]]:
    """The evidence of each of a project's open and acknowledged flags, in answer order:
    one query for the digest, however many flags are open."""
    rows = session.exec(
        select(FlagEvidence.flag_id, Answer)
        .join(Answer, col(Answer.id) == FlagEvidence.answer_id)
        .join(Flag, col(Flag.id) == FlagEvidence.flag_id)
        .where(Flag.project_id == project_id, col(Flag.status).in_(OPEN_STATUSES))
        .order_by(col(FlagEvidence.flag_id), col(Answer.id))
    )
    evidence: dict[int, list[Answer]] = {}
    for flag_id, answer in rows:
        evidence.setdefault(flag_id, []).append(answer)
    return evidence


_NOT_ALERTED = select(Flag).where(
    Flag.project_id == bindparam("project_id"),
    col(Flag.severity).in_(bindparam("severities", expanding=True)),
    col(Flag.alerted_at).is_(None),
    col(Flag.status).in_(OPEN_STATUSES),
)


def flags_not_alerted(session: Session, project_id: str, severities: Sequence[str]) -> list[Flag]:
    """Open flags of these severities facilitators have not been told of yet.  Asked
    as every check-in ends: the index on project, severity and alerted_at keeps it to
    those few rows, however many flags wait for the digest instead."""
    return list(session.execute(_NOT_ALERTED, {"project_id": project_id, "severities": list(severities)}).scalars())


def claim_for_alert(session: Session, fresh: list[Flag], now: datetime) -> list[Flag]:
    """Mark these flags alerted and return those this transaction marked: of two check-ins
    ending at once (two workers, PostgreSQL), only one alerts each flag.  The UPDATE takes
    the rows' locks; the other waits, then finds them alerted already."""
    ids = [flag.id for flag in fresh]
    if not ids:
        return []
    claimed = set(
        session.execute(
            update(Flag)
            .where(col(Flag.id).in_(ids), col(Flag.alerted_at).is_(None))
            .values(alerted_at=now)
            .returning(col(Flag.id))
        ).scalars()
    )
    for flag in fresh:
        if flag.id in claimed:
            set_committed_value(flag, "alerted_at", now)
    return [flag for flag in fresh if flag.id in claimed]


def get_flag(session: Session, flag_id: int) -> Flag | None:
    return session.get(Flag, flag_id)


def change(session: Session, flag: Flag, action: str, actor: Person | None, note: str, now: datetime) -> None:
    """Move a flag along its lifecycle and record who did it and when.

    ``action`` is acknowledged | resolved | wont_fix | reopened | escalated.
    The audit row names the flag and the action, never the partner's words."""
    assert flag.id is not None
    if action == "acknowledged":
        flag.status, flag.acknowledged_at = "acknowledged", now
    elif action in ("resolved", "wont_fix"):
        flag.status, flag.closed_at, flag.resolution = action, now, note
        if flag.acknowledged_at is None:
            flag.acknowledged_at = now
        flag.follow_up = "pending" if action == "resolved" and flag.person_id is not None else None
    elif action == "reopened":
        flag.status, flag.closed_at, flag.follow_up = "open", None, "not_met"
        flag.acknowledged_at = flag.escalated_at = flag.alerted_at = None
        flag.opened_at = now
    elif action == "escalated":
        flag.escalated_at = now
    flag.updated_at = now
    session.add(
        FlagEvent(flag_id=flag.id, action=action, actor_person_id=actor.id if actor else None, note=note, at=now)
    )
    audit.record(
        session,
        "flag_change",
        now,
        actor=actor.telegram_user_id if actor else None,
        project_id=flag.project_id,
        detail=f"flag {flag.id} {action}",
    )


def past_service_level(session: Session, sla_hours: dict[str, float], now: datetime) -> list[Flag]:
    """Open flags nobody acknowledged within their severity's service level, not yet escalated."""
    rows = session.exec(
        select(Flag).where(
            Flag.status == "open", col(Flag.escalated_at).is_(None), col(Flag.severity).in_(list(sla_hours))
        )
    ).all()
    return [flag for flag in rows if flag.opened_at + timedelta(hours=sla_hours[flag.severity]) <= now]


def find_flags(
    session: Session,
    *,
    project_ids: list[str] | None = None,
    statuses: list[str] | None = None,
    need: str | None = None,
    opened_from: datetime | None = None,
    opened_to: datetime | None = None,
) -> list[tuple[Flag, Person | None]]:
    """Flags with their partner, oldest first, for lists and digests."""
    query = (
        select(Flag, Person)
        .join(Person, col(Person.id) == Flag.person_id, isouter=True)
        .where(*_matching(project_ids, statuses, need, opened_from, opened_to))
        .order_by(col(Flag.opened_at), col(Flag.id))
    )
    return list(session.exec(query).all())


class ExportedFlag(NamedTuple):
    """A flag as exports show it: needs, dates and outcomes, and how many answers are its evidence."""

    id: int
    project_id: str
    need: str
    severity: str
    status: str
    opened_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    follow_up: str | None
    answers: int


def flags_for_export(
    session: Session,
    *,
    project_ids: list[str] | None = None,
    statuses: list[str] | None = None,
    need: str | None = None,
    opened_from: datetime | None = None,
    opened_to: datetime | None = None,
) -> list[ExportedFlag]:
    """Flags oldest first, for exports: columns only, with the evidence counted in the same
    query.  An export may hold every flag of a deployment (112,000 in bench/year.py's year),
    too many for a query, or even an object, each."""
    counts = select(FlagEvidence.flag_id, func.count().label("answers")).group_by(col(FlagEvidence.flag_id)).subquery()
    query = (
        core_select(
            col(Flag.id),
            col(Flag.project_id),
            col(Flag.need),
            col(Flag.severity),
            col(Flag.status),
            col(Flag.opened_at),
            col(Flag.acknowledged_at),
            col(Flag.closed_at),
            col(Flag.escalated_at),
            col(Flag.follow_up),
            func.coalesce(counts.c.answers, 0),
        )
        .join(counts, counts.c.flag_id == Flag.id, isouter=True)
        .where(*_matching(project_ids, statuses, need, opened_from, opened_to))
        .order_by(col(Flag.opened_at), col(Flag.id))
    )
    return [ExportedFlag(*row) for row in session.execute(query)]


def _matching(
    project_ids: list[str] | None,
    statuses: list[str] | None,
    need: str | None,
    opened_from: datetime | None,
    opened_to: datetime | None,
) -> list[ColumnElement[bool]]:
    """The lists' and exports' filters, as conditions on the flag."""
    conditions: list[ColumnElement[bool]] = []
    if project_ids is not None:
        conditions.append(col(Flag.project_id).in_(project_ids))
    if statuses:
        conditions.append(col(Flag.status).in_(statuses))
    if need:
        conditions.append(col(Flag.need) == need)
    if opened_from is not None:
        conditions.append(col(Flag.opened_at) >= opened_from)
    if opened_to is not None:
        conditions.append(col(Flag.opened_at) < opened_to)
    return conditions


def follow_ups_due(session: Session, person_ids: Iterable[int]) -> dict[int, list[Flag]]:
    """Resolved flags whose partner has not yet been asked whether the need is met, by partner."""
    ids = list(person_ids)
    due: dict[int, list[Flag]] = {}
    if not ids:
        return due
    query = select(Flag).where(col(Flag.person_id).in_(ids), Flag.status == "resolved", Flag.follow_up == "pending")
    for flag in session.exec(query.order_by(col(Flag.id))):
        due.setdefault(flag.person_id, []).append(flag)  # type: ignore[arg-type]
    return due


# -- what a staff member (or a partner sending /idea) is asked and the bot waits on --


def set_prompt(session: Session, person_id: int, kind: str, subject_id: int, now: datetime) -> StaffPrompt | None:
    """Remember what this person's next plain message is for (one at a time).  Returns the
    prompt it replaced, if any (the caller tells them the earlier one was dropped)."""
    prompt = get_prompt(session, person_id)
    replaced = None
    if prompt is None:
        session.add(StaffPrompt(person_id=person_id, kind=kind, subject_id=subject_id, asked_at=now))
    else:
        if (prompt.kind, prompt.subject_id) != (kind, subject_id):
            replaced = StaffPrompt(person_id=person_id, kind=prompt.kind, subject_id=prompt.subject_id)
        prompt.kind, prompt.subject_id, prompt.asked_at, prompt.draft = kind, subject_id, now, None
    session.flush()
    return replaced


def set_draft(session: Session, prompt: StaffPrompt, draft: str | None, now: datetime) -> None:
    """What they wrote, waiting for Send (None: asked again, after Edit); the 30 minutes start again."""
    prompt.draft, prompt.asked_at = draft, now
    session.add(prompt)
    session.flush()


def prompts_asked_before(session: Session, cutoff: datetime, kinds: Sequence[str]) -> list[StaffPrompt]:
    """Prompts of these kinds nobody answered since ``cutoff`` (they expire)."""
    query = select(StaffPrompt).where(col(StaffPrompt.asked_at) < cutoff)
    return [prompt for prompt in session.exec(query).all() if prompt.kind.split(":")[0] in kinds]


def get_prompt(session: Session, person_id: int) -> StaffPrompt | None:
    return session.get(StaffPrompt, person_id)


def clear_prompt(session: Session, prompt: StaffPrompt) -> None:
    session.delete(prompt)
    session.flush()


CORRECTION_FLOW = "correction"


def add_correction(session: Session, answer: Answer, person: Person, text: str, now: datetime) -> bool:
    """A partner changed an answer after its check-in closed: each flag it was evidence for
    gets the corrected words as new evidence, and is alerted again.  True if there was one."""
    flag_ids = session.exec(select(FlagEvidence.flag_id).where(FlagEvidence.answer_id == answer.id)).all()
    if not flag_ids or not text:
        return False
    correction = Answer(
        person_id=person.id,
        project_id=answer.project_id,
        flow_id=CORRECTION_FLOW,
        flow_version="1",
        step_id=answer.step_id,
        question=f"Corrected answer to: {answer.question}",
        value=text,
        display=text,
        answered_at=now,
    )
    session.add(correction)
    session.flush()
    for flag_id in flag_ids:
        flag = session.get(Flag, flag_id)
        if flag is None:
            continue
        session.add(FlagEvidence(flag_id=flag_id, answer_id=correction.id))  # type: ignore[arg-type]
        session.add(FlagEvent(flag_id=flag_id, action="corrected", actor_person_id=person.id, note=text, at=now))
        flag.alerted_at, flag.updated_at = None, now
    return True
