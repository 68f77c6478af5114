"""Partner controls in process (bot/partners/controls.py): /pause, /resume, /away and
/snooze, each confirmed in plain words, each keeping check-ins away until wanted.
The same behaviour end to end: tests/e2e/test_controls.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import front_door
from bot.core import texts
from bot.core.runtime import Runtime
from bot.jobs import start_due_checkins
from bot.partners import controls
from storage import checkins
from tests.features.conftest import (
    STRANGER,
    FixedClock,
    NextUpdate,
    join,
    last_said,
    person,
    render,
    said,
    scheduled,
    start_checkin,
)

#: the partners' first check-in: Monday 8 June 2026, 10:00 in London
FIRST_DUE = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)


def test_joining_puts_the_first_checkin_on_the_calendar(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    assert [c.due_at for c in scheduled(rt, sam)] == [FIRST_DUE]


def test_pause_holds_checkins_until_resume(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    controls.pause(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == texts.PAUSED
    paused = person(rt, sam)
    assert paused is not None and paused.paused

    clock.advance_to(FIRST_DUE + timedelta(days=2))
    assert start_due_checkins(rt, 10) == 0  # long past due, but waiting for the partner
    assert [c.status for c in scheduled(rt, sam)] == ["scheduled"]

    controls.resume(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == render(texts.RESUMED, first_name="Sam")
    resumed = person(rt, sam)
    assert resumed is not None and not resumed.paused
    assert [c.due_at for c in scheduled(rt, sam)] == [clock.now()]  # sent now: they said they're ready
    assert start_due_checkins(rt, 10) == 1
    assert "Have you been paid for your last session?" in said(rt, sam.chat_id)


def test_pause_during_a_checkin_ends_it_and_keeps_the_next(
    rt: Runtime, clock: FixedClock, next_update: NextUpdate
) -> None:
    sam = join(rt, next_update)
    checkin = start_checkin(rt, clock)
    front_door.receive_text(rt, next_update(), sam, "Yes")  # one answer in: kept

    controls.pause(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == texts.PAUSED
    with rt.db.session() as session:
        stopped = checkins.get_checkin(session, checkin.id)  # type: ignore[arg-type]
        assert stopped is not None and stopped.status == "stopped"
        assert [a.step_id for a in checkins.answers_of_checkin(session, checkin.id)] == ["paid"]  # type: ignore[arg-type]
    assert [c.due_at for c in scheduled(rt, sam)] == [FIRST_DUE + timedelta(days=7)]


def test_controls_are_for_partners_who_joined(rt: Runtime, next_update: NextUpdate) -> None:
    for control in (controls.pause, controls.resume, controls.snooze):
        control(rt, next_update(), STRANGER)
    controls.away(rt, next_update(), STRANGER, "2026-07-01")
    assert said(rt, STRANGER.chat_id) == [texts.NOT_JOINED] * 4
    assert person(rt, STRANGER) is None  # nothing is stored about someone who never joined


def test_away_until_a_date(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)  # on Wednesday 3 June
    controls.away(rt, next_update(), sam, "when I feel better")
    assert last_said(rt, sam.chat_id) == render(texts.AWAY_EXAMPLE)
    controls.away(rt, next_update(), sam, "2026-06-03")  # today is not a day to come back
    assert last_said(rt, sam.chat_id) == render(texts.AWAY_NOT_AHEAD, date="Wednesday 3 June")
    gone = person(rt, sam)
    assert gone is not None and gone.away_until is None

    controls.away(rt, next_update(), sam, "2026-06-10")
    assert last_said(rt, sam.chat_id) == render(texts.AWAY, date="Wednesday 10 June")
    away = person(rt, sam)
    assert away is not None
    assert away.away_until == datetime(2026, 6, 9, 23, 0, tzinfo=UTC)  # midnight in London

    clock.advance_to(FIRST_DUE + timedelta(hours=1))
    assert start_due_checkins(rt, 10) == 0  # due while away: not sent
    assert [c.status for c in scheduled(rt, sam)] == ["scheduled"]

    controls.resume(rt, next_update(), sam)  # resume ends away too
    back = person(rt, sam)
    assert back is not None and back.away_until is None
    assert start_due_checkins(rt, 10) == 1


def test_snooze_with_nothing_waiting(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)  # the first check-in is days away
    controls.snooze(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == texts.NOTHING_TO_SNOOZE
    assert [c.due_at for c in scheduled(rt, sam)] == [FIRST_DUE]


def test_snooze_asks_again_later_today(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    checkin = start_checkin(rt, clock)  # 10:00 in London
    controls.snooze(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == render(texts.SNOOZED_TODAY, time="13:00")
    with rt.db.session() as session:
        later = checkins.get_checkin(session, checkin.id)  # type: ignore[arg-type]
    assert later is not None
    assert (later.status, later.due_at, later.state) == ("scheduled", FIRST_DUE + timedelta(hours=3), None)

    assert start_due_checkins(rt, 10) == 0
    clock.advance(timedelta(hours=3))
    assert start_due_checkins(rt, 10) == 1


def test_snooze_before_a_checkin_due_today(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    clock.advance_to(FIRST_DUE - timedelta(hours=2))  # Monday, 08:00 in London
    controls.snooze(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == render(texts.SNOOZED_TODAY, time="13:00")
    assert [c.due_at for c in scheduled(rt, sam)] == [FIRST_DUE + timedelta(hours=3)]


def test_late_snooze_waits_for_tomorrow(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    start_checkin(rt, clock)
    clock.advance(timedelta(hours=8))  # 18:00 in London: three hours later is too late
    controls.snooze(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == render(texts.SNOOZED_TOMORROW, time="10:00")
    assert [c.due_at for c in scheduled(rt, sam)] == [FIRST_DUE + timedelta(days=1)]


def test_snooze_part_way_keeps_the_checkin(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    checkin = start_checkin(rt, clock)
    front_door.receive_text(rt, next_update(), sam, "Yes")
    controls.snooze(rt, next_update(), sam)
    assert last_said(rt, sam.chat_id) == texts.SNOOZE_PART_WAY
    with rt.db.session() as session:
        still = checkins.get_checkin(session, checkin.id)  # type: ignore[arg-type]
    assert still is not None and still.status == "active"


def test_a_repeated_update_changes_nothing(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    update_id = next_update()
    controls.pause(rt, update_id, sam)
    before = said(rt, sam.chat_id)

    controls.pause(rt, update_id, sam)  # Telegram delivered it again
    controls.resume(rt, update_id, sam)  # or anything else claiming the same id
    assert said(rt, sam.chat_id) == before
    assert before.count(texts.PAUSED) == 1
    still = person(rt, sam)
    assert still is not None and still.paused
