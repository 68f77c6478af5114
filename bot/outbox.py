"""The one place that sends to Telegram.

Messages are rows queued in the same transaction as the decision behind them;
this sender claims them, keeps each chat in order, paces sends to Telegram's
limits (about 30 a second overall, about 1 a second per chat), honours
RetryAfter, retries server and network errors with backoff, and records the
outcome.  A message Telegram accepted is never sent again.  After a timeout, or
a crash mid-send, the message is marked ``uncertain`` and not resent: Telegram
may have delivered it, and a partner getting the same question twice is worse
for trust than a facilitator seeing one uncertain delivery in the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import Clock
from storage import outbox as queue
from storage import people
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
CLAIM_BATCH = 200
#: a message left ``sending`` this long by a dead process is settled as uncertain
SENDING_LEASE = timedelta(minutes=2)
UNREACHABLE_MARKERS = ("blocked by the user", "user is deactivated")


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` saved up for a burst."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.updated = capacity, time.monotonic()

    def delay(self) -> float:
        """Take a token; return how long to wait before using it."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Outbox:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        *,
        overall_rate: float = 30.0,
        chat_rate: float = 1.0,
        chat_burst: float = 3.0,
        paid_broadcast: bool = False,
    ) -> None:
        self.bot, self.db, self.clock = bot, db, clock
        self.paid_broadcast = paid_broadcast
        # a small burst allowance keeps any one-second window within Telegram's 30
        self._overall = TokenBucket(1000.0 if paid_broadcast else overall_rate, 10.0)
        self._chat_rate, self._chat_burst = chat_rate, chat_burst
        self._chats: dict[int, TokenBucket] = {}
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._senders: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        await asyncio.to_thread(self._settle_interrupted)
        self._runner = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Finish the sends under way (they are short), then stop claiming."""
        if self._runner is not None:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        if self._senders:
            await asyncio.gather(*self._senders, return_exceptions=True)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until nothing sendable is left (the demo and tests use this)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._senders and await asyncio.to_thread(self._pending) == 0:
                return
            self.wake()
            await asyncio.sleep(0.05)
        raise TimeoutError("the outbox did not empty in time")

    async def _run(self) -> None:
        while True:
            try:
                claimed = await asyncio.to_thread(self._claim)
            except Exception:
                log.exception("could not claim outbox messages; trying again shortly")
                claimed = []
            for chat_id, messages in _by_chat(claimed).items():
                task = asyncio.create_task(self._send_chat(messages), name=f"outbox-chat-{chat_id}")
                self._senders.add(task)
                task.add_done_callback(self._finished)
            if len(claimed) < CLAIM_BATCH:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                except TimeoutError:
                    pass

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._senders.discard(task)
        self.wake()  # the chat may have more waiting behind it

    async def _send_chat(self, messages: list[OutboxMessage]) -> None:
        """Send one chat's messages in order; stop at the first that must wait."""
        for position, message in enumerate(messages):
            if not await self._send_one(message):
                rest = [m.id for m in messages[position + 1 :]]
                await asyncio.to_thread(self._release, rest)
                return

    async def _send_one(self, message: OutboxMessage) -> bool:
        """Send; record what happened.  False when the chat must wait (retry later)."""
        await self._pace(message.chat_id)
        try:
            result = await self._call(message)
        except RetryAfter as error:
            wait = error.retry_after.total_seconds() if isinstance(error.retry_after, timedelta) else float(error.retry_after)
            self._paused_until = max(self._paused_until, time.monotonic() + wait)
            log.warning("Telegram asked us to wait %.0f s; pausing all sends", wait)
            await self._record(queue.retry_later, message.id, self.clock.now() + timedelta(seconds=wait), "429")
            return False
        except Forbidden as error:
            unreachable = any(marker in error.message.lower() for marker in UNREACHABLE_MARKERS)
            await self._record(self._forbidden, message, str(error.message), unreachable)
            return True
        except BadRequest as error:
            if "message is not modified" in error.message:
                await self._record(queue.mark_sent, message.id, None, self.clock.now())
                return True
            log.error("Telegram refused outbox message %s (%s): %s", message.id, message.method, error.message)
            await self._record(queue.mark_failed, message.id, "failed", error.message)
            return True
        except TimedOut:
            log.warning("outbox message %s timed out; it may have arrived, so it is not resent", message.id)
            await self._record(queue.mark_failed, message.id, "uncertain", "timed out")
            return True
        except NetworkError as error:
            if message.attempts >= MAX_ATTEMPTS:
                await self._record(queue.mark_failed, message.id, "failed", f"gave up: {error.message}")
                return True
            backoff = timedelta(seconds=min(2 ** message.attempts, 300))
            await self._record(queue.retry_later, message.id, self.clock.now() + backoff, error.message)
            return False
        telegram_id = getattr(result, "message_id", None)
        await self._record(queue.mark_sent, message.id, telegram_id, self.clock.now())
        return True

    async def _pace(self, chat_id: int) -> None:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 50_000:  # forget idle chats so memory stays flat
                self._chats.clear()
            bucket = self._chats[chat_id] = TokenBucket(self._chat_rate, self._chat_burst)
        await asyncio.sleep(bucket.delay())
        await asyncio.sleep(self._overall.delay())
        while (pause := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(pause)

    async def _call(self, message: OutboxMessage) -> Any:
        payload = dict(message.payload)
        buttons = payload.pop("buttons", None)
        markup = (
            InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons])
            if buttons
            else None
        )
        extra = {"allow_paid_broadcast": True} if self.paid_broadcast and message.method == "sendMessage" else {}
        if message.method == "sendMessage":
            return await self.bot.send_message(message.chat_id, reply_markup=markup, **payload, **extra)
        if message.method == "editMessageText":
            return await self.bot.edit_message_text(chat_id=message.chat_id, reply_markup=markup, **payload)
        if message.method == "editMessageReplyMarkup":
            return await self.bot.edit_message_reply_markup(chat_id=message.chat_id, reply_markup=markup, **payload)
        raise ValueError(f"unknown outbox method {message.method!r}")

    async def _record(self, fn: Callable[..., Any], *args: Any) -> None:
        def work() -> None:
            with self.db.session() as session:
                fn(session, *args)

        await asyncio.to_thread(work)

    @staticmethod
    def _forbidden(session: Any, message: OutboxMessage, error: str, unreachable: bool) -> None:
        queue.mark_failed(session, message.id, "failed", error)  # type: ignore[arg-type]
        if unreachable:
            people.mark_unreachable_by_chat(session, message.chat_id)
            log.info("chat %s is unreachable (%s); no more sends to it", message.chat_id, error)

    def _claim(self) -> list[OutboxMessage]:
        with self.db.session() as session:
            return queue.claim_sendable(session, self.clock.now(), CLAIM_BATCH)

    def _release(self, message_ids: list[int | None]) -> None:
        with self.db.session() as session:
            for message_id in message_ids:
                queue.retry_later(session, message_id, self.clock.now(), "waiting behind an earlier message")  # type: ignore[arg-type]

    def _pending(self) -> int:
        with self.db.session() as session:
            return queue.pending_count(session)

    def _settle_interrupted(self) -> None:
        with self.db.session() as session:
            settled = queue.settle_interrupted(session, self.clock.now() - SENDING_LEASE)
        if settled:
            log.warning("%d message(s) were mid-send when the bot last stopped; marked uncertain", settled)


def _by_chat(messages: list[OutboxMessage]) -> dict[int, list[OutboxMessage]]:
    groups: dict[int, list[OutboxMessage]] = {}
    for message in messages:
        groups.setdefault(message.chat_id, []).append(message)
    return groups
