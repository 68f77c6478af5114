"""The outbox's group commit: concurrent writes share one transaction, batched
writes run as one statement, and each caller still gets its own result."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session
from telegram import Update

from bot.core.clock import SystemClock
from bot.delivery.group_commit import GroupCommitter
from bot.delivery.inbox import InboxWorker, _by_chat
from storage import inbox, outbox
from storage.db import Database
from storage.models import OutboxMessage

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _claimed(db: Database, count: int) -> list[OutboxMessage]:
    with db.session() as session:
        for n in range(count):
            outbox.enqueue(session, 100 + n, "sendMessage", {"text": f"hello {n}"}, NOW)
    with db.session() as session:
        return outbox.claim_sendable(session, NOW, count)


async def test_batched_sending_marks_match_one_by_one_and_refuse_a_taken_over_claim(db: Database) -> None:
    messages = _claimed(db, 6)
    stale = NOW - timedelta(minutes=5)  # a claim this process no longer holds
    committer = GroupCommitter(db, batched={outbox.begin_send: outbox.begin_sends, outbox.mark_sent: outbox.mark_sents})
    try:
        started = await asyncio.gather(
            *(
                committer.run(outbox.begin_send, m.id, stale if n == 0 else m.claimed_at, NOW)
                for n, m in enumerate(messages)
            )
        )
        assert started == [False, True, True, True, True, True]
        await asyncio.gather(*(committer.run(outbox.mark_sent, m.id, 500 + n, NOW) for n, m in enumerate(messages[1:])))
    finally:
        await committer.stop()
    with db.session() as session:
        rows = {m.id: session.get(OutboxMessage, m.id) for m in messages}
        assert rows[messages[0].id].status == "claimed"  # type: ignore[union-attr]
        for n, message in enumerate(messages[1:]):
            row = rows[message.id]
            assert row is not None and (row.status, row.telegram_message_id, row.attempts) == ("sent", 500 + n, 1)


async def test_one_failing_write_fails_only_its_caller(db: Database) -> None:
    [message] = _claimed(db, 1)

    def broken(session: Session) -> None:
        raise ValueError("this write is wrong")

    committer = GroupCommitter(db)
    try:
        results = await asyncio.gather(
            committer.run(outbox.begin_send, message.id, message.claimed_at, NOW),
            committer.run(broken),
            return_exceptions=True,
        )
    finally:
        await committer.stop()
    assert results[0] is True and isinstance(results[1], ValueError)
    with db.session() as session:
        assert session.get(OutboxMessage, message.id).status == "sending"  # type: ignore[union-attr]


class _Application:
    """Just enough of PTB's Application for the inbox worker: the updates it is handed."""

    bot = None

    def __init__(self) -> None:
        self.handled: list[int] = []

    async def process_update(self, update: Update) -> None:
        self.handled.append(update.update_id)


async def test_the_webhook_inbox_stores_and_settles_through_the_batched_writes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Webhook updates arriving together are stored, and chats settled, by the batched
    forms (one statement for all): a call the batched form cannot take would quietly
    fall back to one transaction per update, which the refusing one-by-one forms catch."""

    def store_alone(*_: object) -> None:
        raise AssertionError("a store left its batched form")

    def finish_alone(*_: object) -> None:
        raise AssertionError("a settle left its batched form")

    monkeypatch.setattr(inbox, "store", store_alone)
    monkeypatch.setattr(inbox, "finish", finish_alone)
    application = _Application()
    worker = InboxWorker(application, SimpleNamespace(db=db, clock=SystemClock(), failed_updates={}))  # type: ignore[arg-type]
    try:
        stored = await asyncio.gather(*(worker.receive(n, 7 if n < 3 else 8, {"update_id": n}) for n in (1, 2, 2, 3)))
        assert stored == [True, True, False, True]
        claimed = await asyncio.to_thread(worker._claim, 10)
        await asyncio.gather(*(worker._process_chat(rows) for rows in _by_chat(claimed)))
    finally:
        await worker.stop()
    assert sorted(application.handled) == [1, 2, 3]
    with db.session() as session:
        assert inbox.counts(session) == {"done": 3}
