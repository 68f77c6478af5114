"""Putting a partner's next check-in on the calendar, from the project's schedules
and the partner's own preferences (bot.core.cadence works out the time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core.cadence import next_due
from bot.core.config import Settings
from bot.core.preferences import preferences_of
from storage import activities, checkins
from storage.models import Person
from storage.people import PartnerRow


def schedule_next(
    session: Session, settings: Settings, person: Person | PartnerRow, project_id: str, flow_id: str, now: datetime
) -> None:
    """Make sure the partner has their next check-in of this flow on the calendar."""
    project = settings.project(project_id)
    if project is None or checkins.has_next_scheduled(session, person.id, project_id, flow_id):  # type: ignore[arg-type]
        return
    for schedule in project.schedules:
        if schedule.flow == flow_id:
            since = (now - timedelta(days=schedule.days_after + 1)).date()
            held = activities.activity_dates(session, project_id, since) if schedule.cadence == "after_activity" else ()
            due = next_due(
                schedule,
                project.timezone,
                now,
                prefs=preferences_of(person),
                seed=f"{person.id}:{flow_id}",
                activity_dates=held,
            )
            if due is not None:
                checkins.queue_checkin(session, person.id, project_id, flow_id, due)  # type: ignore[arg-type]
            return
