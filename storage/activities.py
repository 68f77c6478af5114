"""Activities (sessions, meetings) that after-activity check-ins follow."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from storage.models import Activity


def add_activity(session: Session, project_id: str, held_on: date, note: str = "") -> Activity:
    activity = Activity(project_id=project_id, held_on=held_on, note=note)
    session.add(activity)
    session.flush()
    return activity


def activity_dates(session: Session, project_id: str, since: date) -> list[date]:
    """The project's activity dates from ``since`` on, oldest first."""
    return list(
        session.exec(
            select(col(Activity.held_on))
            .where(Activity.project_id == project_id, col(Activity.held_on) >= since)
            .order_by(col(Activity.held_on))
            .distinct()
        )
    )
