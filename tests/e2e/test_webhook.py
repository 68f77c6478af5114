"""Webhook mode end to end: the sandbox posts updates with a secret to the bot's
endpoint, in process and as real `checkin run --webhook` processes.

What is promised: an update is stored before the 200, so a kill -9 right after
it loses nothing; a wrong or missing secret stores nothing; several processes
on one database keep each partner's updates in order and handle each once."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import col, select

from bench.seed import (
    FIRST_QUESTION,
    bot_config,
    sandbox_partners,
    seed_partners,
    write_toml,
)
from bot.core.clock import ShiftedClock
from bot.core.config import Settings, WebhookOptions
from bot.delivery.inbox import LEASE
from bot.delivery.webhook import SECRET_HEADER
from bot.running import start_bot
from bot.sandbox import Sandbox
from storage import inbox
from storage.db import Database
from storage.models import Answer, InboxUpdate, ProcessedUpdate
from tests.e2e.conftest import eventually
from tests.e2e.test_processes import _stop

SECRET = "s3cret-Token_1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bot_messages(sandbox: Sandbox, chat_id: int) -> list[str]:
    chat = sandbox.world.chats.get(chat_id)
    return [m.text or "" for m in chat.messages.values() if m.sender == "bot"] if chat else []


def _first_question(sandbox: Sandbox, chat_id: int) -> int | None:
    chat = sandbox.world.chats.get(chat_id)
    if chat is None:
        return None
    return next(
        (m.message_id for m in chat.messages.values() if m.sender == "bot" and FIRST_QUESTION in (m.text or "")), None
    )


async def _start_webhook_bot(config: Path, port: int, clock_offset: float = 0.0) -> asyncio.subprocess.Process:
    """A `checkin run --webhook` process, its secret in a file as in production."""
    secret_file = config.with_name("webhook-secret")
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    env = {**os.environ, "CHECKIN_CLOCK_OFFSET_SECONDS": str(clock_offset), "CHECKIN_LOG_LEVEL": "WARNING"}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--config",
        str(config),
        "run",
        "--webhook",
        "--listen",
        f"127.0.0.1:{port}",
        "--url",
        f"http://127.0.0.1:{port}/telegram",
        "--secret-file",
        str(secret_file),
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
    )


async def test_webhook_with_secret_end_to_end_and_wrong_secret_stores_nothing(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    db.upgrade()
    async with Sandbox(limits=False) as sandbox:
        [user] = sandbox_partners(sandbox, 1)
        seed_partners(db, [user], datetime.now(UTC) - timedelta(seconds=1))
        settings = Settings.model_validate(bot_config(sandbox, database_url))
        port = _free_port()
        url = f"http://127.0.0.1:{port}/telegram"
        running = await start_bot(settings, ShiftedClock(), webhook=WebhookOptions("127.0.0.1", port, url, SECRET))
        try:
            assert sandbox.world.webhook == {"url": url, "secret_token": SECRET}
            question = await eventually(lambda: _first_question(sandbox, user), 20, "the first question")
            sandbox.world.press_button(user, question, label="Yes", data=None)
            await eventually(
                lambda: any("spent to take part" in t for t in _bot_messages(sandbox, user)), 20, "the next question"
            )
            sandbox.world.send_text(user, "yes")
            await eventually(
                lambda: any("How heard" in t for t in _bot_messages(sandbox, user)), 20, "the third question"
            )

            async with httpx.AsyncClient() as http:
                forged = {
                    "update_id": 999_999,
                    "message": {"message_id": 1, "date": 0, "chat": {"id": user, "type": "private"}, "text": "hi"},
                }
                wrong = await http.post(url, json=forged, headers={SECRET_HEADER: "not-it"})
                missing = await http.post(url, json=forged)
            assert (wrong.status_code, missing.status_code) == (403, 403)
            with db.session() as session:
                assert session.get(InboxUpdate, 999_999) is None
                assert inbox.counts(session) == {"done": 2}
        finally:
            await running.stop()
        assert sandbox.world.webhook is not None, "deleteWebhook is not called on stop"
        deliveries = sandbox.world.webhook_attempts
        assert deliveries and all(d["ok"] for d in deliveries)
        assert sandbox.world.stats()["violations"] == []
    db.dispose()


async def test_kill_9_right_after_the_200_processes_the_update_after_restart_once(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    db.upgrade()
    async with Sandbox(limits=False) as sandbox:
        [user] = sandbox_partners(sandbox, 1)
        seed_partners(db, [user], datetime.now(UTC) - timedelta(seconds=1))
        config = write_toml(bot_config(sandbox, database_url), tmp_path / "bot.toml")
        port = _free_port()
        bot = await _start_webhook_bot(config, port)
        try:
            question = await eventually(lambda: _first_question(sandbox, user), 30, "the first question")
            # the handler answers the tap first: stall that call, so the update is
            # stored and answered 200 but its effects are not yet written at the kill
            sandbox.world.faults.clear()
            await sandbox.client().inject_fault("answerCallbackQuery", "delay", delay=30.0)
            update_id = sandbox.world.press_button(user, question, label="Yes", data=None)
            await eventually(
                lambda: any(a["update_id"] == update_id and a["ok"] for a in sandbox.world.webhook_attempts),
                20,
                "the 200",
            )
        finally:
            bot.kill()
            await bot.wait()
        with db.session() as session:
            row = session.get(InboxUpdate, update_id)
            assert row is not None and row.status in ("pending", "processing")
            assert session.get(ProcessedUpdate, update_id) is None

        # restarted past the lease: the dead process's claim is taken over
        bot = await _start_webhook_bot(config, port, clock_offset=LEASE.total_seconds() + 60)
        try:
            await eventually(
                lambda: any("spent to take part" in t for t in _bot_messages(sandbox, user)), 30, "the next question"
            )
            await asyncio.sleep(0.5)
        finally:
            await _stop(bot)
        with db.session() as session:
            row = session.get(InboxUpdate, update_id)
            assert row is not None and row.status == "done"
            answers = session.exec(select(Answer.step_id)).all()
        assert answers == ["paid"]
        assert sum("spent to take part" in t for t in _bot_messages(sandbox, user)) == 1
    db.dispose()


async def test_two_workers_one_database_keep_each_partners_order(database_url: str, tmp_path: Path) -> None:
    """Two `checkin run --webhook` processes on one address (SO_REUSEPORT) and one
    database.  Each partner sends three answers at once; whichever process
    stores or claims them, they are handled in order and once."""
    partners = 30
    db = Database(database_url)
    db.upgrade()
    async with Sandbox(limits=False) as sandbox:
        users = sandbox_partners(sandbox, partners)
        seed_partners(db, users, datetime.now(UTC) - timedelta(seconds=1))
        config = write_toml(bot_config(sandbox, database_url, paid_broadcast=True), tmp_path / "bot.toml")
        port = _free_port()
        bots = [await _start_webhook_bot(config, port)]
        # the second starts once the first is up: two processes starting at the same moment on a
        # fresh database can race to record the flow versions (storage/checkins.remember_flow_version)
        await eventually(lambda: sandbox.world.webhook is not None, 30, "the first worker is up")
        bots.append(await _start_webhook_bot(config, port))
        try:
            await eventually(lambda: all(_first_question(sandbox, u) for u in users), 60, "every first question")
            sent: dict[int, list[int]] = {}
            for user in users:  # interleaved: nobody waits for a reply
                sent[user] = [sandbox.world.send_text(user, text) for text in ("Yes", "no", "4")]
            await eventually(lambda: _all_processed(db, sent), 60, "every answer processed")
            await asyncio.sleep(0.5)
        finally:
            for bot in bots:
                await _stop(bot)
        with db.session() as session:
            processed = dict(session.exec(select(ProcessedUpdate.update_id, ProcessedUpdate.processed_at)).all())
            answers = session.exec(
                select(Answer.person_id, Answer.step_id, Answer.value).order_by(col(Answer.id))
            ).all()
            statuses = inbox.counts(session)
        by_person: dict[int | None, list[tuple[str, object]]] = defaultdict(list)
        for person_id, step_id, value in answers:
            by_person[person_id].append((step_id, value))
        for ids in sent.values():  # each partner's updates handled in the order sent
            times = [processed[i] for i in ids]
            assert times == sorted(times)
        assert statuses == {"done": partners * 3}
        assert len(by_person) == partners
        assert all(steps == [("paid", "yes"), ("expenses", "no"), ("heard", 4)] for steps in by_person.values()), (
            by_person
        )
        assert sandbox.world.stats()["violations"] == []
    db.dispose()


def _all_processed(db: Database, sent: dict[int, list[int]]) -> bool:
    ids = [i for chat in sent.values() for i in chat]
    with db.session() as session:
        return len(
            session.exec(select(ProcessedUpdate.update_id).where(col(ProcessedUpdate.update_id).in_(ids))).all()
        ) == len(ids)


async def test_two_workers_send_through_one_process_within_telegrams_limits(tmp_path: Path) -> None:
    """Telegram's 30 messages/s is per bot.  Two workers of one bot, each free to
    send 30/s, would earn 429s together; the sender's lease lets one send.  (SQLite
    only: the lease's SQL is tested on both databases in tests/storage.)"""
    partners = 150  # 300 messages, ten seconds at 30/s: more than one claim of the outbox holds
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(database_url)
    db.upgrade()
    async with Sandbox(limits=True) as sandbox:
        users = sandbox_partners(sandbox, partners)
        config = write_toml(bot_config(sandbox, database_url), tmp_path / "bot.toml")
        port = _free_port()
        bots = [await _start_webhook_bot(config, port)]
        await eventually(lambda: sandbox.world.webhook is not None, 30, "the first worker is up")
        bots.append(await _start_webhook_bot(config, port))
        try:
            await asyncio.sleep(3.0)  # the second worker is up and ready to send too
            seed_partners(db, users, datetime.now(UTC))
            await eventually(lambda: all(_first_question(sandbox, u) for u in users), 60, "every first question")
        finally:
            for bot in bots:
                await _stop(bot)
        # two senders drew 49 429s here; one sender paces to Telegram's window, and what is left is the
        # jitter of requests on their way to a busy sandbox (bench.round measures the share: docs/benchmarks.md)
        assert sandbox.world.counters()["flood_limited"] <= 0.01 * 2 * partners
        assert sandbox.world.stats()["violations"] == []
    db.dispose()
