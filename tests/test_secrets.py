"""Secrets stay out of sight: the webhook secret comes from a file or the environment, never
the command line (`ps` shows it), and a token Telegram refuses is never printed at start-up."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bench.seed import bot_config, write_toml
from bot.cli import main
from bot.core.config import WEBHOOK_SECRET_ENV, ConfigError, webhook_secret
from bot.sandbox import Sandbox

ROOT = Path(__file__).parents[1]
SECRET = "a-long_Random-string-0123"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (WEBHOOK_SECRET_ENV, "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_the_secret_comes_from_a_file_stripped_or_else_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "webhook-secret"
    secret_file.write_text(f"  {SECRET}\n", encoding="utf-8")
    assert webhook_secret(secret_file) == SECRET
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, "from-the-environment")
    assert webhook_secret(None) == "from-the-environment"
    assert webhook_secret(secret_file) == SECRET, "a file given on purpose wins"


def test_an_empty_or_unreadable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"--secret-file {empty}: the file is empty"):
        webhook_secret(empty)
    absent = tmp_path / "absent"
    with pytest.raises(ConfigError, match=rf"--secret-file {absent}: cannot read the webhook secret \(No such file"):
        webhook_secret(absent)
    with pytest.raises(
        ConfigError, match=rf"--secret-file {tmp_path}: cannot read the webhook secret \(Is a directory"
    ):
        webhook_secret(tmp_path)


def test_no_secret_anywhere_says_where_one_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=f"--secret-file PATH, or {WEBHOOK_SECRET_ENV}") as raised:
        webhook_secret(None)
    assert "TELEGRAM_WEBHOOK_SECRET" not in str(raised.value)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    with pytest.raises(ConfigError, match=f"TELEGRAM_WEBHOOK_SECRET is no longer read: rename it {WEBHOOK_SECRET_ENV}"):
        webhook_secret(None)


def test_a_secret_telegram_would_refuse_is_caught_before_start_without_showing_it(tmp_path: Path) -> None:
    secret_file = tmp_path / "webhook-secret"
    secret_file.write_text("base64+with/slashes=\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="letters, digits, _ and - only") as raised:
        webhook_secret(secret_file)
    assert "base64" not in str(raised.value)


@pytest.mark.parametrize("given", [["--secret", SECRET], [f"--secret={SECRET}"], ["--secret"]])
def test_secret_on_the_command_line_is_refused_with_a_hint_and_not_echoed(
    given: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--webhook", "--url", "https://bot.example.org/telegram", *given])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: checkin run")
    assert "checkin run: error: --secret is no longer taken" in err
    assert f"--secret-file PATH, or set {WEBHOOK_SECRET_ENV}" in err
    assert SECRET not in err


def test_run_with_an_empty_secret_file_stops_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\ntoken = "123:abc"\n', encoding="utf-8")
    empty = tmp_path / "webhook-secret"
    empty.touch()
    webhook = ["--webhook", "--url", "https://bot.example.org/telegram", "--secret-file", str(empty)]
    assert main(["--config", str(config), "run", *webhook]) == 2
    assert f"--secret-file {empty}: the file is empty" in capsys.readouterr().err


async def test_a_refused_token_at_start_up_is_a_plain_message_without_the_token(
    database_url: str, tmp_path: Path
) -> None:
    token = "654321:AAH-a-token-Telegram-refuses"
    async with Sandbox() as sandbox:
        config = bot_config(sandbox, database_url)
        config["telegram"]["token"] = token
        path = write_toml(config, tmp_path / "bot.toml")
        env = {name: value for name, value in os.environ.items() if name != "TELEGRAM_BOT_TOKEN"}
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "--config",
            str(path),
            "run",
            cwd=ROOT,
            env={**env, "CHECKIN_LOG_LEVEL": "DEBUG"},  # every log line too: none may show it
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(bot.communicate(), timeout=60)
    output = (out + err).decode()
    assert bot.returncode == 2, output
    assert "Telegram did not accept the bot token" in output
    assert "a-token-Telegram-refuses" not in output
    assert "Traceback" not in output
