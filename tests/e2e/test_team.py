"""Every word reaches a person, end to end over the sandbox, on both backends: messages
to the team and replies after a preview, staff prompts that cannot misfire, commands
people try, the command menu, and edits of an answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.clock import ShiftedClock
from bot.sandbox import Sandbox
from storage.db import Database
from storage.models import Answer, Checkin, Flag, FlagEvidence, StaffPrompt, TeamMessage
from tests.e2e.conftest import BRISK_CHAT_RATE, Harness, eventually, make_settings


@pytest.fixture
async def rig(database_url: str) -> AsyncIterator[Harness]:
    async with Sandbox(chat_per_second=BRISK_CHAT_RATE) as sandbox:
        client = sandbox.client()
        alex, blair = await client.create_user("Alex"), await client.create_user("Blair")
        Database(database_url).upgrade()
        settings = make_settings(database_url, alex["id"], sandbox)
        settings.projects[0].facilitators.append(blair["id"])
        harness = Harness(sandbox, settings, ShiftedClock())
        harness.alex, harness.blair = alex, blair  # type: ignore[attr-defined]
        await harness.start()
        harness.alex_seen = await harness.facilitator(alex)  # type: ignore[attr-defined]
        harness.blair_seen = await harness.facilitator(blair)  # type: ignore[attr-defined]
        try:
            yield harness
        finally:
            await harness.stop()
            harness.db.dispose()


def _button(message: dict[str, Any], starts: str) -> str:
    return next(b["text"] for row in message["buttons"] for b in row if b["text"].startswith(starts))


async def test_a_message_to_the_team_and_a_reply_after_its_preview(rig: Harness) -> None:
    alex, blair = rig.alex, rig.blair  # type: ignore[attr-defined]
    sam, welcome = await rig.join("Sam")
    await rig.client.send_text(sam["id"], "Can I talk to someone? I need a lift, I can't afford the bus fare")
    sent = await rig.next_message(sam, welcome)
    assert "passed this to the Carers' Voice team" in sent["text"]
    shown = await rig.message_containing(alex, rig.alex_seen, "can't afford the bus fare")  # type: ignore[attr-defined]
    assert [b["text"] for b in shown["buttons"][0]] == ["Reply", "Acknowledge"]

    await rig.client.press_button(alex["id"], shown["message_id"], label="Reply")
    ask = await rig.next_message(alex, shown)
    assert "Type your reply to Sam" in ask["text"]
    await rig.client.send_text(alex["id"], "Yes, Sam: we'll book you a taxi for Thursday and pay for it.")
    preview = await rig.next_message(alex, ask)
    assert "This will be sent to Sam" in preview["text"] and "book you a taxi" in preview["text"]
    await rig.quiet(sam, sent, seconds=0.5)  # nothing reaches Sam before Send
    await rig.client.press_button(alex["id"], preview["message_id"], label="Send")
    reply = await rig.next_message(sam, sent)
    assert "Alex from the Carers' Voice team replied" in reply["text"] and "book you a taxi" in reply["text"]
    told = await rig.message_containing(blair, rig.blair_seen, "Alex replied to Sam", within=3)  # type: ignore[attr-defined]
    assert told

    # the thread, in order, both sides
    await rig.client.send_command(sam["id"], "team")
    thread = await rig.message_containing(sam, reply, "so far")
    assert thread["text"].index("can't afford the bus fare") < thread["text"].index("book you a taxi")
    with rig.db.session() as session:
        assert [m.author_id is None for m in session.exec(select(TeamMessage).order_by(TeamMessage.id))] == [
            True,
            False,
        ]


async def test_resolve_then_a_command_then_stray_text_reaches_no_partner(rig: Harness) -> None:
    alex = rig.alex  # type: ignore[attr-defined]
    sam, _, detail = await _at_detail(rig)
    await rig.client.send_text(sam["id"], "stop")
    stopped = await rig.next_message(sam, detail)
    alert = await rig.message_containing(alex, rig.alex_seen, "Payment")  # type: ignore[attr-defined]

    await rig.client.press_button(alex["id"], alert["message_id"], label=_button(alert, "Resolve"))
    asked = await rig.next_message(alex, alert)
    await rig.client.send_command(alex["id"], "partners")
    ended = await rig.message_containing(alex, asked, "stopped waiting", within=3)
    assert "nothing was sent" in ended["text"]
    await rig.client.send_text(alex["id"], "hmm which one was that")
    nothing = await rig.message_containing(alex, ended, "haven't passed that on", within=4)
    assert nothing
    await rig.quiet(sam, stopped, seconds=1.0)
    with rig.db.session() as session:
        assert session.exec(select(Flag)).one().status == "open"
        assert session.exec(select(StaffPrompt)).all() == []


async def test_a_prompt_nobody_answers_ends_after_30_minutes_and_cancel_ends_one_now(rig: Harness) -> None:
    alex = rig.alex  # type: ignore[attr-defined]
    sam, _ = await rig.join("Sam")
    await rig.client.send_text(sam["id"], "Could someone ring me about the next meeting?")
    shown = await rig.message_containing(alex, rig.alex_seen, "ring me")  # type: ignore[attr-defined]
    await rig.client.press_button(alex["id"], shown["message_id"], label="Reply")
    ask = await rig.next_message(alex, shown)
    rig.clock.advance(timedelta(minutes=31))
    expired = await rig.message_containing(alex, ask, "waited 30 minutes", within=3)
    assert "nothing was sent" in expired["text"]

    await rig.client.press_button(alex["id"], shown["message_id"], label="Reply")
    ask = await rig.message_containing(alex, expired, "Type your reply")
    await rig.client.send_text(alex["id"], "Yes, I'll ring you at 3.")
    preview = await rig.next_message(alex, ask)
    await rig.client.send_command(alex["id"], "cancel")
    cancelled = await rig.next_message(alex, preview)
    assert "Nothing was sent" in cancelled["text"]
    await rig.client.press_button(alex["id"], preview["message_id"], label="Send")  # too late: nothing goes
    late = await rig.next_message(alex, cancelled)
    assert "no longer waiting" in late["text"]
    sam_heard = [m["text"] for m in await rig.client.bot_messages(sam["id"])]
    assert not any("ring you at 3" in text for text in sam_heard)


async def test_commands_people_try_and_the_command_menu(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    await rig.client.send_command(sam["id"], "stop")
    stop = await rig.next_message(sam, welcome)
    assert "/pause" in stop["text"] and "/forget" in stop["text"]
    await rig.client.send_command(sam["id"], "frobnicate")
    unknown = await rig.next_message(sam, stop)
    assert "I don't know /frobnicate" in unknown["text"] and "/help" in unknown["text"]
    await rig.client.send_command(sam["id"], "cancel")
    nothing = await rig.next_message(sam, unknown)
    assert "nothing waiting to cancel" in nothing["text"]

    world = rig.sandbox.world  # type: ignore[attr-defined]
    partner_menu = [c["command"] for c in next(iter(v for k, v in world.commands.items() if "default" in k))]
    assert {"help", "team", "pause", "resume", "forget", "cancel", "stop"} <= set(partner_menu)
    staff_menus = [v for k, v in world.commands.items() if str(rig.alex["id"]) in k]  # type: ignore[attr-defined]
    assert staff_menus and {"flags", "digest", "partners"} <= {c["command"] for c in staff_menus[0]}


async def test_an_edit_changes_the_answer_it_was_never_the_current_question(rig: Harness) -> None:
    alex = rig.alex  # type: ignore[attr-defined]
    sam, _, detail = await _at_detail(rig)
    await rig.client.send_text(sam["id"], "Still waiting for £40")
    expenses = await rig.next_question(sam, detail)
    typed = [m for m in await rig.client.transcript(sam["id"]) if m["text"] == "Still waiting for £40"][-1]

    # during the check-in: the answer is replaced and Sam is told; the current question is untouched
    await rig.client.edit_text(sam["id"], typed["message_id"], "Still waiting for £45")
    changed = await rig.next_message(sam, expenses)
    assert "changed your answer" in changed["text"] and "£45" in changed["text"]
    with rig.db.session() as session:
        answers = session.exec(select(Answer).where(Answer.step_id == "payment_detail")).all()
        assert [a.display for a in answers] == ["Still waiting for £45"]
        assert session.exec(select(Answer).where(Answer.step_id == "expenses")).all() == []
    await rig.client.send_text(sam["id"], "stop")
    stopped = await rig.next_message(sam, changed)

    # once the check-in has closed: told it could not change, and the flag it was evidence for
    # (the open question's answer reached the team) gets the correction, for the facilitators
    paid_answer = [m for m in await rig.client.transcript(sam["id"]) if m["text"] == "Still waiting for £45"][-1]
    await rig.client.edit_text(sam["id"], paid_answer["message_id"], "Actually it came this morning")
    late = await rig.next_message(sam, stopped)
    assert "passed your correction to the team" in late["text"]
    with rig.db.session() as session:
        kept = session.exec(select(Answer).where(Answer.step_id == "payment_detail", Answer.flow_id != "correction"))
        assert [a.display for a in kept] == ["Still waiting for £45"]
        corrections = session.exec(select(Answer).where(Answer.flow_id == "correction")).all()
        assert [c.display for c in corrections] == ["Actually it came this morning"]
        assert session.exec(select(FlagEvidence).where(FlagEvidence.answer_id == corrections[0].id)).one()
    assert alex


async def _at_detail(rig: Harness) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Sam at the check-in's second question (after "Not yet" to the first)."""
    sam, welcome = await rig.join("Sam")
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Not yet")
    return sam, paid, await rig.next_question(sam, paid)


async def test_back_typed_and_tapped_returns_to_the_question_before(rig: Harness) -> None:
    sam, _, detail = await _at_detail(rig)
    await rig.client.send_text(sam["id"], "back")
    again = await rig.next_question(sam, detail)
    assert "paid for your last session" in again["text"]
    with rig.db.session() as session:  # the answer they went back on is withdrawn
        assert session.exec(select(Answer).where(Answer.step_id == "paid")).all() == []
    await rig.client.press_button(sam["id"], again["message_id"], label="Yes")
    expenses = await rig.next_question(sam, again)
    await rig.client.press_button(sam["id"], expenses["message_id"], label=_button(expenses, "←"))
    paid_again = await rig.next_question(sam, expenses)
    assert "paid for your last session" in paid_again["text"]
    with rig.db.session() as session:
        assert session.exec(select(Answer).where(Answer.step_id == "paid")).all() == []


async def test_pause_then_a_message_to_the_team_then_carry_on_and_resume(rig: Harness) -> None:
    alex = rig.alex  # type: ignore[attr-defined]
    sam, _, detail = await _at_detail(rig)
    await rig.client.send_text(sam["id"], "pause")
    paused = await rig.next_message(sam, detail)
    assert "paused this check-in" in paused["text"] and "carry on" in paused["text"]
    await rig.client.send_text(sam["id"], "Is the session still on Thursday?")  # not for the paused check-in
    sent = await rig.next_message(sam, paused)
    assert "passed this to the Carers' Voice team" in sent["text"]
    assert await rig.message_containing(alex, rig.alex_seen, "still on Thursday", within=4)  # type: ignore[attr-defined]
    await rig.client.send_text(sam["id"], "carry on")
    back = await rig.next_message(sam, sent)
    assert "Welcome back" in back["text"] and back["text"].endswith(detail["text"])
    await rig.client.send_text(sam["id"], "pause")
    paused = await rig.next_message(sam, back)
    await rig.client.send_command(sam["id"], "resume")
    resumed = await rig.next_message(sam, paused)
    assert resumed["text"].endswith(detail["text"])
    with rig.db.session() as session:
        assert session.exec(select(Answer).where(Answer.step_id == "paid")).one().value == "no"


async def test_words_at_a_button_question_are_kept_with_the_answer(rig: Harness) -> None:
    sam, welcome = await rig.join("Sam")
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, welcome)
    await rig.client.send_text(sam["id"], "I need a BSL interpreter for the sessions")
    kept = await rig.next_message(sam, paid)
    assert "kept that as a note" in kept["text"] and kept["buttons"]
    await rig.client.press_button(sam["id"], kept["message_id"], label="Not yet")
    detail = await rig.next_question(sam, kept)
    await rig.client.send_text(sam["id"], "stop")  # the check-in ends: the payment need is alerted
    await rig.next_message(sam, detail)
    with rig.db.session() as session:
        answer = session.exec(select(Answer).where(Answer.step_id == "paid")).one()
    assert (answer.value, answer.comment) == ("no", "I need a BSL interpreter for the sessions")
    alert = await rig.message_containing(rig.alex, rig.alex_seen, "Payment", within=4)  # type: ignore[attr-defined]
    assert "BSL interpreter" in alert["text"]


async def test_a_long_message_telegram_splits_is_one_answer(rig: Harness) -> None:
    sam, _, detail = await _at_detail(rig)
    first = ("The payments have been late every month since March. " * 80)[:4090]
    second = "And that is the whole story."
    await rig.client.send_text(sam["id"], first)
    await rig.client.send_text(sam["id"], second)
    expenses = await rig.next_question(sam, detail)
    assert "spent" in expenses["text"]
    with rig.db.session() as session:
        answer = session.exec(
            select(Answer).where(Answer.step_id == "payment_detail", Answer.flow_id == "after-activity")
        ).one()
    assert answer.display.startswith("The payments") and answer.display.endswith(second)
    assert len(answer.display) > 4096

    # one part alone, near the limit: after a few seconds it is the answer
    await rig.client.send_text(sam["id"], "Y" * 4050)

    def waiting_for_more() -> bool:
        with rig.db.session() as session:
            return session.exec(select(Checkin).where(col(Checkin.waiting_until).is_not(None))).first() is not None

    await eventually(waiting_for_more, what="the part is held for the rest")  # then time passes
    rig.clock.advance(timedelta(seconds=5))
    # the tick takes it as the answer; on a loaded machine a tick can take seconds
    heard = await rig.next_message(sam, expenses, timeout=30)
    assert heard["message_id"] > expenses["message_id"]
