"""The influence ledger: partners' ideas and what came of them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Idea


def add_idea(session: Session, project_id: str, person_id: int, text: str, now: datetime) -> Idea:
    idea = Idea(project_id=project_id, person_id=person_id, text=text, created_at=now)
    session.add(idea)
    session.flush()
    return idea


def get_idea(session: Session, idea_id: int) -> Idea | None:
    return session.get(Idea, idea_id)


def decide(session: Session, idea: Idea, status: str, outcome: str, decided_by: int, now: datetime) -> None:
    idea.status, idea.outcome, idea.decided_by, idea.decided_at = status, outcome, decided_by, now


def to_report(session: Session, decided_before: datetime) -> list[Idea]:
    """Decided ideas the partner has not yet heard about, by partner, oldest first."""
    return list(
        session.exec(
            select(Idea)
            .where(
                col(Idea.decided_at) < decided_before, col(Idea.reported_at).is_(None), col(Idea.person_id).is_not(None)
            )
            .order_by(col(Idea.person_id), col(Idea.id))
            .with_for_update(skip_locked=True)
        )
    )
