"""Telegram handlers: a few lines each: parse the update, call a feature module."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.conversation import Sender
from bot.runtime import Runtime


def sender_of(update: Update) -> Sender:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Sender(telegram_user_id=user.id, chat_id=chat.id, first_name=user.first_name)


async def run(context: ContextTypes.DEFAULT_TYPE, fn: Callable[..., None], *args: Any) -> None:
    """Run a feature's unit of work off the event loop, then let the outbox send."""
    rt: Runtime = context.bot_data["runtime"]
    await asyncio.to_thread(fn, rt, *args)
    rt.wake_outbox()
