"""Engines, sessions and migrations.  SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, make_url, text
from sqlmodel import Session, create_engine

from storage.queued import QueuingSession

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database is behind the code: run `checkin db upgrade`."""


def normalise_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def create_postgres_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` on the PostgreSQL server of ``server_url`` (a copy of
    ``template`` if given) and return its URL; the benchmarks and tests use this."""
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return url


def drop_postgres_database(url: str) -> None:
    """Drop the database ``url`` names, closing its connections first."""
    target = make_url(normalise_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose errors never quote their parameters: those are partners' words,
    and errors reach the logs."""
    url = normalise_url(url)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and the writer work at once; foreign keys make cascades real.

    A new, empty file gets incremental auto-vacuum, so retention can give deleted rows' pages
    back to the disk (storage/retention.py): it must be set before WAL, which writes the file's
    first page, and only there, as setting it takes the write lock.  An older database is
    switched by retention, once."""
    cursor = dbapi_connection.cursor()
    if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
        cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """One engine and a way to run a unit of work in one short transaction."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Commit on success, roll back on any error."""
        with QueuingSession(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        with self.engine.begin() as connection:
            config = _alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def new_revision(self, message: str) -> None:
        """Write the next migration from the difference between the models and this
        database, numbered after the newest (0001, 0002, ...) so the order reads plainly."""
        config = _alembic_config(self.url)
        head = ScriptDirectory.from_config(config).get_current_head()
        rev_id = f"{int(head or 0) + 1:04d}"
        command.revision(config, message=message, autogenerate=True, rev_id=rev_id)

    def check_schema(self) -> None:
        """Raise :class:`SchemaOutOfDate` unless the schema is at the newest migration."""
        head = ScriptDirectory.from_config(_alembic_config(self.url)).get_current_head()
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"The database schema is at {current or 'nothing'}, the code needs {head}. "
                "Run `checkin db upgrade` first."
            )

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
