"""`checkin activity list` and `checkin activity remove`, run as the console script runs them,
on both backends."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from storage import projects
from storage.db import Database
from storage.models import Checkin, Person

LIBRARY = Path(__file__).parents[1] / "flows" / "library"


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    """A project with a check-in two days before each activity and one the day after; one partner."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[storage]
url = "{database_url}"
[flows]
directory = "{LIBRARY}"
[[projects]]
id = "carers"
name = "Carers' Voice"
timezone = "Europe/London"
  [[projects.schedules]]
  flow = "pulse"
  cadence = "before_activity"
  days_before = 2
  [[projects.schedules]]
  flow = "after-activity"
  cadence = "after_activity"
""",
        encoding="utf-8",
    )
    db = Database(database_url)
    with db.session() as session:
        projects.sync_project(session, "carers", "Carers' Voice", "Europe/London")
        sam = Person(telegram_user_id=501, chat_id=501, first_name="Sam", consent_version="1")
        session.add(sam)
        session.flush()
        projects.ensure_membership(session, sam.id, "carers", "partner", "active")  # type: ignore[arg-type]
    db.dispose()
    return path


def scheduled(database_url: str) -> list[tuple[str, int | None]]:
    db = Database(database_url)
    with db.session() as session:
        found = session.exec(
            select(Checkin.flow_id, Checkin.activity_id).where(Checkin.status == "scheduled").order_by(Checkin.flow_id)
        ).all()
    db.dispose()
    return list(found)


def test_list_and_remove(capsys: pytest.CaptureFixture[str], config: Path, database_url: str) -> None:
    cli = ["--config", str(config), "activity"]
    assert main([*cli, "list"]) == 0
    assert "No activities recorded yet." in capsys.readouterr().out
    first, second = date.today() + timedelta(days=10), date.today() + timedelta(days=20)
    assert main([*cli, "add", "--project", "carers", "--date", first.isoformat(), "--note", "Peer session"]) == 0
    assert main([*cli, "add", "--project", "carers", "--date", second.isoformat()]) == 0
    assert scheduled(database_url) == [("after-activity", 1), ("pulse", 1)]  # one at a time: the sooner
    capsys.readouterr()

    assert main([*cli, "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"#1  carers  {first:%a %-d %B %Y}  Peer session"
    assert lines[1].startswith("    partner #") and "  pulse  " in lines[1] and lines[1].endswith("  scheduled")
    assert f"{first - timedelta(days=2):%Y-%m-%d} " in lines[1]
    assert "  after-activity  " in lines[2] and f"{first + timedelta(days=1):%Y-%m-%d} " in lines[2]
    assert lines[3] == f"#2  carers  {second:%a %-d %B %Y}"
    assert len(lines) == 4  # the second activity's check-ins come once the first's are over

    assert main([*cli, "remove", "1"]) == 0
    assert capsys.readouterr().out == (
        f"Removed activity #1 (carers, {first:%-d %B %Y}, Peer session) "
        "and 2 check-in(s) it had scheduled that were not yet sent.\n"
    )
    assert scheduled(database_url) == [("after-activity", 2), ("pulse", 2)]  # the next activity's take their place

    assert main([*cli, "remove", "1"]) == 1
    assert "No activity #1. `checkin activity list` shows every activity with its id." in capsys.readouterr().err
