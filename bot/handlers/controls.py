"""What partners send to pace their check-ins: /pause, /resume, /away, /snooze."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import partner_controls
from bot.handlers import run, sender_of


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, partner_controls.pause, update.update_id, sender_of(update))


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, partner_controls.resume, update.update_id, sender_of(update))


async def away(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, partner_controls.away, update.update_id, sender_of(update), " ".join(context.args or []))


async def snooze(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, partner_controls.snooze, update.update_id, sender_of(update))
