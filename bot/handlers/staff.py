"""What staff send: /reload, /invite and /projects for coordinators, /partners
for facilitators.  Each feature checks role and project itself (bot.core.roles)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.core import callbacks
from bot.handlers import run, sender_of, tapped_button
from bot.staff import invites, views
from bot.staff.reload import handle_reload


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, handle_reload, update.update_id, sender_of(update))


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    role = context.args[0] if context.args else ""
    await run(context, invites.handle_invite, update.update_id, sender_of(update), context.bot.username, role)


async def invite_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, _ = await tapped_button(update, callbacks.InviteChoice)
    await run(context, invites.handle_invite_choice, update.update_id, sender_of(update), context.bot.username, tap)


async def partners(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, views.handle_partners, update.update_id, sender_of(update))


async def projects(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, views.handle_projects, update.update_id, sender_of(update))


async def flags_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, views.handle_flags, update.update_id, sender_of(update))


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, views.handle_digest, update.update_id, sender_of(update))
