"""Group commit: many small writes from concurrent tasks share one transaction.

The outbox records two tiny writes per message (``sending`` before the request,
``sent`` after it).  One transaction and one thread hop each caps a sender at a
few hundred messages a second; queued and committed together, whatever piled up
while the previous commit ran, the cost is shared.  Each caller still awaits its
own write being durable, so the ordering guarantees are unchanged.  A write
with a batched form (``batched``) runs once for all its calls in the group: one
statement instead of one per message."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from storage.db import Database

log = logging.getLogger(__name__)

Write = tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]]
#: ``many(session, [args, ...])`` does what ``fn(session, *args)`` does for each, returning their results in order
Batched = Mapping[Callable[..., Any], Callable[..., list[Any]]]


class GroupCommitter:
    def __init__(self, db: Database, max_batch: int = 200, batched: Batched | None = None) -> None:
        self.db, self.max_batch = db, max_batch
        self.batched = dict(batched or {})
        self._queue: asyncio.Queue[Write] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        #: its own thread: in the default executor the marks queued behind partners' units of work
        self._thread: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(session, *args)`` in a shared transaction; return its result once committed."""
        if self._worker is None or self._worker.done():
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="group-commit")
            self._worker = asyncio.create_task(self._work(self._thread), name="group-commit")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._queue.put((fn, args, future))
        return await future

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._thread is not None:
            self._thread.shutdown(wait=False)
            self._thread = None

    async def _work(self, thread: ThreadPoolExecutor) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            outcomes = await asyncio.get_running_loop().run_in_executor(thread, self._commit, batch)
            for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _commit(self, batch: list[Write]) -> list[tuple[bool, Any]]:
        """All together; if that fails, each alone, so one bad write fails only itself."""
        try:
            with self.db.session() as session:
                results: list[tuple[bool, Any]] = []
                for fn, run in itertools.groupby(batch, key=lambda write: write[0]):
                    calls = [args for _, args, _ in run]
                    many = self.batched.get(fn)
                    values = many(session, calls) if many else [fn(session, *args) for args in calls]
                    results.extend((True, value) for value in values)
                return results
        except Exception:
            if len(batch) == 1:
                return [self._alone(batch[0])]
            log.warning("a grouped write failed; retrying %d writes one by one", len(batch))
            return [self._alone(write) for write in batch]

    def _alone(self, write: Write) -> tuple[bool, Any]:
        fn, args, _ = write
        try:
            with self.db.session() as session:
                return True, fn(session, *args)
        except Exception as error:
            return False, error
