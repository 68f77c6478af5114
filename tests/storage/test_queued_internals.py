"""storage/queued.py leans on two attributes of SQLAlchemy's compiled statements that
are not public API.  pyproject.toml pins SQLAlchemy to the minor versions it was
tested with; these tests fail loudly, naming the version, if another is installed
or the attributes change shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, create_engine, select

from storage import outbox
from storage.models import OutboxMessage
from storage.queued import TESTED_SQLALCHEMY, QueuingSession


def test_the_installed_sqlalchemy_is_one_the_queue_was_tested_with() -> None:
    minor = ".".join(sqlalchemy.__version__.split(".")[:2])
    assert minor in TESTED_SQLALCHEMY, (
        f"SQLAlchemy {sqlalchemy.__version__} is installed, but storage/queued.py is tested with "
        f"{', '.join(TESTED_SQLALCHEMY)} only: run bench/replies.py and the storage tests on it, "
        "then add it to TESTED_SQLALCHEMY and to the pin in pyproject.toml"
    )


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
def test_compiled_statements_still_have_the_attributes_the_queue_reads(dialect: sqlalchemy.Dialect) -> None:
    compiled = sqlalchemy.insert(OutboxMessage.__table__).compile(dialect=dialect, column_keys=["chat_id", "payload"])  # type: ignore[attr-defined]
    assert isinstance(compiled._bind_processors, dict)
    assert "payload" in compiled._bind_processors  # JSON is typed on the way in
    if compiled.positional:
        assert list(compiled.positiontup)[:2] == ["chat_id", "payload"]  # the row's keys first, then defaults


def test_only_the_projects_sessions_carry_the_queue() -> None:
    engine = create_engine("sqlite://")
    OutboxMessage.__table__.create(engine)  # type: ignore[attr-defined]
    with Session(engine) as other:  # another library's session in the same process: untouched
        other.info["storage.queued_inserts"] = {"not": "ours"}
        other.exec(select(OutboxMessage)).all()
        other.commit()
        assert other.info["storage.queued_inserts"] == {"not": "ours"}
    with QueuingSession(engine) as ours:
        outbox.enqueue(ours, 1, "sendMessage", {"text": "hi"}, datetime.now(UTC))
        ours.commit()
        assert len(ours.exec(select(OutboxMessage)).all()) == 1
