"""Before every other handler, for every update: safety first (the text of a message,
an edit, a photo's caption, a command with its words, during a flood pause too), then
the flood guard, then a command ends what the bot was waiting for from staff.  One
handler in the earliest group: one dispatch per update for all three."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import front_door
from bot.core.runtime import Runtime
from bot.handlers import flood, run, sender_of


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
    command = update.message.text if update.message is not None and update.message.text else ""
    if command.startswith("/") and not command.startswith("/cancel") and update.effective_user is not None:
        # a command is never the note the bot was waiting for from a member of staff: it ends it
        await run(context, front_door.command_arrived, sender_of(update))
