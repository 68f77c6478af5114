"""When check-ins come due: cadences, windows, partner preferences, daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.cadence import Preferences, after_quiet_hours, in_quiet_hours, next_due
from bot.core.config import ConfigError, Schedule, load_settings

LONDON = "Europe/London"
NEW_YORK = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(moment: datetime | None, zone: str = LONDON) -> datetime:
    assert moment is not None
    return moment.astimezone(ZoneInfo(zone))


def chain(schedule: Schedule, zone: str, start: datetime, end: datetime, **kwargs: Any) -> list[datetime]:
    """Every due time from ``start`` to ``end``, each computed after the last, as a sender would."""
    dues: list[datetime] = []
    after = start
    while (due := next_due(schedule, zone, after, **kwargs)) is not None and due < end:
        dues.append(due)
        after = due
    return dues


def test_old_keys_still_work() -> None:
    schedule = Schedule(flow="f", cadence="weekly", days=["Thursday"], time="09:15")  # type: ignore[arg-type]
    assert local(next_due(schedule, LONDON, utc(2026, 11, 26, 9, 0))) == datetime(
        2026, 11, 26, 9, 15, tzinfo=ZoneInfo(LONDON)
    )
    assert local(next_due(schedule, LONDON, utc(2026, 11, 26, 9, 15))).date() == date(2026, 12, 3)


def test_daily_is_strictly_after() -> None:
    schedule = Schedule(flow="f", cadence="daily", time="10:00")  # type: ignore[arg-type]
    assert next_due(schedule, "UTC", utc(2026, 6, 1, 9, 59)) == utc(2026, 6, 1, 10, 0)
    assert next_due(schedule, "UTC", utc(2026, 6, 1, 10, 0)) == utc(2026, 6, 2, 10, 0)


def test_weekly_on_given_days() -> None:
    schedule = Schedule(flow="f", cadence="weekly", days=["mon", "thu"], time="10:00")  # type: ignore[arg-type]
    dues = chain(schedule, LONDON, utc(2026, 6, 1), utc(2026, 6, 15))
    assert [local(d).strftime("%a %d %H:%M") for d in dues] == [
        "Mon 01 10:00",
        "Thu 04 10:00",
        "Mon 08 10:00",
        "Thu 11 10:00",
    ]


def test_monthly_on_a_day_and_on_the_last() -> None:
    fifteenth = Schedule(flow="f", cadence="monthly", day_of_month=15, time="10:00")  # type: ignore[arg-type]
    assert [local(d).date() for d in chain(fifteenth, LONDON, utc(2026, 1, 20), utc(2026, 4, 30))] == [
        date(2026, 2, 15),
        date(2026, 3, 15),
        date(2026, 4, 15),
    ]
    last = Schedule(flow="f", cadence="monthly", day_of_month="last", time="10:00")  # type: ignore[arg-type]
    assert [local(d).date() for d in chain(last, LONDON, utc(2028, 1, 1), utc(2028, 4, 1))] == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
    ]


def test_cron_in_local_time() -> None:
    schedule = Schedule(flow="f", cadence="cron", cron="0 10 * * mon,thu")
    dues = chain(schedule, LONDON, utc(2026, 3, 24), utc(2026, 4, 3))  # clocks go forward on Sunday 29th
    assert dues == [utc(2026, 3, 26, 10, 0), utc(2026, 3, 30, 9, 0), utc(2026, 4, 2, 9, 0)]
    twice = Schedule(flow="f", cadence="cron", cron="0 9,17 * * *")
    assert next_due(twice, "UTC", utc(2026, 6, 1, 10, 0)) == utc(2026, 6, 1, 17, 0)


def test_after_activity() -> None:
    schedule = Schedule(flow="f", cadence="after_activity", days_after=2, time="10:00")  # type: ignore[arg-type]
    activities = [date(2026, 6, 10), date(2026, 6, 1), date(2026, 6, 10)]
    dues = chain(schedule, "UTC", utc(2026, 6, 1), utc(2027, 1, 1), activity_dates=activities)
    assert dues == [utc(2026, 6, 3, 10, 0), utc(2026, 6, 12, 10, 0)]
    assert next_due(schedule, "UTC", utc(2026, 6, 12, 10, 0), activity_dates=activities) is None
    assert next_due(schedule, "UTC", utc(2026, 6, 1)) is None


def test_window_spreads_partners_deterministically() -> None:
    schedule = Schedule(flow="f", cadence="daily", window="10:00-12:00")  # type: ignore[arg-type]
    after = utc(2026, 6, 1, 0, 0)
    dues = [next_due(schedule, "UTC", after, seed=f"{person}:pulse") for person in range(200)]
    assert all(d is not None and utc(2026, 6, 1, 10) <= d < utc(2026, 6, 1, 12) for d in dues)
    assert len(set(dues)) > 60
    again = [next_due(schedule, "UTC", after, seed=f"{person}:pulse") for person in range(200)]
    assert again == dues
    one_partner = chain(schedule, "UTC", after, utc(2026, 7, 1), seed="7:pulse")
    assert len(one_partner) == 30 and len({d.time() for d in one_partner}) > 10  # not the same minute daily


def test_partner_days_narrow_when_they_overlap() -> None:
    weekly = Schedule(flow="f", cadence="weekly", days=["mon", "wed", "fri"], time="10:00")  # type: ignore[arg-type]
    wednesdays = chain(weekly, "UTC", utc(2026, 6, 1), utc(2026, 6, 15), prefs=Preferences(days={2}))
    assert [d.strftime("%a %d") for d in wednesdays] == ["Wed 03", "Wed 10"]
    no_overlap = chain(weekly, "UTC", utc(2026, 6, 1), utc(2026, 6, 8), prefs=Preferences(days={5}))
    assert [d.strftime("%a") for d in no_overlap] == ["Mon", "Wed", "Fri"]
    daily = Schedule(flow="f", cadence="daily", time="10:00")  # type: ignore[arg-type]
    chosen = chain(daily, "UTC", utc(2026, 6, 1), utc(2026, 6, 8), prefs=Preferences(days={0, 3}))
    assert [d.strftime("%a") for d in chosen] == ["Mon", "Thu"]


def test_partner_window_narrows_when_it_overlaps() -> None:
    schedule = Schedule(flow="f", cadence="daily", window="10:00-12:00")  # type: ignore[arg-type]
    after = utc(2026, 6, 1)
    overlap = Preferences(window=(time(11, 0), time(13, 0)))
    apart = Preferences(window=(time(14, 0), time(16, 0)))
    for person in range(50):
        narrowed = next_due(schedule, "UTC", after, prefs=overlap, seed=person)
        assert narrowed is not None and time(11, 0) <= narrowed.time() < time(12, 0)
        kept = next_due(schedule, "UTC", after, prefs=apart, seed=person)
        assert kept is not None and time(10, 0) <= kept.time() < time(12, 0)


def test_partner_time_zone_wins() -> None:
    schedule = Schedule(flow="f", cadence="daily", time="10:00")  # type: ignore[arg-type]
    due = next_due(schedule, LONDON, utc(2026, 6, 1), prefs=Preferences(timezone=NEW_YORK))
    assert due == utc(2026, 6, 1, 14, 0)


def test_quiet_hours_across_midnight_delay_never_drop() -> None:
    quiet = Preferences(quiet=(time(21, 0), time(8, 0)))
    late = Schedule(flow="f", cadence="daily", time="22:00")  # type: ignore[arg-type]
    dues = chain(late, LONDON, utc(2026, 6, 1, 12), utc(2026, 6, 5), prefs=quiet)
    assert [local(d).strftime("%d %H:%M") for d in dues] == ["02 08:00", "03 08:00", "04 08:00"]
    early = Schedule(flow="f", cadence="daily", time="07:00")  # type: ignore[arg-type]
    assert local(next_due(early, LONDON, utc(2026, 6, 1, 12), prefs=quiet)).strftime("%d %H:%M") == "02 08:00"
    daytime = Preferences(quiet=(time(12, 0), time(14, 0)))
    noon = Schedule(flow="f", cadence="daily", time="12:30")  # type: ignore[arg-type]
    assert next_due(noon, "UTC", utc(2026, 6, 1), prefs=daytime) == utc(2026, 6, 1, 14, 0)


def test_in_and_after_quiet_hours() -> None:
    quiet = Preferences(timezone=LONDON, quiet=(time(21, 0), time(8, 0)))
    assert in_quiet_hours(quiet, utc(2026, 1, 5, 23, 0), "UTC")
    assert in_quiet_hours(quiet, utc(2026, 1, 5, 7, 59), "UTC")
    assert not in_quiet_hours(quiet, utc(2026, 1, 5, 8, 0), "UTC")
    assert not in_quiet_hours(None, utc(2026, 1, 5, 23, 0), "UTC")
    assert after_quiet_hours(quiet, utc(2026, 1, 5, 23, 0), "UTC") == utc(2026, 1, 6, 8, 0)
    assert after_quiet_hours(quiet, utc(2026, 1, 5, 12, 0), "UTC") == utc(2026, 1, 5, 12, 0)
    # The clocks go back at 02:00 BST: the second 01:10 (GMT) waits for the second 01:30.
    short = Preferences(quiet=(time(23, 0), time(1, 30)))
    assert after_quiet_hours(short, utc(2026, 10, 25, 1, 10), LONDON) == utc(2026, 10, 25, 1, 30)
    # The clocks go forward at 01:00 GMT: quiet hours ending at 01:30 end at 02:00 BST.
    assert after_quiet_hours(short, utc(2026, 3, 29, 0, 30), LONDON) == utc(2026, 3, 29, 1, 0)


def test_preferences_are_checked() -> None:
    with pytest.raises(ValueError, match="window"):
        Preferences(window=(time(12, 0), time(10, 0)))
    with pytest.raises(ValueError, match="quiet"):
        Preferences(quiet=(time(8, 0), time(8, 0)))


@pytest.mark.parametrize(
    ("zone", "change_day", "at", "expected"),
    [
        (LONDON, date(2026, 3, 29), "01:30", utc(2026, 3, 29, 1, 0)),  # 01:30 does not exist: 02:00 BST
        (LONDON, date(2026, 3, 29), "10:00", utc(2026, 3, 29, 9, 0)),
        (LONDON, date(2026, 10, 25), "01:30", utc(2026, 10, 25, 0, 30)),  # comes twice: the first, BST
        (LONDON, date(2026, 10, 25), "10:00", utc(2026, 10, 25, 10, 0)),
        (NEW_YORK, date(2026, 3, 8), "01:30", utc(2026, 3, 8, 6, 30)),
        (NEW_YORK, date(2026, 3, 8), "02:30", utc(2026, 3, 8, 7, 0)),  # does not exist: 03:00 EDT
        (NEW_YORK, date(2026, 3, 8), "10:00", utc(2026, 3, 8, 14, 0)),
        (NEW_YORK, date(2026, 11, 1), "01:30", utc(2026, 11, 1, 5, 30)),  # comes twice: the first, EDT
        (NEW_YORK, date(2026, 11, 1), "10:00", utc(2026, 11, 1, 15, 0)),
    ],
)
def test_daylight_saving_one_check_in_per_local_day(zone: str, change_day: date, at: str, expected: datetime) -> None:
    schedule = Schedule(flow="f", cadence="daily", time=at)  # type: ignore[arg-type]
    start = datetime.combine(change_day - timedelta(days=3), time(), ZoneInfo(zone)).astimezone(UTC)
    end = start + timedelta(days=7)
    dues = chain(schedule, zone, start, end)
    local_days = [local(d, zone).date() for d in dues]
    assert local_days == [change_day + timedelta(days=n) for n in range(-3, 4)]
    assert dues[3] == expected
    # Recomputing from any moment (every 10 minutes) lands on the same instants, never on another.
    seen = {next_due(schedule, zone, start + timedelta(minutes=10 * n)) for n in range(6 * 24 * 6)}
    assert seen <= set(dues) | {next_due(schedule, zone, dues[-1])}


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("cron", '"0 25 * * *"', "cron"),
        ("cron", '"0 10 * * 1"', "by name"),
        ("cron", '"0 0 30 2 *"', "never"),
        ("window", '"12:00-10:00"', "window"),
        ("window", '"10am-noon"', "window"),
        ("day_of_month", "31", "day_of_month"),
    ],
)
def test_bad_schedule_keys_are_named(tmp_path: Path, key: str, value: str, words: str) -> None:
    cadence = "cron" if key == "cron" else "monthly"
    path = tmp_path / "config.toml"
    path.write_text(
        f'[[projects]]\nid = "p"\nname = "P"\n'
        f'[[projects.schedules]]\nflow = "f"\ncadence = "{cadence}"\n{key} = {value}\n'
    )
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    message = str(error.value)
    assert f"schedules.0.{key}" in message and words in message


def test_cron_key_goes_with_cron_cadence() -> None:
    with pytest.raises(ValueError, match="cron: give a cron expression"):
        Schedule(flow="f", cadence="cron")
    with pytest.raises(ValueError, match="cron: give a cron expression"):
        Schedule(flow="f", cadence="daily", cron="0 10 * * *")
    with pytest.raises(ValueError, match="either time or window"):
        Schedule(flow="f", cadence="daily", time="10:00", window="10:00-12:00")  # type: ignore[arg-type]
