"""Safety first, for every update that carries text: a message, an edit, a photo's
caption, a command with its words, during a flood pause too.  One handler in the
earliest group screens, then guards against floods: one dispatch per update for both."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import front_door
from bot.core.runtime import Runtime
from bot.handlers import flood, sender_of


async def screen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stops the update when it showed distress: it has been answered, and must not
    also become an answer, an idea, a command's argument or a flood count."""
    message = update.message or update.edited_message
    text = (message.text or message.caption or "") if message is not None else ""
    if not text or update.effective_user is None or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    rt: Runtime = context.bot_data["runtime"]
    found = front_door.screen(rt, text)
    if found is None:
        return
    if await asyncio.to_thread(front_door.answer_distress, rt, update.update_id, sender_of(update), text, found):
        rt.wake_outbox()
        raise ApplicationHandlerStop


async def screen_then_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await screen(update, context)
    await flood.guard(update, context)
