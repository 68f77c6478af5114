"""A database that goes away, and an update that keeps failing: nothing is lost,
nothing confirmed before it committed, and nobody is left in silence."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bench.seed import bot_config, sandbox_partners, seed_partners
from bot import front_door
from bot.core import texts
from bot.core.clock import ShiftedClock
from bot.core.config import Settings, WebhookOptions
from bot.running import start_bot
from bot.sandbox import Sandbox
from storage.db import Database
from storage.models import Answer, InboxUpdate
from tests.e2e.conftest import Harness, eventually
from tests.e2e.test_webhook import _bot_messages, _first_question, _free_port


@contextlib.contextmanager
def database_outage(db: Database) -> Iterator[None]:
    """The bot's database goes away.  PostgreSQL for real: new connections refused and
    every open one killed.  SQLite has no server to stop, so its driver raises what it
    raises when the file is locked past its timeout, on every statement, meanwhile."""
    if db.is_postgresql:
        name = make_url(db.url).database
        admin = create_engine(make_url(db.url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
            try:
                yield
            finally:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        return

    def locked(*_: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    event.listen(db.engine, "before_cursor_execute", locked)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", locked)


def _answers(rig: Harness) -> list[Answer]:
    with rig.db.session() as session:
        return list(session.exec(select(Answer).where(Answer.step_id == "paid")))


async def test_an_answer_given_while_the_database_is_down_is_kept_once_it_is_back(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    rig.clock.advance(timedelta(days=8))
    question = await rig.next_question(sam, welcome)
    assert rig.bot is not None
    bot_db = rig.bot.runtime.db
    world = rig.sandbox.world
    with database_outage(bot_db):
        update_id = await rig.client.press_button(sam["id"], question["message_id"], label="Yes")
        await eventually(lambda: _tried(rig, update_id), what="the bot fetched the answer")
        await rig.quiet(sam, question, seconds=2.0)  # nothing can be decided without the database
        assert update_id in {u.update_id for u in world.pending}, "confirmed to Telegram before it was handled"
    # handled once the database is back, at the next try (they come 1, 2, 4, 8 ... s apart)
    after = await rig.next_message(sam, question, timeout=30)
    assert after["message_id"] > question["message_id"]
    assert [a.value for a in _answers(rig)] == ["yes"]
    await eventually(lambda: update_id not in {u.update_id for u in world.pending}, what="confirmed once handled")


def _tried(rig: Harness, update_id: int) -> bool:
    """The bot has fetched the update (it is being tried again)."""
    assert rig.bot is not None and rig.bot.poller is not None
    return update_id in rig.bot.poller.under_way


async def test_an_update_that_keeps_failing_is_parked_with_an_apology_and_the_chat_goes_on(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    real = front_door.receive_text

    def receive_text(rt: Any, update_id: int, sender: Any, text: str, *args: Any, **kwargs: Any) -> None:
        if "boom" in text:
            raise KeyError("a bug this message meets")
        real(rt, update_id, sender, text, *args, **kwargs)

    monkeypatch.setattr(front_door, "receive_text", receive_text)
    update_id = await rig.client.send_text(sam["id"], "boom, my words")
    sorry = await rig.next_message(sam, welcome, timeout=15)
    assert sorry["text"] == texts.SOMETHING_WENT_WRONG
    with rig.db.session() as session:
        parked = session.get(InboxUpdate, update_id)
        assert parked is not None and parked.status == "parked" and parked.failures == 3
        assert parked.error is not None and parked.error.startswith("KeyError at tests/e2e/test_outages.py:")
        assert "boom" not in parked.error and parked.payload is None
    await rig.client.send_text(sam["id"], "hello again")
    reply = await rig.next_message(sam, sorry)
    assert reply["text"] != texts.SOMETHING_WENT_WRONG  # the next message is handled as usual
    await eventually(lambda: update_id not in {u.update_id for u in rig.sandbox.world.pending})


async def test_webhook_mode_tries_an_update_again_after_a_database_error(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored webhook update whose handling met a database error is handled again, not
    marked done: the partner's answer is kept, once."""
    db = Database(database_url)
    db.upgrade()
    failures = {"left": 2}
    real = front_door.receive_text

    def receive_text(rt: Any, update_id: int, sender: Any, text: str, *args: Any, **kwargs: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("UPDATE checkin ...", {}, sqlite3.OperationalError("database is locked"))
        real(rt, update_id, sender, text, *args, **kwargs)

    monkeypatch.setattr(front_door, "receive_text", receive_text)
    async with Sandbox(limits=False) as sandbox:
        [user] = sandbox_partners(sandbox, 1)
        seed_partners(db, [user], datetime.now(UTC) - timedelta(seconds=1))
        settings = Settings.model_validate(bot_config(sandbox, database_url))
        port = _free_port()
        url = f"http://127.0.0.1:{port}/telegram"
        running = await start_bot(settings, ShiftedClock(), webhook=WebhookOptions("127.0.0.1", port, url, "s3cret"))
        try:
            question = await eventually(lambda: _first_question(sandbox, user), 20, "the first question")
            sandbox.world.press_button(user, question, label="Not yet")  # asks for detail in words next
            await eventually(lambda: len(_bot_messages(sandbox, user)) >= 3, 20, "the follow-up question")
            update_id = sandbox.world.send_text(user, "the invoice went to the wrong team")
            await eventually(lambda: len(_bot_messages(sandbox, user)) >= 4, 20, "the reply after two failures")
            assert failures["left"] == 0
            with db.session() as session:
                row = session.get(InboxUpdate, update_id)
                assert row is not None and row.status == "done"
                details = session.exec(select(Answer).where(Answer.step_id == "payment_detail")).all()
            assert [a.value for a in details] == ["the invoice went to the wrong team"]
        finally:
            await running.stop()
    db.dispose()
