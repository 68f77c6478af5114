"""Invite links: a code in the database and the t.me deep link that carries it."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError

from bot.clock import SystemClock
from bot.config import Settings
from storage import invites, projects
from storage.db import Database

log = logging.getLogger(__name__)


async def create_invite_link(settings: Settings, project_id: str, role: str, valid_for: timedelta) -> tuple[str, str]:
    db = Database(settings.storage.url)
    db.check_schema()
    project = settings.project(project_id)
    assert project is not None
    with db.session() as session:
        projects.sync_project(session, project.id, project.name, project.timezone)
        code = invites.create_invite(session, project_id, role, SystemClock().now(), valid_for).code
    db.dispose()
    return f"https://t.me/{await _bot_username(settings)}?start={code}", code


async def _bot_username(settings: Settings) -> str:
    """Ask Telegram (or the configured Bot API server) for the bot's username."""
    if not settings.token:
        return "YOUR_BOT"
    kwargs = {"base_url": settings.telegram.base_url} if settings.telegram.base_url else {}
    try:
        async with Bot(settings.token, **kwargs) as bot:
            return bot.username
    except TelegramError as error:
        log.warning("could not ask Telegram for the bot's name (%s); fill it into the link yourself", type(error).__name__)
        return "YOUR_BOT"
