"""The one place that sends to Telegram.

Messages are rows queued in the same transaction as the decision behind them;
this sender claims them fairly across chats (a few of each chat's at a time),
keeps each chat in order, paces sends to Telegram's limits (30 in any second
overall, edits included; about 1 a second per chat with a burst of 3), honours
RetryAfter (one chat's 429 pauses that chat only), retries server and network
errors with backoff, and records the outcome; a send it gives up on is logged.
A message Telegram accepted is never sent again.  After a timeout, or a crash
mid-send, the message is marked ``uncertain`` and not resent: Telegram
may have delivered it, and a partner getting the same question twice is worse
for trust than a facilitator seeing one uncertain delivery in the log.  Only
timeouts that prove the request never left (connect and pool timeouts) are
retried.

One process sends: Telegram's limits are per bot, so processes sharing a
database (webhook workers) elect a sender with a lease row (storage/leases.py)
named after the bot; the others only queue.  If the sender dies its lease runs
out (``SENDER_LEASE``) and another takes over.

Restart safety: a message is marked ``sending`` in its own transaction once every
limit has let it go, just before its HTTP request, so a crash (even kill -9) leaves
at most the requests then under way (at most ``MAX_IN_FLIGHT``) as ``uncertain``;
messages merely claimed or paced return to pending once their lease expires (see
storage/outbox.py).  An uncertain message that asked the partner something is
followed up (bot/partners/reminders.py).  At most ``CLAIM_BATCH`` messages
are in hand at once, so memory stays flat however many partners are due.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import enum
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.core.clock import Clock
from bot.delivery.api_request import never_sent
from bot.delivery.group_commit import GroupCommitter
from storage import leases, people
from storage import outbox as queue
from storage.db import Database
from storage.errors import is_outage
from storage.outbox import Claimed

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
#: messages in hand (claimed, paced or sending) at most: bounds memory and what a crash leaves behind
CLAIM_BATCH = 200
#: messages a dead process left claimed or ``sending`` this long are settled (pending / uncertain)
SENDING_LEASE = timedelta(minutes=2)
#: how often the sender looks for messages a dead process left behind
SETTLE_EVERY = 30.0
UNREACHABLE_MARKERS = ("blocked by the user", "user is deactivated")
#: sends under way at once (marked ``sending``, outcome not yet recorded): the bound on
#: what a kill -9 can leave ``uncertain``.  A send holds its slot from the ``sending`` mark
#: through Telegram's answer to the ``sent`` mark (two group commits and a round trip, ~100 ms
#: under a full paid round): 8 covers 30/s, 128 covers 1,000/s (32 held it to ~600/s)
MAX_IN_FLIGHT, MAX_IN_FLIGHT_PAID = 8, 128
#: how long a sender's lease lasts unrenewed, and how often it is renewed
SENDER_LEASE, RENEW_EVERY = timedelta(seconds=20), 5.0
#: the longest wait between tries of a mark while the database is away
OUTAGE_WAIT_CAP = 10.0
#: how long a stop waits for the sends under way (inside bot/running's 20 s per stop step)
STOP_SENDS_SECONDS = 10.0
#: Telegram's overall limit, messages a second, and the paid-broadcast one
OVERALL_RATE, PAID_BROADCAST_RATE = 30.0, 1000.0
#: Telegram's limit for one private chat: about a message a second sustained, a burst of 3
CHAT_RATE, CHAT_BURST = 1.0, 3.0
#: the overall limit's window, seconds: Telegram counts messages in any one second; the
#: extra 20 ms covers the jitter between a request leaving here and reaching Telegram
WINDOW_SPAN = 1.02
#: how soon a sender waiting on a window full of reservations looks again
RESERVED_POLL = 0.005
#: 429s in a row, for more than one chat, that mean the whole bot is over Telegram's limit
#: (one chat's 429 pauses that chat only; Telegram's answer does not say which it is)
GLOBAL_429S = 3
GROUP_RATE = 20 / 60
TEXT_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")
#: methods about the bot, not a message: their row's chat keeps them in order, but they take no chat_id
BOT_METHODS = ("setMyCommands",)


class Outcome(enum.Enum):
    """What a send means for the chat's next message."""

    DONE = "done"  # settled: go on
    WAIT = "wait"  # retry later: the rest waits behind it
    UNREACHABLE = "unreachable"  # blocked or deactivated: send nothing more


class ChatPace:
    """One chat's limit: ``rate`` messages a second, at most ``burst`` at once.  Asked
    first (:meth:`ready_in`) and charged only when the request goes out (:meth:`take`),
    so a send held up elsewhere (the overall limit, the database) is never counted
    earlier than Telegram sees it."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.updated = burst, time.monotonic()

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def ready_in(self) -> float:
        """Seconds until this chat may send again (0: now)."""
        self._refill(time.monotonic())
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self._refill(time.monotonic())
        self.tokens -= 1


class SlidingWindow:
    """The overall limit as Telegram counts it: at most ``limit`` messages in any
    ``span`` seconds, no burst above it.  A send reserves its place before its
    database mark and is stamped when its request goes out; reserved places count
    until then, so however long the mark takes, no second holds more than the limit.
    One waiter at a time, first come first served: an event loop that stalled cannot
    release a burst of sends whose turns came due meanwhile."""

    def __init__(self, limit: float, span: float) -> None:
        self.limit, self.span = limit, span
        self._stamps: deque[float] = deque()
        self._reserved = 0
        self._turn = asyncio.Lock()

    def _wait(self, now: float) -> float:
        while self._stamps and self._stamps[0] <= now - self.span:
            self._stamps.popleft()
        over = len(self._stamps) + self._reserved - self.limit
        if over < 0:
            return 0.0
        if over < len(self._stamps):  # the send that leaves room is the over-th oldest
            return self._stamps[int(over)] + self.span - now
        return RESERVED_POLL  # the window is all reservations: they are stamped in a moment

    async def reserve(self) -> None:
        async with self._turn:
            while (wait := self._wait(time.monotonic())) > 0:
                await asyncio.sleep(wait)
            self._reserved += 1

    def stamp(self) -> None:
        """The reserved send's request goes out now."""
        self._reserved -= 1
        self._stamps.append(time.monotonic())

    def cancel(self) -> None:
        """The reserved send is not made."""
        self._reserved -= 1


class Unlimited:
    """What paces a call that is not a message (the bot's command menu): nothing."""

    def ready_in(self) -> float:
        return 0.0

    def take(self) -> None:
        """Nothing to charge."""

    async def reserve(self) -> None:
        """Always room."""

    def stamp(self) -> None:
        """Nothing to count."""

    def cancel(self) -> None:
        """Nothing was reserved."""


UNLIMITED = Unlimited()


class Outbox:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        *,
        overall_rate: float = OVERALL_RATE,
        chat_rate: float = CHAT_RATE,
        paid_broadcast: bool = False,
        send_timeout: float | None = None,
    ) -> None:
        """``chat_rate`` above Telegram's is for a sandbox set to match (tests not about pacing)."""
        self.bot, self.db, self.clock = bot, db, clock
        self.chat_rate = chat_rate
        self.paid_broadcast = paid_broadcast
        #: seconds to wait for Telegram's answer to one send; None keeps PTB's default
        self.send_timeout = send_timeout
        #: messages a second this outbox sends at most
        self.rate = PAID_BROADCAST_RATE if paid_broadcast else overall_rate
        self._overall = SlidingWindow(self.rate, WINDOW_SPAN)
        self._chats: dict[int, ChatPace] = {}
        self._paused_until = 0.0  # a global 429: no chat sends before this (monotonic)
        self._429s: list[int] = []  # the chats of the 429s in a row, newest last
        self._in_hand = 0
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT_PAID if paid_broadcast else MAX_IN_FLIGHT)
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._senders: set[asyncio.Task[None]] = set()
        self._writes = GroupCommitter(
            db, batched={queue.begin_send: queue.begin_sends, queue.mark_sent: queue.mark_sents}
        )
        #: one sender per bot: the token's numeric part is the bot's id (not the secret part)
        self._lease = f"outbox:{bot.token.split(':', 1)[0]}"
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew_at: float | None = None  # monotonic time to renew; None while not the sender

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._runner = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Stop claiming and finish the sends under way (they are short).  A send that
        outlasts ``STOP_SENDS_SECONDS`` is cut off, as a crash would cut it (its row is
        settled by the lease), and the sender's lease is handed over in any case: a
        lease left behind kept a restarted bot from sending for 20 s."""
        try:
            if self._runner is not None:
                self._runner.cancel()
                await asyncio.gather(self._runner, return_exceptions=True)
                self._runner = None
            if self._senders:
                _, late = await asyncio.wait(set(self._senders), timeout=STOP_SENDS_SECONDS)
                if late:
                    log.warning(
                        "stopping: %d chat(s) still sending after %.0f s; their messages are settled later",
                        len(late),
                        STOP_SENDS_SECONDS,
                    )
                    for task in late:
                        task.cancel()
                    await asyncio.gather(*late, return_exceptions=True)
            await self._writes.stop()
        finally:
            if self._renew_at is not None:  # hand over now rather than after the lease runs out
                self._renew_at = None
                await asyncio.to_thread(self._release_lease)

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
        next_settle = 0.0
        while True:
            if not await self._is_sender():
                await asyncio.sleep(RENEW_EVERY)  # another process sends; see if it still does
                continue
            if time.monotonic() >= next_settle:
                next_settle = time.monotonic() + SETTLE_EVERY
                await self._settle_interrupted()
            room = CLAIM_BATCH - self._in_hand
            claimed: list[Claimed] = []
            if room >= CLAIM_BATCH // 2:  # claim in batches, not one message per finished send
                try:
                    claimed = await asyncio.to_thread(self._claim, room)
                except Exception:
                    log.exception("could not claim outbox messages; trying again shortly")
            for chat_id, messages in _by_chat(claimed).items():
                self._in_hand += len(messages)
                task = asyncio.create_task(self._send_chat(messages), name=f"outbox-chat-{chat_id}")
                self._senders.add(task)
                task.add_done_callback(self._finished)
            if len(claimed) < room or room < CLAIM_BATCH // 2:
                self._wake.clear()
                # asyncio.timeout, not wait_for: 3.11's wait_for swallows a cancel that meets a
                # wake, and the stop then waited its full 20 s
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self._wake.wait()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._senders.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            # a bug, not Telegram: the chat's claim runs out and its message in hand is settled later
            log.error("sending to a chat failed unexpectedly", exc_info=error)
        self.wake()  # the chat may have more waiting behind it, and there is room to claim

    async def _send_chat(self, messages: list[Claimed]) -> None:
        """Send one chat's messages in order; stop at the first that must wait.
        Once the chat turns out unreachable the rest is failed unsent: no retry storm."""
        try:
            for position, message in enumerate(messages):
                outcome = await self._send_one(message)
                if outcome is not Outcome.DONE:
                    rest = [m.id for m in messages[position + 1 :] if m.id is not None]
                    if rest and outcome is Outcome.WAIT:
                        await self._record(queue.release, rest, message.claimed_at)
                    elif rest:
                        await self._record(queue.fail_claimed, rest, message.claimed_at, "chat unreachable")
                    return
        finally:
            self._in_hand -= len(messages)

    async def _send_one(self, message: Claimed) -> Outcome:
        """Send; record what happened, and say what the chat's next message may do.

        The message is marked ``sending`` only once every limit has let it go, just
        before its request: a crash while it waited leaves it ``claimed`` (sent later),
        not ``uncertain``."""
        paced = message.method not in BOT_METHODS  # edits count like sends; the bot's menu does not
        chat, window = (self._chat(message.chat_id), self._overall) if paced else (UNLIMITED, UNLIMITED)
        if (wait := chat.ready_in()) > 0:  # most chats have one message: no need to yield
            await asyncio.sleep(wait)
        async with self._in_flight:
            while True:
                while (pause := self._paused_until - time.monotonic()) > 0:  # a global 429
                    await asyncio.sleep(pause)
                await window.reserve()
                if self._paused_until <= time.monotonic():
                    break
                window.cancel()
            try:
                started = await self._write(queue.begin_send, message.id, message.claimed_at, self.clock.now())
            except BaseException:
                window.cancel()
                raise
            if not started:
                window.cancel()
                log.warning("outbox message %s was taken over by another process; not sending it", message.id)
                return Outcome.WAIT
            window.stamp()
            chat.take()
            try:
                telegram_id = await self._call(message)
            except TelegramError as error:
                return await self._settle_failure(message, error)
            self._429s.clear()
            # recorded before leaving the semaphore: ``sending`` rows never outnumber MAX_IN_FLIGHT
            await self._record(queue.mark_sent, message.id, telegram_id, self.clock.now())
        return Outcome.DONE

    def expected_wait(self) -> float:
        """Seconds a reply queued now would wait for the messages ahead of it: those in
        hand at the sending rate (a claim holds at most three of one chat's, so a chat
        merely paced adds little), plus any pause Telegram asked for.  A round's pacing
        reads this (bot/jobs.py)."""
        return self._in_hand / self.rate + max(0.0, self._paused_until - time.monotonic())

    async def _settle_failure(self, message: Claimed, error: TelegramError) -> Outcome:
        """Record why a send failed, and what that means for the chat."""
        if isinstance(error, RetryAfter):
            wait = (
                error.retry_after.total_seconds()
                if isinstance(error.retry_after, timedelta)
                else float(error.retry_after)
            )
            self._429s = [*self._429s[-(GLOBAL_429S - 1) :], message.chat_id]
            if len(self._429s) >= GLOBAL_429S and len(set(self._429s)) > 1:
                self._paused_until = max(self._paused_until, time.monotonic() + wait)
                log.warning("Telegram asked us to wait %.0f s on several chats at once; pausing all sends", wait)
            else:
                log.info("Telegram asked us to wait %.0f s for one chat; that chat waits", wait)
            await self._record(queue.retry_later, message.id, self.clock.now() + timedelta(seconds=wait), "429")
            return Outcome.WAIT
        if isinstance(error, Forbidden):
            unreachable = any(marker in error.message.lower() for marker in UNREACHABLE_MARKERS)
            await self._record(self._forbidden, message, error.message, unreachable)
            return Outcome.UNREACHABLE if unreachable else Outcome.DONE
        if isinstance(error, BadRequest) and "message is not modified" in error.message:
            await self._record(queue.mark_sent, message.id, None, self.clock.now())
            return Outcome.DONE
        if isinstance(error, TimedOut):
            if never_sent(error):
                return await self._retry(message, error.message)
            log.warning("outbox message %s timed out; it may have arrived, so it is not resent", message.id)
            await self._record(queue.mark_failed, message.id, "uncertain", "timed out")
            return Outcome.DONE
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):  # 5xx answers, connection errors
            return await self._retry(message, error.message)
        log.error("Telegram refused outbox message %s (%s): %s", message.id, message.method, error.message)
        await self._record(queue.mark_failed, message.id, "failed", error.message)
        return Outcome.DONE

    async def _retry(self, message: Claimed, error: str) -> Outcome:
        """Back off exponentially (2, 4, 8 ... s); give up after MAX_ATTEMPTS."""
        attempt = message.attempts + 1  # begin_send counted this one
        if attempt >= MAX_ATTEMPTS:
            # the chat goes on; a question that may be lost is followed up (bot/partners/reminders.py)
            log.warning(
                "gave up sending outbox message %s (%s) after %d tries: %s", message.id, message.method, attempt, error
            )
            await self._record(queue.mark_failed, message.id, "failed", f"gave up: {error}")
            return Outcome.DONE
        backoff = timedelta(seconds=min(2**attempt, 300))
        await self._record(queue.retry_later, message.id, self.clock.now() + backoff, error)
        return Outcome.WAIT

    def _chat(self, chat_id: int) -> ChatPace:
        pace = self._chats.get(chat_id)
        if pace is None:
            if len(self._chats) > 50_000:  # forget idle chats so memory stays flat
                self._chats.clear()
            group = chat_id < 0  # Telegram's group and channel ids are negative
            # with the overall window's margin for jitter on the way to Telegram
            pace = self._chats[chat_id] = ChatPace((GROUP_RATE if group else self.chat_rate) / WINDOW_SPAN, CHAT_BURST)
        return pace

    async def _call(self, message: Claimed) -> int | None:
        """Make the request; return the id Telegram gave the message, if any.

        Text methods post the row's parameters as they are through PTB's request
        layer (which maps Telegram's errors): the outbox needs only the message id,
        and PTB's typed methods (building, then parsing a ``Message``) cost a third
        of the sender's CPU, its ``do_api_request`` another tenth.  (``RequestParameter``
        is not re-exported by ``telegram.request``; PTB is pinned to 22.x.)"""
        payload = dict(message.payload)
        buttons = payload.pop("buttons", None)
        if buttons:
            payload["reply_markup"] = {
                "inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in buttons]
            }
        timeouts: dict[str, Any] = {}
        if self.send_timeout is not None:
            timeouts.update(read_timeout=self.send_timeout, write_timeout=self.send_timeout)
        if message.method in ("sendPhoto", "sendDocument"):
            return await self._send_file(message, payload, timeouts)
        if message.method in BOT_METHODS:
            request = RequestData([RequestParameter(name, value, input_files=None) for name, value in payload.items()])
            await self.bot.request.post(f"{self.bot.base_url}/{message.method}", request, **timeouts)
            return None
        if message.method not in TEXT_METHODS:
            raise ValueError(f"unknown outbox method {message.method!r}")
        if message.method == "sendMessage" and self.paid_broadcast:
            payload["allow_paid_broadcast"] = True
        request = RequestData(
            [
                RequestParameter(name, value, input_files=None)
                for name, value in {"chat_id": message.chat_id, **payload}.items()
            ]
        )
        result = await self.bot.request.post(f"{self.bot.base_url}/{message.method}", request, **timeouts)
        return result.get("message_id") if isinstance(result, dict) else None

    async def _send_file(self, message: Claimed, payload: dict[str, Any], timeouts: dict[str, Any]) -> int:
        """Files travel in the row as base64 (charts and /mydata exports are small)."""
        upload = InputFile(base64.b64decode(payload.pop("content_b64")), filename=payload.pop("filename", None))
        send = self.bot.send_photo if message.method == "sendPhoto" else self.bot.send_document
        return (await send(message.chat_id, upload, api_kwargs=payload, **timeouts)).message_id

    async def _record(self, fn: Callable[..., Any], *args: Any) -> None:
        await self._write(fn, *args)

    async def _write(self, fn: Callable[..., Any], *args: Any) -> Any:
        """A mark, tried again while the database is away: a message whose mark was lost would
        hold its chat until its lease ran out (two minutes), or be sent and not known sent."""
        wait = 0.5
        while True:
            try:
                return await self._writes.run(fn, *args)
            except Exception as error:
                if not is_outage(error):
                    raise
                log.warning("the database is unavailable (%s); the outbox waits %.0f s", type(error).__name__, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, OUTAGE_WAIT_CAP)

    @staticmethod
    def _forbidden(session: Any, message: Claimed, error: str, unreachable: bool) -> None:
        queue.mark_failed(session, message.id, "failed", error)
        if unreachable:
            people.mark_unreachable_by_chat(session, message.chat_id)
            log.info("chat %s is unreachable (%s); no more sends to it", message.chat_id, error)

    async def _is_sender(self) -> bool:
        """Take or renew the sender's lease when due; say whether this process sends."""
        if self._renew_at is not None and time.monotonic() < self._renew_at:
            return True
        try:
            held = await asyncio.to_thread(self._hold_lease)
        except Exception:
            log.exception("could not renew the sender's lease; not sending until it is")
            held = False
        if held != (self._renew_at is not None):
            log.info("this process %s the sender", "is now" if held else "is no longer")
        self._renew_at = time.monotonic() + RENEW_EVERY if held else None
        return held

    def _hold_lease(self) -> bool:
        with self.db.session() as session:
            return leases.hold(session, self._lease, self._holder, self.clock.now(), SENDER_LEASE)

    def _release_lease(self) -> None:
        with self.db.session() as session:
            leases.release(session, self._lease, self._holder)

    def _claim(self, limit: int) -> list[Claimed]:
        with self.db.session() as session:
            return queue.claim_sendable(session, self.clock.now(), limit)

    def _pending(self) -> int:
        with self.db.session() as session:
            return queue.pending_count(session)

    async def _settle_interrupted(self) -> None:
        def work() -> tuple[int, int]:
            with self.db.session() as session:
                return queue.settle_interrupted(session, self.clock.now() - SENDING_LEASE)

        try:
            released, uncertain = await asyncio.to_thread(work)
        except Exception:
            log.exception("could not settle interrupted outbox messages; trying again later")
            return
        if released or uncertain:
            log.warning(
                "a stopped bot left %d message(s) claimed (sent now) and %d mid-send (marked uncertain)",
                released,
                uncertain,
            )


def _by_chat(messages: list[Claimed]) -> dict[int, list[Claimed]]:
    groups: dict[int, list[Claimed]] = {}
    for message in messages:
        groups.setdefault(message.chat_id, []).append(message)
    return groups
