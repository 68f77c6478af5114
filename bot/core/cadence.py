"""When a check-in next comes due, in the partner's own time zone.

Pure: no database, no Telegram.  Every schedule is worked out in local wall-clock
time and only then turned into one UTC instant, so the days the clocks change
neither double nor drop a check-in."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import count
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.core.config import DAYS, Schedule

Window = tuple[time, time]


@dataclass(frozen=True)
class Preferences:
    """What a partner chose at onboarding; None leaves it to the project.

    ``days`` are weekday numbers (0 is Monday); they narrow daily and weekly
    schedules (dated ones, monthly, cron and after_activity, keep their dates).
    ``window`` is a same-day (start, end); it narrows a schedule's window.  Both
    apply only where they overlap the schedule, which the coordinator set.
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
    """The first moment strictly after ``after`` (aware) that the schedule allows, in UTC.

    ``seed`` (use "person_id:flow_id") picks the partner's own time inside a
    window, the same on every recomputation.  None: an after_activity schedule
    with no activity still to come."""
    prefs = prefs or Preferences()
    zone = ZoneInfo(prefs.timezone or project_timezone)
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
        if schedule.window is None:
            yield datetime.combine(day, schedule.time)
        else:
            yield _spread(_narrow(schedule.window, prefs.window), seed, day)


def _dates(schedule: Schedule, prefs: Preferences, start: date, activity_dates: Sequence[date]) -> Iterable[date]:
    if schedule.cadence == "after_activity":
        due_dates = {activity + timedelta(days=schedule.days_after) for activity in activity_dates}
        return sorted(day for day in due_dates if day >= start)
    days = (start + timedelta(days=n) for n in count())
    if schedule.cadence == "monthly":
        return (day for day in days if _is_day_of_month(day, schedule.day_of_month))
    weekdays = set(range(7)) if schedule.cadence == "daily" else {DAYS.index(day) for day in schedule.days}
    if prefs.days and weekdays & prefs.days:
        weekdays &= prefs.days
    return (day for day in days if day.weekday() in weekdays)


def _is_day_of_month(day: date, day_of_month: int | str) -> bool:
    if day_of_month == "last":
        return (day + timedelta(days=1)).month != day.month
    return day.day == day_of_month


def _narrow(window: Window, preferred: Window | None) -> Window:
    """The partner's preferred window inside the schedule's, when the two overlap."""
    if preferred is None:
        return window
    start, end = max(window[0], preferred[0]), min(window[1], preferred[1])
    return (start, end) if start < end else window


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
