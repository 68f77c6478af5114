"""Flag, follow-up and idea buttons, /idea, and the plain message that answers
something the bot asked (a resolve note, a reason, an idea)."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import callbacks, flag_actions, ideas
from bot.handlers import acknowledge, run, sender_of
from bot.runtime import Runtime


async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await acknowledge(query)
    tap = callbacks.parse_tap(query.data)
    if tap is None:
        return
    if tap.kind == "f":
        await run(context, flag_actions.press, update.update_id, sender_of(update), tap)
    elif tap.kind == "i":
        await run(context, ideas.press, update.update_id, sender_of(update), tap)
    else:
        message_id = query.message.message_id if query.message else None
        await run(context, flag_actions.follow_up_answer, update.update_id, sender_of(update), tap, message_id)


async def idea(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, ideas.idea_command, update.update_id, sender_of(update), " ".join(context.args or []))


async def awaited_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before the conversation handler: if the bot is waiting on this person's
    next message, it goes to that feature and no further."""
    assert update.effective_message is not None
    rt: Runtime = context.bot_data["runtime"]
    text = update.effective_message.text or ""
    if await asyncio.to_thread(flag_actions.answer_prompt, rt, update.update_id, sender_of(update), text):
        rt.wake_outbox()
        raise ApplicationHandlerStop
