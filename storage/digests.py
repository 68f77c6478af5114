"""Read-only queries behind facilitators' digests: who has gone quiet, trends, and
anonymous answers (only ever counted, never listed)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.models import Answer, FlagEvidence, Membership, Person


class PartnerActivity(NamedTuple):
    """What a digest tells of a partner: whether they are unreachable, paused or gone quiet."""

    first_name: str
    status: str
    paused: bool
    created_at: datetime
    #: None: never answered (anonymous answers do not count: they have no owner)
    last_answer_at: datetime | None


def partner_activity(session: Session, project_id: str) -> list[PartnerActivity]:
    """The project's active partners, oldest first, each with when they last answered.

    Columns only, and the last answer is one index seek per partner on (person_id,
    answered_at), not a read of their whole history."""
    latest = core_select(func.max(Answer.answered_at)).where(col(Answer.person_id) == Person.id).scalar_subquery()
    rows = session.execute(
        core_select(col(Person.first_name), col(Person.status), col(Person.paused), col(Person.created_at), latest)
        .join(Membership, col(Membership.person_id) == Person.id)
        .where(
            col(Membership.project_id) == project_id,
            col(Membership.role) == "partner",
            col(Membership.status) == "active",
        )
        .order_by(col(Person.id))
    )
    return [PartnerActivity(*row) for row in rows]


class TrendCount(NamedTuple):
    """One trend line's week: how many answers, how many raised no flag, from how many partners."""

    answers: int
    met: int
    partners: int


def trend_counts(
    session: Session, project_id: str, lines: dict[tuple[str, str], str], weeks: list[datetime]
) -> dict[tuple[str, int], TrendCount]:
    """Answers to the steps in ``lines`` ((flow, step) -> trend line), counted per line and week.

    ``weeks`` are the weeks' starts; an answer belongs to the last week that began at or before
    it.  Counted in SQL: a large project's weeks of answers are tens of thousands of rows, too
    many to bring back one by one."""
    if not lines:
        return {}
    line = case(*((_is_step(flow_id, step_id), name) for (flow_id, step_id), name in lines.items()))
    week = case(
        *((col(Answer.answered_at) < start, index) for index, start in enumerate(weeks[1:])), else_=len(weeks) - 1
    )
    raised = exists().where(col(FlagEvidence.answer_id) == Answer.id)
    rows = session.execute(
        core_select(
            line,
            week,
            func.count(),
            func.sum(case((raised, 0), else_=1)),
            # a partner is a partner however many answers they gave; no partner (-1) counts once too
            func.count(distinct(func.coalesce(Answer.person_id, -1))),
        )
        .where(
            col(Answer.project_id) == project_id,
            col(Answer.answered_at) >= weeks[0],
            ~col(Answer.skipped),
            ~col(Answer.anonymous),
            or_(*(_is_step(flow_id, step_id) for flow_id, step_id in lines)),
        )
        .group_by(line, week)
    ).all()
    return {(name, index): TrendCount(answers, met, partners) for name, index, answers, met, partners in rows}


def _is_step(flow_id: str, step_id: str) -> ColumnElement[bool]:
    return and_(col(Answer.flow_id) == flow_id, col(Answer.step_id) == step_id)


def anonymous_counts(
    session: Session, project_id: str, since: datetime
) -> dict[tuple[str, str], tuple[str, Counter[str]]]:
    """Anonymous answers since a time, per (flow, step): the question and how many gave each answer.

    Each partner answers a step once per check-in, so the total is the number of
    partners who answered in the period (the pulse comes monthly).  Columns only, in
    answer order: the first answer's question, and ties counted in the order first given."""
    rows = session.exec(
        select(Answer.flow_id, Answer.step_id, Answer.question, Answer.display)
        .where(
            Answer.project_id == project_id, col(Answer.anonymous), ~col(Answer.skipped), Answer.answered_at >= since
        )
        .order_by(col(Answer.id))
    ).all()
    result: dict[tuple[str, str], tuple[str, Counter[str]]] = {}
    for flow_id, step_id, question, display in rows:
        _, counts = result.setdefault((flow_id, step_id), (question, Counter()))
        counts[display] += 1
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
