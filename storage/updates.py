"""Telegram update ids already processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, event, insert, select
from sqlmodel import Session

from storage.models import ProcessedUpdate

#: Session.info key: update ids claimed in this transaction (and when), written at commit
_CLAIMED = "claimed_update_ids"
#: Core statements: every update a partner sends passes here, and the ORM's get-then-add
#: cost a tenth of an answer's CPU
_TABLE = ProcessedUpdate.__table__
_SEEN = select(_TABLE.c.update_id).where(_TABLE.c.update_id == bindparam("update_id"))
_INSERT = insert(_TABLE)


def claim_update(session: Session, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was handled before.

    Two processes racing on the same id both pass here, and the primary key
    makes the later commit fail, rolling back its effects with it.

    The row is inserted just before the commit, not here: an INSERT now would
    take SQLite's one write lock for the whole unit of work, so every other
    partner's update would wait behind its reads and the engine (the profile of
    bench/replies.py at 1,000 partners)."""
    claimed: dict[int, datetime] = session.info.setdefault(_CLAIMED, {})
    if update_id in claimed:
        return False
    seen = session.connection().execute(_SEEN, {"update_id": update_id}).first()
    if seen is not None:
        return False
    claimed[update_id] = now
    return True


@event.listens_for(Session, "before_commit")
def _write_claimed(session: Session) -> None:
    claimed: dict[int, datetime] = session.info.pop(_CLAIMED, {})
    if claimed:
        session.connection().execute(_INSERT, [{"update_id": u, "processed_at": at} for u, at in claimed.items()])


@event.listens_for(Session, "after_rollback")
def _forget_claimed(session: Session) -> None:
    session.info.pop(_CLAIMED, None)
