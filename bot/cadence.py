"""When a schedule next comes due, in the partner's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import DAYS, Schedule


def next_due(schedule: Schedule, timezone: str, after: datetime) -> datetime:
    """The first moment strictly after ``after`` that the schedule allows, in UTC.

    Local wall-clock time is kept across daylight-saving changes: a 10:00 check-in
    stays at 10:00 local time the week after the clocks change."""
    zone = ZoneInfo(timezone)
    local_after = after.astimezone(zone)
    allowed = set(range(7)) if schedule.cadence == "daily" else {DAYS.index(day) for day in schedule.days}
    for days_ahead in range(0, 8):
        day = local_after.date() + timedelta(days=days_ahead)
        if day.weekday() not in allowed:
            continue
        candidate = datetime.combine(day, schedule.time, tzinfo=zone)
        if candidate > local_after:
            return candidate.astimezone(UTC)
    raise AssertionError("a schedule with no days")  # config validation prevents this
