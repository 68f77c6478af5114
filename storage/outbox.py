"""The outbox: messages decided in a transaction, sent after it by one sender.

A message goes pending -> claimed -> sending -> sent | failed | uncertain.
``claimed`` means a bot process took it and will send it soon: it has not been
sent, so if that process dies it simply becomes pending again.  ``sending`` is
set in its own transaction just before the HTTP request, so after a crash only
``sending`` rows may have reached Telegram: those become ``uncertain`` and are
never resent.  ``claimed_at`` doubles as the claim's fencing token: a process
whose claim expired and was taken over cannot move the row to ``sending``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Integer, bindparam, func, update
from sqlmodel import Session, col, select

from storage.locks import serialise
from storage.models import OutboxMessage, UTCDateTime, table_of
from storage.queued import queue_insert
from storage.queued import still_queued as queued_still

#: statuses of messages a live process has in hand: their chat waits behind them
IN_HAND = ("claimed", "sending")


#: any fixed number: the PostgreSQL advisory lock that serialises outbox claims
CLAIM_LOCK_KEY = 0x0B0C_5E4D
#: status updates go through the Core table: the ORM's bulk-update bookkeeping doubled their cost
_TABLE = table_of(OutboxMessage)


def enqueue(
    session: Session,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    ref: str | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """Queue a message in the session's transaction: written at the commit with
    the unit of work's other rows, in the order queued (see storage/queued.py).
    ``ref`` names what the message asks the partner ("checkin:<id>"), so one that
    may not have arrived is followed up (:func:`lost_questions`).  ``not_before``
    holds it until then (a partner's quiet hours, bot/core/outgoing.py); a held
    message does not hold up its chat's later ones.  Returns the queued row, which
    may still be changed before the commit (bot/core/outgoing.py joins messages)."""
    row = {
        "chat_id": chat_id,
        "method": method,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
        "ref": ref,
    }
    return queue_insert(session, _TABLE, row)


def still_queued(session: Session, row: dict[str, Any]) -> bool:
    """Whether a row :func:`enqueue` returned is not written yet (changing it still counts)."""
    return queued_still(session, _TABLE, row)


class Claimed(NamedTuple):
    """A claimed message, as the sender needs it: plain values, as building an ORM
    object per row was two thirds of a claim's cost."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int
    claimed_at: datetime


# Statements the sender runs for every message or claim, built once: building a statement cost
# as much as running it.  A chat with a message in hand, or one waiting to be retried after an
# error, is busy, so its order holds.  A message held for the partner's good time (no error) is
# not: a reply to what they just sent goes now, and the held one goes at its time
# (docs/architecture.md, "Held messages").
_NOT_YET = _TABLE.c.not_before > bindparam("claim_now", type_=UTCDateTime)
_BUSY_CHATS = select(_TABLE.c.chat_id).where(
    _TABLE.c.status.in_(IN_HAND) | ((_TABLE.c.status == "pending") & _NOT_YET & _TABLE.c.error.is_not(None))
)
#: how many of one chat's messages a claim takes at most: Telegram's burst for one chat, so
#: a chat with a long backlog (a facilitator's alerts) never fills a claim other chats need
PER_CHAT_CLAIM = 3
#: a claim first reads twice its size of the oldest sendable messages (an index walk
#: that stops there) and keeps a few of each chat's; only when one chat's backlog fills that much
#: does it rank every pending message per chat, which costs a sort of them all
SCAN_FACTOR = 2
_PENDING_NOT_BUSY = (_TABLE.c.status == "pending") & ~_NOT_YET & _TABLE.c.chat_id.not_in(_BUSY_CHATS)
_OLDEST = (
    select(_TABLE.c.id, _TABLE.c.chat_id)
    .where(_PENDING_NOT_BUSY)
    .order_by(_TABLE.c.id)
    .limit(bindparam("scan", type_=Integer))
)
_HEADS = (
    select(
        _TABLE.c.id,
        func.row_number().over(partition_by=_TABLE.c.chat_id, order_by=_TABLE.c.id).label("place"),
    )
    .where(_PENDING_NOT_BUSY)
    .subquery()
)
_FAIR = (
    select(_HEADS.c.id)
    .where(_HEADS.c.place <= PER_CHAT_CLAIM)
    .order_by(_HEADS.c.id)
    .limit(bindparam("claim_limit", type_=Integer))
)
#: the guard repeats the read's conditions, so a row another process took meanwhile is left alone
_CLAIM = (
    update(_TABLE)
    .where(_TABLE.c.id.in_(bindparam("ids", expanding=True)), _PENDING_NOT_BUSY)
    .values(status="claimed", claimed_at=bindparam("claim_now", type_=UTCDateTime))
    .returning(*(_TABLE.c[name] for name in Claimed._fields))
)
_BEGIN_SENDS = (
    update(_TABLE)
    .where(
        _TABLE.c.id.in_(bindparam("ids", expanding=True)),
        _TABLE.c.status == "claimed",
        _TABLE.c.claimed_at == bindparam("claimed", type_=UTCDateTime),
    )
    .values(status="sending", attempts=_TABLE.c.attempts + 1, claimed_at=bindparam("sending_since", type_=UTCDateTime))
    .returning(_TABLE.c.id)
)
_MARK_SENT = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(
        status="sent",
        sent_at=bindparam("b_at", type_=UTCDateTime),
        telegram_message_id=bindparam("b_telegram_id"),
        error=None,
    )
)


def claim_sendable(session: Session, now: datetime, limit: int) -> list[Claimed]:
    """Claim up to ``limit`` due pending messages, oldest first, marking them ``claimed``;
    at most ``PER_CHAT_CLAIM`` of one chat, so a chat's backlog never holds up the others.

    A chat with a message in hand or waiting for a retry is skipped, so each
    chat keeps its order, across processes too: the claim is one UPDATE
    statement (atomic under SQLite's write lock), and on PostgreSQL the claims
    of all processes are serialised by a transaction-scoped advisory lock, since
    row locks alone would let two processes take different messages of one chat."""
    if limit <= 0:
        return []
    serialise(session, CLAIM_LOCK_KEY)
    connection = session.connection()
    oldest = connection.execute(_OLDEST, {"claim_now": now, "scan": limit * SCAN_FACTOR}).all()
    ids = _a_few_of_each_chat(oldest, limit)
    if len(ids) < limit and len(oldest) == limit * SCAN_FACTOR:  # a backlog fills the oldest: look past it
        ids = list(connection.execute(_FAIR, {"claim_now": now, "claim_limit": limit}).scalars())
    if not ids:
        return []
    rows = connection.execute(_CLAIM, {"ids": ids, "claim_now": now})
    return sorted((Claimed(*row) for row in rows), key=lambda message: message.id)


def _a_few_of_each_chat(rows: Sequence[Any], limit: int) -> list[int]:
    taken: dict[int, int] = {}
    ids = []
    for message_id, chat_id in rows:
        if taken.get(chat_id, 0) < PER_CHAT_CLAIM:
            taken[chat_id] = taken.get(chat_id, 0) + 1
            ids.append(message_id)
            if len(ids) == limit:
                break
    return ids


def begin_send(session: Session, message_id: int, claimed_at: datetime, now: datetime) -> bool:
    """Record that the HTTP request is about to go out.  False if this claim was
    taken over (it expired), so the caller must not send."""
    return begin_sends(session, [(message_id, claimed_at, now)])[0]


def begin_sends(session: Session, calls: Sequence[tuple[int, datetime, datetime]]) -> list[bool]:
    """:func:`begin_send` for many messages (the outbox's group commit): one UPDATE
    per claim instead of one per message.  Results in the order of ``calls``."""
    by_claim: dict[datetime, list[int]] = {}
    for message_id, claimed_at, _ in calls:
        by_claim.setdefault(claimed_at, []).append(message_id)
    now = max(now for _, _, now in calls)
    started: set[int] = set()
    for claimed_at, ids in by_claim.items():
        started.update(
            session.connection()
            .execute(_BEGIN_SENDS, {"ids": ids, "claimed": claimed_at, "sending_since": now})
            .scalars()
        )
    return [message_id in started for message_id, _, _ in calls]


def release(session: Session, message_ids: Sequence[int], claimed_at: datetime) -> None:
    """Claimed but not sent (an earlier message of the chat must wait): pending again."""
    session.execute(
        update(_TABLE)
        .where(
            col(OutboxMessage.id).in_(message_ids),
            col(OutboxMessage.status) == "claimed",
            col(OutboxMessage.claimed_at) == claimed_at,
        )
        .values(status="pending")
    )


def fail_claimed(session: Session, message_ids: Sequence[int], claimed_at: datetime, error: str) -> None:
    """Claimed messages that will never be sent (their chat became unreachable)."""
    session.execute(
        update(_TABLE)
        .where(
            col(OutboxMessage.id).in_(message_ids),
            col(OutboxMessage.status) == "claimed",
            col(OutboxMessage.claimed_at) == claimed_at,
        )
        .values(status="failed", error=error)
    )


def mark_sent(session: Session, message_id: int, telegram_message_id: int | None, now: datetime) -> None:
    mark_sents(session, [(message_id, telegram_message_id, now)])


def mark_sents(session: Session, calls: Sequence[tuple[int, int | None, datetime]]) -> list[None]:
    """:func:`mark_sent` for many messages: one executemany."""
    # a Core executemany: the Session would take the ORM's bulk-update path
    session.connection().execute(_MARK_SENT, [{"b_id": m, "b_telegram_id": t, "b_at": at} for m, t, at in calls])
    return [None] * len(calls)


def mark_failed(session: Session, message_id: int, status: str, error: str) -> None:
    """``failed`` (Telegram refused it for good) or ``uncertain`` (it may have arrived)."""
    session.execute(update(_TABLE).where(col(OutboxMessage.id) == message_id).values(status=status, error=error))


def retry_later(session: Session, message_id: int, not_before: datetime, error: str) -> None:
    session.execute(
        update(_TABLE)
        .where(col(OutboxMessage.id) == message_id)
        .values(status="pending", not_before=not_before, error=error)
    )


def settle_interrupted(session: Session, older_than: datetime) -> tuple[int, int]:
    """Messages a dead process left in hand for longer than the lease.

    ``claimed`` ones were never sent: pending again.  ``sending`` ones may have
    reached Telegram: ``uncertain``, never sent twice.  Returns (released, uncertain)."""
    released = session.execute(
        update(_TABLE)
        .where(col(OutboxMessage.status) == "claimed", col(OutboxMessage.claimed_at) < older_than)
        .values(status="pending")
    )
    uncertain = session.execute(
        update(_TABLE)
        .where(col(OutboxMessage.status) == "sending", col(OutboxMessage.claimed_at) < older_than)
        .values(status="uncertain", error="interrupted while sending")
    )
    return int(released.rowcount), int(uncertain.rowcount)  # type: ignore[attr-defined]


def pending_count(session: Session) -> int:
    """Messages not yet settled: waiting, claimed or being sent."""
    return session.exec(select(func.count()).where(col(OutboxMessage.status).in_(("pending", *IN_HAND)))).one()


#: the oldest message that could go now and waits only for the sender: pending, due, and
#: first in a chat with nothing in hand (one queued behind its own chat is merely paced)
_OLDEST_WAITING = (
    select(_TABLE.c.created_at, _TABLE.c.not_before, _TABLE.c.error)
    .where(
        _TABLE.c.status == "pending",
        _TABLE.c.not_before <= bindparam("claim_now", type_=UTCDateTime),
        _TABLE.c.chat_id.not_in(_BUSY_CHATS),
    )
    .order_by(_TABLE.c.id)
    .limit(1)
)


def oldest_waiting(session: Session, now: datetime) -> datetime | None:
    """When the longest-waiting message that only the sender holds back was queued, or
    None: how far behind the sender is.  A message queued behind its own chat's earlier
    ones (a facilitator's backlog, paced at a message a second) does not count.  One held
    for the partner's good time has waited for the sender only since that time."""
    row = session.execute(_OLDEST_WAITING, {"claim_now": now}).first()
    if row is None:
        return None
    return row.created_at if row.error is not None else max(row.created_at, row.not_before)


#: statuses of a send that may not have reached the partner: a timeout or a crash mid-send
#: (``uncertain``), or one Telegram kept failing with server errors (``failed``, "gave up")
_LOST = (_TABLE.c.status == "uncertain") | ((_TABLE.c.status == "failed") & _TABLE.c.error.startswith("gave up"))


class Lost(NamedTuple):
    id: int
    chat_id: int
    ref: str


def lost_questions(session: Session, settled_before: datetime, limit: int = 500) -> list[Lost]:
    """Messages that asked the partner something and may not have arrived, not yet
    followed up, queued in the day before ``settled_before`` (a send settles within
    minutes; an older one has had its check-in's reminder anyway)."""
    rows = session.execute(
        select(_TABLE.c.id, _TABLE.c.chat_id, _TABLE.c.ref)
        .where(
            _LOST,
            _TABLE.c.created_at < settled_before,
            _TABLE.c.created_at >= settled_before - timedelta(days=1),
            _TABLE.c.ref.is_not(None),
            _TABLE.c.followed_up_at.is_(None),
        )
        .order_by(_TABLE.c.id)
        .limit(limit)
    )
    return [Lost(*row) for row in rows]


def newest_is_lost(session: Session, chat_id: int, ref: str) -> bool:
    """Whether the newest message about ``ref`` in this chat may not have arrived (so
    nothing later about it did)."""
    newest = session.execute(
        select(_TABLE.c.id)
        .where(_TABLE.c.chat_id == chat_id, _TABLE.c.ref == ref, _LOST)
        .where(
            _TABLE.c.id
            == select(func.max(_TABLE.c.id)).where(_TABLE.c.chat_id == chat_id, _TABLE.c.ref == ref).scalar_subquery()
        )
    ).first()
    return newest is not None


def mark_followed_up(session: Session, message_ids: Sequence[int], now: datetime) -> None:
    """Nothing to mark writes nothing: an UPDATE of no rows still took SQLite's write lock
    at every tick, and partners' answers waited on it."""
    if message_ids:
        session.execute(update(_TABLE).where(_TABLE.c.id.in_(message_ids)).values(followed_up_at=now))


def messages_for_chat(session: Session, chat_id: int) -> list[OutboxMessage]:
    return list(
        session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(col(OutboxMessage.id)))
    )
