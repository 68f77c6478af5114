"""Asking Telegram (or the configured Bot API server) who the bot is, for the
links the command line makes while no bot is running."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.core.config import Settings

log = logging.getLogger(__name__)

#: what a link says when Telegram cannot be asked: the coordinator fills it in
UNKNOWN_BOT = "YOUR_BOT"


async def bot_username(settings: Settings) -> str:
    """The bot's username, from getMe; ``YOUR_BOT`` without a token or an answer."""
    if not settings.token:
        return UNKNOWN_BOT
    base_url = settings.telegram.base_url
    try:
        bot = Bot(settings.token, base_url=base_url) if base_url else Bot(settings.token)
        async with bot:
            return bot.username
    except TelegramError as error:
        log.warning(
            "could not ask Telegram for the bot's name (%s); fill it into the link yourself", type(error).__name__
        )
        return UNKNOWN_BOT
