"""Activities (sessions, meetings) that after- and before-activity check-ins follow."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from storage.models import Activity


def add_activity(session: Session, project_id: str, held_on: date, note: str = "") -> Activity:
    activity = Activity(project_id=project_id, held_on=held_on, note=note)
    session.add(activity)
    session.flush()
    return activity


def activities_since(session: Session, project_id: str, since: date) -> list[tuple[int, date]]:
    """The project's activities from ``since`` on, as (id, date), oldest first."""
    rows = session.exec(
        select(col(Activity.id), col(Activity.held_on))
        .where(Activity.project_id == project_id, col(Activity.held_on) >= since)
        .order_by(col(Activity.held_on), col(Activity.id))
    )
    return [(activity_id, held_on) for activity_id, held_on in rows if activity_id is not None]


def list_activities(session: Session, project_id: str | None = None) -> list[Activity]:
    """Every activity (or one project's), by date."""
    query = select(Activity).order_by(col(Activity.held_on), col(Activity.id))
    if project_id is not None:
        query = query.where(Activity.project_id == project_id)
    return list(session.exec(query))


def get_activity(session: Session, activity_id: int) -> Activity | None:
    return session.get(Activity, activity_id)


def delete_activity(session: Session, activity: Activity) -> None:
    """Its check-ins already sent keep their answers and lose the link (ON DELETE SET NULL)."""
    session.delete(activity)
    session.flush()
