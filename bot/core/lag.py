"""How long partners' messages have lately waited for this process, so a big round
of check-ins opens only as fast as the bot can answer the partners already talking
(see bot/jobs.open_due_checkins).

A gauge in memory, per process: a restart starts it at zero, which only means the
next round opens at full speed until the first answers come back."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

#: the recent wait is the longest noted in the current and the previous window
WINDOW_SECONDS = 1.0


class Lag:
    """The longest a partner's message waited before it was handled, lately."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._window_start = monotonic()
        self._current = self._previous = 0.0

    def note_sent(self, sent_at: datetime) -> None:
        """A partner's message, dated ``sent_at`` by Telegram, is being handled now.
        Telegram dates in whole seconds, rounded down: the wait noted errs long, by
        up to a second, never short."""
        self._roll()
        self._current = max(self._current, time.time() - sent_at.timestamp())

    def recent(self) -> float:
        """Seconds: the longest wait noted in the last one or two windows, 0 if none."""
        self._roll()
        return max(self._current, self._previous)

    def _roll(self) -> None:
        now = self._monotonic()
        elapsed = now - self._window_start
        if elapsed >= WINDOW_SECONDS:
            self._previous = self._current if elapsed < 2 * WINDOW_SECONDS else 0.0
            self._current, self._window_start = 0.0, now
