"""/help, /settings and /language in process (bot/partners/settings.py): what each
person is told they can do, and a tap on a setting changing the partner's record
and, for timing, their next check-in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from bot.core import texts
from bot.core.callbacks import SettingsTap
from bot.core.flow_registry import FlowRegistry
from bot.core.runtime import Runtime
from bot.partners import settings
from tests.features.conftest import (
    ALEX,
    CASEY,
    STRANGER,
    FixedClock,
    NextUpdate,
    build_runtime,
    buttons,
    introduce,
    join,
    last_said,
    make_settings,
    messages,
    person,
    said,
    scheduled,
)

LONDON = ZoneInfo("Europe/London")


def test_help_for_a_partner_lists_only_partner_commands(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    settings.handle_help(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == texts.HELP
    assert "/partners" not in last_said(rt, sam.chat_id)


def test_help_for_staff_adds_their_commands(rt: Runtime, next_update: NextUpdate) -> None:
    alex, casey = introduce(rt, next_update, ALEX), introduce(rt, next_update, CASEY)
    settings.handle_help(rt, next_update(), alex)
    assert last_said(rt, alex.chat_id) == f"{texts.HELP}\n\n{texts.STAFF_HELP}"
    settings.handle_help(rt, next_update(), casey)  # a coordinator may do what a facilitator does
    assert last_said(rt, casey.chat_id) == f"{texts.HELP}\n\n{texts.STAFF_HELP}\n\n{texts.COORDINATOR_HELP}"


def test_settings_menu_shows_the_current_values(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    settings.handle_settings(rt, next_update(), sam, [])
    menu = messages(rt, sam.chat_id)[-1]
    assert menu.payload["text"].startswith("Your settings. Tap one to change it:")
    assert "Time of day: no preference" in menu.payload["text"]
    assert "Language: English" in menu.payload["text"]
    assert [data for _, data in buttons(menu)] == [SettingsTap(field).data() for field in settings.FIELDS]


def test_settings_are_for_partners_who_joined(rt: Runtime, next_update: NextUpdate) -> None:
    settings.handle_settings(rt, next_update(), STRANGER, [])
    settings.handle_tap(rt, next_update(), STRANGER, SettingsTap("language", "cy"), None)
    assert said(rt, STRANGER.chat_id) == [texts.NOT_JOINED, texts.NOT_JOINED]
    assert person(rt, STRANGER) is None


@pytest.fixture
def windowed(database_file: str, clock: FixedClock, flows: FlowRegistry) -> Iterator[Runtime]:
    """A project whose check-ins come on Mondays and Thursdays, each partner at their own time between 9 and 8."""
    schedule = {"flow": "after-activity", "cadence": "weekly", "days": ["mon", "thu"], "window": "09:00-20:00"}
    runtime = build_runtime(make_settings(database_file, schedule), clock, flows)
    yield runtime
    runtime.db.dispose()


def test_choosing_a_time_of_day_saves_it_and_moves_the_next_checkin(windowed: Runtime, next_update: NextUpdate) -> None:
    rt = windowed
    sam = join(rt, next_update)  # on Wednesday 3 June

    settings.handle_tap(rt, next_update(), sam, SettingsTap("window"), 42)  # open the setting
    view = messages(rt, sam.chat_id)[-1]
    assert (view.method, view.payload["message_id"]) == ("editMessageText", 42)
    assert ("Evening (5 to 8)", SettingsTap("window", "17:00-20:00").data()) in buttons(view)

    settings.handle_tap(rt, next_update(), sam, SettingsTap("window", "17:00-20:00"), 42)
    saved = messages(rt, sam.chat_id)[-1]
    assert (saved.method, saved.payload["message_id"]) == ("editMessageText", 42)
    assert saved.payload["text"].startswith("Saved. Thank you.")
    assert "Time of day: Evening (5 to 8)" in saved.payload["text"]
    chosen = person(rt, sam)
    assert chosen is not None and chosen.preferred_window == "17:00-20:00"
    [due] = scheduled(rt, sam)
    local = due.due_at.astimezone(LONDON)
    assert local.date() == date(2026, 6, 4) and time(17, 0) <= local.time() < time(20, 0)

    settings.handle_tap(rt, next_update(), sam, SettingsTap("days", "mon"), 42)  # Mondays only
    [due] = scheduled(rt, sam)
    local = due.due_at.astimezone(LONDON)
    assert local.date() == date(2026, 6, 8) and time(17, 0) <= local.time() < time(20, 0)


def test_a_time_of_day_moves_a_checkin_set_for_a_fixed_time(rt: Runtime, next_update: NextUpdate) -> None:
    """A fixed time outside the partner's window goes to the edge of theirs nearest it (bot/core/cadence.py)."""
    sam = join(rt, next_update)
    settings.handle_tap(rt, next_update(), sam, SettingsTap("window", "17:00-20:00"), None)
    assert "Time of day: Evening (5 to 8)" in last_said(rt, sam.chat_id)
    [due] = scheduled(rt, sam)
    assert due.due_at.astimezone(LONDON).time() == time(17, 0)


def test_days_are_ticked_and_unticked(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    for day in ("thu", "tue", "thu", "fri"):
        settings.handle_tap(rt, next_update(), sam, SettingsTap("days", day), None)
    chosen = person(rt, sam)
    assert chosen is not None and chosen.preferred_days == ["tue", "fri"]
    labels = [label for label, _ in buttons(messages(rt, sam.chat_id)[-1])]
    assert "✓ Tuesday" in labels and "✓ Friday" in labels and "Thursday" in labels

    settings.handle_tap(rt, next_update(), sam, SettingsTap("days", "any"), None)  # no preference clears them
    cleared = person(rt, sam)
    assert cleared is not None and cleared.preferred_days is None


def test_a_value_the_flow_does_not_offer_changes_nothing(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    settings.handle_tap(rt, next_update(), sam, SettingsTap("window", "03:00-04:00"), None)
    assert last_said(rt, sam.chat_id).startswith("Your settings.")  # back to the menu
    unchanged = person(rt, sam)
    assert unchanged is not None and unchanged.preferred_window is None


def test_language_choice(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    settings.handle_settings(rt, next_update(), sam, ["language"])  # what /language sends
    offered = [data for _, data in buttons(messages(rt, sam.chat_id)[-1])]
    assert SettingsTap("language", "cy").data() in offered
    assert SettingsTap("language", "other").data() not in offered  # "tell the team" is not a setting
    settings.handle_tap(rt, next_update(), sam, SettingsTap("language", "cy"), None)
    welsh = person(rt, sam)
    assert welsh is not None and welsh.language == "cy"


def test_timezone_by_city(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    settings.handle_settings(rt, next_update(), sam, ["timezone", "Narnia"])
    assert last_said(rt, sam.chat_id) == texts.SETTINGS_TIMEZONE_UNKNOWN
    settings.handle_settings(rt, next_update(), sam, ["timezone", "New", "York"])
    assert "Time zone: America/New_York" in last_said(rt, sam.chat_id)
    moved = person(rt, sam)
    assert moved is not None and moved.timezone == "America/New_York"
    [due] = scheduled(rt, sam)
    assert due.due_at.astimezone(ZoneInfo("America/New_York")).time() == time(10, 0)  # 10:00 their time now
