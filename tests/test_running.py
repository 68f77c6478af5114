"""Starting and stopping: a start survives a brief network failure; a stop always ends (a step
that hangs is cut off, logged, and the rest still runs)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram.error import InvalidToken, NetworkError

from bot import running


async def test_a_stop_step_that_hangs_is_cut_off_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(running, "STOP_STEP_SECONDS", 0.05)
    with caplog.at_level(logging.WARNING, logger="bot.running"):
        await asyncio.wait_for(running._bounded(asyncio.Event().wait(), "a stuck step"), timeout=5)  # type: ignore[arg-type]
    assert "a stuck step did not finish" in caplog.text
    assert "Event.wait (locks.py:" in caplog.text  # where it waited


async def test_a_step_that_finishes_is_waited_for() -> None:
    done: list[str] = []

    async def step() -> None:
        await asyncio.sleep(0.01)
        done.append("yes")

    await running._bounded(step(), "a quick step")
    assert done == ["yes"]


async def test_start_up_calls_survive_a_brief_network_failure_and_not_a_refused_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(running, "STARTUP_BACKOFF_SECONDS", 0.0)
    calls: list[str] = []

    async def flaky() -> None:
        calls.append("try")
        if len(calls) < 3:
            raise NetworkError("connection reset")

    await running._with_retries(flaky, "getMe")
    assert calls == ["try", "try", "try"]

    async def refused() -> None:
        calls.append("refused")
        raise InvalidToken("Not Found")

    with pytest.raises(InvalidToken):
        await running._with_retries(refused, "getMe")
    assert calls.count("refused") == 1  # a wrong token is not tried again

    async def down() -> None:
        raise NetworkError("unreachable")

    with pytest.raises(NetworkError):
        await running._with_retries(down, "getMe")
