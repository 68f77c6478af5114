"""Inserts that tolerate a concurrent twin: several bot processes may start at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session


def upsert(session: Session, table: type[Any], keys: list[str], values: dict[str, Any], update: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE the ``update`` columns (or nothing)."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = insert(table).values(**values)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={k: statement.excluded[k] for k in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    session.execute(statement)
