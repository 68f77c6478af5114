"""Telegram update ids already processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event
from sqlmodel import Session

from storage.models import ProcessedUpdate

#: Session.info key: update ids claimed in this transaction, written at commit
_CLAIMED = "claimed_update_ids"


def claim_update(session: Session, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was handled before.

    Two processes racing on the same id both pass here, and the primary key
    makes the later commit fail, rolling back its effects with it.

    The row is added just before the commit, not here: an INSERT now would be
    autoflushed by the next query and take SQLite's one write lock for the whole
    unit of work, so every other partner's update would wait behind its reads
    and the engine (the profile of bench/replies.py at 1,000 partners)."""
    claimed: list[ProcessedUpdate] = session.info.setdefault(_CLAIMED, [])
    if any(row.update_id == update_id for row in claimed) or session.get(ProcessedUpdate, update_id) is not None:
        return False
    claimed.append(ProcessedUpdate(update_id=update_id, processed_at=now))
    return True


@event.listens_for(Session, "before_commit")
def _write_claimed(session: Session) -> None:
    """Add the claimed ids to the commit's flush."""
    session.add_all(session.info.pop(_CLAIMED, []))


@event.listens_for(Session, "after_rollback")
def _forget_claimed(session: Session) -> None:
    session.info.pop(_CLAIMED, None)
