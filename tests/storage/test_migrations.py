"""The migrations and the models describe the same schema, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage.db import Database


def test_migrations_from_nothing_match_the_models(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    db.upgrade()
    db.check_schema()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    db.dispose()
    assert differences == [], "write a migration: checkin db revision -m '...'"
