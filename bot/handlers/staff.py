"""What staff send: /reload for coordinators."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import run, sender_of
from bot.reload import handle_reload


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, handle_reload, update.update_id, sender_of(update))
