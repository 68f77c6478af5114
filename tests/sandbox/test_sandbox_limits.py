"""Flood limits: the sliding windows and buckets in isolation, then over HTTP.

Every test runs on a fake clock, so the windows are exact and nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.limits import RateLimiter, TrafficMeter

from .conftest import FakeClock

KEYBOARD = json.dumps({"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]})


def test_thirty_one_sends_within_a_second_refuse_the_last() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    outcomes = []
    for chat in range(31):  # spread over 0.9 s: a token bucket would have refilled 27 by then
        outcomes.append(limiter.acquire(chat))
        clock.advance(0.03)
    assert outcomes == [None] * 30 + [1]


def test_no_burst_above_thirty_even_in_the_first_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert [limiter.acquire(chat) for chat in range(31)] == [None] * 30 + [1]
    clock.advance(0.5)
    assert limiter.acquire(31) == 1
    clock.advance(0.499)
    assert limiter.acquire(31) == 1  # 0.999 s after the thirty: still the same second
    clock.advance(0.011)
    assert limiter.acquire(31) is None


def test_the_window_slides_rather_than_refills() -> None:
    """15 at 0 s and 15 at 0.6 s: at 1.01 s only the first 15 have left the window."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert all(limiter.acquire(chat) is None for chat in range(15))
    clock.advance(0.6)
    assert all(limiter.acquire(chat) is None for chat in range(15, 30))
    clock.advance(0.41)
    assert [limiter.acquire(chat) for chat in range(30, 46)] == [None] * 15 + [1]


def test_paid_broadcast_allows_a_thousand_in_any_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert all(limiter.acquire(chat) is None for chat in range(30))
    assert limiter.acquire(30) == 1  # the free limit is spent
    assert all(limiter.acquire(chat, paid=True) is None for chat in range(30, 1000))  # paid ones ignore it
    assert limiter.acquire(1000, paid=True) == 1  # but all together stay within 1,000
    clock.advance(1.0)
    assert limiter.acquire(1000, paid=True) is None


def test_private_chat_allows_a_burst_of_three_then_one_a_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert [limiter.acquire(1) for _ in range(4)] == [None, None, None, 1]
    assert limiter.acquire(2) is None  # other chats are unaffected
    clock.advance(1.0)
    assert [limiter.acquire(1) for _ in range(2)] == [None, 1]
    clock.advance(3.0)
    assert [limiter.acquire(1) for _ in range(4)] == [None, None, None, 1]


def test_group_allows_twenty_in_any_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert all(limiter.acquire(-5) is None for _ in range(20))
    clock.advance(30)
    assert limiter.acquire(-5) == 30  # a bucket would have refilled ten by now
    clock.advance(30.01)
    assert limiter.acquire(-5) is None


def test_refused_calls_cost_nothing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for _ in range(3):
        limiter.acquire(1)
    assert all(limiter.acquire(1) == 1 for _ in range(10))  # refused by chat 1's bucket
    assert [limiter.acquire(chat) for chat in range(100, 128)] == [None] * 27 + [1]  # 27 left, as 3 + 27 = 30
    clock.advance(1.0)
    assert all(limiter.acquire(chat) is None for chat in range(200, 230))
    assert limiter.acquire(2) == 1  # refused by the overall window: chat 2 keeps its tokens
    clock.advance(1.0)
    assert [limiter.acquire(2) for _ in range(4)] == [None, None, None, 1]


def test_disabled_limits_refuse_nothing() -> None:
    limiter = RateLimiter(enabled=False, clock=FakeClock())
    assert all(limiter.acquire(1) is None for _ in range(100))


def test_traffic_meter_keeps_the_busiest_second() -> None:
    clock = FakeClock()
    meter = TrafficMeter(clock)
    for chat in (1, 1, 2, 1):
        meter.record(chat)
        clock.advance(0.3)
    clock.advance(0.5)
    meter.record(1)  # the first three have left its second
    assert (meter.peak_overall, meter.peak_in_one_chat, meter.busiest_chat) == (4, 3, 1)


def started_users(sandbox: Sandbox, count: int) -> list[int]:
    """People who have started the bot, made in process: a hundred control calls take seconds."""
    people = [sandbox.world.create_user(f"P{n}")["id"] for n in range(count)]
    for person in people:
        sandbox.world.send_command(person, "start")
    return people


async def test_fourth_message_in_a_burst_to_one_chat_gets_429(bot: Any, client: SandboxClient, user: dict) -> None:
    results = [await bot("sendMessage", chat_id=user["id"], text=f"m{i}") for i in range(4)]
    assert [status for status, _ in results] == [200, 200, 200, 429]
    assert results[-1][1] == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert [m["text"] for m in await client.bot_messages(user["id"])] == ["m0", "m1", "m2"]
    stats = await client.stats()
    assert stats["rate_limited"] == 1 and stats["violations"] == []


async def test_a_hundred_sends_at_once_let_exactly_thirty_through(sandbox: Sandbox, bot: Any, clock: FakeClock) -> None:
    chats = started_users(sandbox, 100)
    results = await asyncio.gather(*(bot("sendMessage", chat_id=chat, text="hello") for chat in chats))
    statuses = [status for status, _ in results]
    assert (statuses.count(200), statuses.count(429)) == (30, 70)
    assert {body["parameters"]["retry_after"] for status, body in results if status == 429} == {1}
    clock.advance(0.5)
    assert (await bot("sendMessage", chat_id=chats[-1], text="again"))[0] == 429
    clock.advance(0.51)
    assert (await bot("sendMessage", chat_id=chats[-1], text="again"))[0] == 200


async def test_edits_count_like_sends(bot: Any, client: SandboxClient, user: dict, clock: FakeClock) -> None:
    chat = user["id"]
    _, sent = await bot("sendMessage", chat_id=chat, text="v0", reply_markup=KEYBOARD)
    message_id = sent["result"]["message_id"]
    status, _ = await bot("editMessageText", chat_id=chat, message_id=message_id, text="v1", reply_markup=KEYBOARD)
    assert status == 200
    assert (await bot("editMessageReplyMarkup", chat_id=chat, message_id=message_id))[0] == 200
    status, body = await bot("editMessageText", chat_id=chat, message_id=message_id, text="v2")
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    assert (await client.bot_messages(chat))[0]["text"] == "v1"  # the refused edit changed nothing

    clock.advance(1.0)
    response = await bot.http.post(
        f"{bot.url}/sendDocument", data={"chat_id": str(chat)}, files={"document": ("a.txt", b"a", "text/plain")}
    )
    document_id = response.json()["result"]["message_id"]
    status, _ = await bot("editMessageCaption", chat_id=chat, message_id=document_id, caption="c")
    assert status == 429  # one token came back in that second, and the document took it
    clock.advance(1.0)
    status, body = await bot(
        "editMessageCaption", chat_id=chat, message_id=document_id, caption="<b>c</b>", parse_mode="HTML"
    )
    assert (status, body["result"]["caption"]) == (200, "c")


async def test_other_calls_do_not_count(bot: Any, client: SandboxClient, user: dict) -> None:
    chat = user["id"]
    _, sent = await bot("sendMessage", chat_id=chat, text="q", reply_markup=KEYBOARD)
    message_id = sent["result"]["message_id"]
    update_id = await client.press_button(chat, message_id, label="Yes")
    _, updates = await bot("getUpdates", offset=update_id)
    query_id = updates["result"][0]["callback_query"]["id"]
    assert (await bot("answerCallbackQuery", callback_query_id=query_id))[0] == 200
    assert (await bot("setMyCommands", commands=json.dumps([{"command": "help", "description": "Help"}])))[0] == 200
    assert (await bot("deleteMessage", chat_id=chat, message_id=message_id))[0] == 200
    assert [(await bot("sendMessage", chat_id=chat, text=f"m{i}"))[0] for i in range(3)] == [200, 200, 429]


async def test_limits_off_refuse_nothing(bot: Any, client: SandboxClient, user: dict) -> None:
    await client.set_limits(False)
    statuses = [(await bot("sendMessage", chat_id=user["id"], text="x"))[0] for _ in range(10)]
    assert statuses == [200] * 10
    await client.set_limits(True)
    statuses = [(await bot("sendMessage", chat_id=user["id"], text="x"))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


async def test_counters_show_the_busiest_second(
    sandbox: Sandbox, bot: Any, client: SandboxClient, clock: FakeClock
) -> None:
    chats = started_users(sandbox, 31)
    await client.reset_counters()
    await asyncio.gather(*(bot("sendMessage", chat_id=chat, text="hi") for chat in chats))  # 30 pass, 1 refused
    clock.advance(1.0)
    for _ in range(4):
        await bot("sendMessage", chat_id=chats[0], text="more")
    await client.inject_fault("getMe", "5xx")
    await bot("getMe")
    counters = await client.counters()
    assert counters == {
        "calls": {"sendMessage": 35, "getMe": 1},
        "rate_limited": 2,
        "flood_limited": 2,
        "server_errors": 1,
        "timeouts": 0,
        "peak_per_second": 30,
        "peak_per_second_in_one_chat": 3,
        "busiest_chat": chats[0],
    }
    await client.reset_counters()
    assert (await client.counters())["peak_per_second"] == 0


async def test_counters_see_the_pace_with_limits_off(bot: Any, client: SandboxClient, user: dict) -> None:
    """A benchmark lifts the limits and still learns how far over them the bot went."""
    await client.set_limits(False)
    await client.reset_counters()
    for _ in range(10):
        await bot("sendMessage", chat_id=user["id"], text="x")
    counters = await client.counters()
    assert (counters["peak_per_second"], counters["peak_per_second_in_one_chat"]) == (10, 10)
    assert counters["rate_limited"] == 0
