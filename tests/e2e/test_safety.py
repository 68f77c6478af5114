"""Safety first, on every message, end to end over the sandbox, both backends: distress
gets signposting at once and an alert to the facilitators, in every context a partner
can write in; a repeat alerts again; an unacknowledged alert reaches the coordinators,
who can act on it; staff messages are not checked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.core.clock import ShiftedClock
from bot.handlers import flood
from bot.sandbox import Sandbox
from storage import people
from storage.db import Database
from storage.models import Answer, Flag, FlagEvidence, Idea
from tests.e2e.conftest import BRISK_CHAT_RATE, Harness, make_settings

NOT_CAUGHT = "didn't quite catch that"


@pytest.fixture
async def rig(database_url: str) -> AsyncIterator[Harness]:
    """The usual harness with a coordinator (Casey) too, and urgent flags escalated after 30 minutes."""
    async with Sandbox(chat_per_second=BRISK_CHAT_RATE) as sandbox:
        client = sandbox.client()
        alex, casey = await client.create_user("Alex"), await client.create_user("Casey")
        Database(database_url).upgrade()
        settings = make_settings(database_url, alex["id"], sandbox)
        settings.projects[0].coordinators.append(casey["id"])
        settings.flags.sla_hours["urgent"] = 0.5
        harness = Harness(sandbox, settings, ShiftedClock())
        harness.alex, harness.casey = alex, casey  # type: ignore[attr-defined]
        await harness.start()
        harness.alex_seen = await harness.facilitator(alex)  # type: ignore[attr-defined]
        harness.casey_seen = await harness.facilitator(casey)  # type: ignore[attr-defined]
        try:
            yield harness
        finally:
            await harness.stop()
            harness.db.dispose()


async def _signposted(rig: Harness, person: dict[str, Any], after: dict[str, Any] | int) -> dict[str, Any]:
    message = await rig.message_containing(person, after, "Samaritans")
    assert NOT_CAUGHT not in message["text"]
    return message


async def _alerted(rig: Harness, words: str, within: int = 8) -> dict[str, Any]:
    """The facilitator's newest alert quoting ``words``."""
    alex = rig.alex  # type: ignore[attr-defined]
    alert = await rig.message_containing(alex, rig.alex_seen, words, within=within)  # type: ignore[attr-defined]
    assert "Safety" in alert["text"] and "urgent" in alert["text"]
    rig.alex_seen = alert  # type: ignore[attr-defined]
    return alert


def _safety_flags(rig: Harness) -> list[Flag]:
    with rig.db.session() as session:
        return list(session.exec(select(Flag).where(Flag.need == "safety")).all())


async def _at_a_button_question(rig: Harness, name: str = "Sam") -> tuple[dict[str, Any], dict[str, Any]]:
    sam, welcome = await rig.join(name)
    rig.clock.advance(timedelta(days=8))
    return sam, await rig.next_question(sam, welcome)


async def test_at_a_button_question_signposting_then_the_check_in_carries_on(rig: Harness) -> None:
    sam, paid = await _at_a_button_question(rig)
    await rig.client.send_text(sam["id"], "I want to die")
    kind = await _signposted(rig, sam, paid)
    assert "Sam" in kind["text"] and "check-in can wait" in kind["text"]
    await _alerted(rig, "I want to die")
    # the question is not re-asked coldly; when they are ready, the check-in goes on
    await rig.quiet(sam, kind, seconds=0.5)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Not yet")
    detail = await rig.next_question(sam, kind)
    assert NOT_CAUGHT not in detail["text"]
    with rig.db.session() as session:  # the words are the flag's evidence, not an answer to the question
        answers = session.exec(select(Answer).where(Answer.display == "I want to die")).all()
        assert [(a.flow_id, a.checkin_id) for a in answers] == [("safety", None)]
        assert session.exec(select(FlagEvidence).where(FlagEvidence.answer_id == answers[0].id)).first() is not None


async def test_with_no_check_in_open(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    await rig.client.send_text(sam["id"], "i cant go on")
    kind = await _signposted(rig, sam, welcome)
    assert "no check-in open" not in kind["text"] and "check-in can wait" not in kind["text"]
    await _alerted(rig, "i cant go on")


async def test_a_message_over_the_answer_length_limit(rig: Harness) -> None:
    sam, paid = await _at_a_button_question(rig)
    long = "The bus was late again and the form was confusing. " * 70 + "Honestly I just want to end it all."
    assert 3500 < len(long) <= 4096
    await rig.client.send_text(sam["id"], long)
    await _signposted(rig, sam, paid)
    await _alerted(rig, "The bus was late again")


async def test_a_message_starting_with_a_slash(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    await rig.client.send_text(sam["id"], "/stop I'm going to kill myself")
    await _signposted(rig, sam, welcome)
    await _alerted(rig, "kill myself")


async def test_a_photo_caption(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    await rig.client.send_photo(sam["id"], caption="took too many pills")
    kind = await _signposted(rig, sam, welcome)
    assert "sticker" not in kind["text"].lower()
    await _alerted(rig, "took too many pills")


async def test_an_edited_message(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    await rig.client.send_text(sam["id"], "fine thanks")
    answer = await rig.next_message(sam, welcome)
    sent = [m for m in await rig.client.transcript(sam["id"]) if m.get("from") == "user" and m["text"] == "fine thanks"]
    await rig.client.edit_text(sam["id"], sent[-1]["message_id"], "not fine. I don't want to be here anymore")
    await _signposted(rig, sam, answer)
    await _alerted(rig, "want to be here anymore")


async def test_an_idea_is_never_an_idea_and_never_quoted_back(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    await rig.client.send_command(sam["id"], "idea", "more breaks. honestly I feel like killing myself")
    await _signposted(rig, sam, welcome)
    alert = await _alerted(rig, "killing myself")
    assert "Idea" not in alert["text"]
    # a bare /idea then the words: the same, and the idea prompt is withdrawn
    await rig.client.send_command(sam["id"], "idea")
    asked = await rig.message_containing(sam, welcome, "idea")
    await rig.client.send_text(sam["id"], "self harming again")
    await _signposted(rig, sam, asked)
    await _alerted(rig, "self harming again")
    with rig.db.session() as session:
        assert session.exec(select(Idea)).all() == []
    alex_messages = await rig.client.bot_messages(rig.alex["id"])  # type: ignore[attr-defined]
    assert not any("💡" in (m["text"] or "") for m in alex_messages)


async def test_during_a_flood_pause(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    assert rig.bot is not None
    guard = rig.bot.application.bot_data[flood.BOT_DATA_KEY]
    guard.limit = 3  # a flood sooner than 20 messages in 10 s: each of these would reach the team
    for n in range(guard.limit + 1):
        await rig.client.send_text(sam["id"], f"hello {n}")
    flooded = await rig.message_containing(sam, welcome, "minute", within=guard.limit + 2)
    await rig.client.send_text(sam["id"], "hello again")  # ignored: the flood pause holds
    await rig.client.send_text(sam["id"], "I took an overdose")  # but never for safety
    await _signposted(rig, sam, flooded)
    await _alerted(rig, "I took an overdose", within=guard.limit + 3)  # after the messages that reached the team
    alex_heard = " ".join(m["text"] or "" for m in await rig.client.bot_messages(rig.alex["id"]))  # type: ignore[attr-defined]
    assert "hello again" not in alex_heard  # the pause was real


async def test_a_second_worse_message_alerts_again_with_the_new_words(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    await rig.client.send_text(sam["id"], "I feel hopeless")
    first = await _signposted(rig, sam, welcome)
    await _alerted(rig, "I feel hopeless")
    await rig.client.send_text(sam["id"], "I am going to end my life tonight")
    await _signposted(rig, sam, first)
    await _alerted(rig, "I am going to end my life tonight")
    flags = _safety_flags(rig)
    assert len(flags) == 1  # one open flag, with both messages as its evidence
    with rig.db.session() as session:
        assert len(session.exec(select(FlagEvidence).where(FlagEvidence.flag_id == flags[0].id)).all()) == 2


async def test_in_welsh_the_signposting_is_welsh(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    with rig.db.session() as session:  # as /language or onboarding would set it
        person = people.person_by_telegram_id(session, sam["id"])
        assert person is not None
        person.language = "cy"
    await rig.client.send_text(sam["id"], "Dw i eisiau marw")
    kind = await rig.message_containing(sam, welcome, "Samaritans", within=4)
    assert "Diolch am ddweud wrtha i" in kind["text"] and "0808 164 0123" in kind["text"]


async def test_staff_messages_are_not_checked(rig: Harness) -> None:
    alex = rig.alex  # type: ignore[attr-defined]
    await rig.client.send_text(alex["id"], "this rota is killing me, I want to die lol")
    reply = await rig.next_message(alex, rig.alex_seen)  # type: ignore[attr-defined]
    assert "Samaritans" not in reply["text"]
    assert _safety_flags(rig) == []


async def test_unacknowledged_it_reaches_the_coordinator_who_acts_and_everyone_hears_who(rig: Harness) -> None:
    alex, casey = rig.alex, rig.casey  # type: ignore[attr-defined]
    sam, welcome = await rig.join("Sam")
    await rig.client.send_text(sam["id"], "nobody would miss me if I was gone")
    await _signposted(rig, sam, welcome)
    await _alerted(rig, "nobody would miss me")
    rig.clock.advance(timedelta(minutes=31))  # "30m" service level for urgent flags
    escalated = await rig.message_containing(casey, rig.casey_seen, "#", within=4)  # type: ignore[attr-defined]
    assert "⏰" in escalated["text"] and escalated["buttons"]
    ack = next(b["text"] for row in escalated["buttons"] for b in row if b["text"].startswith("Acknowledge"))
    await rig.client.press_button(casey["id"], escalated["message_id"], label=ack)
    thanks = await rig.message_containing(casey, escalated, "acknowledged")
    assert "Sorry" not in thanks["text"]
    told = await rig.message_containing(alex, rig.alex_seen, "Casey has picked up", within=4)  # type: ignore[attr-defined]
    assert "safety" in told["text"]
    assert [f.status for f in _safety_flags(rig)] == ["acknowledged"]
