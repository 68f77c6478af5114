"""A question that may not have reached the partner (Telegram timed out after doing
the work, or the bot died mid-send) is never resent blindly, but asked again gently,
once, a few minutes later, unless the partner has moved on."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.core import texts
from bot.partners.lost_messages import SETTLED_AFTER
from storage.models import OutboxMessage
from tests.e2e.conftest import Harness, eventually


def _uncertain(rig: Harness) -> int:
    with rig.db.session() as session:
        return len(session.exec(select(OutboxMessage).where(col(OutboxMessage.status) == "uncertain")).all())


async def test_a_question_that_may_be_lost_is_asked_again_once(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    await rig.client.inject_fault("sendMessage", "timeout", count=2)  # delivered, then a 504
    rig.clock.advance(timedelta(days=8))
    question = await rig.next_question(sam, welcome)
    await eventually(lambda: _uncertain(rig) == 2, what="the intro and the question are uncertain, not resent")
    await rig.quiet(sam, question, seconds=0.5)
    rig.clock.advance(SETTLED_AFTER + timedelta(seconds=1))
    note = await rig.next_message(sam, question)
    assert note["text"] == texts.IN_CASE_LOST
    again = await rig.next_message(sam, note)
    assert again["text"] == question["text"] and again["buttons"] == question["buttons"]
    rig.clock.advance(SETTLED_AFTER * 2)
    await rig.quiet(sam, again, seconds=1.0)  # once only
    await rig.client.press_button(sam["id"], again["message_id"], label="Yes")
    assert "everything you spent" in (await rig.next_question(sam, again))["text"]


async def test_nothing_is_asked_again_when_a_later_message_arrived(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    await rig.client.inject_fault("sendMessage", "timeout", count=1)  # the intro only
    rig.clock.advance(timedelta(days=8))
    question = await rig.next_question(sam, welcome)
    await eventually(lambda: _uncertain(rig) == 1)
    rig.clock.advance(SETTLED_AFTER + timedelta(seconds=1))
    await rig.quiet(sam, question, seconds=1.0)


async def test_a_consent_question_that_may_be_lost_is_asked_again(harness: Harness) -> None:
    rig = harness
    kim = await rig.client.create_user("Kim")
    await rig.client.inject_fault("sendMessage", "timeout", count=1)
    await rig.client.send_command(kim["id"], "/start", rig.invite())
    consent = await rig.client.wait_for_bot_message(kim["id"])
    await eventually(lambda: _uncertain(rig) == 1)
    rig.clock.advance(SETTLED_AFTER + timedelta(seconds=1))
    note = await rig.next_message(kim, consent)
    assert note["text"] == texts.IN_CASE_LOST
    again = await rig.next_message(kim, note)
    assert again["buttons"] == consent["buttons"]
    await rig.client.press_button(kim["id"], again["message_id"], label="Yes, that's OK")
    await rig.next_message(kim, again)  # welcomed
