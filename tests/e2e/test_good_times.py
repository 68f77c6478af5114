"""One rule for when a partner may be messaged, end to end over the sandbox, both backends:
what the bot starts waits for the partner's good time (outside quiet hours, on their days,
in their time zone); replies and signposting never wait; and a held message never holds
up a reply to what the partner sends meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import select

from bot.core import texts
from bot.staff import flags as staff_flags
from bot.staff import team as staff_team
from storage import flags, people, team
from storage.models import Checkin, Person
from tests.e2e.conftest import PROJECT, Harness

LONDON = ZoneInfo("Europe/London")


def _set(rig: Harness, user: dict[str, Any], **values: Any) -> None:
    with rig.db.session() as session:
        session.execute(update(Person).where(Person.telegram_user_id == user["id"]).values(**values))


def _late_evening(rig: Harness) -> datetime:
    """23:00 London, the evening after now."""
    today = rig.clock.now().astimezone(LONDON).date()
    return datetime.combine(today, datetime.min.time(), tzinfo=LONDON).replace(hour=23).astimezone(UTC)


async def test_quiet_hours_hold_what_the_bot_starts_but_never_a_reply_or_signposting(harness: Harness) -> None:
    rig = harness
    assert rig.bot is not None
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    sam, welcome = await rig.join()
    _set(rig, sam, quiet_hours="21:00-08:00")
    await rig.client.send_command(sam["id"], "/pause")
    paused = await rig.next_message(sam, welcome)
    rig.clock.advance_to(_late_evening(rig) + timedelta(days=6))  # the Monday check-in came due while paused

    # 23:00: /resume turns check-ins on, but the check-in itself waits for the morning
    await rig.client.send_command(sam["id"], "/resume")
    resumed = await rig.next_message(sam, paused)
    assert resumed["text"] == texts.RESUMED.format(first_name="Sam")
    await rig.quiet(sam, resumed, seconds=1.5)
    with rig.db.session() as session:
        checkin = session.exec(select(Checkin).where(Checkin.status == "scheduled")).one()
        morning = checkin.due_at
    assert morning.astimezone(LONDON).time().hour == 8

    # the team replies and a need is resolved at 23:30: both wait
    rig.clock.advance(timedelta(minutes=30))
    with rig.db.session() as session:
        partner = people.person_by_telegram_id(session, sam["id"])
        actor = people.person_by_telegram_id(session, alex["id"])
        assert partner is not None and partner.id is not None and actor is not None
        message = team.add_message(session, PROJECT, partner.id, "When is the next meeting?", rig.clock.now())
        flag = flags.open_flag(
            session,
            project_id=PROJECT,
            person_id=partner.id,
            need="payment",
            severity="high",
            note="not paid",
            answer_ids=[],
            now=rig.clock.now(),
        )
        session.flush()
        staff_team.relay(session, actor, message.id, "Thursday at 2pm.", rig.clock.now())  # type: ignore[arg-type]
        staff_flags.close(session, rig.bot.runtime, actor, flag.id, "resolved", "Paid today.", rig.clock.now())  # type: ignore[arg-type]
    rig.bot.runtime.wake_outbox()

    # a reply to what Sam sends, and signposting, come at once, ahead of what is held
    await rig.client.send_command(sam["id"], "/help")
    helped = await rig.next_message(sam, resumed)
    assert helped["text"].startswith(texts.HELP.split("\n")[0])
    await rig.client.send_text(sam["id"], "I want to end my life")
    signposted = await rig.next_message(sam, helped)
    assert "Samaritans" in signposted["text"]
    await rig.quiet(sam, signposted, seconds=1.5)

    # 08:00: the team's reply, "you said, we did" and the check-in, in the order they were decided
    rig.clock.advance_to(morning + timedelta(seconds=1))
    reply = await rig.next_message(sam, signposted)
    assert reply["text"].startswith("Alex from the Carers' Voice team replied")
    said_did = await rig.next_message(sam, reply)
    assert "Here's what Carers' Voice has done" in said_did["text"]
    sorted_now = await rig.next_question(sam, said_did)  # "is it sorted now?" opens the check-in
    assert sorted_now["text"].startswith("Before we start")
    await rig.message_containing(sam, sorted_now, "paid for your last session")


async def test_a_reminder_waits_for_the_partners_next_day(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    with rig.db.session() as session:
        due = session.exec(select(Checkin.due_at).where(Checkin.status == "scheduled")).one()
    rig.clock.advance_to(due + timedelta(seconds=1))  # Monday 10:00
    question = await rig.next_question(sam, welcome)
    _set(rig, sam, preferred_days=["mon", "wed"])

    rig.clock.advance(timedelta(hours=24, minutes=1))  # Tuesday: the reminder is due, but not on Sam's day
    await rig.quiet(sam, question, seconds=1.5)
    rig.clock.advance_to(due.astimezone(LONDON).replace(hour=9, minute=0) + timedelta(days=2, seconds=1))
    reminder = await rig.next_message(sam, question)
    assert reminder["text"].startswith("Just a gentle reminder")
    assert rig.clock.now().astimezone(LONDON).weekday() == 2  # Wednesday
