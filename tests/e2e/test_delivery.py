"""Delivery through the outbox against the sandbox's Telegram rules: paid
broadcasts, blocked partners, 429s, server errors and timeouts.  Each test
asserts what the partner saw (the sandbox transcript) and what the outbox
recorded, so "delivered once" means exactly that."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.delivery import outbox as outbox_module
from storage.models import Checkin, Lease, OutboxMessage, Person
from tests.e2e.conftest import Harness, eventually


def _rows(rig: Harness, chat_id: int) -> list[OutboxMessage]:
    with rig.db.session() as session:
        return list(
            session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(col(OutboxMessage.id)))
        )


def _person(rig: Harness, user: dict[str, Any]) -> Person:
    with rig.db.session() as session:
        return session.exec(select(Person).where(Person.telegram_user_id == user["id"])).one()


async def _texts(rig: Harness, user: dict[str, Any]) -> list[str]:
    return [m["text"] for m in await rig.client.bot_messages(user["id"])]


async def _sends_to(rig: Harness, user: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in await rig.client.calls("sendMessage") if c.get("params", {}).get("chat_id") == user["id"]]


async def _due(rig: Harness) -> None:
    """Move time to the moment the next check-in comes due (not past it: late ones are missed)."""
    with rig.db.session() as session:
        due_at = min(c.due_at for c in session.exec(select(Checkin).where(Checkin.status == "scheduled")))
    rig.clock.advance_to(due_at + timedelta(seconds=1))


async def test_paid_broadcast_is_sent_with_allow_paid_broadcast(harness: Harness) -> None:
    rig = harness
    rig.settings.telegram.paid_broadcast = True
    await rig.restart()
    sam, _ = await rig.join()
    sends = await _sends_to(rig, sam)
    assert sends and all(c["params"].get("allow_paid_broadcast") is True for c in sends)


async def test_blocked_partner_becomes_unreachable_and_start_reactivates(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    await rig.client.block_bot(sam["id"])
    await _due(rig)

    def refused() -> bool:
        """the check-in's first message is refused and recorded"""
        return any(row.status == "failed" for row in _rows(rig, sam["id"]))

    await eventually(refused)
    await asyncio.sleep(1.5)  # give a retry storm, if any, time to show
    assert _person(rig, sam).status == "unreachable"
    failed = [row for row in _rows(rig, sam["id"]) if row.status == "failed"]
    assert "blocked" in (failed[0].error or "")
    assert all(row.error == "chat unreachable" for row in failed[1:])  # the rest never tried
    refusals = [c for c in await _sends_to(rig, sam) if c.get("error_code") == 403]
    assert len(refusals) == 1  # asked once, never again

    await rig.client.unblock_bot(sam["id"])
    await rig.client.send_command(sam["id"], "/start")
    await rig.next_message(sam, welcome)
    assert _person(rig, sam).status == "active"


async def test_retry_after_is_honoured_and_nothing_doubles(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    await rig.client.inject_fault("sendMessage", "429", retry_after=2)
    await _due(rig)
    question = await rig.next_question(sam, welcome)
    sends = await _sends_to(rig, sam)
    refused = [c for c in sends if c.get("error_code") == 429]
    assert len(refused) == 1
    after = [c for c in sends if c["time"] > refused[0]["time"]]
    assert after and after[0]["time"] - refused[0]["time"] >= 2.0  # waited as told
    assert (await rig.client.stats())["rate_limited"] == 1  # the injected one, no more
    texts = await _texts(rig, sam)
    assert texts.count(question["text"]) == 1
    assert len(texts) == len(set(texts))
    await rig.bot.runtime.outbox.drain()  # type: ignore[union-attr]  (the last "sent" may still be on its way to the database)
    assert all(row.status == "sent" for row in _rows(rig, sam["id"]))


@pytest.mark.telegram_pace
async def test_one_chats_429_pauses_that_chat_only(harness: Harness) -> None:
    """Telegram's 429 for one chat holds that chat's messages for its retry_after; the
    other partners' check-ins go on meanwhile (a global pause stalled every chat)."""
    rig = harness
    sam, sam_welcome = await rig.join("Sam")
    kim, kim_welcome = await rig.join("Kim")
    await rig.client.inject_fault("sendMessage", "429", retry_after=3)
    await _due(rig)
    await rig.next_question(sam, sam_welcome)
    await rig.next_question(kim, kim_welcome)
    calls = [c for c in await rig.client.calls("sendMessage") if c["time"] > 0]
    refused = next(c for c in calls if c.get("error_code") == 429)
    paused_chat = refused["params"]["chat_id"]
    others = [c for c in calls if c.get("ok") and c["params"]["chat_id"] != paused_chat and c["time"] > refused["time"]]
    assert others and others[0]["time"] - refused["time"] < 1.0  # the other chat did not wait 3 s
    same = [c for c in calls if c.get("ok") and c["params"]["chat_id"] == paused_chat and c["time"] > refused["time"]]
    assert same[0]["time"] - refused["time"] >= 3.0  # the refused chat waited as told


async def test_server_errors_are_retried_with_backoff_and_delivered_once(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    await rig.client.inject_fault("sendMessage", "5xx", count=2, status=502)
    await _due(rig)
    question = await rig.next_question(sam, welcome)
    sends = await _sends_to(rig, sam)
    failures = [c for c in sends if c.get("error_code") == 502]
    assert len(failures) == 2
    first_ok = next(c for c in sends if c.get("ok") and c["time"] > failures[-1]["time"])
    assert failures[1]["time"] - failures[0]["time"] >= 2.0  # backoff 2 s, then 4 s
    assert first_ok["time"] - failures[1]["time"] >= 4.0
    texts = await _texts(rig, sam)
    assert texts.count(question["text"]) == 1 and len(texts) == len(set(texts))
    retried = _rows(rig, sam["id"])[-2]  # the check-in's first message
    assert (retried.status, retried.attempts) == ("sent", 3)


async def test_timed_out_send_is_uncertain_and_not_resent(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    assert rig.bot is not None and rig.bot.runtime.outbox is not None
    rig.bot.runtime.outbox.send_timeout = 0.5
    await rig.client.inject_fault("sendMessage", "delay", delay=1.5)  # Telegram answers too late
    await _due(rig)

    def settled() -> list[OutboxMessage]:
        """the timed-out message is settled"""
        return [row for row in _rows(rig, sam["id"]) if row.status == "uncertain"]

    [uncertain] = await eventually(settled)
    assert uncertain.attempts == 1 and uncertain.error == "timed out"
    # the chat carries on after it, and the slow one arrived after all: both once
    await rig.client.wait_for_bot_messages(sam["id"], 2, after_message_id=welcome["message_id"])
    await asyncio.sleep(1.0)
    texts = await _texts(rig, sam)
    assert uncertain.payload["text"] in texts
    assert len(texts) == len(set(texts))
    assert len(await _sends_to(rig, sam)) == len(_rows(rig, sam["id"]))  # one request per message


async def test_a_stop_cuts_off_a_send_that_hangs_and_hands_the_sender_lease_over(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop waits a while for the sends under way, then cuts them off as a crash
    would (the row stays ``sending`` and is settled by its lease, never resent blindly)
    and always gives the sender's lease up, so a restarted bot sends at once."""
    rig = harness
    sam, _ = await rig.join()
    assert rig.bot is not None and rig.bot.runtime.outbox is not None
    rig.bot.runtime.outbox.send_timeout = 60.0
    monkeypatch.setattr(outbox_module, "STOP_SENDS_SECONDS", 0.5)
    # the join's last messages settled first: caught mid-send, one of them read as the hung send
    await rig.bot.runtime.outbox.drain()
    await rig.client.inject_fault("sendMessage", "delay", delay=30.0)  # Telegram hangs
    await _due(rig)

    def hanging() -> list[OutboxMessage]:
        """the check-in's first message is under way"""
        return [row for row in _rows(rig, sam["id"]) if row.status == "sending"]

    await eventually(hanging)
    started = time.monotonic()
    await rig.stop()
    assert (
        time.monotonic() - started < 15.0
    )  # Telegram hangs for 30 s: a stop that waited for the send would take that long
    with rig.db.session() as session:
        assert session.exec(select(Lease)).all() == []
    assert hanging(), "cut off, not marked sent or resent"
