"""Retention (storage/retention.py): what goes when, what never goes, in bounded batches, on
SQLite and PostgreSQL; and on SQLite, that the space comes back."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text
from sqlmodel import col

from storage import retention, updates
from storage.db import Database
from storage.models import AuditEvent, InboxUpdate, OutboxMessage, ProcessedUpdate, table_of
from storage.retention import RetentionPolicy

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
#: what a raw update holds: a partner's name and words, which must go
PAYLOAD = {"update_id": 1, "message": {"from": {"first_name": "Sam"}, "text": "I feel low"}}


def _message(
    db: Database, status: str, age: timedelta, *, ref: str | None = None, sent: timedelta | None = None
) -> int:
    """An outbox row queued ``age`` ago whose send began ``sent`` ago (if it began)."""
    with db.session() as session:
        row = OutboxMessage(
            chat_id=1,
            method="sendMessage",
            payload={"text": "How are you?"},
            status=status,
            created_at=NOW - age,
            not_before=NOW - age,
            claimed_at=None if sent is None else NOW - sent,
            ref=ref,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _outbox_ids(db: Database) -> set[int]:
    with db.session() as session:
        return set(session.execute(select(col(OutboxMessage.id))).scalars())


def _update(db: Database, update_id: int, status: str, age: timedelta, **fields: Any) -> None:
    with db.session() as session:
        session.add(
            InboxUpdate(update_id=update_id, chat_id=1, payload=PAYLOAD, status=status, received_at=NOW - age, **fields)
        )


def _inbox(db: Database) -> dict[int, tuple[str, bool, int, str | None]]:
    """update id -> (status, whether the payload is SQL NULL, failures, error)."""
    table = table_of(InboxUpdate)
    query = select(table.c.update_id, table.c.status, table.c.payload.is_(None), table.c.failures, table.c.error)
    with db.session() as session:
        return {row[0]: tuple(row[1:]) for row in session.execute(query)}  # type: ignore[misc]


def test_settled_messages_go_after_keep_days_and_unsent_ones_never(db: Database) -> None:
    old, young = 31 * DAY, 29 * DAY
    gone = [_message(db, status, old, sent=old) for status in ("sent", "failed", "uncertain")]
    kept = [_message(db, status, old) for status in ("pending", "claimed", "sending")]
    kept.append(_message(db, "sent", young, sent=young))

    removed = retention.prune(db, NOW, RetentionPolicy(keep_days=30))

    assert removed["outbox"] == len(gone)
    assert _outbox_ids(db) == set(kept)


def test_a_message_that_may_not_have_arrived_and_asked_something_is_kept_a_day_after_it_went_out(
    db: Database,
) -> None:
    # queued long ago (the bot was down), sent just now: its follow-up has not run yet
    waiting = [
        _message(db, status, 40 * DAY, ref="checkin:7", sent=timedelta(hours=1)) for status in ("failed", "uncertain")
    ]
    followed_up = _message(db, "uncertain", 40 * DAY, ref="checkin:8", sent=2 * DAY)
    asked_nothing = _message(db, "uncertain", 40 * DAY, sent=timedelta(hours=1))
    arrived = _message(db, "sent", 40 * DAY, ref="checkin:9", sent=timedelta(hours=1))

    assert retention.prune(db, NOW)["outbox"] == 3

    assert _outbox_ids(db) == set(waiting)
    assert {followed_up, asked_nothing, arrived}.isdisjoint(_outbox_ids(db))


def test_processed_update_ids_outlive_telegrams_redelivery_so_a_redelivered_update_is_still_ignored(
    db: Database,
) -> None:
    with db.session() as session:
        session.add(ProcessedUpdate(update_id=1, processed_at=NOW - 2 * DAY + timedelta(hours=1)))
        session.add(ProcessedUpdate(update_id=2, processed_at=NOW - 2 * DAY - timedelta(hours=1)))

    assert retention.prune(db, NOW, RetentionPolicy(keep_days=2))["processed_updates"] == 1

    with db.session() as session:
        assert updates.claim_update(session, 1, NOW) is False  # the redelivery does nothing
    with pytest.raises(ValueError, match="at least 2"):
        RetentionPolicy(keep_days=1)


def test_raw_updates_go_a_day_after_handling_and_parked_rows_keep_their_error_for_keep_days(db: Database) -> None:
    hours = timedelta(hours=1)
    _update(db, 1, "done", DAY + hours)
    _update(db, 2, "done", DAY - hours)
    _update(db, 3, "parked", DAY + hours, failures=5, error="KeyError in front_door.py:40")
    _update(db, 4, "parked", DAY - hours, failures=5, error="KeyError in front_door.py:40")
    _update(db, 5, "parked", 31 * DAY, failures=5, error="KeyError in front_door.py:40")
    _update(db, 6, "pending", 40 * DAY)
    _update(db, 7, "processing", 40 * DAY)

    removed = retention.prune(db, NOW)

    assert (removed["inbox_done"], removed["inbox_parked"], removed["inbox_payloads"]) == (1, 1, 1)
    error = "KeyError in front_door.py:40"
    assert _inbox(db) == {
        2: ("done", False, 0, None),
        3: ("parked", True, 5, error),  # SQL NULL, not the JSON text 'null'
        4: ("parked", False, 5, error),
        6: ("pending", False, 0, None),
        7: ("processing", False, 0, None),
    }


def test_audit_events_are_kept(db: Database) -> None:
    with db.session() as session:
        session.add(AuditEvent(at=NOW - 4000 * DAY, action="export", actor_telegram_id=42, project_id="p1"))

    retention.prune(db, NOW)

    with db.session() as session:
        assert session.execute(select(func.count()).select_from(AuditEvent)).scalar() == 1


def test_rows_go_in_bounded_batches_one_transaction_each(db: Database) -> None:
    with db.session() as session:
        session.execute(
            insert(table_of(ProcessedUpdate)), [{"update_id": n, "processed_at": NOW - 40 * DAY} for n in range(10)]
        )
    deletes: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("DELETE FROM processedupdate"):
            deletes.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        removed = retention.prune(db, NOW, RetentionPolicy(batch=3))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert removed["processed_updates"] == 10
    assert len(deletes) == 4  # 3 + 3 + 3 + 1: a short batch ends it


def _pragma(db: Database, name: str) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text(f"PRAGMA {name}")).scalar_one())


def _fill_outbox(db: Database, rows: int) -> None:
    words = "a long message " * 40
    with db.session() as session:
        session.execute(
            insert(table_of(OutboxMessage)),
            [
                {
                    "chat_id": n,
                    "method": "sendMessage",
                    "payload": {"text": words},
                    "status": "sent",
                    "attempts": 1,
                    "not_before": NOW - 40 * DAY,
                    "created_at": NOW - 40 * DAY,
                }
                for n in range(rows)
            ],
        )


def test_a_new_sqlite_database_vacuums_incrementally_and_pruning_gives_the_space_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    db.upgrade()
    assert _pragma(db, "auto_vacuum") == 2  # INCREMENTAL
    _fill_outbox(db, 5000)
    full = _pragma(db, "page_count")
    monkeypatch.setattr(retention, "VACUUM_STEP_PAGES", 100)  # several steps

    assert retention.prune(db, NOW)["outbox"] == 5000

    assert _pragma(db, "freelist_count") == 0
    assert _pragma(db, "page_count") < full / 5
    db.dispose()


def test_an_older_sqlite_database_is_switched_to_incremental_vacuum_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:  # made before auto-vacuum: a table fixes the mode
        connection.execute("CREATE TABLE made_before (id INTEGER)")
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    assert _pragma(db, "auto_vacuum") == 0  # NONE
    _fill_outbox(db, 2000)
    full = _pragma(db, "page_count")

    with caplog.at_level(logging.INFO, logger="storage.retention"):
        retention.prune(db, NOW)
    assert "switched to incremental auto-vacuum" in caplog.text and "MB before" in caplog.text
    assert _pragma(db, "auto_vacuum") == 2
    assert _pragma(db, "page_count") < full / 5

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="storage.retention"):
        retention.prune(db, NOW)
    assert "switch" not in caplog.text  # once
    db.dispose()
