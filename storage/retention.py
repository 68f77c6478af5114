"""Retention: rows the bot no longer needs are deleted, a bounded batch per transaction.

Deleted here, by age:

- settled outbox messages (sent, failed, uncertain) after ``keep_days``; pending, claimed and
  sending ones never.  A failed or uncertain one that asked the partner something (``ref``) is
  kept at least a day after it went out, so its follow-up finds it;
- processed update ids after ``keep_days``, which is at least 2: Telegram redelivers an update it
  did not see confirmed for up to 24 hours, and the id is what makes the redelivery harmless;
- inbox rows: a handled update (names, text) a day after it arrived; a parked one loses its raw
  update after that day too, and keeps its id, error and failures for ``keep_days``.

Kept for as long as the project keeps them (until a partner's /forget, or for ever): people,
memberships, consents, check-ins, answers, flags, ideas, messages with the team, and the audit
log (storage/audit.py), which audits need.

Each batch is its own transaction: SQLite has one write lock, and partners' answers wait behind
whoever holds it.  On SQLite the pages the deleted rows used go back to the disk by incremental
auto-vacuum, also in steps; on PostgreSQL autovacuum makes them reusable, so nothing is done here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Result, and_, delete, func, null, select, update
from sqlmodel import Session

from storage.db import Database
from storage.models import InboxUpdate, OutboxMessage, ProcessedUpdate, table_of

log = logging.getLogger(__name__)

#: the shortest ``keep_days``: processed update ids must outlive Telegram's 24 hours of redelivery
MIN_KEEP_DAYS = 2
#: handled updates, and parked updates' raw JSON, are kept this long after they arrived
RAW_UPDATES = timedelta(days=1)
#: a failed or uncertain message that asked something is kept at least this long after it went
#: out: its follow-up (a few minutes later) reads it
FOLLOW_UP = timedelta(days=1)
#: free pages given back to the disk per SQLite transaction (5,000 pages of 4 KiB: about 50 ms)
VACUUM_STEP_PAGES = 5000

_OUTBOX = table_of(OutboxMessage)
_PROCESSED = table_of(ProcessedUpdate)
_INBOX = table_of(InboxUpdate)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long rows are kept (``[storage] keep_days``), and the rows deleted per transaction."""

    keep_days: int = 30
    batch: int = 5000

    def __post_init__(self) -> None:
        if self.keep_days < MIN_KEEP_DAYS:
            raise ValueError(f"keep_days must be at least {MIN_KEEP_DAYS}, not {self.keep_days}")
        if self.batch < 1:
            raise ValueError(f"batch must be at least 1, not {self.batch}")


def delete_settled_messages(session: Session, before: datetime, sent_before: datetime, limit: int) -> int:
    """Delete up to ``limit`` settled outbox messages queued before ``before``, except failed or
    uncertain ones with a ``ref`` that went out at or after ``sent_before`` (still to be followed up).
    Rows are found by the created_at index."""
    awaiting_follow_up = and_(
        _OUTBOX.c.status.in_(("failed", "uncertain")),
        _OUTBOX.c.ref.is_not(None),
        # claimed_at is when the send began (the last claim, for one that failed before it)
        func.coalesce(_OUTBOX.c.claimed_at, _OUTBOX.c.created_at) >= sent_before,
    )
    chosen = (
        select(_OUTBOX.c.id)
        .where(
            _OUTBOX.c.created_at < before, _OUTBOX.c.status.in_(("sent", "failed", "uncertain")), ~awaiting_follow_up
        )
        .limit(limit)
    )
    return _count(session.execute(delete(_OUTBOX).where(_OUTBOX.c.id.in_(chosen.scalar_subquery()))))


def forget_processed_updates(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` processed update ids recorded before ``before``."""
    chosen = select(_PROCESSED.c.update_id).where(_PROCESSED.c.processed_at < before).limit(limit)
    return _count(session.execute(delete(_PROCESSED).where(_PROCESSED.c.update_id.in_(chosen.scalar_subquery()))))


def delete_inbox_updates(session: Session, status: str, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` inbox rows in ``status`` (done or parked) that arrived before ``before``."""
    chosen = select(_INBOX.c.update_id).where(_INBOX.c.status == status, _INBOX.c.received_at < before).limit(limit)
    return _count(session.execute(delete(_INBOX).where(_INBOX.c.update_id.in_(chosen.scalar_subquery()))))


def clear_parked_payloads(session: Session, before: datetime, limit: int) -> int:
    """Drop the raw update (names, text) of up to ``limit`` parked rows that arrived before
    ``before``; the row stays for `checkin doctor`.  Done rows that old are deleted instead."""
    chosen = (
        select(_INBOX.c.update_id)
        .where(_INBOX.c.status == "parked", _INBOX.c.received_at < before, _INBOX.c.payload.is_not(None))
        .limit(limit)
    )
    # null(): the JSON type writes Python's None as the JSON text 'null', not as SQL NULL
    statement = update(_INBOX).where(_INBOX.c.update_id.in_(chosen.scalar_subquery())).values(payload=null())
    return _count(session.execute(statement))


def prune(db: Database, now: datetime, policy: RetentionPolicy | None = None) -> dict[str, int]:
    """Delete what ``policy`` (default: keep 30 days) no longer keeps, then give SQLite's free
    pages back to the disk (PostgreSQL's autovacuum needs no help).  Returns the rows deleted
    (for ``inbox_payloads``, the raw updates cleared) by kind."""
    policy = policy or RetentionPolicy()
    keep = timedelta(days=policy.keep_days)

    def batches(step: Callable[[Session, int], int]) -> int:
        return _in_batches(db, step, policy.batch)

    removed = {
        "outbox": batches(lambda s, n: delete_settled_messages(s, now - keep, now - FOLLOW_UP, n)),
        "processed_updates": batches(lambda s, n: forget_processed_updates(s, now - keep, n)),
        "inbox_done": batches(lambda s, n: delete_inbox_updates(s, "done", now - RAW_UPDATES, n)),
        "inbox_parked": batches(lambda s, n: delete_inbox_updates(s, "parked", now - keep, n)),
        "inbox_payloads": batches(lambda s, n: clear_parked_payloads(s, now - RAW_UPDATES, n)),
    }
    if db.engine.dialect.name == "sqlite":
        reclaim_sqlite_space(db)
    return removed


def reclaim_sqlite_space(db: Database) -> None:
    """Give the SQLite file's free pages back to the disk, a bounded step per transaction.

    A database made before incremental auto-vacuum (storage/db.py) is switched once, by a
    VACUUM: it rewrites the whole file, so writes wait until it ends (logged with the sizes)."""
    raw = db.engine.raw_connection()
    try:
        sqlite = raw.driver_connection
        assert sqlite is not None  # a pooled connection is open
        if _pragma(sqlite, "auto_vacuum") == 0:  # NONE
            _switch_to_incremental(sqlite)
            return
        began = free = _pragma(sqlite, "freelist_count")
        while free > 0:
            # executescript runs the pragma to its end: execute() stops after its first page
            sqlite.executescript(f"PRAGMA incremental_vacuum({VACUUM_STEP_PAGES})")
            left, free = free, _pragma(sqlite, "freelist_count")
            if free >= left:  # others freed pages as fast: the next prune carries on
                break
        log.debug("gave %d free page(s) back to the disk", max(0, began - free))
    finally:
        raw.close()


def _switch_to_incremental(sqlite: Any) -> None:
    began, size = time.monotonic(), _size(sqlite)
    log.info("switching the SQLite database to incremental auto-vacuum, once: a VACUUM of %.1f MB", size / 1e6)
    # after the VACUUM the log (WAL) holds a copy of the whole file: checkpointed and truncated
    sqlite.executescript("PRAGMA auto_vacuum=INCREMENTAL; VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
    log.info(
        "SQLite database switched to incremental auto-vacuum in %.1f s: %.1f MB before, %.1f MB after",
        time.monotonic() - began,
        size / 1e6,
        _size(sqlite) / 1e6,
    )


def _size(sqlite: Any) -> int:
    return _pragma(sqlite, "page_count") * _pragma(sqlite, "page_size")


def _pragma(sqlite: Any, name: str) -> int:
    return int(sqlite.execute(f"PRAGMA {name}").fetchone()[0])


def _in_batches(db: Database, step: Callable[[Session, int], int], batch: int) -> int:
    """Run ``step`` in one short transaction after another until a batch comes back short."""
    total = 0
    while True:
        with db.session() as session:
            done = step(session, batch)
        total += done
        if done < batch:
            return total


def _count(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)  # what DELETE and UPDATE give
    return result.rowcount
