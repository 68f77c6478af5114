"""Friendly dates (bot/core/dates.py) for /away and `checkin activity add`: UK day
first, the next one to come for /away, Welsh where dateparser knows it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.dates import parse_friendly_date, say_date
from storage.db import Database
from tests.test_commands import _config

TODAY = date(2026, 12, 10)  # a Thursday

#: typed (language) -> the date for /away (the next to come), or None (not understood)
AWAY_CASES: list[tuple[str, str, date | None]] = [
    ("2026-12-25", "en", date(2026, 12, 25)),
    ("25/12", "en", date(2026, 12, 25)),
    ("25/12/2026", "en", date(2026, 12, 25)),
    ("25/12/26", "en", date(2026, 12, 25)),
    ("25.12", "en", date(2026, 12, 25)),
    ("25-12-2026", "en", date(2026, 12, 25)),
    ("25 December", "en", date(2026, 12, 25)),
    ("25th December", "en", date(2026, 12, 25)),
    ("25th dec", "en", date(2026, 12, 25)),
    ("December 25", "en", date(2026, 12, 25)),
    ("  25   December ", "en", date(2026, 12, 25)),
    ("1/2", "en", date(2027, 2, 1)),  # day first: 1 February, and the next one to come
    ("3/1", "en", date(2027, 1, 3)),
    ("3 Jan", "en", date(2027, 1, 3)),
    ("9/12", "en", date(2027, 12, 9)),  # 9 December has gone this year
    ("sat 2 jan", "en", date(2027, 1, 2)),
    ("friday 18th", "en", date(2026, 12, 18)),
    ("next friday", "en", date(2026, 12, 11)),  # the coming Friday; the bot repeats it
    ("friday", "en", date(2026, 12, 11)),
    ("Friday", "en", date(2026, 12, 11)),
    ("fri", "en", date(2026, 12, 11)),
    ("on sunday", "en", date(2026, 12, 13)),
    ("next monday", "en", date(2026, 12, 14)),
    ("tomorrow", "en", date(2026, 12, 11)),
    ("in two weeks", "en", date(2026, 12, 24)),
    ("in 2 weeks", "en", date(2026, 12, 24)),
    ("in a fortnight", "en", date(2026, 12, 24)),
    ("in 3 days", "en", date(2026, 12, 13)),
    ("next week", "en", date(2026, 12, 17)),
    ("today", "en", TODAY),  # understood; /away says it is not after today
    ("yesterday", "en", date(2026, 12, 9)),  # understood; /away says so kindly
    ("26/12/2025", "en", date(2025, 12, 26)),
    # Welsh, as far as dateparser knows it (English still works for a Welsh speaker)
    ("25 Rhagfyr", "cy", date(2026, 12, 25)),
    ("yfory", "cy", date(2026, 12, 11)),
    ("dydd Gwener", "cy", date(2026, 12, 11)),
    ("dydd Gwener nesaf", "cy", date(2026, 12, 11)),
    ("dydd Llun", "cy", date(2026, 12, 14)),
    ("wythnos nesaf", "cy", date(2026, 12, 17)),
    ("25/12", "cy", date(2026, 12, 25)),
    ("next friday", "cy", date(2026, 12, 11)),
    # not a day
    ("", "en", None),
    ("   ", "en", None),
    ("when I feel better", "en", None),
    ("December", "en", None),  # a month is not a day
    ("January", "en", None),
    ("next month", "en", None),
    ("2027", "en", None),
    ("12/25", "en", None),  # month first is the American order: not guessed
    ("31/2", "en", None),
    ("32/1", "en", None),
    ("25/12/2125", "en", None),  # further than two years is a misreading
    ("Nadolig", "cy", None),  # not in dateparser's Welsh
]


@pytest.mark.parametrize(
    ("typed", "language", "expected"), AWAY_CASES, ids=[f"{t}-{lang}" for t, lang, _ in AWAY_CASES]
)
def test_dates_for_away(typed: str, language: str, expected: date | None) -> None:
    assert parse_friendly_date(typed, TODAY, language) == expected


def test_at_least_forty_cases() -> None:
    assert len(AWAY_CASES) >= 40


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("25/12", date(2026, 12, 25)),
        ("9/12", date(2026, 12, 9)),  # an activity held this week: this year's, not next year's
        ("1/2", date(2026, 2, 1)),
        ("yesterday", date(2026, 12, 9)),
        ("next friday", date(2026, 12, 11)),
    ],
)
def test_dates_for_activities_are_this_years(typed: str, expected: date) -> None:
    assert parse_friendly_date(typed, TODAY, future=False) == expected


def test_the_date_is_said_in_words() -> None:
    assert say_date(date(2026, 12, 25), TODAY) == "Friday 25 December"
    assert say_date(date(2027, 1, 1), TODAY) == "Friday 1 January 2027"


def test_activity_add_takes_a_friendly_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "activity", "add", "--project", "carers", "--date", "tomorrow"]) == 0
    tomorrow = date.today() + timedelta(days=1)  # the project is in London; the test runs far from midnight there
    assert f"Recorded {say_date(tomorrow, date(1, 1, 1))} for carers" in capsys.readouterr().out
    assert main(["--config", str(config), "activity", "add", "--project", "carers", "--date", "someday"]) == 2
    assert "--date 'someday'" in capsys.readouterr().err
    Database(f"sqlite:///{tmp_path / 'bot.db'}").dispose()
