"""Pacing over the sandbox: a weekly cap, one reminder then a quiet expiry,
slower check-ins after two go unanswered, and no flood after downtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core import texts
from bot.core.config import Settings
from storage.models import Checkin, Flag
from tests.e2e.conftest import Harness, configured_harness
from tests.e2e.test_controls import next_due, statuses

SETTLE = 1.5  # seconds of real time for a few ticks to pass


@pytest.fixture
async def daily(database_url: str) -> AsyncIterator[Harness]:
    """The usual harness, with the check-in every day."""

    def configure(settings: Settings) -> None:
        settings.projects[0].schedules[0].cadence = "daily"

    async with configured_harness(database_url, configure) as rig:
        yield rig


async def test_weekly_cap_defers_the_third_checkin(daily: Harness) -> None:
    rig = daily
    sam, last = await rig.join()
    starts = []
    for _ in range(2):
        due = next_due(rig)
        rig.clock.advance_to(due + timedelta(minutes=1))
        question = await rig.next_question(sam, last)
        await rig.client.send_text(sam["id"], "stop")  # ends this check-in; tomorrow's is scheduled
        last = await rig.next_message(sam, question)
        with rig.db.session() as session:
            starts.append(
                session.exec(select(Checkin.started_at).where(Checkin.status == "stopped").order_by(Checkin.id)).all()[
                    -1
                ]
            )

    rig.clock.advance_to(next_due(rig) + timedelta(minutes=1))  # the third day: two this week already
    await rig.quiet(sam, last, seconds=SETTLE)
    assert statuses(rig) == ["stopped", "stopped", "scheduled"]
    assert next_due(rig) == starts[0] + timedelta(days=7)  # when the first is a week old

    rig.clock.advance_to(next_due(rig) + timedelta(minutes=1))
    question = await rig.next_question(sam, last)
    assert "paid for your last session" in question["text"]


async def test_one_reminder_then_expiry_without_a_flag(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    rig.clock.advance_to(next_due(rig) + timedelta(minutes=1))
    question = await rig.next_question(sam, welcome)

    rig.clock.advance(timedelta(hours=24))
    reminder = await rig.next_message(sam, question)
    assert reminder["text"] == texts.REMINDER
    again = await rig.next_message(sam, reminder)
    assert again["text"] == question["text"] and again["buttons"] == question["buttons"]

    rig.clock.advance(timedelta(hours=24))
    await rig.quiet(sam, again, seconds=SETTLE)  # one reminder only

    rig.clock.advance(timedelta(hours=24))
    await rig.quiet(sam, again, seconds=SETTLE)  # the expiry is quiet too
    assert statuses(rig) == ["expired", "scheduled"]
    with rig.db.session() as session:
        assert session.exec(select(Flag)).all() == []
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    await rig.quiet(alex, rig.facilitator_welcome, seconds=0.1)  # type: ignore[attr-defined]


async def test_two_unanswered_halve_the_cadence_and_tell_the_facilitator_once(harness: Harness) -> None:
    rig = harness
    sam, last = await rig.join()
    alex = rig.facilitator_user  # type: ignore[attr-defined]
    gaps = []
    for _ in range(3):
        due = next_due(rig)
        rig.clock.advance_to(due + timedelta(minutes=1))
        last = await rig.next_question(sam, last)
        rig.clock.advance(timedelta(hours=72))
        await rig.quiet(sam, last, seconds=SETTLE)
        gaps.append(next_due(rig) - due)
    assert gaps == [timedelta(days=7), timedelta(days=14), timedelta(days=14)]
    assert statuses(rig) == ["expired", "expired", "expired", "scheduled"]

    told = await rig.next_message(alex, rig.facilitator_welcome)  # type: ignore[attr-defined]
    assert told["text"] == texts.FACILITATOR_SLOWED.format(first_name="Sam", project_name="Carers' Voice")
    await rig.quiet(alex, told, seconds=0.1)  # once, not after the third


async def test_downtime_records_stale_checkins_as_missed(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    ola, ola_welcome = await rig.join("Ola")
    first_due = next_due(rig)

    await rig.stop()
    rig.clock.advance_to(first_due + timedelta(hours=7))  # down past the grace period
    await rig.start()
    await rig.quiet(sam, welcome, seconds=SETTLE)
    await rig.quiet(ola, ola_welcome, seconds=0.1)
    assert statuses(rig) == ["missed", "missed", "scheduled", "scheduled"]
    assert next_due(rig) == first_due + timedelta(days=7)

    await rig.stop()
    rig.clock.advance_to(first_due + timedelta(days=7, hours=2))  # down, but back inside the window
    await rig.start()
    question = await rig.next_question(sam, welcome)
    assert "paid for your last session" in question["text"]
    await rig.next_question(ola, ola_welcome)
