"""The outbox's group commit: concurrent writes share one transaction, batched
writes run as one statement, and each caller still gets its own result."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.group_commit import GroupCommitter
from storage import outbox
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
            *(committer.run(outbox.begin_send, m.id, stale if n == 0 else m.claimed_at, NOW) for n, m in enumerate(messages))
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
            committer.run(outbox.begin_send, message.id, message.claimed_at, NOW), committer.run(broken), return_exceptions=True
        )
    finally:
        await committer.stop()
    assert results[0] is True and isinstance(results[1], ValueError)
    with db.session() as session:
        assert session.get(OutboxMessage, message.id).status == "sending"  # type: ignore[union-attr]
