"""Flags: unmet needs, their evidence and their history."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Answer, Flag, FlagEvent, FlagEvidence, Person

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
) -> Flag:
    """Open a flag, or add evidence to the partner's open flag for the same need.

    A repeat report never makes a duplicate; it raises the severity if the new
    report is more serious."""
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
        flag = Flag(project_id=project_id, person_id=person_id, need=need, severity=severity, note=note, opened_at=now, updated_at=now)
        session.add(flag)
        session.flush()
        action = "opened"
    else:
        if _SEVERITY_RANK[severity] > _SEVERITY_RANK.get(flag.severity, 0):
            flag.severity = severity
        flag.updated_at = now
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
            .order_by(Answer.id)
        )
    )


def flags_not_alerted(session: Session, project_id: str) -> list[Flag]:
    return list(
        session.exec(
            select(Flag).where(
                Flag.project_id == project_id, col(Flag.alerted_at).is_(None), col(Flag.status).in_(OPEN_STATUSES)
            )
        )
    )


def mark_alerted(session: Session, flags: list[Flag], now: datetime) -> None:
    for flag in flags:
        flag.alerted_at = now
