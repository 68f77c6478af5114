"""Flag, follow-up and idea buttons, and /idea.  The plain message that answers
something the bot asked (a resolve note, a reason, an idea) comes through the
partner's text handler (bot/conversation.handle_text)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import callbacks, flag_actions, ideas
from bot.handlers import acknowledge, run, sender_of


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
