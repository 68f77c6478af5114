"""Flag, follow-up and idea buttons, and /idea.  The plain message that answers
something the bot asked (a resolve note, a reason, an idea) comes through the
front door (bot/front_door.py), like every other message."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.core import callbacks
from bot.handlers import acknowledge, run, sender_of
from bot.partners import follow_up
from bot.partners import ideas as partner_ideas
from bot.staff import flags
from bot.staff import ideas as staff_ideas


async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await acknowledge(query)
    tap = callbacks.parse_tap(query.data)
    if tap is None:
        return
    if tap.kind == "f":
        await run(context, flags.press, update.update_id, sender_of(update), tap)
    elif tap.kind == "i":
        await run(context, staff_ideas.press, update.update_id, sender_of(update), tap)
    else:
        message_id = query.message.message_id if query.message else None
        await run(context, follow_up.answer, update.update_id, sender_of(update), tap, message_id)


async def idea(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, partner_ideas.idea_command, update.update_id, sender_of(update), " ".join(context.args or []))
