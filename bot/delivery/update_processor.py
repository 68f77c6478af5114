"""Polling mode's concurrency: different partners at once, one partner in order.

PTB's default handles one update at a time, so one slow database commit holds
up every partner.  ``concurrent_updates=True`` would let two updates of the same
partner race (an answer overtaking the one before it).  This processor runs
updates concurrently but queues each chat's behind each other, in arrival order.
Conversation state lives in the database, not in PTB, so nothing else needs
updates to be sequential."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

#: updates under way at once; beyond it PTB queues them (fairly, in order)
MAX_CONCURRENT_UPDATES = 256


def ordering_key(update: Update) -> int | None:
    """The partner an update belongs to: its chat, else its user; None if neither."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def payload_ordering_key(payload: dict[str, Any]) -> int | None:
    """:func:`ordering_key` of an update still in JSON (the webhook stores it before
    anything else): a partner's message or button tap read straight from it, any other
    kind parsed, as parsing a whole update cost as much as a twentieth of handling it."""
    message = payload.get("message") or (payload.get("callback_query") or {}).get("message")
    if (
        isinstance(message, dict)
        and isinstance(message.get("chat"), dict)
        and isinstance(message["chat"].get("id"), int)
    ):
        return int(message["chat"]["id"])
    return ordering_key(Update.de_json(payload, None))


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential (FIFO) within a chat."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: Counter[int] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update) if isinstance(update, Update) else None
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:  # asyncio.Lock wakes waiters first come, first served
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # forget idle chats: memory stays flat in partner count
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to release."""
