"""Queuing the bot's own words for a chat: a fixed or configured text, escaped,
its placeholders filled, handed to the outbox in the caller's transaction.  Said
to a partner (a Person or PartnerRow rather than a chat id), it goes through
bot/core/outgoing.py, which holds it for their good time and shapes it for their
access needs."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core import outgoing
from bot.core.outgoing import Partner, Timing
from bot.core.telegram_format import plain
from storage import outbox


def say(
    session: Session,
    to: int | Partner,
    now: datetime,
    text: str,
    buttons: list[list[tuple[str, str]]] | None = None,
    **values: str,
) -> None:
    """``to`` a chat id (staff, or someone not yet known) or a partner.  A reply: never held
    (what the bot starts itself goes through bot.core.outgoing.tell with its timing)."""
    if isinstance(to, int):
        outbox.enqueue(session, to, "sendMessage", plain(text, buttons, **values), now)
    else:
        payload = plain(outgoing.worded(to, text), buttons, **values)
        outgoing.send(session, to, payload, now, timing=Timing.NOW)
