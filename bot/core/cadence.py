"""When a check-in next comes due, in the partner's own time zone.

Pure: no database, no Telegram.  Every schedule is worked out in local wall-clock
time and only then turned into one UTC instant, so the days the clocks change
neither double nor drop a check-in.

The coordinator's schedule says how often; the partner's preferences say when:

- Days.  Each day the schedule plans moves to the partner's nearest preferred
  day, counted either way (so at most three days); at equal distance the later
  day wins, so a tie never comes before the coordinator's day.  A weekly Monday
  check-in goes on Tuesday for a partner who prefers Tuesdays and on the Friday
  before for one who prefers Fridays: still once a week (two planned days that
  land on the same day give one check-in).  Daily becomes each of their days;
  monthly moves its day the same way, even into the next or previous month.
  after_activity and before_activity move too, but never across the activity
  (with no preferred day within three days on the right side they keep theirs).
  A cron expression is exact: it keeps its days and times.
- Times.  A schedule's window is intersected with the partner's, and each partner
  gets their own minute in what is left.  A window or fixed time that does not
  meet theirs goes at the edge of the partner's window nearest to it (planned
  10:00-12:00, preferred 14:00-16:00: 14:00), so their hours hold and the plan
  moves as little as it can.
- Quiet hours delay, never drop: what falls in them goes when they end.
- once: sent when the partner joins (or when a coordinator adds it, for partners
  already there): at once if that is a good time (one of their days, inside the
  narrowed window if there is one, outside quiet hours), else at the next good
  time: the window's start on their next good day, or 10:00 when there is no window.
- before_activity: ``days_before`` days before each activity.  An activity recorded
  too late for that day (or whose earlier check-in ran on) gets it on the first
  day that still can, before the activity (on the day itself when ``days_before`` is 0).
  after_activity: ``days_after`` days after, and never late."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import count
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.core.config import ACTIVITY_CADENCES, DAYS, Schedule

Window = tuple[time, time]
#: the farthest a planned day moves to reach a partner's preferred day (half a week)
MAX_MOVE = 3


@dataclass(frozen=True)
class Preferences:
    """What a partner chose at onboarding; None leaves it to the project.

    ``days`` are weekday numbers (0 is Monday) and ``window`` a same-day (start,
    end): they move the schedule's days and times (see the module's docstring).
    ``quiet`` may cross midnight (21:00-08:00); it delays, never drops."""

    timezone: str | None = None
    days: set[int] | None = None
    window: Window | None = None
    quiet: Window | None = None

    def __post_init__(self) -> None:
        if self.window is not None and self.window[0] >= self.window[1]:
            raise ValueError("a preferred window must start before it ends, on the same day")
        if self.quiet is not None and self.quiet[0] == self.quiet[1]:
            raise ValueError("quiet hours must start and end at different times")


def next_due(
    schedule: Schedule,
    project_timezone: str,
    after: datetime,
    *,
    prefs: Preferences | None = None,
    seed: int | str = 0,
    activity_dates: Sequence[date] = (),
) -> datetime | None:
    """The first moment strictly after ``after`` (aware) that the schedule allows, in UTC;
    for ``once``, the first good moment from ``after`` on (it may be ``after`` itself).

    ``seed`` (use "person_id:flow_id") picks the partner's own time inside a
    window, the same on every recomputation.  None: an activity schedule with no
    activity still to come."""
    prefs = prefs or Preferences()
    zone = ZoneInfo(prefs.timezone or project_timezone)
    if schedule.cadence == "once":
        wall = _first_good(schedule, prefs, after.astimezone(zone).replace(tzinfo=None))
        return _after_quiet(prefs.quiet, after if wall is None else max(after, _to_utc(wall, zone)), zone)
    # A day early: quiet hours may have pushed yesterday's check-in past ``after``.
    start = after.astimezone(zone).date() - timedelta(days=1)
    for wall in _walls(schedule, prefs, seed, start, activity_dates):
        due = _after_quiet(prefs.quiet, _to_utc(wall, zone), zone)
        if due > after:
            return due
    return None


def in_quiet_hours(prefs: Preferences | None, moment: datetime, project_timezone: str) -> bool:
    """Whether the partner asked for nothing to be sent at ``moment`` (aware)."""
    if prefs is None or prefs.quiet is None:
        return False
    zone = ZoneInfo(prefs.timezone or project_timezone)
    return _quiet_end(prefs.quiet, moment.astimezone(zone).replace(tzinfo=None)) is not None


def after_quiet_hours(prefs: Preferences | None, moment: datetime, project_timezone: str) -> datetime:
    """``moment`` in UTC, or the end of the quiet hours it falls in: a send waits, never drops."""
    if prefs is None:
        return moment.astimezone(UTC)
    return _after_quiet(prefs.quiet, moment, ZoneInfo(prefs.timezone or project_timezone))


def _after_quiet(quiet: Window | None, moment: datetime, zone: ZoneInfo) -> datetime:
    end = None if quiet is None else _quiet_end(quiet, moment.astimezone(zone).replace(tzinfo=None))
    if end is None:
        return moment.astimezone(UTC)
    instant = _to_utc(end, zone)
    if instant <= moment:  # the clocks went back: the wall clock reaches ``end`` a second time
        instant = end.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return instant


def _quiet_end(quiet: Window, wall: datetime) -> datetime | None:
    """The wall-clock end of the quiet period ``wall`` falls in, or None outside one."""
    start, end = quiet
    now = wall.time()
    if start < end:
        return datetime.combine(wall.date(), end) if start <= now < end else None
    if now >= start:
        return datetime.combine(wall.date() + timedelta(days=1), end)
    return datetime.combine(wall.date(), end) if now < end else None


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as one UTC instant.

    When the clocks go back the time comes twice: the first (fold=0) is used, so
    it is sent once.  When they go forward it may not exist: the first moment
    after the gap is used, so it is not lost."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # In the gap fold=1 reads the time with the offset after the change (too early)
    # and fold=0 with the one before (too late); the change lies between.
    low = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    high = int(instant.timestamp())
    after_offset = instant.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _walls(
    schedule: Schedule, prefs: Preferences, seed: int | str, start: date, activity_dates: Sequence[date]
) -> Iterator[datetime]:
    """The schedule's local wall-clock times from ``start`` on, in order."""
    if schedule.cadence == "cron":
        assert schedule.cron is not None  # config validation
        yield from _cron_walls(schedule.cron, start)
        return
    for day in _dates(schedule, prefs, start, activity_dates):
        yield _time_on(schedule, prefs, seed, day)


def _time_on(schedule: Schedule, prefs: Preferences, seed: int | str, day: date) -> datetime:
    """The schedule's time on ``day``, moved into the partner's window."""
    if prefs.window is None and schedule.window is None:
        return datetime.combine(day, schedule.time)
    planned = schedule.window or (schedule.time, schedule.time)
    return _spread(_narrow(planned, prefs.window), seed, day)


def _dates(schedule: Schedule, prefs: Preferences, start: date, activity_dates: Sequence[date]) -> Iterable[date]:
    """The days of the schedule from ``start`` on, moved to the partner's days, in order."""
    if schedule.cadence in ACTIVITY_CADENCES:
        days = {day for activity in activity_dates for day in _activity_days(schedule, prefs, activity)}
        return sorted(day for day in days if day >= start)
    # a planned day up to three days back may move to a preferred day from ``start`` on
    planned = (start - timedelta(days=MAX_MOVE) + timedelta(days=n) for n in count())
    if schedule.cadence == "monthly":
        planned = (day for day in planned if _is_day_of_month(day, schedule.day_of_month))
    elif schedule.cadence == "weekly":
        weekdays = {DAYS.index(day) for day in schedule.days}
        planned = (day for day in planned if day.weekday() in weekdays)
    preferred = prefs.days
    moved = planned if not preferred else (_nearest_day(day, preferred) for day in planned)
    return _once_each(day for day in moved if day >= start)


def _activity_days(schedule: Schedule, prefs: Preferences, activity: date) -> list[date]:
    """The day (or, before an activity, the days it may still go) for one activity, on the
    right side of it: after_activity after it, before_activity before it."""
    if schedule.cadence == "after_activity":
        earliest = activity + timedelta(days=min(schedule.days_after, 1))
        planned = activity + timedelta(days=schedule.days_after)
        return [_nearest_day(planned, prefs.days, earliest=earliest) if prefs.days else planned]
    latest = activity - timedelta(days=min(schedule.days_before, 1))
    planned = activity - timedelta(days=schedule.days_before)
    first = _nearest_day(planned, prefs.days, latest=latest) if prefs.days else planned
    later = [first + timedelta(days=n) for n in range(1, (latest - first).days + 1)]
    liked = [day for day in later if prefs.days and day.weekday() in prefs.days]
    return [first, *(liked or later)]


def _nearest_day(day: date, preferred: set[int], *, earliest: date = date.min, latest: date = date.max) -> date:
    """The preferred weekday nearest ``day`` between ``earliest`` and ``latest``; the later
    of two as near; ``day`` itself when none is within MAX_MOVE days."""
    for distance in range(MAX_MOVE + 1):
        for candidate in (day + timedelta(days=distance), day - timedelta(days=distance)):
            if candidate.weekday() in preferred and earliest <= candidate <= latest:
                return candidate
    return day


def _once_each(days: Iterable[date]) -> Iterator[date]:
    """Days in order with repeats dropped: two planned days moved to one give one check-in."""
    last = None
    for day in days:
        if day != last:
            yield day
        last = day


def _first_good(schedule: Schedule, prefs: Preferences, wall: datetime) -> datetime | None:
    """For ``once``: None when ``wall`` is already a good time, else the next good one
    (the good hours' start on a good day; 10:00 when no window applies)."""
    hours = _good_hours(schedule.window, prefs.window)
    today = wall.date()
    good_day = not prefs.days or today.weekday() in prefs.days
    if good_day and (hours is None or hours[0] <= wall.time() <= hours[1]):
        return None
    if good_day and hours is not None and wall.time() < hours[0]:
        return datetime.combine(today, hours[0])
    day = next(
        today + timedelta(days=n)
        for n in count(1)
        if not prefs.days or (today + timedelta(days=n)).weekday() in prefs.days
    )
    return datetime.combine(day, hours[0] if hours is not None else schedule.time)


def _good_hours(window: Window | None, preferred: Window | None) -> Window | None:
    if window is None or preferred is None:
        return window or preferred
    return _narrow(window, preferred)


def _is_day_of_month(day: date, day_of_month: int | str) -> bool:
    if day_of_month == "last":
        return (day + timedelta(days=1)).month != day.month
    return day.day == day_of_month


def _narrow(window: Window, preferred: Window | None) -> Window:
    """The partner's preferred window inside the schedule's; when the two do not meet,
    the edge of the partner's window nearest the schedule's (a window of no width)."""
    if preferred is None:
        return window
    start, end = max(window[0], preferred[0]), min(window[1], preferred[1])
    if start <= end:
        return start, end
    edge = preferred[1] if preferred[1] < window[0] else preferred[0]
    return edge, edge


def _spread(window: Window, seed: int | str, day: date) -> datetime:
    """A minute inside ``window`` on ``day``, the same for the same seed and day,
    so partners' check-ins spread out and recomputing never moves one."""
    start = datetime.combine(day, window[0])
    minutes = max(1, int((datetime.combine(day, window[1]) - start).total_seconds() // 60))
    digest = hashlib.sha256(f"{seed}:{day.isoformat()}".encode()).digest()
    return start + timedelta(minutes=int.from_bytes(digest[:8], "big") % minutes)


@lru_cache(maxsize=64)
def _cron(expr: str) -> CronTrigger:
    return CronTrigger.from_crontab(expr, timezone=UTC)


def _cron_walls(expr: str, start: date) -> Iterator[datetime]:
    """The expression's times as local wall-clock times.  The trigger runs in UTC,
    which has no daylight saving, so it counts wall-clock minutes exactly."""
    trigger = _cron(expr)
    fire = trigger.get_next_fire_time(None, datetime.combine(start, time(), UTC))
    while fire is not None:
        yield fire.replace(tzinfo=None)
        fire = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
