"""Telegram handlers: a few lines each: parse the update, call a feature module."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.core.callbacks import Button
from bot.core.runtime import Runtime
from bot.core.sender import Sender

log = logging.getLogger(__name__)

B = TypeVar("B", bound=Button)


def sender_of(update: Update) -> Sender:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Sender(
        telegram_user_id=user.id, chat_id=chat.id, first_name=user.first_name, language_code=user.language_code
    )


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


#: Telegram gives up on a tap's answer 15 s after the tap; retries stop well inside it
ACK_DEADLINE_SECONDS = 10.0
_answering: set[asyncio.Task[None]] = set()  # retries under way, kept from the garbage collector


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the tapped button's spinner.  If Telegram fails to take the answer, it is
    tried again in the background while Telegram still would (a spinner left turning
    looks like the bot froze); the tap is handled meanwhile, so an answer is never
    lost to it.  A refusal (the tap is too old) is not tried again."""
    try:
        await query.answer()
        return
    except BadRequest as error:
        log.warning("Telegram refused to answer a button tap (%s)", error.message)
        return
    except TelegramError as error:
        log.warning("could not answer a button tap (%s); trying again meanwhile", type(error).__name__)
    task = asyncio.create_task(_answer_again(query, time.monotonic() + ACK_DEADLINE_SECONDS))
    _answering.add(task)
    task.add_done_callback(_answering.discard)


async def _answer_again(query: CallbackQuery, deadline: float) -> None:
    wait = 0.5
    while time.monotonic() + wait < deadline:
        await asyncio.sleep(wait)
        try:
            await query.answer()
            return
        except BadRequest:
            return
        except RetryAfter as error:
            wait = max(
                wait,
                float(error.retry_after)
                if not isinstance(error.retry_after, timedelta)
                else error.retry_after.total_seconds(),
            )
        except TelegramError:
            wait *= 2
    log.warning("gave up answering a button tap; Telegram stops its spinner itself")


async def tapped_button(update: Update, kind: type[B]) -> tuple[B, int | None]:
    """The tapped button, parsed (the Application routed the tap here by ``kind.matches``),
    and the id of the message it is on.  Stops the spinner first."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await acknowledge(query)
    tap = kind.parse(query.data)
    assert tap is not None
    return tap, query.message.message_id if query.message else None
