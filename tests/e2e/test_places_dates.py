"""Time zones and dates as partners type them, over the sandbox: /settings timezone
with a town or a country (asked back when it has several zones), the onboarding
flow's "Where do you live?" answered in Welsh, and /away with friendly dates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.core import texts
from bot.core.dates import say_date
from storage.models import Checkin, Person
from tests.e2e.conftest import PROJECT, Harness

AUSTRALIA = ["Perth", "Darwin", "Adelaide", "Brisbane", "Sydney"]


def _zone(rig: Harness, user: dict[str, Any]) -> str | None:
    with rig.db.session() as session:
        return session.exec(select(Person.timezone).where(Person.telegram_user_id == user["id"])).one()


def _labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for row in message["buttons"] for button in row]


async def test_settings_timezone_from_a_town_and_a_country(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    await rig.client.send_command(sam["id"], "/settings", "timezone Manchester")
    saved = await rig.next_message(sam, welcome)
    assert saved["text"].startswith("Got it: Manchester (UK time). Saved")
    assert _zone(rig, sam) == "Europe/London"

    await rig.client.send_command(sam["id"], "/settings", "timezone Australia")
    which = await rig.next_message(sam, saved)
    assert which["text"] == texts.TIMEZONE_WHICH.format(place="Australia")
    assert _labels(which) == AUSTRALIA
    assert _zone(rig, sam) == "Europe/London"  # nothing changes until they pick
    await rig.client.press_button(sam["id"], which["message_id"], label="Brisbane")
    picked = await rig.client.wait_for_edit(sam["id"], which["message_id"])
    assert picked["text"] == texts.TIMEZONE_UNDERSTOOD.format(place="Brisbane (Australia, Brisbane time)")
    assert _zone(rig, sam) == "Australia/Brisbane"


async def _to_place_step(rig: Harness, sam: dict[str, Any], welcome: dict[str, Any]) -> dict[str, Any]:
    """Start the onboarding flow and answer it up to "Where do you live?"."""
    with rig.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == sam["id"])).one()
        session.add(Checkin(person_id=person.id, project_id=PROJECT, flow_id="onboarding", due_at=rig.clock.now()))  # type: ignore[arg-type]
    days = await rig.next_question(sam, welcome)
    await rig.client.send_text(sam["id"], "skip")
    time = await rig.next_question(sam, days)
    await rig.client.press_button(sam["id"], time["message_id"], label="Afternoon (12 to 5)")
    quiet = await rig.next_question(sam, time)
    await rig.client.press_button(sam["id"], quiet["message_id"], label="Not after 9 at night")
    where = await rig.next_question(sam, quiet)
    await rig.client.press_button(sam["id"], where["message_id"], label="No, somewhere else")
    place = await rig.next_question(sam, where)
    assert place["text"].startswith("Where do you live?")
    return place


async def test_onboarding_place_typed_in_welsh(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    place = await _to_place_step(rig, sam, welcome)
    await rig.client.send_text(sam["id"], "Cymru")
    understood = await rig.next_message(sam, place)
    assert understood["text"] == texts.TIMEZONE_UNDERSTOOD.format(place="Cymru (UK time)")
    language = await rig.next_question(sam, understood)
    assert language["text"].startswith("Which language")
    assert _zone(rig, sam) == "Europe/London"


async def test_onboarding_asks_which_zone_of_a_country(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    place = await _to_place_step(rig, sam, welcome)
    await rig.client.send_text(sam["id"], "Australia")
    which = await rig.next_message(sam, place)
    assert which["text"] == texts.TIMEZONE_WHICH.format(place="Australia") and _labels(which) == AUSTRALIA
    language = await rig.next_question(sam, which)  # the check-in goes on; the zone waits for a tap
    assert language["text"].startswith("Which language")
    await rig.client.press_button(sam["id"], which["message_id"], label="Perth")
    picked = await rig.client.wait_for_edit(sam["id"], which["message_id"])
    assert picked["text"] == texts.TIMEZONE_UNDERSTOOD.format(place="Perth (Australia, Perth time)")
    assert _zone(rig, sam) == "Australia/Perth"


async def test_away_with_friendly_dates(harness: Harness) -> None:
    rig = harness
    sam, welcome = await rig.join("Sam")
    today = rig.clock.now().astimezone(ZoneInfo("Europe/London")).date()

    await rig.client.send_command(sam["id"], "/away", "next friday")
    friday = await rig.next_message(sam, welcome)
    coming_friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    assert friday["text"] == texts.AWAY.format(date=say_date(coming_friday, today))
    assert "I'll be back in touch on Friday" in friday["text"]

    await rig.client.send_command(sam["id"], "/away", "25/12")
    christmas = await rig.next_message(sam, friday)
    this_year = date(today.year, 12, 25)
    back = this_year if this_year > today else date(today.year + 1, 12, 25)
    assert christmas["text"] == texts.AWAY.format(date=say_date(back, today))
    with rig.db.session() as session:
        away_until = session.exec(select(Person.away_until).where(Person.telegram_user_id == sam["id"])).one()
    assert away_until is not None and away_until.astimezone(ZoneInfo("Europe/London")).date() == back

    await rig.client.send_command(sam["id"], "/away", "yesterday")
    past = await rig.next_message(sam, christmas)
    assert past["text"] == texts.AWAY_NOT_AHEAD.format(date=say_date(today - timedelta(days=1), today))
