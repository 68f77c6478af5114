"""Units of work off the event loop, several per trip to a worker thread.

Each update's unit of work (one short transaction) must not block the event
loop, but a thread hop per update, and threads competing for the GIL and for
SQLite's one writer, cost as much as a small unit itself (bench/replies.py).
Units that arrive while others run wait in a list, and a worker runs them one
after another in a single hop.  Each is still its own transaction, and a unit
that fails fails only its own update.  One worker on SQLite (one writer at a
time anyway); a few on PostgreSQL, where a unit waits on the network."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

Unit = tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]]
#: units run in one hop at most: bounds how long the last of them waits
MAX_BATCH = 32


class UnitRunner:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._waiting: list[Unit] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker thread; its result or exception, once it ran."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((fn, args, future))
        if len(self._tasks) < self.workers:
            task = asyncio.create_task(self._work(), name="units")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _work(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                outcomes = await asyncio.to_thread(_run_all, batch)
            except BaseException:  # cancelled at shutdown: their handlers stop with it
                for _, _, future in batch:
                    future.cancel()
                raise
            for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():  # its handler was cancelled (the bot is stopping)
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)


def _run_all(batch: list[Unit]) -> list[tuple[bool, Any]]:
    outcomes: list[tuple[bool, Any]] = []
    for fn, args, _ in batch:
        try:
            outcomes.append((True, fn(*args)))
        except Exception as error:  # noqa: BLE001 - the update's own failure: its handler raises it
            outcomes.append((False, error))
    return outcomes
