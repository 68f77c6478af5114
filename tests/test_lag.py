"""The gauge a round's opening reads: how long partners' messages waited lately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.lag import WINDOW_SECONDS, Lag


def test_the_recent_wait_is_the_longest_lately_and_is_forgotten_two_windows_on() -> None:
    now = [100.0]
    lag = Lag(monotonic=lambda: now[0])
    assert lag.recent() == 0.0  # nothing handled yet: nobody is waiting
    lag.note_sent(datetime.now(UTC) - timedelta(seconds=3))
    lag.note_sent(datetime.now(UTC) - timedelta(seconds=1))
    assert 3.0 <= lag.recent() < 3.5
    now[0] += WINDOW_SECONDS  # the next window still remembers it
    assert 3.0 <= lag.recent() < 3.5
    lag.note_sent(datetime.now(UTC))
    now[0] += WINDOW_SECONDS  # the long wait is two windows old: only the prompt answer counts
    assert 0.0 <= lag.recent() < 0.5
    now[0] += 2 * WINDOW_SECONDS  # a quiet spell: nothing is waiting
    assert lag.recent() == 0.0
