"""`checkin doctor` against the sandbox: a healthy setup passes, and each kind of trouble is
one readable line with a next step, never a traceback, and never the token."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bench.seed import bot_config, write_toml
from bot.cli import main
from bot.sandbox import Sandbox
from storage.db import Database
from storage.models import InboxUpdate, OutboxMessage


@pytest.fixture(autouse=True)
def no_token_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The config's token is the one checked."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:
        yield running


def _config(tmp_path: Path, sandbox: Sandbox, database_url: str, **telegram: str) -> tuple[Path, dict[str, Any]]:
    config = bot_config(sandbox, database_url)
    config["telegram"].update(telegram)
    return tmp_path / "config.toml", config


async def _doctor(path: Path, config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run `checkin doctor` as the console script does (in a thread: it runs its own event loop)."""
    write_toml(config, path)
    code = await asyncio.to_thread(main, ["--config", str(path), "doctor"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_healthy_setup_passes_every_check(
    sandbox: Sandbox, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = await _doctor(*_config(tmp_path, sandbox, database_url), capsys)
    assert code == 0, output
    lines = output.splitlines()
    for check in ("Config", "Database", "Telegram", "Flows", "Schedules", "Outbox", "Inbox"):
        assert any(line.startswith(f"✓ {check}") for line in lines), f"{check} missing:\n{output}"
    assert not [line for line in lines if line.startswith(("✗", "!"))], output
    assert "knows the bot as @checkin_sandbox_bot (bot id 123456)" in output
    assert output.rstrip().endswith("All is well.")
    assert sandbox.token.partition(":")[2] not in output


async def test_an_unreachable_bot_api_is_one_friendly_line(
    sandbox: Sandbox, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}/bot"
    code, output = await _doctor(*_config(tmp_path, sandbox, database_url, base_url=base_url), capsys)
    assert code == 1
    [line] = [line for line in output.splitlines() if line.startswith("✗")]
    assert line.startswith(f"✗ Telegram: could not reach {base_url} (")
    assert "Check this machine's network, and [telegram] base_url" in output
    assert "Traceback" not in output
    assert sandbox.token.partition(":")[2] not in output


async def test_a_wrong_token_is_named_by_its_bot_id_only(
    sandbox: Sandbox, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "654321:AAH-not-the-right-secret"
    code, output = await _doctor(*_config(tmp_path, sandbox, database_url, token=token), capsys)
    assert code == 1
    assert "✗ Telegram: " in output and "did not accept the bot token (bot id 654321)" in output
    assert "@BotFather" in output
    assert "not-the-right-secret" not in output and token not in output
    assert "Traceback" not in output


async def test_an_out_of_date_schema_says_to_upgrade(
    sandbox: Sandbox, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database(database_url)
    with db.engine.begin() as connection:  # as if the code was updated and the database not yet
        connection.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    db.dispose()
    code, output = await _doctor(*_config(tmp_path, sandbox, database_url), capsys)
    assert code == 1
    assert "its schema is out of date" in output and "is at 0009" in output
    assert "Run `checkin db upgrade` first." in output
    assert "Outbox" not in output, "not read from a database the code does not match"


async def test_a_missing_sqlite_file_is_not_created(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = tmp_path / "elsewhere" / "checkin.db"
    code, output = await _doctor(*_config(tmp_path, sandbox, f"sqlite:///{absent}"), capsys)
    assert code == 1
    assert f"✗ Database: there is no file {absent}" in output and "checkin db upgrade" in output
    assert not absent.exists()


async def test_a_schedule_naming_an_unknown_flow_gets_a_did_you_mean(
    sandbox: Sandbox, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, config = _config(tmp_path, sandbox, database_url)
    config["projects"][0]["schedules"].append({"flow": "puls", "cadence": "weekly", "days": ["thu"]})
    code, output = await _doctor(path, config, capsys)
    assert code == 1
    assert "✗ Schedules: 1 of 2 name a flow that does not exist" in output
    assert "project carers, schedule 2: no flow 'puls' (did you mean 'pulse'?)" in output


async def test_parked_updates_and_a_stuck_outbox_are_reported(
    sandbox: Sandbox, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    db = Database(database_url)
    with db.session() as session:
        old = now - timedelta(minutes=12)
        message: dict[str, Any] = {"chat_id": 42, "method": "sendMessage", "payload": {"chat_id": 42, "text": "Hi"}}
        session.add(OutboxMessage(**message, status="pending", created_at=old, not_before=old))
        session.add(OutboxMessage(**message, status="pending", created_at=now, not_before=now))
        yesterday = now - timedelta(days=1)
        session.add(
            OutboxMessage(
                **message, status="failed", error="gave up: timed out", created_at=yesterday, claimed_at=yesterday
            )
        )
        session.add(OutboxMessage(**message, status="failed", error="Forbidden: bot was blocked by the user"))
        session.add(OutboxMessage(**message, status="uncertain", error="timed out", claimed_at=yesterday))
        last_month = now - timedelta(days=30)
        session.add(OutboxMessage(**message, status="uncertain", created_at=last_month, claimed_at=last_month))
        for update_id in range(100, 108):
            session.add(
                InboxUpdate(
                    update_id=update_id,
                    chat_id=42,
                    status="parked",
                    failures=3,
                    error=f"KeyError at bot/front_door.py:{update_id}",
                    received_at=now - timedelta(hours=1),
                )
            )
        session.add(InboxUpdate(update_id=108, chat_id=42, status="done"))
    db.dispose()

    code, output = await _doctor(*_config(tmp_path, sandbox, database_url), capsys)
    assert code == 0, "worth a look, nothing broken"
    assert "! Outbox: 2 message(s) waiting; one has waited 12 min" in output
    assert "! Outbox, last 7 days: 1 send(s) gave up after retrying, 1 may not have arrived" in output
    assert "! Inbox: 8 update(s) parked after failing again and again; the newest 5:" in output
    parked = [line.strip() for line in output.splitlines() if line.strip().startswith("update ")]
    assert [line.split()[1] for line in parked] == ["107", "106", "105", "104", "103"]
    assert parked[0].endswith("UTC): KeyError at bot/front_door.py:107")
    assert output.rstrip().endswith("The bot can run; the lines marked ! are worth a look.")


async def test_a_config_that_does_not_load_stops_there(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[scheduler]\ntick_seconds = "often"\n', encoding="utf-8")
    code = await asyncio.to_thread(main, ["--config", str(path), "doctor"])
    output = capsys.readouterr().out
    assert code == 1
    assert output.startswith(f"✗ Config: {path} cannot be used\n    {path}: scheduler.tick_seconds: ")
    assert "Database" not in output
