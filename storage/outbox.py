"""The outbox: messages decided in a transaction, sent after it by one sender."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import OutboxMessage


def enqueue(session: Session, chat_id: int, method: str, payload: dict[str, Any], now: datetime) -> OutboxMessage:
    message = OutboxMessage(chat_id=chat_id, method=method, payload=payload, not_before=now, created_at=now)
    session.add(message)
    return message


def claim_sendable(session: Session, now: datetime, limit: int) -> list[OutboxMessage]:
    """Claim pending messages that are due, oldest first, marking them ``sending``.

    Only the oldest pending message of each chat is sendable while an earlier one
    of that chat is still ``sending`` or waiting, so each chat keeps its order."""
    blocked_chats = select(OutboxMessage.chat_id).where(
        (OutboxMessage.status == "sending")
        | ((OutboxMessage.status == "pending") & (OutboxMessage.not_before > now))
    )
    candidates = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.not_before <= now,
            col(OutboxMessage.chat_id).not_in(blocked_chats),
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for message in candidates:
        result = session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message.id, OutboxMessage.status == "pending")
            .values(status="sending", attempts=OutboxMessage.attempts + 1, claimed_at=now)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            session.refresh(message)
            claimed.append(message)
    return claimed


def mark_sent(session: Session, message_id: int, telegram_message_id: int | None, now: datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(status="sent", sent_at=now, telegram_message_id=telegram_message_id, error=None)
    )


def mark_failed(session: Session, message_id: int, status: str, error: str) -> None:
    """``failed`` (Telegram refused it for good) or ``uncertain`` (it may have arrived)."""
    session.execute(update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(status=status, error=error))


def retry_later(session: Session, message_id: int, not_before: datetime, error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(status="pending", not_before=not_before, error=error)
    )


def settle_interrupted(session: Session, older_than: datetime) -> int:
    """Messages left ``sending`` by a process that died: they may have reached
    Telegram, so they become ``uncertain`` rather than being sent twice."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", col(OutboxMessage.claimed_at) < older_than)
        .values(status="uncertain", error="interrupted while sending")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def pending_count(session: Session) -> int:
    return session.exec(select(func.count()).where(OutboxMessage.status == "pending")).one()


def messages_for_chat(session: Session, chat_id: int) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)))

