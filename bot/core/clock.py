"""Time as a dependency, so tests and the demo can move it forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Real time plus an offset that only moves forward: the demo and the tests
    "wait a week" in an instant while everything else keeps ticking normally."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = (start - datetime.now(UTC)) if start else timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError("time only moves forward")
        self._offset += by

    def advance_to(self, moment: datetime) -> None:
        self.advance(max(moment - self.now(), timedelta(0)))


def parse_since(text: str, now: datetime) -> datetime:
    """ "2026-11-01", "2026-11-01T09:00" or a span back from now: "7d", "12h", "2w"."""
    span = parse_span(text)
    if span is not None:
        return now - span
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_span(text: str) -> timedelta | None:
    """ "7d", "12h", "2w"; a plain number is days.  None if it is not a span."""
    text = text.strip().lower()
    units = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "d")
    if not number.isdigit() or int(number) <= 0:
        return None
    return int(number) * units[unit]
