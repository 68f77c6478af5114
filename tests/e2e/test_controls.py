"""Partner controls over the sandbox: /pause, /resume, /away and /snooze, each
confirmed in plain words, each keeping check-ins away until the partner wants them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.core import texts
from bot.core.dates import say_date
from storage.models import Checkin, Person
from tests.e2e.conftest import Harness

LONDON = ZoneInfo("Europe/London")


def next_due(rig: Harness) -> datetime:
    """The soonest scheduled check-in of anyone."""
    with rig.db.session() as session:
        return session.exec(
            select(Checkin.due_at).where(Checkin.status == "scheduled").order_by(Checkin.due_at)
        ).first()  # type: ignore[return-value]


def statuses(rig: Harness) -> list[str]:
    with rig.db.session() as session:
        return list(session.exec(select(Checkin.status).order_by(Checkin.id)))


def opening(text: str) -> str:
    """A fixed text up to its first placeholder, to recognise it in a reply."""
    return text.split("{")[0]


async def command(
    rig: Harness, user: dict[str, Any], after: dict[str, Any], name: str, payload: str | None = None
) -> dict[str, Any]:
    await rig.client.send_command(user["id"], name, payload)
    return await rig.next_message(user, after)


async def test_pause_holds_checkins_until_resume(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    paused = await command(rig, sam, welcome, "/pause")
    assert paused["text"] == texts.PAUSED

    rig.clock.advance_to(next_due(rig) + timedelta(days=2))  # long past due, and past the missed grace
    await rig.quiet(sam, paused)
    assert statuses(rig) == ["scheduled"]  # waiting for the partner, not missed

    resumed = await command(rig, sam, paused, "/resume")
    assert resumed["text"] == texts.RESUMED.format(first_name="Sam")
    question = await rig.next_question(sam, resumed)
    assert "paid for your last session" in question["text"]
    assert statuses(rig) == ["active"]


async def test_pause_during_a_checkin_ends_it_kindly(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    rig.clock.advance_to(next_due(rig) + timedelta(minutes=1))
    question = await rig.next_question(sam, welcome)
    paused = await command(rig, sam, question, "/pause")
    assert paused["text"] == texts.PAUSED
    assert statuses(rig) == ["stopped", "scheduled"]  # the next one is on the calendar for /resume
    with rig.db.session() as session:
        assert session.exec(select(Person.paused).where(Person.telegram_user_id == sam["id"])).one() is True


async def test_away_until_a_date(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    first_due = next_due(rig)

    example = await command(rig, sam, welcome, "/away", "when I feel better")
    assert example["text"] == texts.AWAY_EXAMPLE
    back = first_due.astimezone(LONDON).date() + timedelta(days=3)
    away = await command(rig, sam, example, "/away", back.isoformat())
    assert away["text"] == texts.AWAY.format(date=say_date(back, rig.clock.now().astimezone(LONDON).date()))

    # due while away: not sent, and recorded as missed once it is stale, not saved up
    rig.clock.advance_to(first_due + timedelta(hours=7))
    await rig.quiet(sam, away, seconds=1.5)
    assert statuses(rig) == ["missed", "scheduled"]
    second_due = next_due(rig)
    assert second_due.astimezone(LONDON).date() > back

    rig.clock.advance_to(second_due + timedelta(minutes=1))
    question = await rig.next_question(sam, away)
    assert "paid for your last session" in question["text"]


async def test_snooze_asks_again_later_today(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    nothing = await command(rig, sam, welcome, "/snooze")
    assert nothing["text"] == texts.NOTHING_TO_SNOOZE

    due = next_due(rig)
    rig.clock.advance_to(due + timedelta(minutes=1))
    question = await rig.next_question(sam, nothing)
    snoozed = await command(rig, sam, question, "/snooze")
    later = (due + timedelta(minutes=1, hours=3)).astimezone(LONDON)
    assert snoozed["text"] == texts.SNOOZED_TODAY.format(time=f"{later:%H:%M}")
    assert statuses(rig) == ["scheduled"]

    await rig.quiet(sam, snoozed)
    rig.clock.advance(timedelta(hours=3, minutes=1))
    again = await rig.next_question(sam, snoozed)
    assert again["text"] == question["text"]
    assert statuses(rig) == ["active"]


async def test_late_snooze_waits_for_tomorrow(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join()
    due = next_due(rig)
    rig.clock.advance_to(due + timedelta(hours=8))  # 18:00 in London: three hours on would be too late
    question = await rig.next_question(sam, welcome)
    snoozed = await command(rig, sam, question, "/snooze")
    assert snoozed["text"] == texts.SNOOZED_TOMORROW.format(time=f"{due.astimezone(LONDON):%H:%M}")
    assert next_due(rig) == due + timedelta(days=1)


async def test_controls_need_an_invite_first(harness: Harness) -> None:
    stranger = await harness.client.create_user("Stranger")
    await harness.client.send_command(stranger["id"], "/pause")
    reply = await harness.client.wait_for_bot_message(stranger["id"])
    assert reply["text"] == texts.NOT_JOINED
