"""The inbox worker: feeds stored webhook updates to the Application, one chat at
a time in update order, many chats at once.

Rows are claimed from the database rather than handed over in memory, so
several `checkin run --webhook` processes share the work, and an update whose
process died is picked up by whichever process claims it after the lease.  The
inbox's own writes (storing an update, settling a chat's) are group-committed:
one transaction for whatever arrived together, not three per update."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.core.runtime import Runtime
from bot.delivery import attempts
from bot.delivery.group_commit import GroupCommitter
from storage import inbox
from storage.errors import is_outage
from storage.models import InboxUpdate

log = logging.getLogger(__name__)

#: a row left ``processing`` this long belongs to a dead process and is claimed again
LEASE = timedelta(minutes=2)
#: chats handled at once by one process; the database work runs in threads anyway
MAX_CHATS = 64
CLAIM_BATCH = 200
#: an update whose process died handling it this many times is parked
MAX_ATTEMPTS = 5
#: how often to look for rows stored by other processes or left by dead ones
IDLE_POLL_SECONDS = 0.5


class InboxWorker:
    def __init__(self, application: Application, rt: Runtime) -> None:
        self.application = application
        self.rt = rt
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._chats: set[asyncio.Task[None]] = set()
        self._writes = GroupCommitter(rt.db, batched={inbox.store: inbox.store_many, inbox.finish: inbox.finish_many})

    async def receive(self, update_id: int, chat_id: int | None, payload: dict[str, Any]) -> bool:
        """Store an update durably (False for a redelivery) and claim it now rather than at the next poll."""
        stored: bool = await self._writes.run(inbox.store, update_id, chat_id, payload, self.rt.clock.now())
        self._wake.set()
        return stored

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inbox")

    async def stop(self) -> None:
        """Claim nothing more and finish the chats under way (their rows become done)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._chats:
            await asyncio.gather(*self._chats, return_exceptions=True)
        await self._writes.stop()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            claimed: list[InboxUpdate] = []
            room = MAX_CHATS - len(self._chats)
            if room > 0:
                try:
                    claimed = await asyncio.to_thread(self._claim, min(CLAIM_BATCH, room * 4))
                except Exception as error:
                    if not is_outage(error):
                        raise
                    log.warning("could not claim inbox updates (%s); trying again", type(error).__name__)
            for chat_rows in _by_chat(claimed):
                task = asyncio.create_task(self._process_chat(chat_rows))
                self._chats.add(task)
                task.add_done_callback(self._chat_done)
            if claimed:
                continue
            with contextlib.suppress(TimeoutError):  # asyncio.timeout: 3.11's wait_for can swallow a stop
                async with asyncio.timeout(IDLE_POLL_SECONDS):
                    await self._wake.wait()

    def _chat_done(self, task: asyncio.Task[None]) -> None:
        self._chats.discard(task)
        self._wake.set()  # room for another chat, and its rows may have followers

    def _claim(self, limit: int) -> list[InboxUpdate]:
        with self.rt.db.session() as session:
            return inbox.claim(session, self.rt.clock.now(), LEASE, limit)

    async def _process_chat(self, rows: list[InboxUpdate]) -> None:
        """One chat's claimed updates, in order, each until it commits or is parked
        (bot/delivery/attempts.py); settled together when all are handled."""
        done: list[int] = []
        for row in rows:
            if row.attempts > MAX_ATTEMPTS:  # its process died handling it, each time
                reason = f"its process stopped while handling it {row.attempts - 1} times"
                await attempts.park(self.rt, row.update_id, row.chat_id, row.attempts - 1, reason)
                continue
            assert row.payload is not None, "a pending update keeps its payload until handled"
            update = Update.de_json(row.payload, self.application.bot)
            await attempts.settle(self.application, self.rt, update)
            done.append(row.update_id)
        claimed_at = rows[0].claimed_at
        assert claimed_at is not None
        if done:  # a parked row is no longer ``processing``: finishing it as done leaves it parked
            await self._writes.run(inbox.finish, done, claimed_at, "done")


def _by_chat(rows: list[InboxUpdate]) -> list[list[InboxUpdate]]:
    """Rows grouped by chat, each group in update order (rows without a chat alone)."""
    groups: dict[int | None, list[InboxUpdate]] = defaultdict(list)
    single: list[list[InboxUpdate]] = []
    for row in rows:
        if row.chat_id is None:
            single.append([row])
        else:
            groups[row.chat_id].append(row)
    return [*groups.values(), *single]
