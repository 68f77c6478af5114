"""Partners own their record: /mydata shows all of it, /forget takes it away;
settings and access needs shape the bot; the token never reaches the logs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.delivery.log_redaction import RedactToken
from storage.models import (
    Answer,
    AuditEvent,
    Checkin,
    ConsentRecord,
    Flag,
    FlagEvent,
    Idea,
    Membership,
    OutboxMessage,
    Person,
)
from tests.e2e.conftest import PROJECT, Harness

SECRET = "Still waiting for my £40 from March"


async def _checkin_with_a_flag(rig: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sam joins, says they were not paid (with details) and pauses: a flag opens."""
    sam, welcome = await rig.join("Sam")
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Not yet")
    detail = await rig.next_question(sam, paid)
    await rig.client.send_text(sam["id"], SECRET)
    expenses = await rig.next_question(sam, detail)
    await rig.client.send_text(sam["id"], "pause")
    return sam, await rig.next_message(sam, expenses)


def _person(rig: Harness, user: dict[str, Any]) -> Person:
    with rig.db.session() as session:
        return session.exec(select(Person).where(Person.telegram_user_id == user["id"])).one()


async def test_mydata_holds_everything_stored(harness: Harness) -> None:
    rig = harness
    sam, last = await _checkin_with_a_flag(rig)
    person = _person(rig, sam)
    with rig.db.session() as session:
        session.add(Idea(project_id=PROJECT, person_id=person.id, text="Meet in the afternoon"))
    await rig.client.send_command(sam["id"], "/mydata")
    summary = await rig.next_message(sam, last)
    assert "Here is what I keep about you, Sam" in summary["text"]
    document = await rig.next_message(sam, summary)
    record = json.loads(await rig.client.file(chat_id=sam["id"], message_id=document["message_id"]))

    with rig.db.session() as session:
        answers = session.exec(select(Answer).where(Answer.person_id == person.id).order_by(Answer.id)).all()
        flags = session.exec(select(Flag).where(Flag.person_id == person.id).order_by(Flag.id)).all()
        events = session.exec(select(FlagEvent).where(FlagEvent.flag_id == flags[0].id)).all()
        checkins = session.exec(select(Checkin).where(Checkin.person_id == person.id).order_by(Checkin.id)).all()
        consents = session.exec(select(ConsentRecord).where(ConsentRecord.person_id == person.id)).all()
        exported = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert record["profile"]["telegram_user_id"] == sam["id"] and record["profile"]["first_name"] == "Sam"
    assert [(a["step_id"], a["question"], a["value"]) for a in record["answers"]] == [
        (a.step_id, a.question, a.value) for a in answers
    ]
    assert SECRET in [a["value"] for a in record["answers"]]
    assert [c["id"] for c in record["checkins"]] == [c.id for c in checkins]
    assert [f["id"] for f in record["flags"]] == [f.id for f in flags]
    assert [e["action"] for e in record["flags"][0]["events"]] == [e.action for e in events]
    assert [(c["version"], c["decision"]) for c in record["consents"]] == [(c.version, c.decision) for c in consents]
    assert [i["text"] for i in record["ideas"]] == ["Meet in the afternoon"]
    assert [p["project_id"] for p in record["projects"]] == [PROJECT]
    assert exported.actor_telegram_id == sam["id"]


async def test_forget_leaves_no_personal_row_and_keeps_anonymous_answers(harness: Harness) -> None:
    rig = harness
    sam, last = await _checkin_with_a_flag(rig)
    person = _person(rig, sam)
    with rig.db.session() as session:
        session.add(Idea(project_id=PROJECT, person_id=person.id, text="Meet in the afternoon"))
        session.add(
            Answer(
                project_id=PROJECT,
                flow_id="pulse",
                flow_version="1",
                step_id="trust",
                question="Trust?",
                value=4,
                anonymous=True,
            )
        )
    await rig.client.send_command(sam["id"], "/mydata")  # leaves an audit row naming Sam
    files = await rig.client.wait_for_bot_messages(sam["id"], 2, after_message_id=last["message_id"])
    await rig.client.send_command(sam["id"], "/forget")
    confirm = await rig.next_message(sam, files[-1])
    await rig.client.press_button(sam["id"], confirm["message_id"], label="Yes, delete it all")
    goodbye = await rig.next_message(sam, confirm)
    assert "deleted what I kept" in goodbye["text"]
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    messages = await rig.client.bot_messages(alex["id"])
    told = next(m for m in messages if "A partner has left" in m["text"])
    assert "Sam" not in told["text"]

    with rig.db.session() as session:
        assert session.get(Person, person.id) is None
        assert session.exec(select(Membership).where(Membership.person_id == person.id)).all() == []
        assert session.exec(select(Checkin).where(Checkin.person_id == person.id)).all() == []
        assert session.exec(select(Answer).where(Answer.person_id == person.id)).all() == []
        assert all(a.value != SECRET for a in session.exec(select(Answer)))
        assert session.exec(select(ConsentRecord).where(ConsentRecord.person_id == person.id)).all() == []
        assert session.exec(select(Idea)).all() == []
        kept = session.exec(select(Flag)).all()  # kept for the project, without the partner
        assert kept and all((flag.person_id, flag.status, flag.note) == (None, "closed", "") for flag in kept)
        assert {e.action: e.note for e in session.exec(select(FlagEvent))}["closed"] == "partner left"
        assert all(SECRET not in e.note and "Sam" not in e.note for e in session.exec(select(FlagEvent)))
        assert all(e.actor_telegram_id != sam["id"] for e in session.exec(select(AuditEvent)))
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "erasure")).one().project_id == PROJECT
        for row in session.exec(select(OutboxMessage)):
            assert SECRET not in json.dumps(row.payload)
            assert row.chat_id != sam["id"] or "deleted what I kept" in row.payload["text"]
        anonymous = session.exec(select(Answer).where(Answer.anonymous)).one()
        assert (anonymous.person_id, anonymous.value) == (None, 4)

    # coming back later starts afresh
    await rig.client.send_command(sam["id"], "/start")
    assert "use the invite link" in (await rig.next_message(sam, goodbye))["text"]


async def test_plain_text_partner_types_numbers_instead_of_tapping(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    with rig.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == sam["id"])).one()
        person.access_needs = ["plain_text", "one_at_a_time"]
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_message(sam, welcome)  # intro and question in one message, no keyboard
    assert not paid.get("buttons") and "1. Yes" in paid["text"] and "paid" in paid["text"]
    await rig.client.send_text(sam["id"], "1")
    expenses = await rig.next_message(sam, paid)
    assert "spent" in expenses["text"] and not expenses.get("buttons")
    with rig.db.session() as session:
        assert session.exec(select(Answer).where(Answer.step_id == "paid")).one().value == "yes"


async def test_fewer_questions_skips_the_optional_ones(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    with rig.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == sam["id"])).one()
        person.access_needs = ["fewer"]
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Not yet")
    expenses = await rig.next_question(sam, paid)  # the optional "tell us more" is not asked
    assert "spent" in expenses["text"]
    await rig.client.press_button(sam["id"], expenses["message_id"], label="Yes")
    heard = await rig.next_question(sam, expenses)
    await rig.client.press_button(sam["id"], heard["message_id"], label="4")
    anything = await rig.next_question(sam, heard)  # optional, but the flow marks it essential
    assert "anything you need from us" in anything["text"]
    await rig.client.send_text(sam["id"], "skip")
    outro = await rig.next_message(sam, anything)
    assert "Thank you" in outro["text"]
    with rig.db.session() as session:
        answers = {a.step_id: a for a in session.exec(select(Answer))}
        assert answers["payment_detail"].skipped and answers["anything_else"].skipped
        assert answers["paid"].value == "no"  # the flag still opens on what they did answer
        assert session.exec(select(Checkin).where(Checkin.status == "completed")).one()


async def test_settings_buttons_write_the_profile_columns(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    await rig.client.send_command(sam["id"], "/settings")
    menu = await rig.next_message(sam, welcome)
    await rig.client.press_button(sam["id"], menu["message_id"], label="Time of day")
    edited = await rig.client.wait_for_edit(sam["id"], menu["message_id"])
    await rig.client.press_button(sam["id"], menu["message_id"], label="Afternoon (12 to 5)")
    await rig.client.wait_for_edit(sam["id"], menu["message_id"], after_version=edited["version"])
    assert _person(rig, sam).preferred_window == "12:00-17:00"
    await rig.client.send_command(sam["id"], "/settings", "timezone new york")
    saved = await rig.next_message(sam, menu)
    assert "Saved" in saved["text"]
    assert _person(rig, sam).timezone == "America/New_York"


async def test_profile_answers_in_a_flow_write_the_profile_columns(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    person = _person(rig, sam)
    with rig.db.session() as session:
        session.add(Checkin(person_id=person.id, project_id=PROJECT, flow_id="onboarding", due_at=rig.clock.now()))  # type: ignore[arg-type]
    days = await rig.next_question(sam, welcome)
    await rig.client.send_text(sam["id"], "skip")
    time = await rig.next_question(sam, days)
    await rig.client.press_button(sam["id"], time["message_id"], label="Afternoon (12 to 5)")
    quiet = await rig.next_question(sam, time)
    assert _person(rig, sam).preferred_window == "12:00-17:00"
    await rig.client.send_text(sam["id"], "3")  # typed: "Not after 9 at night"
    await rig.next_question(sam, quiet)
    stored = _person(rig, sam)
    assert (stored.preferred_window, stored.quiet_hours, stored.preferred_days) == ("12:00-17:00", "21:00-07:00", None)


def test_the_token_is_redacted_from_every_log_line(caplog: pytest.LogCaptureFixture) -> None:
    token = "123456:SECRET-token"
    record = logging.LogRecord(
        "telegram.ext", logging.ERROR, __file__, 1, "GET https://api.telegram.org/bot%s/getMe", (token,), None
    )
    try:
        raise RuntimeError(f"bad url https://api.telegram.org/bot{token}/x")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    RedactToken(token).filter(record)
    text = logging.Formatter().format(record)
    assert token not in text and "[token]" in text
