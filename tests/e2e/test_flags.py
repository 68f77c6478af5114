"""Flags end to end over the sandbox: from a partner's answer to the facilitator's
alert, resolve with a note, "you said, we did", the follow-up at the next check-in
("no" reopens, a repeat report adds evidence, never a duplicate), urgent distress
with signposting at once, escalation past the service level, and an outsider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from storage.models import AuditEvent, Flag, FlagEvent, FlagEvidence
from tests.e2e.conftest import Harness


async def _report_not_paid(rig: Harness, user: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The partner's check-in comes due; they say they have not been paid, then stop."""
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(user, after)
    await rig.client.press_button(user["id"], paid["message_id"], label="Not yet")
    detail = await rig.next_question(user, paid)
    await rig.client.send_text(user["id"], "stop")
    return await rig.next_message(user, detail)


async def test_payment_need_from_answer_to_resolve_to_follow_up(harness: Harness) -> None:
    rig = harness
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    sam, welcome = await rig.join("Sam")
    paused = await _report_not_paid(rig, sam, welcome)

    # the facilitator's alert shows the answer, with the question as asked, and buttons
    alert = await rig.next_message(alex, rig.facilitator_welcome)  # type: ignore[attr-defined]
    with rig.db.session() as session:
        flag = session.exec(select(Flag)).one()
    assert f"#{flag.id}" in alert["text"] and "Payment" in alert["text"] and "Sam" in alert["text"]
    assert "Have you been paid for your last session?" in alert["text"] and "Not yet" in alert["text"]
    assert [b["text"] for b in alert["buttons"][0]] == [
        f"Acknowledge #{flag.id}",
        f"Resolve #{flag.id}",
        f"Won't fix #{flag.id}",
    ]

    # acknowledge, then resolve with a note for the partner
    await rig.client.press_button(alex["id"], alert["message_id"], label=f"Acknowledge #{flag.id}")
    thanks = await rig.next_message(alex, alert)
    assert "acknowledged" in thanks["text"]
    await rig.client.press_button(alex["id"], alert["message_id"], label=f"Resolve #{flag.id}")
    ask = await rig.next_message(alex, thanks)
    assert "What should I tell Sam" in ask["text"]
    await rig.client.send_text(alex["id"], "Sorry for the wait. Your £40 went to your bank today.")
    preview = await rig.next_message(alex, ask)  # shown back first: nothing reaches Sam until Send
    assert "This will be sent to Sam" in preview["text"] and "Your £40 went to your bank today" in preview["text"]
    await rig.client.press_button(alex["id"], preview["message_id"], label="Send")
    done = await rig.next_message(alex, preview)
    assert "resolved" in done["text"]

    # "you said, we did" reaches the partner, with the note as written
    loop = await rig.next_message(sam, paused)
    assert "Your £40 went to your bank today" in loop["text"] and "payment" in loop["text"]
    with rig.db.session() as session:
        flag = session.exec(select(Flag)).one()
        assert (flag.status, flag.follow_up) == ("resolved", "pending")
        actions = [e.action for e in session.exec(select(FlagEvent).order_by(FlagEvent.id))]
        assert actions == ["opened", "acknowledged", "resolved"]
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "flag_change")).all()
        assert len(audit) == 2 and all("£40" not in a.detail for a in audit)

    # the next check-in asks first whether it is sorted; "no" reopens it
    rig.clock.advance(timedelta(days=7))
    follow_up = await rig.next_message(sam, loop)
    assert "Is it sorted for you now?" in follow_up["text"]
    await rig.client.press_button(sam["id"], follow_up["message_id"], label="No, not yet")
    # the check-in goes on as usual: the same need reported again is evidence, not a new flag
    paid = await rig.next_question(sam, follow_up)
    while "paid for your last session" not in paid["text"]:
        paid = await rig.next_question(sam, paid)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Not yet")
    await rig.next_question(sam, paid)
    with rig.db.session() as session:
        flag = session.exec(select(Flag)).one()
        assert (flag.status, flag.follow_up) == ("open", "not_met")
        assert len(session.exec(select(FlagEvidence).where(FlagEvidence.flag_id == flag.id)).all()) == 3
        actions = [e.action for e in session.exec(select(FlagEvent).order_by(FlagEvent.id))]
        assert actions[3:] == ["reopened", "evidence", "evidence"]
    again = await rig.next_message(alex, done)
    assert f"#{flag.id}" in again["text"] and "Is it sorted for you now?" in again["text"]
    assert (await rig.client.stats())["violations"] == []


async def test_urgent_distress_alerts_at_once_with_signposting(harness: Harness) -> None:
    rig = harness
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    sam, welcome = await rig.join("Sam")
    rig.clock.advance(timedelta(days=8))
    paid = await rig.next_question(sam, welcome)
    await rig.client.press_button(sam["id"], paid["message_id"], label="Not yet")
    detail = await rig.next_question(sam, paid)
    await rig.client.send_text(sam["id"], "Honestly I feel HOPELÈSS and I can't go on like this")

    kind = await rig.next_message(sam, detail)
    assert "Samaritans" in kind["text"] and "Sam" in kind["text"]
    # the facilitator hears now, before the check-in ends
    alert = await rig.next_message(alex, rig.facilitator_welcome)  # type: ignore[attr-defined]
    assert "Safety" in alert["text"] and "urgent" in alert["text"]
    with rig.db.session() as session:
        safety = session.exec(select(Flag).where(Flag.need == "safety")).one()
        assert safety.severity == "urgent" and safety.alerted_at is not None


async def test_escalation_past_service_level_and_outsider_refused(harness: Harness) -> None:
    rig = harness
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    sam, welcome = await rig.join("Sam")
    await _report_not_paid(rig, sam, welcome)
    alert = await rig.next_message(alex, rig.facilitator_welcome)  # type: ignore[attr-defined]

    # nobody acknowledges it within 48 hours: it goes to the coordinators (here: the facilitators)
    rig.clock.advance(timedelta(hours=49))
    escalated = await rig.next_message(alex, alert)
    assert "waited longer" in escalated["text"]
    with rig.db.session() as session:
        flag = session.exec(select(Flag)).one()
        assert flag.escalated_at is not None and flag.status == "open"

    # someone else presses a flag button on a forwarded copy: a polite no, nothing changes
    eve = await rig.client.create_user("Eve")
    world = rig.sandbox.world  # type: ignore[attr-defined]
    world.bot_message(
        world.chats[eve["id"]],
        "text",
        html=alert["html"],
        text=alert["text"],
        entities=[],
        reply_markup={"inline_keyboard": alert["buttons"]},
    )
    copy = (await rig.client.bot_messages(eve["id"]))[-1]
    await rig.client.press_button(eve["id"], copy["message_id"], label=f"Resolve #{flag.id}")
    refusal = await rig.next_message(eve, copy)
    assert "only the facilitators" in refusal["text"]
    with rig.db.session() as session:
        assert session.exec(select(Flag)).one().status == "open"
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "refused")).one()
        assert refused.actor_telegram_id == eve["id"]
