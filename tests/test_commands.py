"""The `checkin` command's skeleton subcommands, as a coordinator would run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from storage import invites
from storage.db import Database

LIBRARY = Path(__file__).resolve().parents[1] / "flows" / "library"


def _config(tmp_path: Path, base_url: str = "", token: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{token}"
base_url = "{base_url}"
[storage]
url = "sqlite:///{tmp_path / "bot.db"}"
[flows]
directory = "{LIBRARY}"
[[projects]]
id = "carers"
name = "Carers' Voice"
timezone = "Europe/London"
""",
        encoding="utf-8",
    )
    return path


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "demo", "invite", "db", "flows"):
        assert re.search(rf"^\s+{command}\b", out, re.MULTILINE), command


def test_run_refuses_an_out_of_date_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert main(["--config", str(_config(tmp_path)), "run"]) == 2
    assert "Run `checkin db upgrade` first" in capsys.readouterr().err


def test_run_without_a_token_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["--config", str(_config(tmp_path)), "run"]) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


def test_missing_config_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "nope.toml"), "db", "upgrade"]) == 2
    assert "config.example.toml" in capsys.readouterr().err


def test_config_mistakes_name_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[projects]]\nid = "x"\nname = "X"\ntimezone = "Mars/Base"\n', encoding="utf-8")
    assert main(["--config", str(path), "db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "projects.0.timezone" in err and "Mars/Base" in err


@pytest.fixture
def sandbox_process() -> Iterator[tuple[str, str]]:
    """The sandbox as its own process, as a coordinator would run it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox", "--port", "0"], stdout=subprocess.PIPE, text=True, env={**os.environ}
    )
    assert process.stdout is not None
    lines = dict(process.stdout.readline().split(maxsplit=1) for _ in range(3))
    yield lines["base_url"].strip(), lines["token"].strip()
    process.terminate()
    process.wait(timeout=10)


def test_invite_prints_a_deep_link_and_stores_the_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sandbox_process: tuple[str, str]
) -> None:
    base_url, token = sandbox_process
    config = _config(tmp_path, base_url=base_url, token=token)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert main(["--config", str(config), "invite", "--project", "carers"]) == 0
    out = capsys.readouterr().out
    match = re.search(r"https://t\.me/checkin_sandbox_bot\?start=([A-Za-z0-9_-]+)\ncode: (\S+)", out)
    assert match and match.group(1) == match.group(2)
    database = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    with database.session() as session:
        invite = session.get(invites.Invite, match.group(1))
        assert invite is not None and invite.project_id == "carers" and invite.uses_left == 1
    database.dispose()


def test_invite_for_an_unknown_project_lists_the_known_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(_config(tmp_path)), "invite", "--project", "nope"]) == 2
    assert "projects: carers" in capsys.readouterr().err


def test_demo_shows_the_flag_reaching_the_facilitator() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"], capture_output=True, text=True, timeout=90, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    partner, facilitator = result.stdout.split("Facilitator's chat (Alex)")
    assert "Have you been paid for your last session?" in partner
    assert "Sam tapped: Not yet" in partner
    assert "Payment (high)" in facilitator and "Sam" in facilitator
    assert "Alex tapped: Resolve" in facilitator
    assert "Here's what" in partner and "Finance paid your £40" in partner
    assert "Telegram rule violations in this run: 0" in result.stdout


def test_activity_add_schedules_after_activity_checkins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import select

    from storage import people, projects
    from storage.models import Checkin

    config = _config(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8")
        + '[[projects.schedules]]\nflow = "after-activity"\ncadence = "after_activity"\n'
        'days_after = 1\ntime = "18:00"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    database = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    with database.session() as session:
        projects.sync_project(session, "carers", "Carers' Voice", "Europe/London")
        sam = people.upsert_person(session, 7001, 7001, "Sam")
        projects.ensure_membership(session, sam.id, "carers", "partner", "active")  # type: ignore[arg-type]
    held_on = date.today() + timedelta(days=3)
    assert main(["--config", str(config), "activity", "add", "--project", "carers", "--date", held_on.isoformat()]) == 0
    assert "scheduled for 1 partner" in capsys.readouterr().out
    with database.session() as session:
        [checkin] = session.exec(select(Checkin)).all()
    local_due = checkin.due_at.astimezone(ZoneInfo("Europe/London"))
    assert (local_due.date(), local_due.hour) == (held_on + timedelta(days=1), 18)
    assert checkin.status == "scheduled" and checkin.flow_id == "after-activity"
    database.dispose()


def test_run_with_a_wrong_token_says_so_kindly_and_never_prints_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sandbox_process: tuple[str, str]
) -> None:
    base_url, _ = sandbox_process
    wrong = "123456:not-the-right-token-at-all"
    config = _config(tmp_path, base_url=base_url, token=wrong)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert main(["--config", str(config), "run"]) == 2
    captured = capsys.readouterr()
    assert "did not accept the bot token" in captured.err
    assert wrong not in captured.err + captured.out and "not-the-right-token" not in captured.err
