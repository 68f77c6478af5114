"""Facilitators' buttons on flags, ideas and partners' messages, the preview's Send /
Edit / Cancel, and a partner's /idea.  The plain
message that answers something the bot asked (a resolve note, a reason, an idea)
comes through the front door (bot/front_door.py), like every other message."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.core import callbacks
from bot.handlers import run, sender_of, tapped_button
from bot.partners import ideas as partner_ideas
from bot.staff import flags
from bot.staff import ideas as staff_ideas
from bot.staff import prompts as staff_prompts
from bot.staff import team as staff_team


async def flag_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, _ = await tapped_button(update, callbacks.FlagAction)
    await run(context, flags.press, update.update_id, sender_of(update), tap)


async def idea_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, _ = await tapped_button(update, callbacks.IdeaOutcome)
    await run(context, staff_ideas.press, update.update_id, sender_of(update), tap)


async def idea(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, partner_ideas.idea_command, update.update_id, sender_of(update), " ".join(context.args or []))


async def team_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, _ = await tapped_button(update, callbacks.TeamAction)
    await run(context, staff_team.press, update.update_id, sender_of(update), tap)


async def prompt_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send, Edit or Cancel under the preview of what a partner would get."""
    tap, _ = await tapped_button(update, callbacks.PromptChoice)
    await run(context, staff_prompts.press, update.update_id, sender_of(update), tap)
