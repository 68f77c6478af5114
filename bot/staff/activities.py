"""Recording an activity (a session, a meeting), which after-activity check-ins follow."""

from __future__ import annotations

from datetime import date

from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.schedules import schedule_next
from storage import activities, projects
from storage.db import Database


def record_activity(
    settings: Settings, project_id: str, held_on: date, note: str = "", clock: Clock | None = None
) -> int:
    """Store the activity and put its check-in on each partner's calendar.
    Returns how many partners it was scheduled for."""
    project = settings.project(project_id)
    assert project is not None
    now = (clock or SystemClock()).now()
    db = Database(settings.storage.url)
    db.check_schema()
    flows = [schedule.flow for schedule in project.schedules if schedule.cadence == "after_activity"]
    with db.session() as session:
        projects.sync_project(session, project.id, project.name, project.timezone)
        activities.add_activity(session, project_id, held_on, note)
        partners = projects.people_with_role(session, project_id, "partner")
        for person in partners:
            for flow_id in flows:
                schedule_next(session, settings, person, project_id, flow_id, now)
    db.dispose()
    return len(partners) if flows else 0
