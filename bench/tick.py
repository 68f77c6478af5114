"""The scheduler's tick with 100,000 scheduled check-ins, and the outbox's claim.

    .venv/bin/python -m bench.tick                      # SQLite
    .venv/bin/python -m bench.tick --db postgresql://postgres@127.0.0.1:5432/postgres

Seeds ROWS partners with a check-in each, DUE of them due now and the rest
spread over the coming week, then times one claim of the due rows (rolled
back, so every repeat claims the same rows) and prints the query plans of
both claims: they must use an index, never scan the table.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlmodel import Session

from bench.round import drop_database, fresh_database
from bench.seed import seed_partners
from storage import checkins, outbox
from storage.db import Database


def seed(db: Database, rows: int, due: int) -> datetime:
    now = datetime.now(UTC)
    seed_partners(db, list(range(1, due + 1)), now - timedelta(minutes=1))
    week = timedelta(days=7)
    for start in range(due + 1, rows + 1, 10_000):  # later rows: due at spread-out future times
        stop = min(start + 10_000, rows + 1)
        seed_partners(db, list(range(start, stop)), now + week * (start / rows))
    with db.session() as session:
        for chat in range(1, due + 1):
            outbox.enqueue(session, chat, "sendMessage", {"text": "hello"}, now)
    return now


def timed_claim(db: Database, claim: Any, repeats: int) -> tuple[float, int, str]:
    """Median milliseconds of ``claim(session)``, rows claimed, and the query it ran first
    (a check-in claim's SELECT, the outbox's claiming UPDATE)."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        first_word = statement.lstrip().split(None, 1)[0].upper()
        if first_word in ("SELECT", "UPDATE") and "advisory" not in statement and not statements:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    times, claimed = [], 0
    try:
        for _ in range(repeats):
            with Session(db.engine) as session:
                started = time.perf_counter()
                claimed = len(claim(session))
                times.append((time.perf_counter() - started) * 1000)
                session.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return statistics.median(times), claimed, explain(db, *statements[0])


def explain(db: Database, statement: str, parameters: Any) -> str:
    with db.engine.connect() as connection:
        if db.is_postgresql:
            rows = connection.exec_driver_sql(f"EXPLAIN ANALYZE {statement}", parameters).all()
        else:
            rows = [
                (row[-1],) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            ]
    return "\n".join(f"    {row[0]}" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tick", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=100, help="how many are due now (one claim's batch)")
    parser.add_argument("--db", help="a PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(args.db, Path(tmp))
        try:
            db = Database(url)
            db.upgrade()
            started = time.perf_counter()
            now = seed(db, args.rows, args.due)
            print(f"database               {db.engine.dialect.name}")
            print(
                f"scheduled rows         {args.rows} ({args.due} due), seeded in {time.perf_counter() - started:.1f} s"
            )
            if db.is_postgresql:
                with db.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            ms, n, plan = timed_claim(db, lambda s: checkins.claim_due_checkins(s, now, args.due), args.repeats)
            print(f"check-in claim         {ms:.1f} ms median for {n} rows\n  plan:\n{plan}")
            ms, n, plan = timed_claim(db, lambda s: outbox.claim_sendable(s, now, 200), args.repeats)
            print(f"outbox claim           {ms:.1f} ms median for {n} rows\n  plan:\n{plan}")
            db.dispose()
        finally:
            drop_database(url)


if __name__ == "__main__":
    main()
