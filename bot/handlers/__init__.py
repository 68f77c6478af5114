"""Telegram handlers: a few lines each: parse the update, call a feature module."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.callbacks import Button
from bot.core.runtime import Runtime
from bot.core.sender import Sender

log = logging.getLogger(__name__)

B = TypeVar("B", bound=Button)


def sender_of(update: Update) -> Sender:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Sender(telegram_user_id=user.id, chat_id=chat.id, first_name=user.first_name)


async def run(context: ContextTypes.DEFAULT_TYPE, fn: Callable[..., None], *args: Any) -> None:
    """Run a feature's unit of work off the event loop, then let the outbox send."""
    rt: Runtime = context.bot_data["runtime"]
    await asyncio.to_thread(fn, rt, *args)
    rt.wake_outbox()


async def run_answer(context: ContextTypes.DEFAULT_TYPE, fn: Callable[..., None], *args: Any) -> None:
    """A partner's answer (a message, a tap), the unit every check-in repeats.  On SQLite
    it runs on the event loop itself: its statements never wait on a network, and the
    thread hop with its GIL handovers cost a sixth of an answer's CPU (docs/benchmarks.md).
    On PostgreSQL, where every statement is a round trip, in a worker thread like the rest."""
    rt: Runtime = context.bot_data["runtime"]
    if rt.db.is_postgresql:
        await run(context, fn, *args)
        return
    fn(rt, *args)
    rt.wake_outbox()


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the tapped button's spinner.  Cosmetic: if Telegram is slow or refuses,
    the tap is still handled, so a partner's answer is never lost to it."""
    try:
        await query.answer()
    except TelegramError as error:
        log.warning("could not answer a button tap (%s); handling it anyway", type(error).__name__)


async def tapped_button(update: Update, kind: type[B]) -> tuple[B, int | None]:
    """The tapped button, parsed (the Application routed the tap here by ``kind.matches``),
    and the id of the message it is on.  Stops the spinner first."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await acknowledge(query)
    tap = kind.parse(query.data)
    assert tap is not None
    return tap, query.message.message_id if query.message else None
