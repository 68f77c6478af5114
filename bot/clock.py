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
