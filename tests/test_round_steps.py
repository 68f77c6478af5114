"""How many check-ins one step of a round may start (bot/jobs.step_size)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from bot.core.runtime import Runtime
from bot.jobs import MAX_STEP, step_size


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (30.0, 6),  # Telegram's free limit: what the sender sends in a step
        (1000.0, 200),  # paid broadcast
        (1e9, MAX_STEP),  # a sender without limits: still one bounded transaction a step
        (2.0, 1),  # always at least one
    ],
)
def test_a_step_opens_what_the_sender_can_send_in_it_and_never_more_than_max_step(rate: float, expected: int) -> None:
    rt = cast(Runtime, SimpleNamespace(outbox=SimpleNamespace(rate=rate)))
    assert step_size(rt) == expected


def test_without_an_outbox_a_step_assumes_telegrams_free_limit() -> None:
    assert step_size(cast(Runtime, SimpleNamespace(outbox=None))) == 6
