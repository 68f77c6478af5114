"""Telegram update ids already processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, event, select
from sqlmodel import Session

from storage.models import ProcessedUpdate, table_of
from storage.queued import QueuingSession, first_row, queue_insert

#: Session.info key: update ids claimed in this transaction
_CLAIMED = "claimed_update_ids"
#: Core statements: every update a partner sends passes here, and the ORM's get-then-add
#: cost a tenth of an answer's CPU
_TABLE = table_of(ProcessedUpdate)
_SEEN = select(_TABLE.c.update_id).where(_TABLE.c.update_id == bindparam("update_id"))


def claim_update(session: Session, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was handled before.

    Two processes racing on the same id both pass here, and the primary key
    makes the later commit fail, rolling back its effects with it.

    The row is queued for the commit (storage/queued.py), not inserted here: an
    INSERT now, or at the unit's next statement, would take SQLite's one write
    lock for the rest of the unit of work, so every other partner's update would
    wait behind its reads and the engine (the profile of bench/replies.py)."""
    claimed: set[int] = session.info.setdefault(_CLAIMED, set())
    if update_id in claimed:
        return False
    seen = first_row(session, _SEEN, {"update_id": update_id})
    if seen is not None:
        return False
    claimed.add(update_id)
    queue_insert(session, _TABLE, {"update_id": update_id, "processed_at": now})
    return True


@event.listens_for(QueuingSession, "after_commit")
@event.listens_for(QueuingSession, "after_rollback")
def _forget_claimed(session: Session) -> None:
    session.info.pop(_CLAIMED, None)
