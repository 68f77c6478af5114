"""Putting a partner's next check-in on the calendar, from the project's schedules
and the partner's own preferences (bot.core.cadence works out the time).

One check-in of a flow is on a partner's calendar at a time.  The next is planned
when they join (bot.partners.onboarding), when one ends (conversation, reminders,
controls), when their timing preferences change (settings), when an activity is
recorded or removed (bot.staff.activities) and when the bot starts
(:func:`fill_calendars`), so a schedule added to the config reaches the partners
who joined before it."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core import texts
from bot.core.cadence import MAX_MOVE, Preferences, next_due
from bot.core.config import ACTIVITY_CADENCES, ProjectSettings, Schedule, Settings
from bot.core.preferences import preferences_of
from storage import activities, checkins
from storage.models import Person
from storage.people import PartnerRow

log = logging.getLogger(__name__)


def schedule_next(
    session: Session, settings: Settings, person: Person | PartnerRow, project_id: str, flow_id: str, now: datetime
) -> None:
    """Make sure the partner has their next check-in of this flow on the calendar."""
    project = settings.project(project_id)
    if project is None or checkins.has_next_scheduled(session, person.id, project_id, flow_id):  # type: ignore[arg-type]
        return
    due, activity_id = _plan(session, project, flow_id, person, now)
    if due is not None:
        checkins.queue_checkin(session, person.id, project_id, flow_id, due, activity_id)  # type: ignore[arg-type]


def replan_for_activities(
    session: Session, settings: Settings, person: Person, project_id: str, flow_id: str, now: datetime
) -> None:
    """After an activity is recorded: one that comes sooner than the activity check-in
    on the calendar takes its place (the later one is planned again when it is over)."""
    project = settings.project(project_id)
    planned = checkins.next_scheduled(session, person.id, project_id, flow_id)  # type: ignore[arg-type]
    if project is None or planned is None:
        schedule_next(session, settings, person, project_id, flow_id, now)
        return
    if planned.activity_id is None or planned.state:  # not from an activity, or held for consent
        return
    due, activity_id = _plan(session, project, flow_id, person, now)
    if due is not None and due < planned.due_at:
        session.delete(planned)
        session.flush()
        checkins.queue_checkin(session, person.id, project_id, flow_id, due, activity_id)  # type: ignore[arg-type]


#: the partner's columns that move when their check-ins come
TIMING_COLUMNS = {"preferred_days", "preferred_window", "quiet_hours", "timezone"}


def replan_calendar(session: Session, settings: Settings, person: Person | PartnerRow, now: datetime) -> None:
    """New timing preferences apply to the check-ins already on the calendar (those held
    for consent stay held)."""
    for checkin in checkins.scheduled_for(session, person.id):  # type: ignore[arg-type]
        if checkin.state:
            continue
        project_id, flow_id = checkin.project_id, checkin.flow_id
        session.delete(checkin)
        session.flush()
        schedule_next(session, settings, person, project_id, flow_id, now)


def fill_calendars(session: Session, settings: Settings, now: datetime) -> None:
    """At start: every active partner gets each of their project's schedules that has
    nothing on their calendar; a ``once`` flow only if they never had it."""
    checkins.fill_alone(session)
    planned = 0
    for project in settings.projects:
        for schedule in project.schedules:
            if schedule.cadence in ACTIVITY_CADENCES and not activities.activities_since(
                session, project.id, _activities_from(schedule, now)
            ):
                continue  # no activity to plan for: spare a look at every partner
            once = schedule.cadence == "once"
            for person in checkins.partners_without(session, project.id, schedule.flow, ever=once):
                schedule_next(session, settings, person, project.id, schedule.flow, now)
                planned += 1
    if planned:
        log.info("looked at %d partner calendar(s) missing a schedule", planned)


def _plan(
    session: Session, project: ProjectSettings, flow_id: str, person: Person | PartnerRow, now: datetime
) -> tuple[datetime | None, int | None]:
    """When the flow's next check-in is due for this partner, and the activity it is for."""
    schedule = next((s for s in project.schedules if s.flow == flow_id), None)
    if schedule is None:
        return None, None
    prefs, seed = preferences_of(person), f"{person.id}:{flow_id}"
    if schedule.cadence in ACTIVITY_CADENCES:
        return _plan_for_activity(session, project, schedule, person, now, prefs, seed)
    if schedule.cadence == "once":
        if checkins.had_checkin(session, person.id, project.id, flow_id):  # type: ignore[arg-type]
            return None, None
        away = person.away_until if isinstance(person, Person) else None
        now = max(now, away) if away is not None else now  # not while they are away
    return next_due(schedule, project.timezone, now, prefs=prefs, seed=seed), None


def _plan_for_activity(
    session: Session,
    project: ProjectSettings,
    schedule: Schedule,
    person: Person | PartnerRow,
    now: datetime,
    prefs: Preferences,
    seed: str,
) -> tuple[datetime | None, int | None]:
    """The soonest check-in for an activity this partner has not had one for."""
    served = checkins.activities_served(session, person.id, project.id, schedule.flow)  # type: ignore[arg-type]
    best: tuple[datetime | None, int | None] = (None, None)
    for activity_id, held_on in activities.activities_since(session, project.id, _activities_from(schedule, now)):
        if activity_id in served:
            continue
        due = next_due(schedule, project.timezone, now, prefs=prefs, seed=seed, activity_dates=[held_on])
        if due is not None and (best[0] is None or due < best[0]):
            best = (due, activity_id)
    return best


def _activities_from(schedule: Schedule, now: datetime) -> date:
    """The earliest activity date that may still have a check-in to come."""
    back = schedule.days_after + 1 + MAX_MOVE if schedule.cadence == "after_activity" else 1
    return (now - timedelta(days=back)).date()


def next_checkin_line(session: Session, settings: Settings, person: Person) -> str:
    """What /settings says will happen: the partner's next check-in really on the calendar,
    in their time zone ("Your next check-in: Tuesday 3 March, around 2pm")."""
    if person.paused:
        return texts.NEXT_CHECKIN_PAUSED
    away = person.away_until
    upcoming = [
        row
        for row in checkins.scheduled_for(session, person.id)  # type: ignore[arg-type]
        if away is None or row.due_at >= away  # due while they are away: recorded as missed
    ]
    if not upcoming:
        return texts.NEXT_CHECKIN_NONE
    row = upcoming[0]
    project = settings.project(row.project_id)
    zone = ZoneInfo(person.timezone or (project.timezone if project else "UTC"))
    return texts.NEXT_CHECKIN.format(when=friendly_moment(row.due_at.astimezone(zone)))


def friendly_moment(local: datetime) -> str:
    """ "Tuesday 3 March, around 2pm": the day in words and the time to the nearest quarter
    hour (pacing and quiet hours may move it a little).  English for now."""
    rounded = (local + timedelta(minutes=7, seconds=30)).replace(second=0, microsecond=0)
    rounded -= timedelta(minutes=rounded.minute % 15)
    hour = rounded.hour % 12 or 12
    minutes = "" if rounded.minute == 0 else f":{rounded.minute:02d}"
    return f"{rounded:%A} {rounded.day} {rounded:%B}, around {hour}{minutes}{'am' if rounded.hour < 12 else 'pm'}"
