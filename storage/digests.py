"""Read-only queries behind facilitators' digests: who has gone quiet, trends, and
anonymous answers (only ever counted, never listed)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Answer, FlagEvidence, Membership, Person


def partners_of(session: Session, project_ids: list[str]) -> list[tuple[str, Person]]:
    """Active partner memberships as (project id, person)."""
    rows = session.exec(
        select(Membership.project_id, Person)
        .join(Person, col(Person.id) == Membership.person_id)
        .where(col(Membership.project_id).in_(project_ids), Membership.role == "partner", Membership.status == "active")
        .order_by(col(Person.id))
    ).all()
    return [(project_id, person) for project_id, person in rows]


def last_answer_at(session: Session, person_ids: list[int]) -> dict[int, datetime]:
    """When each partner last answered anything (anonymous answers do not count: they have no owner)."""
    if not person_ids:
        return {}
    rows = session.exec(
        select(Answer.person_id, func.max(Answer.answered_at))
        .where(col(Answer.person_id).in_(person_ids))
        .group_by(col(Answer.person_id))
    ).all()
    return {person_id: at if at.tzinfo else at.replace(tzinfo=UTC) for person_id, at in rows if person_id is not None}


def flagged_answers(
    session: Session, project_id: str, steps: set[tuple[str, str]], since: datetime
) -> list[tuple[Answer, bool]]:
    """Answers to steps that carry a flag rule, each with whether it raised a flag."""
    if not steps:
        return []
    answers = session.exec(
        select(Answer).where(
            Answer.project_id == project_id, Answer.answered_at >= since, ~col(Answer.skipped), ~col(Answer.anonymous)
        )
    ).all()
    wanted = [a for a in answers if (a.flow_id, a.step_id) in steps]
    raised = (
        set(
            session.exec(
                select(FlagEvidence.answer_id).where(col(FlagEvidence.answer_id).in_([a.id for a in wanted]))
            ).all()
        )
        if wanted
        else set()
    )
    return [(answer, answer.id in raised) for answer in wanted]


def anonymous_counts(
    session: Session, project_id: str, since: datetime
) -> dict[tuple[str, str], tuple[str, Counter[str]]]:
    """Anonymous answers since a time, per (flow, step): the question and how many gave each answer.

    Each partner answers a step once per check-in, so the total is the number of
    partners who answered in the period (the pulse comes monthly)."""
    rows = session.exec(
        select(Answer)
        .where(
            Answer.project_id == project_id, col(Answer.anonymous), ~col(Answer.skipped), Answer.answered_at >= since
        )
        .order_by(col(Answer.id))
    ).all()
    result: dict[tuple[str, str], tuple[str, Counter[str]]] = {}
    for answer in rows:
        _, counts = result.setdefault((answer.flow_id, answer.step_id), (answer.question, Counter()))
        counts[answer.display] += 1
    return result


def facilitator_memberships(session: Session) -> list[Membership]:
    """Active facilitator memberships of people Telegram can reach, locked for this tick."""
    return list(
        session.exec(
            select(Membership)
            .join(Person, col(Person.id) == Membership.person_id)
            .where(Membership.role == "facilitator", Membership.status == "active", Person.status == "active")
            .order_by(col(Membership.id))
            .with_for_update(skip_locked=True, of=Membership)
        )
    )
