"""Polling mode: getUpdates, confirming an update only once its work has committed.

PTB's Updater confirms each batch with the next getUpdates, before its updates
are handled, so an update whose handling met a database outage was gone.  Here
the offset sent to Telegram (which confirms every update below it) stays at the
oldest update still under way; Telegram keeps offering the later ones meanwhile
and they are recognised and skipped.  A kill -9 at any moment leaves every
update not yet committed unconfirmed, and Telegram delivers it again; the
processed-update table makes the repeat of one that did commit harmless.

Updates are handled concurrently across chats and in order within one (the
Application's PerChatUpdateProcessor), each until it commits or is parked
(bot/delivery/attempts.py).  One update that waits (a database outage, a retry)
holds back the confirmation of later ones, not their handling; getUpdates
offers at most 100 at a time, so more than 100 newer updates wait for it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.delivery import attempts

log = logging.getLogger(__name__)

#: the longest wait between getUpdates calls after a network failure
FAILURE_WAIT_CAP = 30.0
#: how long a fetched batch may take to settle before the next getUpdates regardless
BATCH_SETTLE_SECONDS = 0.25
#: how long a stop waits for the updates under way before leaving them unconfirmed
STOP_SECONDS = 10.0


class Poller:
    def __init__(self, application: Application, timeout: int) -> None:
        self.application, self.timeout = application, timeout
        self._under_way: dict[int, asyncio.Task[None]] = {}
        self._highest = -1  # the newest update id fetched
        self._settled = asyncio.Event()  # set when the last update under way has finished
        self._task: asyncio.Task[None] | None = None

    @property
    def under_way(self) -> set[int]:
        """Ids of the updates fetched and not yet committed or parked."""
        return set(self._under_way)

    @property
    def offset(self) -> int | None:
        """What getUpdates confirms: everything below the oldest update still under way."""
        if self._under_way:
            return min(self._under_way)
        return self._highest + 1 if self._highest >= 0 else None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="poller")

    async def stop(self) -> None:
        """Fetch no more, let the updates under way finish, and confirm what committed."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._under_way:
            _, late = await asyncio.wait(set(self._under_way.values()), timeout=STOP_SECONDS)
            for task in late:  # left unconfirmed: Telegram offers them again at the next start
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.offset is not None:
            with contextlib.suppress(TelegramError):
                await self.application.bot.get_updates(offset=self.offset, limit=1, timeout=0)

    async def _run(self) -> None:
        wait = 1.0
        while True:
            try:
                updates = await self.application.bot.get_updates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=Update.ALL_TYPES
                )
            except InvalidToken:
                log.error("Telegram refused the bot's token while polling; no updates can be fetched")
                raise
            except TelegramError as error:
                log.warning("could not fetch updates (%s); trying again in %.0f s", type(error).__name__, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, FAILURE_WAIT_CAP)
                continue
            wait = 1.0
            fresh = [update for update in updates if update.update_id > self._highest]
            for update in fresh:
                self._highest = update.update_id
                self._handle(update)
            if fresh:
                # a batch settles in milliseconds: asking again before it has would only be offered
                # it again (parsed again, for nothing), so give it a moment
                await self._quiet(BATCH_SETTLE_SECONDS)
            elif updates:  # all offered again because an older one is still under way
                await self._quiet(1.0)

    async def _quiet(self, at_most: float) -> None:
        """Wait until nothing is under way, or ``at_most`` seconds."""
        deadline = asyncio.get_running_loop().time() + at_most
        while self._under_way and (left := deadline - asyncio.get_running_loop().time()) > 0:
            self._settled.clear()
            with contextlib.suppress(TimeoutError):  # asyncio.timeout: 3.11's wait_for can swallow a stop
                async with asyncio.timeout(left):
                    await self._settled.wait()

    def _handle(self, update: Update) -> None:
        application = self.application
        settling = attempts.settle(application, application.bot_data["runtime"], update)
        work = application.update_processor.process_update(update, settling)
        task = asyncio.create_task(work, name=f"update-{update.update_id}")
        self._under_way[update.update_id] = task
        task.add_done_callback(lambda done: self._finished(update.update_id, done))

    def _finished(self, update_id: int, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return  # a stop cut it short: it stays under way, so it is never confirmed
        self._under_way.pop(update_id, None)
        if (error := task.exception()) is not None:  # attempts.settle does not raise: a bug of ours
            log.error("update %s could not be settled", update_id, exc_info=error)
        if not self._under_way:  # only then may the next getUpdates go: waking the poll for each was for nothing
            self._settled.set()
