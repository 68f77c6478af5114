"""Shared fixtures: databases on SQLite and, when CHECKIN_TEST_DATABASE_URL names a
PostgreSQL server, on PostgreSQL too (a fresh database per test, dropped after)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage.db import Database, normalise_url

PG_URL_ENV = "CHECKIN_TEST_DATABASE_URL"


def _postgres_database() -> Iterator[str]:
    admin_url = os.environ.get(PG_URL_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL pass not requested: set {PG_URL_ENV}=postgresql://127.0.0.1:5432/postgres")
    name = f"checkin_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield normalise_url(admin_url).rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database on each backend."""
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()
