"""The webhook inbox: updates stored before Telegram gets its 200, claimed by
workers one chat at a time in update order.

A row goes pending -> processing -> done | parked.  ``claimed_at`` is the
lease: a row left in ``processing`` by a process that died is claimed again
once the lease is over (the processed-update table then stops a second effect).
``parked``: handling it kept failing, so it is set aside with the reason, for
`checkin doctor`; polling mode parks its poison updates here too.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, null, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage.locks import serialise
from storage.models import InboxUpdate, table_of

#: any fixed number: the PostgreSQL advisory lock that serialises inbox claims
CLAIM_LOCK_KEY = 0x1B0C_5EED


def store(session: Session, update_id: int, chat_id: int | None, payload: dict[str, Any], now: datetime) -> bool:
    """Insert the update unless its id is already there.  False for a redelivery."""
    return store_many(session, [(update_id, chat_id, payload, now)])[0]


_TABLE = table_of(InboxUpdate)
#: built once per dialect and run with a list of rows (SQLAlchemy's "insertmanyvalues"): a
#: statement with the rows in its VALUES differs with each batch size, so it was built and
#: compiled anew for nearly every batch
_STORE = {
    name: insert(_TABLE).on_conflict_do_nothing(index_elements=["update_id"]).returning(_TABLE.c.update_id)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def store_many(session: Session, calls: list[tuple[int, int | None, dict[str, Any], datetime]]) -> list[bool]:
    """:func:`store` for each ``(update_id, chat_id, payload, now)``, in one statement:
    the webhook requests that arrive together share a transaction (bot/delivery/inbox.py)."""
    rows = [
        {
            "update_id": update_id,
            "chat_id": chat_id,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "received_at": now,
        }
        for update_id, chat_id, payload, now in calls
    ]
    inserted = set(session.execute(_STORE[session.get_bind().dialect.name], rows).scalars())
    stored = []
    for update_id, *_ in calls:
        stored.append(update_id in inserted)
        inserted.discard(update_id)  # a second copy in the same batch is a repeat too
    return stored


def claim(session: Session, now: datetime, lease: timedelta, limit: int) -> list[InboxUpdate]:
    """Mark up to ``limit`` updates ``processing`` for this process, lowest id first.

    A chat with an update in another live claim is skipped, so one chat's
    updates are never handled by two workers at once and keep their order.  The
    claim is one UPDATE statement, atomic on SQLite; on PostgreSQL the claims of
    all processes are serialised by a transaction-scoped advisory lock (held for
    the milliseconds of this statement), because row locks (SKIP LOCKED) lock
    rows, not chats: two processes could each take a different update of the
    same chat."""
    serialise(session, CLAIM_LOCK_KEY)
    expired = now - lease
    busy = select(InboxUpdate.chat_id).where(
        InboxUpdate.status == "processing", col(InboxUpdate.claimed_at) > expired, col(InboxUpdate.chat_id).is_not(None)
    )
    claimable = (
        select(InboxUpdate.update_id)
        .where(
            or_(
                col(InboxUpdate.status) == "pending",
                and_(col(InboxUpdate.status) == "processing", col(InboxUpdate.claimed_at) <= expired),
            ),
            or_(col(InboxUpdate.chat_id).is_(None), col(InboxUpdate.chat_id).not_in(busy)),
        )
        .order_by(col(InboxUpdate.update_id))
        .limit(limit)
    )
    rows = session.execute(
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id).in_(claimable.scalar_subquery()))
        .values(status="processing", claimed_at=now, attempts=InboxUpdate.attempts + 1)
        .returning(
            col(InboxUpdate.update_id), col(InboxUpdate.chat_id), col(InboxUpdate.payload), col(InboxUpdate.attempts)
        )
    ).all()
    claimed = [
        InboxUpdate(
            update_id=r.update_id,
            chat_id=r.chat_id,
            payload=r.payload,
            attempts=r.attempts,
            status="processing",
            claimed_at=now,
        )
        for r in rows
    ]
    return sorted(claimed, key=lambda row: row.update_id)


def finish(session: Session, update_ids: list[int], claimed_at: datetime, status: str) -> None:
    """Settle updates this process claimed; a claim that expired and was taken over is left alone."""
    finish_many(session, [(update_ids, claimed_at, status)])


def finish_many(session: Session, calls: list[tuple[list[int], datetime, str]]) -> list[None]:
    """:func:`finish` for each ``(update_ids, claimed_at, status)``: one statement per
    claim and status, however many chats settle together."""
    grouped: dict[tuple[datetime, str], list[int]] = defaultdict(list)
    for update_ids, claimed_at, status in calls:
        grouped[claimed_at, status].extend(update_ids)
    for (claimed_at, status), update_ids in grouped.items():
        session.execute(
            update(InboxUpdate)
            .where(
                col(InboxUpdate.update_id).in_(update_ids),
                col(InboxUpdate.status) == "processing",
                col(InboxUpdate.claimed_at) == claimed_at,
            )
            .values(status=status)
        )
    return [None] * len(calls)


def park(session: Session, update_id: int, chat_id: int | None, failures: int, error: str, now: datetime) -> None:
    """Set an update aside after ``failures`` tries: a webhook row changes status (its
    payload goes after a day, storage/retention.py); a polled update gets a row with
    no payload, as polling never stored one."""
    parked = {"status": "parked", "failures": failures, "error": error}
    changed = session.execute(update(_TABLE).where(_TABLE.c.update_id == update_id).values(**parked))
    if not changed.rowcount:  # type: ignore[attr-defined]
        session.execute(
            insert(_TABLE).values(
                update_id=update_id, chat_id=chat_id, payload=null(), attempts=failures, received_at=now, **parked
            )
        )


def counts(session: Session) -> dict[str, int]:
    """Updates by status, for tests and benchmarks."""
    rows = session.exec(select(InboxUpdate.status, func.count()).group_by(InboxUpdate.status)).all()
    return dict(rows)
