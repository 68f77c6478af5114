"""Queuing the bot's own words for a chat: a fixed or configured text, escaped,
its placeholders filled, handed to the outbox in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.telegram_format import plain
from storage import outbox


def say(
    session: Session,
    chat_id: int,
    now: datetime,
    text: str,
    buttons: list[list[tuple[str, str]]] | None = None,
    **values: str,
) -> None:
    outbox.enqueue(session, chat_id, "sendMessage", plain(text, buttons, **values), now)
