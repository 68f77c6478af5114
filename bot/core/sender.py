"""Who sent an update, as plain values: features never see Telegram's types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sender:
    """Who sent an update, as the bot needs it."""

    telegram_user_id: int
    chat_id: int
    first_name: str
    #: the language of their Telegram app ("cy", "en-GB"), if Telegram says
    language_code: str | None = None
