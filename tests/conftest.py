"""Shared fixtures: databases on SQLite and, when CHECKIN_TEST_DATABASE_URL names a
PostgreSQL server, on PostgreSQL too (a fresh database per test, dropped after).

Running the migrations for every test cost about a second each on PostgreSQL, so
each test process migrates one template database per backend once and every test
gets a copy of it (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on
PostgreSQL).  The migrations themselves still run from nothing on both backends:
for the templates, and in ``empty_database_url`` tests."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Database, create_postgres_database, drop_postgres_database

PG_URL_ENV = "CHECKIN_TEST_DATABASE_URL"


def _postgres_database(template: str | None = None) -> Iterator[str]:
    server_url = os.environ.get(PG_URL_ENV)
    if not server_url:
        pytest.skip(f"PostgreSQL pass not requested: set {PG_URL_ENV}=postgresql://127.0.0.1:5432/postgres")
    url = create_postgres_database(server_url, f"checkin_test_{uuid.uuid4().hex[:12]}", template)
    try:
        yield url
    finally:
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest migration, made once per test process."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database at the newest migration, made once per test process."""
    databases = _postgres_database()
    url = next(databases)
    database = Database(url)
    database.upgrade()
    database.dispose()  # a template must have no connections while it is copied
    yield url.rsplit("/", 1)[1]
    databases.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the newest migration, on each backend."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _postgres_database(template=request.getfixturevalue("postgres_template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database on each backend."""
    database = Database(database_url)
    yield database
    database.dispose()
