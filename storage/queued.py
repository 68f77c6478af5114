"""Writes a unit of work makes, kept as plain values and run together.

What every partner message writes (the processed update id, the answer, the
check-in's new state, the reply in the outbox) is queued in the session and
written with one statement each: the state before the session's next ORM
statement (the unit reads it back), the new rows at the commit.  ORM objects and
the flush that writes them cost a fifth of an answer's CPU; written late, the
rows also hold SQLite's one write lock for as short a time as possible.  Dropped
if the transaction rolls back.

The queued statements are compiled once and run on the driver's own cursor, with
their parameters prepared before the first of them: through SQLAlchemy's
execution machinery each cost about ten times the statement itself, and on SQLite
that time was spent holding the one write lock every other writer, in this
process or another, waits for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import Dialect, Executable, Select, Table, event, insert, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session as SqlModelSession

#: the SQLAlchemy minor versions this module is tested with: it reads two attributes of a compiled
#: statement that are not public API (``_bind_processors``, ``positiontup``); pyproject.toml pins the
#: same range and tests/storage/test_queued_internals.py fails loudly on any other version
TESTED_SQLALCHEMY = ("2.1",)


class QueuingSession(SqlModelSession):
    """The project's sessions (storage.db.Database.session): the queue's listeners are
    registered on this class only, not on every SQLAlchemy session in the process."""


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


def show_written(obj: object, values: dict[str, Any]) -> None:
    """Make the object in hand show values a queued write will store: an ORM object
    without marking them changed (its flush would write them again), a plain row
    (storage.people.PartnerRow) by assignment."""
    set_value = set_committed_value if inspect(obj, raiseerr=False) is not None else setattr
    for name, value in values.items():
        set_value(obj, name, value)


def still_queued(session: OrmSession, table: Table, row: dict[str, Any]) -> bool:
    """Whether ``row`` (from :func:`queue_insert`) is still waiting for the commit, so a
    change to it is still written."""
    return any(queued is row for queued in session.info.get(_AT_COMMIT, {}).get(_inserts.get(table), []))


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


class _Compiled(NamedTuple):
    """A statement as the driver takes it: its SQL, how to turn a row into its
    parameters, and for a read each column's type processing (None: none needed)."""

    sql: str
    parameters: Callable[[dict[str, Any]], Any]
    results: tuple[Callable[[Any], Any] | None, ...]


_compiled: dict[tuple[Executable, Dialect, tuple[str, ...]], _Compiled] = {}


def _compile(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
    """Compile once per statement, dialect and row shape; SQLAlchemy's own type
    processing (JSON, UTC times) is applied to each row as it would apply it.  For
    plain bind parameters only: an expanding one (``IN`` a list) is not expanded."""
    found = _compiled.get((statement, dialect, keys))
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    fixed = compiled.construct_params(_check=False)  # values the statement itself carries (``.values(status="sent")``)
    processors = compiled._bind_processors
    names = list(compiled.positiontup) if compiled.positional else list(fixed)
    plan = [(name, processors.get(name), fixed.get(name)) for name in names]

    def positional(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            process(row.get(name, default)) if process else row.get(name, default) for name, process, default in plan
        )

    def named(row: dict[str, Any]) -> dict[str, Any]:
        return {
            name: process(row.get(name, default)) if process else row.get(name, default)
            for name, process, default in plan
        }

    columns = statement.selected_columns if isinstance(statement, Select) else ()
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    found = _compiled[(statement, dialect, keys)] = _Compiled(
        compiled.string, positional if compiled.positional else named, results
    )
    return found


def first_row(session: OrmSession, statement: Select[Any], parameters: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of a prebuilt read, run on the driver's cursor like the queued writes,
    its columns typed as SQLAlchemy would return them (JSON decoded, times in UTC): for
    the reads every partner message makes.  It runs before, not after, the writes queued
    for the session's next statement, and sees no ORM object the session has not flushed."""
    connection = session.connection()
    compiled = _compile(statement, connection.dialect, tuple(parameters))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        _execute(cursor, connection.dialect, compiled.sql, [compiled.parameters(parameters)])
        row: tuple[Any, ...] | None = cursor.fetchone()
    finally:
        cursor.close()
    if row is None or not any(compiled.results):
        return row
    return tuple(process(value) if process else value for process, value in zip(compiled.results, row, strict=True))


def _execute(cursor: Any, dialect: Dialect, sql: str, parameters: list[Any]) -> None:
    """One statement for one row or many; a failure raised as SQLAlchemy would raise it,
    without the parameters (partners' words) in its message."""
    try:
        if len(parameters) == 1:
            cursor.execute(sql, parameters[0])
        else:
            cursor.executemany(sql, parameters)
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
        ) from error


def _write(session: OrmSession, key: str) -> None:
    """Run what is queued under ``key`` now, one statement each, in the order first queued."""
    queued: dict[Executable, list[dict[str, Any]]] | None = session.info.pop(key, None)
    if not queued:
        return
    connection = session.connection()
    dialect = connection.dialect
    batches = []
    for statement, rows in queued.items():
        if rows:
            compiled = _compile(statement, dialect, tuple(rows[0]))
            batches.append((compiled.sql, [compiled.parameters(row) for row in rows]))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for sql, parameters in batches:
            _execute(cursor, dialect, sql, parameters)
    finally:
        cursor.close()


@event.listens_for(QueuingSession, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    _write(state.session, _BEFORE_NEXT_STATEMENT)


@event.listens_for(QueuingSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    _write(session, _BEFORE_NEXT_STATEMENT)
    _write(session, _AT_COMMIT)


@event.listens_for(QueuingSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(_BEFORE_NEXT_STATEMENT, None)
    session.info.pop(_AT_COMMIT, None)
