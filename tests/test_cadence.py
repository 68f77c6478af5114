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
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc,arg-type]


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


# 2026-06-01 is a Monday.  Each row: schedule, preferred weekdays (0 = Monday), the due days
# from Monday 1 June to Monday 15 June (exclusive), each computed after the one before.
MOVED_DAYS = [
    # a weekly Monday goes on the nearest preferred day, still once a week
    ({"cadence": "weekly", "days": ["mon"]}, {1}, ["Tue 02", "Tue 09"]),
    ({"cadence": "weekly", "days": ["mon"]}, {1, 2}, ["Tue 02", "Tue 09"]),
    ({"cadence": "weekly", "days": ["mon"]}, {6}, ["Sun 07", "Sun 14"]),  # the day before, not six after
    ({"cadence": "weekly", "days": ["mon"]}, {4}, ["Fri 05", "Fri 12"]),  # 3 back beats 4 ahead
    ({"cadence": "weekly", "days": ["thu"]}, {0}, ["Mon 01", "Mon 08"]),  # 3 back beats 4 ahead
    ({"cadence": "weekly", "days": ["wed"]}, {0, 4}, ["Fri 05", "Fri 12"]),  # a tie goes to the later day
    # the case: Tue+Wed preferred, Thu+Fri planned: both move to Wednesday, once a week
    ({"cadence": "weekly", "days": ["thu", "fri"]}, {1, 2}, ["Wed 03", "Wed 10"]),
    ({"cadence": "weekly", "days": ["mon", "wed", "fri"]}, {2}, ["Wed 03", "Wed 10"]),
    ({"cadence": "weekly", "days": ["mon", "wed", "fri"]}, {0, 4}, ["Mon 01", "Fri 05", "Mon 08", "Fri 12"]),
    ({"cadence": "weekly", "days": ["mon"]}, {0}, ["Mon 01", "Mon 08"]),  # already theirs
    ({"cadence": "weekly", "days": ["mon"]}, None, ["Mon 01", "Mon 08"]),
    # daily: each of their days
    ({"cadence": "daily"}, {0, 3}, ["Mon 01", "Thu 04", "Mon 08", "Thu 11"]),
    # monthly: to the nearest preferred day, still once a month
    ({"cadence": "monthly", "day_of_month": 1}, {0}, ["Mon 01"]),
    ({"cadence": "monthly", "day_of_month": 1}, {1}, ["Tue 02"]),
    # cron is exact
    ({"cadence": "cron", "cron": "0 10 * * mon"}, {1}, ["Mon 01", "Mon 08"]),
]


@pytest.mark.parametrize(("keys", "days", "expected"), MOVED_DAYS)
def test_preferred_days_move_check_ins(keys: dict[str, Any], days: set[int] | None, expected: list[str]) -> None:
    schedule = Schedule.model_validate(
        {"flow": "f", "time": "10:00", **keys} if "cron" not in keys else {"flow": "f", **keys}
    )
    dues = chain(schedule, "UTC", utc(2026, 6, 1), utc(2026, 6, 15), prefs=Preferences(days=days))
    assert [d.strftime("%a %d") for d in dues] == expected
    assert all(d.strftime("%H:%M") == "10:00" for d in dues)


@pytest.mark.parametrize(
    ("days", "expected"),
    [({2}, ["Wed 01 Jul", "Wed 29 Jul", "Wed 02 Sep"]), ({0}, ["Mon 29 Jun", "Mon 03 Aug", "Mon 31 Aug"])],
)
def test_monthly_moves_its_day_and_stays_monthly(days: set[int], expected: list[str]) -> None:
    schedule = Schedule(flow="f", cadence="monthly", day_of_month=1, time="10:00")  # type: ignore[arg-type]
    dues = chain(schedule, "UTC", utc(2026, 6, 15), utc(2026, 9, 3), prefs=Preferences(days=days))
    assert [d.strftime("%a %d %b") for d in dues] == expected


# Each row: the schedule's time or window, the partner's window, where the check-in may land.
WINDOWS = [
    ({"window": "10:00-12:00"}, (time(11, 0), time(13, 0)), (time(11, 0), time(12, 0))),  # intersected
    ({"window": "10:00-12:00"}, (time(10, 30), time(11, 0)), (time(10, 30), time(11, 0))),  # theirs inside
    ({"window": "10:00-12:00"}, (time(14, 0), time(16, 0)), (time(14, 0), time(14, 0))),  # apart: their edge nearest
    ({"window": "10:00-12:00"}, (time(7, 0), time(9, 0)), (time(9, 0), time(9, 0))),
    ({"window": "10:00-12:00"}, (time(12, 0), time(14, 0)), (time(12, 0), time(12, 0))),  # touching
    ({"time": "10:00"}, (time(9, 0), time(11, 0)), (time(10, 0), time(10, 0))),  # a time inside theirs stays
    ({"time": "10:00"}, (time(18, 0), time(20, 0)), (time(18, 0), time(18, 0))),
    ({"time": "10:00"}, None, (time(10, 0), time(10, 0))),
    ({"window": "10:00-12:00"}, None, (time(10, 0), time(11, 59))),
]


@pytest.mark.parametrize(("keys", "preferred", "bounds"), WINDOWS)
def test_preferred_window_is_intersected(keys: dict[str, Any], preferred: Any, bounds: tuple[time, time]) -> None:
    schedule = Schedule.model_validate({"flow": "f", "cadence": "daily", **keys})
    for person in range(30):
        due = next_due(schedule, "UTC", utc(2026, 6, 1), prefs=Preferences(window=preferred), seed=person)
        assert due is not None and due.date() == date(2026, 6, 1) and bounds[0] <= due.time() <= bounds[1]


# once: Monday 1 June; each row: preferences, the schedule's window, now, when it goes.
ONCE = [
    (Preferences(), None, utc(2026, 6, 1, 15, 7), utc(2026, 6, 1, 15, 7)),  # at once
    (Preferences(days={0}), None, utc(2026, 6, 1, 23, 0), utc(2026, 6, 1, 23, 0)),
    (Preferences(days={2}), None, utc(2026, 6, 1, 15, 0), utc(2026, 6, 3, 10, 0)),  # their next day, 10:00
    (Preferences(quiet=(time(21, 0), time(8, 0))), None, utc(2026, 6, 1, 23, 0), utc(2026, 6, 2, 8, 0)),
    (Preferences(window=(time(14, 0), time(16, 0))), None, utc(2026, 6, 1, 15, 0), utc(2026, 6, 1, 15, 0)),
    (Preferences(window=(time(14, 0), time(16, 0))), None, utc(2026, 6, 1, 9, 0), utc(2026, 6, 1, 14, 0)),
    (Preferences(window=(time(14, 0), time(16, 0))), None, utc(2026, 6, 1, 17, 0), utc(2026, 6, 2, 14, 0)),
    (Preferences(days={4}, window=(time(14, 0), time(16, 0))), None, utc(2026, 6, 1, 15), utc(2026, 6, 5, 14)),
    (Preferences(), "10:00-16:00", utc(2026, 6, 1, 18, 0), utc(2026, 6, 2, 10, 0)),
    (Preferences(window=(time(12, 0), time(20, 0))), "10:00-16:00", utc(2026, 6, 1, 8), utc(2026, 6, 1, 12)),
    (Preferences(timezone=LONDON), None, utc(2026, 6, 1, 15, 7), utc(2026, 6, 1, 15, 7)),
]


@pytest.mark.parametrize(("prefs", "window", "now", "expected"), ONCE)
def test_once_goes_at_the_next_good_time(
    prefs: Preferences, window: str | None, now: datetime, expected: datetime
) -> None:
    schedule = Schedule.model_validate(
        {"flow": "onboarding", "cadence": "once", **({"window": window} if window else {})}
    )
    assert next_due(schedule, "UTC", now, prefs=prefs) == expected


# before_activity: an activity on Friday 12 June; each row: days_before, preferred days, now, when it goes.
BEFORE = [
    (2, None, utc(2026, 6, 1), utc(2026, 6, 10, 10)),  # Wednesday, two days before
    (0, None, utc(2026, 6, 1), utc(2026, 6, 12, 10)),  # the morning of the activity
    (2, {1}, utc(2026, 6, 1), utc(2026, 6, 9, 10)),  # moved to their Tuesday
    (2, {5}, utc(2026, 6, 1), utc(2026, 6, 10, 10)),  # their Saturday is after it: kept
    (7, None, utc(2026, 6, 1), utc(2026, 6, 5, 10)),
    (7, None, utc(2026, 6, 9, 12), utc(2026, 6, 10, 10)),  # recorded late: the next day that still can
    (7, {3}, utc(2026, 6, 9, 12), utc(2026, 6, 11, 10)),  # ...and one of theirs if it can
    (2, None, utc(2026, 6, 11, 12), None),  # only the activity day is left: too late
    (2, None, utc(2026, 6, 13), None),
]


@pytest.mark.parametrize(("days_before", "days", "now", "expected"), BEFORE)
def test_before_activity(days_before: int, days: set[int] | None, now: datetime, expected: datetime | None) -> None:
    schedule = Schedule(flow="f", cadence="before_activity", days_before=days_before, time="10:00")  # type: ignore[arg-type]
    prefs = Preferences(days=days)
    assert next_due(schedule, "UTC", now, prefs=prefs, activity_dates=[date(2026, 6, 12)]) == expected


def test_after_activity_moves_but_stays_after_it() -> None:
    schedule = Schedule(flow="f", cadence="after_activity", days_after=1, time="10:00")  # type: ignore[arg-type]
    activity = [date(2026, 6, 3)]  # a Wednesday: planned Thursday 4 June
    assert next_due(schedule, "UTC", utc(2026, 6, 1), prefs=Preferences(days={4}), activity_dates=activity) == utc(
        2026, 6, 5, 10
    )
    # their Monday before is nearer than the Monday after, but before the activity: the one after
    assert next_due(schedule, "UTC", utc(2026, 6, 1), prefs=Preferences(days={0}), activity_dates=activity) == utc(
        2026, 6, 4, 10
    )


@pytest.mark.parametrize(
    ("keys", "words"),
    [
        ({"cadence": "once", "days": ["tue"]}, 'days: a "once" check-in goes soon after the partner joins'),
        ({"cadence": "once", "time": "09:00"}, 'time: a "once" check-in'),
        ({"cadence": "weekly", "days_before": 2}, 'days_before: only for cadence = "before_activity"'),
        ({"cadence": "before_activity", "days_after": 2}, 'a "before_activity" schedule counts days_before'),
        ({"cadence": "before_activity", "days_before": -1}, "greater than or equal to 0"),
        ({"cadence": "sometimes"}, "'once', 'daily', 'weekly'"),
    ],
)
def test_new_schedule_keys_are_checked(tmp_path: Path, keys: dict[str, Any], words: str) -> None:
    lines = [f"{key} = {value!r}".replace("'", '"') for key, value in keys.items()]
    config = tmp_path / "config.toml"
    config.write_text(
        '[[projects]]\nid = "p"\nname = "P"\n[[projects.schedules]]\nflow = "f"\n' + "\n".join(lines) + "\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert words.replace('\\"', '"') in str(raised.value)


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
