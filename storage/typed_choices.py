"""What a partner without buttons may type, and what each word stands for
(storage.models.TypedChoices; see bot/core/outgoing.py and bot/front_door.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import TypedChoices


def offer(session: Session, chat_id: int, choices: dict[str, str], shown_from: datetime, now: datetime) -> None:
    """The words a message about to be sent takes.  One shown now replaces what stood
    before; one held for later stands from its time, and what stands now stays till then."""
    if shown_from <= now:
        clear(session, chat_id, now)
    session.add(TypedChoices(chat_id=chat_id, choices=choices, shown_from=shown_from))


def standing(session: Session, chat_id: int, now: datetime) -> dict[str, str]:
    """The words of the newest message shown by ``now`` (empty if none)."""
    found = session.exec(
        select(TypedChoices.choices)
        .where(TypedChoices.chat_id == chat_id, col(TypedChoices.shown_from) <= now)
        .order_by(col(TypedChoices.shown_from).desc(), col(TypedChoices.id).desc())
        .limit(1)
    ).first()
    return dict(found) if found else {}


def clear(session: Session, chat_id: int, now: datetime) -> None:
    """The partner answered, or moved on: what was shown by ``now`` stands no more."""
    session.execute(
        delete(TypedChoices).where(col(TypedChoices.chat_id) == chat_id, col(TypedChoices.shown_from) <= now)
    )


def forget_chat(session: Session, chat_id: int) -> None:
    session.execute(delete(TypedChoices).where(col(TypedChoices.chat_id) == chat_id))
