"""What partners send to pace their check-ins: /pause, /resume, /away, /snooze."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import run, sender_of
from bot.partners import controls


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, controls.pause, update.update_id, sender_of(update))


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, controls.resume, update.update_id, sender_of(update))


async def away(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, controls.away, update.update_id, sender_of(update), " ".join(context.args or []))


async def snooze(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, controls.snooze, update.update_id, sender_of(update))
