"""Dates as people write them: "25/12", "25 December", "next friday", "in two
weeks", and in Welsh what dateparser knows ("25 Rhagfyr", "dydd Gwener", "yfory").

Day first, as in the UK ("1/2" is 1 February).  dateparser is imported on the
first date that is not already YYYY-MM-DD, so the bot's start does not pay for it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

#: further than this from today is a misreading ("12/25" is not the year 2125)
FURTHEST = timedelta(days=2 * 366)
#: languages dateparser reads besides English (a partner's language code)
LANGUAGES = {"cy"}
#: dateparser's period of a date: a day, or "in two weeks"; "December" alone is not a day
_DAY_PERIODS = {"day", "week"}
#: a date in figures: day and month first
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\b")
#: Welsh "dydd Gwener nesaf" (next Friday): dateparser knows the day, not the "nesaf"
_NEXT_CY = re.compile(r"^(dydd\s+\w+)\s+nesaf$", re.IGNORECASE)


def parse_friendly_date(text: str, today: date, language: str | None = "en", *, future: bool = True) -> date | None:
    """The day ``text`` names, seen from ``today`` (the partner's own date), or None.

    ``future``: a date without a year is the next one to come ("25/12" in January
    is this December, on 26 December next year's); otherwise the one in this year.
    A past date is returned as such: the caller says kindly that it has passed."""
    text = " ".join(text.split())
    if not text:
        return None
    try:
        return _near(date.fromisoformat(text), today)
    except ValueError:
        pass
    numbers = _NUMERIC.match(text)
    if numbers and int(numbers[2]) > 12:  # "12/25" is the American order, which we do not guess at
        return None
    from dateparser.date import DateDataParser

    languages = ([language] if language in LANGUAGES else []) + ["en"]
    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "future" if future else "current_period",
        "RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
    }
    parser = DateDataParser(languages=languages, settings=settings)
    found = parser.get_date_data(_NEXT_CY.sub(r"\1", text) if language == "cy" else text)
    if found.date_obj is None or found.period not in _DAY_PERIODS:
        return None
    return _near(found.date_obj.date(), today)


def say_date(day: date, today: date) -> str:
    """ "Friday 25 December", with the year when it is not this one."""
    shown = f"{day:%A} {day.day} {day:%B}"
    return shown if day.year == today.year else f"{shown} {day.year}"


def _near(day: date, today: date) -> date | None:
    return day if abs(day - today) <= FURTHEST else None
