"""Telegram update ids already processed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import ProcessedUpdate


def claim_update(session: Session, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was handled before.

    Two processes racing on the same id both pass here, and the primary key
    makes the later commit fail, rolling back its effects with it."""
    if session.get(ProcessedUpdate, update_id) is not None:
        return False
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
    return True
