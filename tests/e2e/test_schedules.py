"""Schedules over the sandbox, on both backends: a partner's preferred day moves the weekly
check-in and /settings says when it comes; the once-only onboarding flow after consent
(and for partners who joined before it was added), never again; a check-in days before
an activity."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.core import texts
from bot.core.config import Schedule, Settings
from bot.core.schedules import friendly_moment
from bot.staff.activities import record_activity
from storage.models import Checkin
from tests.e2e.conftest import Harness, configured_harness

LONDON = ZoneInfo("Europe/London")
WEEKLY = {"flow": "after-activity", "cadence": "weekly", "days": ["mon"], "time": "10:00"}
ONCE = {"flow": "onboarding", "cadence": "once"}
SETTLE = 1.5  # seconds of real time for a few ticks to pass
Rig = Callable[..., Any]


@pytest.fixture
def rig_with(database_url: str) -> Rig:
    """A running bot whose project has these schedules."""

    def start(*schedules: dict[str, Any]) -> AbstractAsyncContextManager[Harness]:
        def configure(settings: Settings) -> None:
            settings.projects[0].schedules = [Schedule.model_validate(s) for s in schedules]

        return configured_harness(database_url, configure)

    return start


def rows(rig: Harness, flow_id: str) -> list[Checkin]:
    with rig.db.session() as session:
        return list(session.exec(select(Checkin).where(Checkin.flow_id == flow_id).order_by(col(Checkin.id))))


def due_of(rig: Harness, flow_id: str) -> datetime:
    [row] = [row for row in rows(rig, flow_id) if row.status == "scheduled"]
    return row.due_at


async def test_a_partner_who_prefers_tuesdays_gets_the_monday_checkin_on_tuesday(rig_with: Rig) -> None:
    async with rig_with(WEEKLY) as rig:
        sam, welcome = await rig.join()
        await rig.client.send_command(sam["id"], "/settings")
        menu = await rig.next_message(sam, welcome)
        monday = due_of(rig, "after-activity").astimezone(LONDON)
        assert monday.strftime("%A") == "Monday"
        assert texts.NEXT_CHECKIN.format(when=friendly_moment(monday)) in menu["text"]

        await rig.client.press_button(sam["id"], menu["message_id"], label="Days")
        days = await rig.client.wait_for_edit(sam["id"], menu["message_id"])
        await rig.client.press_button(sam["id"], menu["message_id"], label="Tuesday")
        ticked = await rig.client.wait_for_edit(sam["id"], menu["message_id"], after_version=days["version"])
        await rig.client.press_button(sam["id"], menu["message_id"], label="Done")
        back = await rig.client.wait_for_edit(sam["id"], menu["message_id"], after_version=ticked["version"])

        tuesday = due_of(rig, "after-activity").astimezone(LONDON)
        assert tuesday.strftime("%A %H:%M") == "Tuesday 10:00"
        assert tuesday.date() - monday.date() in (timedelta(days=1), timedelta(days=-6))  # nearest: the day after
        when = friendly_moment(tuesday)
        assert when.startswith("Tuesday ") and when.endswith(", around 10am")
        assert texts.NEXT_CHECKIN.format(when=when) in back["text"]

        rig.clock.advance_to(tuesday - timedelta(hours=1))
        await rig.quiet(sam, menu, seconds=SETTLE)
        rig.clock.advance_to(tuesday + timedelta(minutes=1))
        question = await rig.next_question(sam, menu)
        assert "paid for your last session" in question["text"]
        assert rig.clock.now().astimezone(LONDON).strftime("%A") == "Tuesday"


async def test_a_new_partner_gets_the_once_flow_after_consent_and_never_again(rig_with: Rig) -> None:
    async with rig_with(ONCE, WEEKLY) as rig:
        sam, welcome = await rig.join()
        intro = await rig.next_message(sam, welcome)  # at once: no preferences yet, any time is good
        assert "I'd like to fit around you" in intro["text"]
        days = await rig.next_question(sam, intro)
        assert "Which days are good" in days["text"]
        await rig.client.press_button(sam["id"], days["message_id"], label="Tuesday")
        await rig.client.wait_for_edit(sam["id"], days["message_id"])
        await rig.client.press_button(sam["id"], days["message_id"], label="Done")
        question = await rig.next_question(sam, days)
        await rig.client.send_text(sam["id"], "stop")
        last = await rig.next_message(sam, question)
        assert [row.status for row in rows(rig, "onboarding")] == ["stopped"]
        # what they said in onboarding moved the weekly check-in planned when they joined
        assert due_of(rig, "after-activity").astimezone(LONDON).strftime("%A %H:%M") == "Tuesday 10:00"

        await rig.restart()
        for _ in range(2):  # two weeks: the weekly check-in comes, the onboarding flow not again
            rig.clock.advance_to(due_of(rig, "after-activity") + timedelta(minutes=1))
            question = await rig.next_question(sam, last)
            assert "paid for your last session" in question["text"]
            await rig.client.send_text(sam["id"], "stop")
            last = await rig.next_message(sam, question)
        await rig.quiet(sam, last, seconds=SETTLE)
        assert [row.status for row in rows(rig, "onboarding")] == ["stopped"]


async def test_partners_who_joined_before_a_once_flow_was_added_get_it_once(rig_with: Rig) -> None:
    async with rig_with(WEEKLY) as rig:
        sam, welcome = await rig.join()
        await rig.quiet(sam, welcome, seconds=SETTLE)
        assert rows(rig, "onboarding") == []

        await rig.stop()
        rig.settings.projects[0].schedules.insert(0, Schedule.model_validate(ONCE))
        await rig.start()  # the coordinator added it and restarted
        intro = await rig.next_message(sam, welcome)
        assert "I'd like to fit around you" in intro["text"]
        question = await rig.next_question(sam, intro)
        await rig.client.send_text(sam["id"], "stop")
        last = await rig.next_message(sam, question)

        await rig.restart()
        await rig.quiet(sam, last, seconds=SETTLE)
        assert [row.status for row in rows(rig, "onboarding")] == ["stopped"]


async def test_a_before_activity_checkin_comes_days_before_it(rig_with: Rig) -> None:
    schedule = {"flow": "after-activity", "cadence": "before_activity", "days_before": 3, "time": "18:00"}
    async with rig_with(schedule) as rig:
        sam, welcome = await rig.join()
        assert rows(rig, "after-activity") == []  # nothing to come yet
        held_on = rig.clock.now().astimezone(LONDON).date() + timedelta(days=10)
        assert record_activity(rig.settings, "carers", held_on, "Peer session", clock=rig.clock) == 1

        due = due_of(rig, "after-activity").astimezone(LONDON)
        assert (due.date(), due.strftime("%H:%M")) == (held_on - timedelta(days=3), "18:00")
        rig.clock.advance_to(due - timedelta(hours=2))
        await rig.quiet(sam, welcome, seconds=SETTLE)
        rig.clock.advance_to(due + timedelta(minutes=1))
        question = await rig.next_question(sam, welcome)
        assert "paid for your last session" in question["text"]
        await rig.client.send_text(sam["id"], "stop")
        last = await rig.next_message(sam, question)

        rig.clock.advance(timedelta(days=2))  # the days left before it: one check-in per activity
        await rig.quiet(sam, last, seconds=SETTLE)
        assert [row.status for row in rows(rig, "after-activity")] == ["stopped"]
