"""Access needs that change what a flow asks, over the sandbox: "fewer questions" keeps the
questions a flow marks essential and never sends an empty check-in, "plain words" gets the
flow's plain texts, and a typed label at a multi-select ticks it until the partner says done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.core.config import Settings
from storage.models import Answer, Checkin, Person
from tests.e2e.conftest import Harness, configured_harness


async def _rig(database_url: str, flow_id: str) -> AsyncIterator[Harness]:
    """The usual harness, with ``flow_id`` as the weekly check-in."""

    def configure(settings: Settings) -> None:
        settings.projects[0].schedules[0].flow = flow_id

    async with configured_harness(database_url, configure) as rig:
        yield rig


@pytest.fixture
async def pulse(database_url: str) -> AsyncIterator[Harness]:
    async for rig in _rig(database_url, "pulse"):
        yield rig


@pytest.fixture
async def capacity(database_url: str) -> AsyncIterator[Harness]:
    async for rig in _rig(database_url, "capacity"):
        yield rig


async def _partner_with(rig: Harness, needs: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sam joins, has ``needs``, and their check-in comes due."""
    sam, welcome = await rig.join("Sam")
    with rig.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == sam["id"])).one()
        person.access_needs = needs
    rig.clock.advance(timedelta(days=8))
    return sam, welcome


async def test_fewer_questions_gets_the_pulse_with_its_essential_questions(pulse: Harness) -> None:
    rig = pulse
    sam, welcome = await _partner_with(rig, ["fewer"])
    disagree = await rig.next_question(sam, welcome)
    assert "safe to disagree" in disagree["text"]
    await rig.client.press_button(sam["id"], disagree["message_id"], label="Yes")
    anything = await rig.next_question(sam, disagree)
    assert "anything you'd like the team to hear" in anything["text"]
    await rig.client.send_text(sam["id"], "All good, thank you")
    outro = await rig.next_message(sam, anything)
    assert "Thank you" in outro["text"]
    messages = await rig.client.bot_messages(sam["id"])
    said = [message["text"] for message in messages if message["message_id"] > welcome["message_id"]]
    assert not any("anonymous" in text for text in said), said  # the note about questions left out is left out too
    with rig.db.session() as session:
        answers = {a.step_id: a for a in session.exec(select(Answer).where(Answer.flow_id == "pulse"))}
        assert {step for step, a in answers.items() if a.skipped} == {"respect", "heard_back", "changed", "ladder"}
        assert (answers["disagree"].value, answers["anything_else"].value) == ("yes", "All good, thank you")
        assert session.exec(select(Checkin).where(Checkin.status == "completed")).one()


async def test_plain_words_get_the_plain_texts(harness: Harness) -> None:
    rig = harness
    sam, welcome = await _partner_with(rig, ["plain"])
    paid = await rig.next_question(sam, welcome)
    assert "Have you been paid for the last session?" in paid["text"]
    await rig.client.press_button(sam["id"], paid["message_id"], label="Yes")
    expenses = await rig.next_question(sam, paid)
    assert expenses["text"] == "Did we pay back all you spent to come, like bus fares?"
    await rig.client.send_text(sam["id"], "yes")
    heard = await rig.next_question(sam, expenses)
    assert heard["text"].startswith("Did people listen to you in the session?")
    with rig.db.session() as session:
        answer = session.exec(select(Answer).where(Answer.step_id == "expenses")).one()
        assert answer.question == expenses["text"]  # kept as it was asked


async def test_a_typed_multi_select_ticks_until_done(capacity: Harness) -> None:
    rig = capacity
    sam, welcome = await _partner_with(rig, [])
    learn = await rig.next_question(sam, welcome)
    assert "like to learn" in learn["text"]
    await rig.client.send_text(sam["id"], "chairing a meeting")  # a label, typed
    ticked = await rig.next_message(sam, learn)
    assert ticked["text"].startswith("Ticked so far: Chairing a meeting.")
    labels = [row[0]["text"] for row in ticked["buttons"]]
    assert "✓ Chairing a meeting" in labels and "Speaking up in meetings" in labels
    await rig.client.send_text(sam["id"], "1")  # an option's number
    both = await rig.next_message(sam, ticked)
    assert both["text"].startswith("Ticked so far: Speaking up in meetings, Chairing a meeting.")
    await rig.client.send_text(sam["id"], "banana bread")
    reask = await rig.next_message(sam, both)
    assert "1 = Speaking up in meetings" in reask["text"] and reask["buttons"]
    await rig.client.send_text(sam["id"], "done")
    lead = await rig.next_question(sam, reask)
    assert "lead something" in lead["text"]
    with rig.db.session() as session:
        answers = list(session.exec(select(Answer).where(Answer.flow_id == "capacity")))
        assert [(a.step_id, a.value, a.comment) for a in answers] == [
            ("learn", ["speaking", "chairing"], "banana bread")
        ]
