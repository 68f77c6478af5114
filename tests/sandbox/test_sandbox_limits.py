"""Flood limits: token buckets in isolation, then over HTTP."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.sandbox import SandboxClient
from bot.sandbox.limits import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_private_chat_tolerates_a_burst_of_four_then_one_per_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert [limiter.acquire(1) for _ in range(4)] == [None] * 4
    assert limiter.acquire(1) == 1
    clock.now += 1.0
    assert limiter.acquire(1) is None
    assert limiter.acquire(1) == 1
    assert limiter.acquire(2) is None  # other chats are unaffected


def test_overall_limit_is_thirty_per_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert all(limiter.acquire(chat) is None for chat in range(30))
    assert limiter.acquire(30) == 1
    clock.now += 0.11  # three tokens back (and a bit)
    assert [limiter.acquire(c) for c in range(31, 35)] == [None, None, None, 1]


def test_paid_broadcast_allows_a_thousand_per_second() -> None:
    limiter = RateLimiter(clock=FakeClock())
    assert all(limiter.acquire(chat, paid=True) is None for chat in range(1000))
    assert limiter.acquire(1000, paid=True) == 1


def test_group_allows_twenty_per_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert all(limiter.acquire(-5, group=True) is None for _ in range(20))
    assert limiter.acquire(-5, group=True) == 3  # one token per 3 s
    clock.now += 3
    assert limiter.acquire(-5, group=True) is None


def test_refused_sends_cost_nothing_and_disabled_limits_refuse_nothing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for _ in range(4):
        limiter.acquire(1)
    for _ in range(10):
        assert limiter.acquire(1) == 1  # refused: does not drain the overall bucket
    assert all(limiter.acquire(chat) is None for chat in range(100, 126))
    limiter.enabled = False
    assert all(limiter.acquire(1) is None for _ in range(100))


async def test_burst_to_one_chat_gets_429(bot: Any, client: SandboxClient, user: dict) -> None:
    results = [await bot("sendMessage", chat_id=user["id"], text=f"m{i}") for i in range(5)]
    assert [status for status, _ in results] == [200, 200, 200, 200, 429]
    assert results[-1][1] == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert len(await client.bot_messages(user["id"])) == 4  # the refused send is not delivered
    assert (await client.stats())["rate_limited"] == 1


async def test_burst_over_30_a_second_overall_gets_429(bot: Any, client: SandboxClient) -> None:
    """100 sends at once to 100 chats: the overall bucket (30, refilling 30/s) lets
    through at most 30 plus what refilled meanwhile, whatever the machine's speed."""
    people = [await client.create_user(f"P{i}") for i in range(100)]
    for person in people:
        await client.send_text(person["id"], "hi")
    started = time.monotonic()
    results = await asyncio.gather(*(bot("sendMessage", chat_id=p["id"], text="hello") for p in people))
    elapsed = time.monotonic() - started
    statuses = [status for status, _ in results]
    assert statuses.count(200) <= 30 + 30 * elapsed + 1
    assert statuses.count(200) + statuses.count(429) == 100
    refused = [body for status, body in results if status == 429]
    assert refused or elapsed > 2, "a burst of 100 inside two seconds must meet the limit"
    assert all(body["parameters"]["retry_after"] >= 1 for body in refused)


async def test_limits_off_refuses_nothing(bot: Any, client: SandboxClient, user: dict) -> None:
    await client.set_limits(False)
    statuses = [(await bot("sendMessage", chat_id=user["id"], text="x"))[0] for _ in range(40)]
    assert statuses == [200] * 40
    await client.set_limits(True)
    statuses = [(await bot("sendMessage", chat_id=user["id"], text="x"))[0] for _ in range(5)]
    assert statuses[-1] == 429


async def test_edits_do_not_count(bot: Any, client: SandboxClient, user: dict) -> None:
    _, sent = await bot("sendMessage", chat_id=user["id"], text="v0")
    message_id = sent["result"]["message_id"]
    for i in range(1, 8):
        status, _ = await bot("editMessageText", chat_id=user["id"], message_id=message_id, text=f"v{i}")
        assert status == 200
