"""Telegram at its worst, and a kill -9 in the middle: `checkin run` as a subprocess
against the strict sandbox, which refuses (429), fails (502), delays, and times out
after doing the work (504) a share of sends at random, while partners answer.

What is promised: no answer is lost; nothing is sent twice except a send that was
under way when it failed or the process died (uncertain); and no partner is left
waiting on a question they never saw: one that may be lost is asked again."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from bench.seed import FIRST_QUESTION, bot_config, sandbox_partners, seed_partners, write_toml
from bot.core import texts
from bot.delivery.outbox import SENDING_LEASE
from bot.partners.lost_messages import SETTLED_AFTER
from bot.sandbox import Sandbox
from bot.sandbox.world import World
from storage.db import Database
from storage.models import Answer, OutboxMessage
from tests.e2e.conftest import eventually
from tests.e2e.test_processes import _start_bot, _stop

PARTNERS = 40


def _answer_first_questions(world: World, answered: set[int]) -> None:
    """Every partner taps "Yes" on the newest first question they have and have not answered."""
    for chat_id, chat in list(world.chats.items()):
        if chat_id in answered:
            continue
        questions = [m for m in chat.messages.values() if m.sender == "bot" and FIRST_QUESTION in (m.text or "")]
        if questions:
            world.press_button(chat_id, questions[-1].message_id, label="Yes")
            answered.add(chat_id)


async def _partners(world: World, answered: set[int]) -> None:
    while True:
        _answer_first_questions(world, answered)
        await asyncio.sleep(0.1)


def _settled(db: Database) -> bool:
    with db.session() as session:
        answers = len(session.exec(select(Answer).where(Answer.step_id == "paid")).all())
        unsettled = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.status).in_(("pending", "claimed", "sending")))
        ).first()
    return answers == PARTNERS and unsettled is None


async def test_kill_9_while_telegram_fails_loses_no_answer_and_strands_nobody(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    db.upgrade()
    async with Sandbox(limits=True) as sandbox:
        users = sandbox_partners(sandbox, PARTNERS)
        seed_partners(db, users, datetime.now(UTC) - timedelta(seconds=1))
        client = sandbox.client()
        for kind, share in (("429", 0.05), ("5xx", 0.05), ("delay", 0.05), ("timeout", 0.03)):
            await client.inject_fault("*", kind, count=10**6, rate=share, retry_after=1, delay=0.3, seed=len(kind))
        config = write_toml(bot_config(sandbox, database_url), tmp_path / "bot.toml")
        answered: set[int] = set()
        partners = asyncio.create_task(_partners(sandbox.world, answered))
        try:
            bot = await _start_bot(config)
            try:
                await eventually(lambda: len(answered) >= PARTNERS // 3, 60, "a third of the partners answered")
            finally:
                bot.kill()  # SIGKILL, mid-round, with sends and answers under way
                await bot.wait()
            # restarted once what the dead process held can be settled, and what is lost asked again
            offset = (SENDING_LEASE + SETTLED_AFTER).total_seconds() + 60
            bot = await _start_bot(config, clock_offset=offset)
            try:
                await eventually(lambda: _settled(db), 120, "every partner answered and every send settled")
            finally:
                await _stop(bot)
        finally:
            partners.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await partners

        with db.session() as session:
            paid = Counter(a.person_id for a in session.exec(select(Answer).where(Answer.step_id == "paid")))
            rows = session.exec(select(OutboxMessage)).all()
        uncertain = {m.chat_id for m in rows if m.status == "uncertain"}
        counters = sandbox.world.counters()
        for chat_id in users:
            texts_seen = [m.text or "" for m in sandbox.world.chats[chat_id].messages.values() if m.sender == "bot"]
            first = sum(FIRST_QUESTION in text for text in texts_seen)
            asked_again = texts_seen.count(texts.IN_CASE_LOST)
            # once; or twice when asked again, or when a send under way was cut short and it had arrived
            assert first == 1 + asked_again or (chat_id in uncertain and first <= 2 + asked_again), (
                chat_id,
                texts_seen,
            )
    print(f"\nfaults: {counters}; uncertain chats: {len(uncertain)}; answers: {sum(paid.values())}")
    assert len(paid) == PARTNERS and set(paid.values()) == {1}  # everyone answered, each answer kept once
    # sends held up 0.3 s on the way count later than they left, so a few reach Telegram's limit (bench.round
    # measures the pacing itself, with no such delays: docs/benchmarks.md); before the sliding window it was a fifth
    assert counters["flood_limited"] <= 0.05 * counters["calls"]["sendMessage"]
    db.dispose()
