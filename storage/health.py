"""What `checkin doctor` asks the database: is the file there, is the outbox keeping up,
did sends give up, were updates parked.  Read-only, and none of it returns partner text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, make_url, or_
from sqlmodel import Session, col, select

from storage.db import normalise_url
from storage.models import InboxUpdate, OutboxMessage

#: outbox messages not yet settled: waiting, claimed by a sender, or being sent
WAITING = ("pending", "claimed", "sending")
#: how the sender marks a message it stopped retrying (bot/delivery/outbox.py)
GAVE_UP = "gave up"


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, if it does not exist (connecting would create an empty one);
    None for PostgreSQL, an in-memory database, or a file that is there."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


class OutboxBacklog(NamedTuple):
    waiting: int
    #: since when the longest-waiting message that could go now could go (queued, or its held
    #: time came); None if none could
    oldest_due: datetime | None


def outbox_backlog(session: Session, now: datetime) -> OutboxBacklog:
    """Messages not yet settled, and the oldest that is due (one waiting out a retry, or held
    for a partner's good time, is not late: it counts from when it could go)."""
    waiting = col(OutboxMessage.status).in_(WAITING)
    count = session.exec(select(func.count()).where(waiting)).one()
    due = or_(col(OutboxMessage.status) != "pending", col(OutboxMessage.not_before) <= now)
    oldest = session.exec(select(func.min(OutboxMessage.not_before)).where(waiting, due)).one()
    return OutboxBacklog(count, oldest)


class OutboxTrouble(NamedTuple):
    gave_up: int
    uncertain: int


def outbox_trouble(session: Session, since: datetime) -> OutboxTrouble:
    """Sends since ``since`` that gave up after retrying, and those that may or may not have
    arrived.  A send's time is when it was last tried (claimed_at), else when it was queued."""
    tried = func.coalesce(OutboxMessage.claimed_at, OutboxMessage.created_at) >= since
    gave_up = session.exec(
        select(func.count()).where(
            col(OutboxMessage.status) == "failed", col(OutboxMessage.error).startswith(GAVE_UP), tried
        )
    ).one()
    uncertain = session.exec(select(func.count()).where(col(OutboxMessage.status) == "uncertain", tried)).one()
    return OutboxTrouble(gave_up, uncertain)


class ParkedUpdate(NamedTuple):
    update_id: int
    received_at: datetime
    #: the exception's type and where it was raised, never partner text
    error: str | None


def parked_count(session: Session) -> int:
    """Updates set aside after failing again and again."""
    return session.exec(select(func.count()).where(col(InboxUpdate.status) == "parked")).one()


def newest_parked(session: Session, limit: int) -> list[ParkedUpdate]:
    """The ``limit`` most recent parked updates, newest first."""
    rows = session.exec(
        select(InboxUpdate.update_id, InboxUpdate.received_at, InboxUpdate.error)
        .where(col(InboxUpdate.status) == "parked")
        .order_by(col(InboxUpdate.update_id).desc())
        .limit(limit)
    ).all()
    return [ParkedUpdate(*row) for row in rows]
