"""Restart safety and several processes, with real processes: `checkin run` as
a subprocess against the in-process sandbox, killed with SIGKILL mid-round.

What is promised: every due partner gets the first question exactly once,
except the messages whose send was under way at the kill.  Those are
``uncertain`` (never resent, so 0 or 1 copies) and there are at most
``MAX_IN_FLIGHT`` of them (8; 32 in paid-broadcast mode)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from bench.seed import (
    FIRST_QUESTION,
    bot_config,
    sandbox_partners,
    seed_partners,
    write_toml,
)
from bot.core import texts
from bot.delivery.outbox import MAX_IN_FLIGHT_PAID, SENDING_LEASE
from bot.sandbox import Sandbox
from storage.db import Database
from storage.models import Checkin, OutboxMessage
from tests.e2e.conftest import eventually

#: enough that a round outlasts the other process's outbox poll (1 s) at 1,000 messages/s
PARTNERS = 1000


async def _start_bot(config: Path, clock_offset: float = 0.0) -> asyncio.subprocess.Process:
    env = {**os.environ, "CHECKIN_CLOCK_OFFSET_SECONDS": str(clock_offset), "CHECKIN_LOG_LEVEL": "WARNING"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), "run", env=env, stdin=asyncio.subprocess.DEVNULL
    )


def _round_done(db: Database) -> bool:
    """Every check-in started and every message settled."""
    with db.session() as session:
        scheduled = session.exec(select(func.count()).where(Checkin.status == "scheduled")).one()
        unsettled = session.exec(
            select(func.count()).where(col(OutboxMessage.status).in_(("pending", "claimed", "sending")))
        ).one()
    return scheduled == 0 and unsettled == 0


def _questions(sandboxes: list[Sandbox]) -> Counter[int]:
    """How many times each chat received the first question, over every sandbox, leaving out
    a question asked again on purpose ("in case my last message didn't reach you")."""
    counts: Counter[int] = Counter()
    for sandbox in sandboxes:
        for chat in sandbox.world.chats.values():
            texts_seen = [m.text or "" for m in chat.messages.values() if m.sender == "bot"]
            counts[chat.user.id] += sum(FIRST_QUESTION in text for text in texts_seen)
            counts[chat.user.id] -= texts_seen.count(texts.IN_CASE_LOST)
    return counts


def _asked_again(sandboxes: list[Sandbox]) -> set[int]:
    return {
        chat.user.id
        for sandbox in sandboxes
        for chat in sandbox.world.chats.values()
        if any(m.sender == "bot" and m.text == texts.IN_CASE_LOST for m in chat.messages.values())
    }


def _duplicates(sandboxes: list[Sandbox]) -> list[tuple[int, str]]:
    """Texts a chat received twice, but for a question asked again on purpose."""
    seen: Counter[tuple[int, str]] = Counter()
    for sandbox in sandboxes:
        for chat in sandbox.world.chats.values():
            texts_seen = [m.text or "" for m in chat.messages.values() if m.sender == "bot"]
            again = texts.IN_CASE_LOST in texts_seen
            seen.update((chat.user.id, text) for text in texts_seen if not (again and FIRST_QUESTION in text))
    return [key for key, n in seen.items() if n > 1]


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)


async def test_kill_9_mid_round_then_restart_delivers_each_check_in_once(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    db.upgrade()
    async with Sandbox(limits=False) as sandbox:
        users = sandbox_partners(sandbox, PARTNERS)
        seed_partners(db, users, datetime.now(UTC) - timedelta(seconds=1))
        # paid broadcast: the round goes fast, so the kill lands mid-round quickly
        config = write_toml(bot_config(sandbox, database_url, paid_broadcast=True), tmp_path / "bot.toml")
        total = 2 * PARTNERS  # an introduction and the first question each

        bot = await _start_bot(config)
        try:
            await eventually(lambda: sandbox.world.delivered >= total // 4, 60, "a quarter of the round delivered")
        finally:
            bot.kill()  # SIGKILL: no cleanup of any kind
            await bot.wait()
        delivered_at_kill = sandbox.world.delivered
        assert delivered_at_kill < total, "the round finished before the kill; use more partners"

        # restarted after the in-hand lease: what the dead process held is settled now
        bot = await _start_bot(config, clock_offset=SENDING_LEASE.total_seconds() + 60)
        try:
            await eventually(lambda: _round_done(db), 60, "the round completes after the restart")
        finally:
            await _stop(bot)

    with db.session() as session:
        uncertain = session.exec(select(OutboxMessage).where(OutboxMessage.status == "uncertain")).all()
        statuses = Counter(session.exec(select(OutboxMessage.status)).all())
    uncertain_chats = {m.chat_id for m in uncertain if FIRST_QUESTION in m.payload.get("text", "")}
    counts = _questions([sandbox])
    print(
        f"\nkill -9 after {delivered_at_kill}/{total} messages; outbox {dict(statuses)}; "
        f"{len(uncertain)} uncertain ({len(uncertain_chats)} of them a first question, "
        f"{sum(counts[chat] for chat in uncertain_chats)} of those had arrived)"
    )
    assert len(uncertain) <= MAX_IN_FLIGHT_PAID  # the bot runs in paid-broadcast mode here
    assert statuses.keys() <= {"sent", "uncertain"}
    for user_id in users:
        expected = {0, 1} if user_id in uncertain_chats else {1}
        assert counts[user_id] in expected, (user_id, counts[user_id])
    # a first question that may not have arrived is asked again (restarted past the wait for it)
    assert _asked_again([sandbox]) <= uncertain_chats
    assert _duplicates([sandbox]) == []
    db.dispose()


async def test_two_processes_never_send_the_same_check_in(database_url: str, tmp_path: Path) -> None:
    """Two `checkin run` processes share the database.  Only one process may poll
    a token, so each has its own sandbox (its own Telegram endpoint) with the
    same users; a partner's messages may go through either, but only once."""
    db = Database(database_url)
    db.upgrade()
    async with Sandbox(limits=False) as first, Sandbox(limits=False, token="2222:second") as second:
        users = sandbox_partners(first, PARTNERS)
        assert sandbox_partners(second, PARTNERS) == users
        configs = [
            write_toml(bot_config(sandbox, database_url, paid_broadcast=True), tmp_path / f"bot{n}.toml")
            for n, sandbox in enumerate((first, second))
        ]
        bots = [await _start_bot(config) for config in configs]
        try:
            # both running before anything is due, so they race for every row
            def both_polling() -> bool:
                return all(s.world.call_counts["getUpdates"] > 1 for s in (first, second))

            await eventually(both_polling, 30, "both bots are polling")
            seed_partners(db, users, datetime.now(UTC))
            await eventually(lambda: _round_done(db), 60, "the round completes")
        finally:
            for bot in bots:
                await _stop(bot)
        counts = _questions([first, second])
        shares = (first.world.delivered, second.world.delivered)
        duplicates = _duplicates([first, second])
    print(f"\nmessages delivered by each process: {shares}")
    assert all(counts[user_id] == 1 for user_id in users), Counter(counts.values())
    assert duplicates == []
    assert min(shares) > 0, "one process did all the work: the race was not exercised"
    db.dispose()
