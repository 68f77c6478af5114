"""Writes a unit of work makes, kept as plain values and run together.

What every partner message writes (the processed update id, the answer, the
check-in's new state, the reply in the outbox) is queued in the session and
written with one statement each, before the session's next ORM statement or at
its commit: ORM objects and the flush that writes them cost a fifth of an
answer's CPU.  Written late, they also hold SQLite's one write lock for as short
a time as possible.  Dropped if the transaction rolls back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Table, event, insert
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

#: where a session keeps its queued writes: parameters by statement, in the order first queued
_QUEUED = "storage.queued_writes"
#: the same for writes nothing in the unit of work reads back: they wait for the commit
_AT_COMMIT = "storage.queued_writes_at_commit"
#: each table's insert, and the same returning the id, built once (building a statement cost as much as running it)
_inserts: dict[Table, Executable] = {}
_returning_id: dict[Table, Executable] = {}


def queue_insert(session: OrmSession, table: Table, row: dict[str, Any], *, at_commit: bool = False) -> dict[str, Any]:
    """Queue ``row`` for ``table``; returns the row (see :func:`written_id`).  ``at_commit``:
    nothing in the unit of work reads it back, so it waits for the commit rather than
    the next statement."""
    statement = _inserts.get(table)
    if statement is None:
        statement = _inserts[table] = insert(table)
    return queue_write(session, statement, row, at_commit=at_commit)


def queue_write(session: OrmSession, statement: Executable, parameters: dict[str, Any], *, at_commit: bool = False) -> dict[str, Any]:
    """Queue a prebuilt statement with its parameters; returns the parameters."""
    session.info.setdefault(_AT_COMMIT if at_commit else _QUEUED, {}).setdefault(statement, []).append(parameters)
    return parameters


def written_id(session: OrmSession, table: Table, row: dict[str, Any]) -> int:
    """The id of a row queued with ``at_commit``, writing it (after the rows of its table
    queued before it, so ids keep their order) now if it is not written yet.  Rare (a
    flag's evidence names its answer), so the usual write needs no RETURNING."""
    if "id" not in row:
        rows = session.info.get(_AT_COMMIT, {}).get(_inserts.get(table), [])
        position = next((n for n, queued in enumerate(rows) if queued is row), None)
        if position is None:
            raise ValueError("the row was not queued in this transaction")
        before = rows[:position]
        del rows[: position + 1]
        connection = session.connection()
        if before:
            connection.execute(_inserts[table], before)
        if table not in _returning_id:
            _returning_id[table] = insert(table).returning(table.c.id)
        row["id"] = connection.execute(_returning_id[table], row).scalar_one()
    return int(row["id"])


def write_queued(session: OrmSession, key: str = _QUEUED) -> None:
    """Run what is queued now, one statement each, in the order first queued."""
    queued: dict[Executable, list[dict[str, Any]]] | None = session.info.pop(key, None)
    if not queued:
        return
    connection = session.connection()
    for statement, rows in queued.items():
        if rows:
            connection.execute(statement, rows)


@event.listens_for(OrmSession, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    write_queued(state.session)


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    write_queued(session)
    write_queued(session, _AT_COMMIT)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(_QUEUED, None)
    session.info.pop(_AT_COMMIT, None)
