"""Coordinators change flows while the bot runs: /reload applies a valid change
to new check-ins only, refuses an invalid one as a whole, and is for
coordinators alone.  A check-in in progress finishes on the version it began
with, even after its file is deleted and the bot restarted."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.core import texts
from bot.core.clock import ShiftedClock
from bot.sandbox import Sandbox
from storage.db import Database
from storage.models import Answer, Checkin, FlowVersion
from tests.e2e.conftest import BRISK_CHAT_RATE, LIBRARY, Harness, make_settings

OLD_HEARD = "How heard did you feel in the session?"
NEW_HEARD = "Did people listen to you in the session?"


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The usual harness, but on a copy of the library that the test may edit,
    and with a coordinator (Casey) who has introduced themselves."""
    library = tmp_path / "library"
    shutil.copytree(LIBRARY, library)
    async with Sandbox(chat_per_second=BRISK_CHAT_RATE) as sandbox:
        client = sandbox.client()
        alex, casey = await client.create_user("Alex"), await client.create_user("Casey")
        Database(database_url).upgrade()
        settings = make_settings(database_url, alex["id"], sandbox)
        settings.flows.directory = library
        settings.projects[0].coordinators.append(casey["id"])
        harness = Harness(sandbox, settings, ShiftedClock())
        harness.facilitator_user, harness.coordinator_user, harness.library = alex, casey, library  # type: ignore[attr-defined]
        await harness.start()
        harness.facilitator_welcome = await harness.facilitator(alex)  # type: ignore[attr-defined]
        harness.coordinator_welcome = await harness.facilitator(casey)  # type: ignore[attr-defined]
        assert "coordinator" in harness.coordinator_welcome["text"]  # type: ignore[attr-defined]
        try:
            yield harness
        finally:
            await harness.stop()
            harness.db.dispose()


def _edit_flow(rig: Harness, old: str, new: str) -> None:
    _edit_flow_at(rig.library, old, new)  # type: ignore[attr-defined]


def _edit_flow_at(library: Path, old: str, new: str) -> None:
    file = library / "after-activity.toml"
    source = file.read_text(encoding="utf-8")
    assert old in source
    file.write_text(source.replace(old, new), encoding="utf-8")


async def _reload(rig: Harness, user: dict[str, Any], after: dict[str, Any] | int = 0) -> dict[str, Any]:
    await rig.client.send_command(user["id"], "/reload")
    return await rig.next_message(user, after)


async def _answer_all(
    rig: Harness, user: dict[str, Any], question: dict[str, Any], answers: list[str]
) -> dict[str, Any]:
    """Type each answer in turn; returns the message after the last one."""
    for number, answer in enumerate(answers):
        await rig.client.send_text(user["id"], answer)
        question = await (
            rig.next_question(user, question) if number < len(answers) - 1 else rig.next_message(user, question)
        )
    return question


def _current_version(rig: Harness) -> str:
    assert rig.bot is not None
    return rig.bot.runtime.flows.current["after-activity"].version


async def test_checkin_in_progress_finishes_on_its_version_after_reload(rig: Harness) -> None:
    casey = rig.coordinator_user  # type: ignore[attr-defined]
    old_version = _current_version(rig)
    sam, welcome = await rig.join()
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Yes")
    expenses = await rig.next_question(sam, paid)

    _edit_flow(rig, OLD_HEARD, NEW_HEARD)
    _edit_flow(rig, 'version = "1"', 'version = "2"')
    reply = await _reload(rig, casey, rig.coordinator_welcome)  # type: ignore[attr-defined]
    new_version = _current_version(rig)
    assert texts.RELOADED in reply["text"] and f"ok  after-activity (version {new_version})" in reply["text"]
    assert new_version.startswith("2+") and old_version.startswith("1+")

    # Sam finishes on the questions they began with
    await rig.client.send_text(sam["id"], "yes")
    heard = await rig.next_question(sam, expenses)
    assert heard["text"].startswith(OLD_HEARD)
    outro = await _answer_all(rig, sam, heard, ["4", "skip"])
    assert "Thank you" in outro["text"]

    # the next check-in uses the new version
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, outro)
    heard = await _answer_all(rig, sam, paid, ["yes", "yes"])
    assert heard["text"].startswith(NEW_HEARD)

    with rig.db.session() as session:
        first, second = session.exec(select(Checkin).where(Checkin.status != "scheduled").order_by(Checkin.id)).all()
        assert (first.status, second.status) == ("completed", "active")
        assert (first.flow_version, second.flow_version) == (old_version, new_version)
        for checkin, version in ((first, old_version), (second, new_version)):
            answers = session.exec(select(Answer).where(Answer.checkin_id == checkin.id)).all()
            assert answers and {answer.flow_version for answer in answers} == {version}
        old_answers = session.exec(select(Answer).where(Answer.checkin_id == first.id)).all()
        assert next(a.question for a in old_answers if a.step_id == "heard").startswith(OLD_HEARD)
        stored = session.exec(select(FlowVersion.version).where(FlowVersion.flow_id == "after-activity")).all()
        assert {old_version, new_version} <= set(stored)
    assert (await rig.client.stats())["violations"] == []


async def test_checkin_survives_its_file_being_deleted_and_a_restart(rig: Harness) -> None:
    version = _current_version(rig)
    sam, welcome = await rig.join()
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Yes")
    expenses = await rig.next_question(sam, paid)

    (rig.library / "after-activity.toml").unlink()  # type: ignore[attr-defined]
    reply = await _reload(rig, rig.coordinator_user, rig.coordinator_welcome)  # type: ignore[attr-defined]
    assert "after-activity" not in reply["text"]
    await rig.restart()  # the old version now lives only in the database

    outro = await _answer_all(rig, sam, expenses, ["no", "3", "Thanks"])
    assert "Thank you" in outro["text"]
    with rig.db.session() as session:
        answers = session.exec(select(Answer)).all()
        assert [a.step_id for a in answers] == ["paid", "expenses", "heard", "anything_else"]
        assert {a.flow_version for a in answers} == {version}


async def test_invalid_change_is_refused_and_the_running_versions_stay(rig: Harness) -> None:
    casey = rig.coordinator_user  # type: ignore[attr-defined]
    before = _current_version(rig)
    _edit_flow(rig, '{ goto = "expenses" }', '{ goto = "expenses <now>" }')
    reply = await _reload(rig, casey, rig.coordinator_welcome)  # type: ignore[attr-defined]
    assert texts.RELOAD_REFUSED in reply["text"]
    lines = (rig.library / "after-activity.toml").read_text(encoding="utf-8").splitlines()  # type: ignore[attr-defined]
    line = next(number for number, text in enumerate(lines, 1) if "expenses <now>" in text)
    assert f"after-activity.toml:{line}: steps.paid.next[1].goto: no step called 'expenses <now>'" in reply["text"]
    assert "1 problem(s) found." in reply["text"]
    assert "&lt;now&gt;" in reply["html"]
    assert _current_version(rig) == before

    # a long list of problems arrives in several messages, each within Telegram's limit
    steps = "".join(
        f'[[steps]]\nid = "s{n}"\nkind = "yesno"\ntext = "Fine?"\n'
        f'next = [{{ if = "s{n} == \'no\'", goto = "nowhere_{n}" }}, {{ goto = "s{n + 1}" }}]\n'
        for n in range(50)
    )
    (rig.library / "many.toml").write_text(
        f'id = "many"\ntitle = "Many"\n{steps}[[steps]]\nid = "s50"\nkind = "info"\ntext = "Bye."\n'
    )  # type: ignore[attr-defined]
    await rig.client.send_command(casey["id"], "/reload")
    messages = [await rig.next_message(casey, reply)]
    while not messages[-1]["text"].endswith("problem(s) found."):
        messages.append(await rig.next_message(casey, messages[-1]))
    text = "\n".join(message["text"] for message in messages)
    assert len(messages) > 1 and all(len(message["text"]) <= 4096 for message in messages)
    assert "nowhere_0" in text and "nowhere_49" in text and "expenses &lt;now&gt;" not in text
    assert "expenses <now>" in text and text.endswith("51 problem(s) found.")  # every file, all at once
    assert _current_version(rig) == before
    assert (await rig.client.stats())["violations"] == []


async def test_only_coordinators_may_reload(rig: Harness) -> None:
    sam, welcome = await rig.join()
    stranger = await rig.client.create_user("Stranger")
    before = _current_version(rig)
    _edit_flow(rig, OLD_HEARD, NEW_HEARD)
    for user, after in ((stranger, 0), (sam, welcome), (rig.facilitator_user, rig.facilitator_welcome)):  # type: ignore[attr-defined]
        reply = await _reload(rig, user, after)
        assert reply["text"] == texts.RELOAD_NOT_ALLOWED
    assert _current_version(rig) == before


async def test_sighup_reloads_a_running_bot(database_url: str, tmp_path: Path) -> None:
    """`checkin run` as a real process: SIGHUP reloads, and the log says what
    `checkin flows check` would say when a change is refused."""
    library = tmp_path / "library"
    shutil.copytree(LIBRARY, library)
    Database(database_url).upgrade()
    async with Sandbox() as sandbox:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
            f'[storage]\nurl = "{database_url}"\n[flows]\ndirectory = "{library}"\n',
            encoding="utf-8",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "--config",
            str(config),
            "run",
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "TELEGRAM_BOT_TOKEN": ""},
        )
        assert process.stderr is not None

        async def log_line(containing: str) -> str:
            while True:
                line = (await asyncio.wait_for(process.stderr.readline(), timeout=15)).decode()  # type: ignore[union-attr]
                assert line, f"the bot exited before logging {containing!r}"
                if containing in line:
                    return line

        try:
            await log_line("is running with 4 flow(s)")
            _edit_flow_at(library, OLD_HEARD, NEW_HEARD)
            process.send_signal(signal.SIGHUP)
            await log_line("flows reloaded")
            await log_line("ok  after-activity (version 1+")
            _edit_flow_at(library, '{ goto = "expenses" }', '{ goto = "expences" }')
            process.send_signal(signal.SIGHUP)
            await log_line("flows not reloaded; the running versions stay")
            assert "steps.paid.next[1].goto: no step called 'expences' (did you mean 'expenses'?)" in await log_line(
                "expences"
            )
            await log_line("1 problem(s) found.")
        finally:
            process.terminate()
            assert await asyncio.wait_for(process.wait(), timeout=15) == 0
