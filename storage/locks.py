"""Serialising short critical sections between bot processes."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


def serialise(session: Session, key: int) -> None:
    """On PostgreSQL, hold an advisory lock on ``key`` until this transaction ends,
    so one process at a time runs what follows.  SQLite needs nothing: one
    statement there runs under the database's single write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
