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
#: the insert statement of each table, built once (building a statement cost as much as running it)
_inserts: dict[Table, Executable] = {}
#: inserts whose rows learn their ids when written (a flag's evidence names its answer)
_RETURNING_IDS: set[Executable] = set()


def queue_insert(session: OrmSession, table: Table, row: dict[str, Any], *, at_commit: bool = False) -> dict[str, Any]:
    """Queue ``row`` for ``table``; returns the row, which gets its ``id`` when written
    if the table was registered with :func:`learn_ids`.  ``at_commit``: nothing in the
    unit of work reads it back, so it waits for the commit rather than the next statement."""
    statement = _inserts.get(table)
    return queue_write(session, _insert(table) if statement is None else statement, row, at_commit=at_commit)


def queue_write(session: OrmSession, statement: Executable, parameters: dict[str, Any], *, at_commit: bool = False) -> dict[str, Any]:
    """Queue a prebuilt statement with its parameters; returns the parameters."""
    session.info.setdefault(_AT_COMMIT if at_commit else _QUEUED, {}).setdefault(statement, []).append(parameters)
    return parameters


def learn_ids(table: Table) -> None:
    """Give ``table``'s queued rows their ids when they are written."""
    _RETURNING_IDS.add(_insert(table, returning_ids=True))


def write_queued(session: OrmSession, key: str = _QUEUED) -> None:
    """Run what is queued now, one statement each, in the order first queued."""
    queued: dict[Executable, list[dict[str, Any]]] | None = session.info.pop(key, None)
    if not queued:
        return
    connection = session.connection()
    for statement, rows in queued.items():
        if statement not in _RETURNING_IDS:
            connection.execute(statement, rows)
            continue
        ids = connection.execute(statement, rows).scalars().all()
        for row, row_id in zip(rows, ids, strict=True):
            row["id"] = row_id


def _insert(table: Table, returning_ids: bool = False) -> Executable:
    statement: Any = insert(table)
    if returning_ids:
        statement = statement.returning(table.c.id, sort_by_parameter_order=True)
    _inserts[table] = statement
    return statement


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
