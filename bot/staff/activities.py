"""Activities (a session, a meeting) a coordinator records: after- and before-activity
check-ins follow them, and removing one takes its check-ins still to come off calendars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.clock import Clock, SystemClock
from bot.core.config import ACTIVITY_CADENCES, Settings
from bot.core.schedules import replan_for_activities, schedule_next
from storage import activities, checkins, people, projects
from storage.db import Database


@dataclass(frozen=True)
class PlannedCheckin:
    """A check-in an activity put on a partner's calendar (partners by id: a list goes to a terminal)."""

    person_id: int
    flow_id: str
    due_at: datetime
    status: str


@dataclass(frozen=True)
class ActivityView:
    id: int
    project_id: str
    held_on: date
    note: str
    checkins: list[PlannedCheckin]


def record_activity(
    settings: Settings, project_id: str, held_on: date, note: str = "", clock: Clock | None = None
) -> int:
    """Store the activity and put its check-ins on each partner's calendar (in place of
    a later activity's, which then follows).  Returns how many partners it concerns."""
    project = settings.project(project_id)
    assert project is not None
    now = (clock or SystemClock()).now()
    db = _database(settings)
    flows = [schedule.flow for schedule in project.schedules if schedule.cadence in ACTIVITY_CADENCES]
    with db.session() as session:
        projects.sync_project(session, project.id, project.name, project.timezone)
        activities.add_activity(session, project_id, held_on, note)
        partners = projects.people_with_role(session, project_id, "partner")
        for person in partners:
            for flow_id in flows:
                replan_for_activities(session, settings, person, project_id, flow_id, now)
    db.dispose()
    return len(partners) if flows else 0


def list_activities(settings: Settings, project_id: str | None = None) -> list[ActivityView]:
    """Activities by date, each with the check-ins it scheduled (sent or not)."""
    db = _database(settings)
    with db.session() as session:
        views = [
            ActivityView(
                activity.id,  # type: ignore[arg-type]
                activity.project_id,
                activity.held_on,
                activity.note,
                [
                    PlannedCheckin(c.person_id, c.flow_id, c.due_at, c.status)
                    for c in checkins.of_activity(session, activity.id)  # type: ignore[arg-type]
                ],
            )
            for activity in activities.list_activities(session, project_id)
        ]
    db.dispose()
    return views


def remove_activity(
    settings: Settings, activity_id: int, clock: Clock | None = None
) -> tuple[ActivityView, int] | None:
    """Delete the activity and its check-ins not yet begun; the partners' next activity
    check-in (for another activity) is planned in their place.  Returns what was removed
    and how many check-ins, or None for an unknown id."""
    now = (clock or SystemClock()).now()
    db = _database(settings)
    try:
        with db.session() as session:
            activity = activities.get_activity(session, activity_id)
            if activity is None:
                return None
            view = ActivityView(activity_id, activity.project_id, activity.held_on, activity.note, [])
            removed = checkins.delete_unsent_of_activity(session, activity_id)
            activities.delete_activity(session, activity)
            for person_id, project_id, flow_id in removed:
                person = people.get_person(session, person_id)
                if person is not None:
                    schedule_next(session, settings, person, project_id, flow_id, now)
    finally:
        db.dispose()
    return view, len(removed)


def _database(settings: Settings) -> Database:
    db = Database(settings.storage.url)
    db.check_schema()
    return db
