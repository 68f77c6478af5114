"""Writes a unit of work makes, kept as plain values and run together.

What every partner message writes (the processed update id, the answer, the
check-in's new state, the reply in the outbox) is queued in the session and
written with one statement each: the state before the session's next ORM
statement (the unit reads it back), the new rows at the commit.  ORM objects and
the flush that writes them cost a fifth of an answer's CPU; written late, the
rows also hold SQLite's one write lock for as short a time as possible.  Dropped
if the transaction rolls back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Table, event, insert
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

#: where a session keeps its queued writes, parameters by statement in the order first queued:
#: updates (the unit of work reads them back) run before its next statement, inserts (rows
#: nothing in the unit reads back) at the commit
_BEFORE_NEXT_STATEMENT = "storage.queued_updates"
_AT_COMMIT = "storage.queued_inserts"
#: each table's insert, and the same returning the id, built once (building a statement cost as much as running it)
_inserts: dict[Table, Executable] = {}
_returning_id: dict[Table, Executable] = {}


def queue_insert(session: OrmSession, table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Queue ``row`` for ``table``, inserted at the commit; returns the row (see :func:`written_id`)."""
    statement = _inserts.get(table)
    if statement is None:
        statement = _inserts[table] = insert(table)
    return _queue(session, _AT_COMMIT, statement, row)


def queue_write(session: OrmSession, statement: Executable, parameters: dict[str, Any]) -> dict[str, Any]:
    """Queue a prebuilt statement with its parameters, run before the session's next
    statement; returns the parameters."""
    return _queue(session, _BEFORE_NEXT_STATEMENT, statement, parameters)


def written_id(session: OrmSession, table: Table, row: dict[str, Any]) -> int:
    """The id of a queued row, writing it (after the rows of its table queued before it,
    so ids keep their order) now if it is not written yet.  Rare (a flag's evidence
    names its answer), so the usual insert needs no RETURNING."""
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


def _queue(session: OrmSession, key: str, statement: Executable, parameters: dict[str, Any]) -> dict[str, Any]:
    session.info.setdefault(key, {}).setdefault(statement, []).append(parameters)
    return parameters


def _write(session: OrmSession, key: str) -> None:
    """Run what is queued under ``key`` now, one statement each, in the order first queued."""
    queued: dict[Executable, list[dict[str, Any]]] | None = session.info.pop(key, None)
    if not queued:
        return
    connection = session.connection()
    for statement, rows in queued.items():
        if rows:
            connection.execute(statement, rows)


@event.listens_for(OrmSession, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    _write(state.session, _BEFORE_NEXT_STATEMENT)


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    _write(session, _BEFORE_NEXT_STATEMENT)
    _write(session, _AT_COMMIT)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(_BEFORE_NEXT_STATEMENT, None)
    session.info.pop(_AT_COMMIT, None)
