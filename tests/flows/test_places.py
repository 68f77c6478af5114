"""Time zones from what partners type (flows/places.py): UK towns in English and
Welsh, world cities, countries (asked back when they have several zones), UK
nations, zone names and Telegram-style offsets."""

from __future__ import annotations

import pytest

from flows.places import describe, find_place

LONDON = "Europe/London"

#: what a partner types -> the zone it settles on, the zones it asks between, or None (unknown)
CASES: list[tuple[str, str | list[str] | None]] = [
    # UK towns and cities, Welsh names too
    ("Manchester", LONDON),
    ("Cardiff", LONDON),
    ("Caerdydd", LONDON),
    ("Swansea", LONDON),
    ("Abertawe", LONDON),
    ("Wrexham", LONDON),
    ("Glasgow", LONDON),
    ("Edinburgh", LONDON),
    ("Inverness", LONDON),
    ("Belfast", LONDON),
    ("Derry", LONDON),
    ("Londonderry", LONDON),
    ("Leeds", LONDON),
    ("Aberystwyth", LONDON),
    ("Brecon", LONDON),  # 8,000 people: UK towns are known from 5,000
    ("Caernarfon", LONDON),
    ("Llundain", LONDON),
    ("Pen-y-bont ar Ogwr", LONDON),
    ("stoke on trent", LONDON),
    ("St. Albans", LONDON),
    # shared names: the UK's town of some size, else the biggest place
    ("Newport", LONDON),
    ("Casnewydd", LONDON),
    ("Perth", LONDON),
    ("Birmingham", LONDON),
    ("Houston", "America/Chicago"),  # a Scottish village does not beat Texas
    ("Perth, Australia", "Australia/Perth"),
    ("Newport USA", "America/New_York"),
    ("Cardiff, Wales", LONDON),
    # case, spacing, accents and a few words around it
    ("  MANCHESTER ", LONDON),
    ("sao paulo", "America/Sao_Paulo"),
    ("München", "Europe/Berlin"),
    ("munchen", "Europe/Berlin"),
    ("I live in Cardiff", LONDON),
    ("near Bangor", LONDON),
    # world cities
    ("New York", "America/New_York"),
    ("Dublin", "Europe/Dublin"),
    ("Cork", "Europe/Dublin"),
    ("Lagos", "Africa/Lagos"),
    ("Mumbai", "Asia/Kolkata"),
    ("Bombay", "Asia/Kolkata"),
    ("Kiev", "Europe/Kyiv"),
    ("Sydney", "Australia/Sydney"),
    ("Tokyo", "Asia/Tokyo"),
    # UK nations and the UK, in English and Welsh
    ("Wales", LONDON),
    ("Cymru", LONDON),
    ("England", LONDON),
    ("Lloegr", LONDON),
    ("Scotland", LONDON),
    ("Yr Alban", LONDON),
    ("Northern Ireland", LONDON),
    ("Gogledd Iwerddon", LONDON),
    ("UK", LONDON),
    ("the UK", LONDON),
    ("United Kingdom", LONDON),
    ("Y Deyrnas Unedig", LONDON),
    ("Great Britain", LONDON),
    # countries with one clock, in English and Welsh
    ("Ireland", "Europe/Dublin"),
    ("Iwerddon", "Europe/Dublin"),
    ("France", "Europe/Paris"),
    ("Ffrainc", "Europe/Paris"),
    ("Germany", "Europe/Berlin"),
    ("India", "Asia/Kolkata"),
    ("Isle of Man", "Europe/Isle_of_Man"),
    # countries with several: asked back, west to east
    ("Spain", ["Atlantic/Canary", "Europe/Madrid"]),
    ("Sbaen", ["Atlantic/Canary", "Europe/Madrid"]),
    ("Portugal", ["Atlantic/Azores", "Europe/Lisbon"]),
    (
        "Australia",
        ["Australia/Perth", "Australia/Darwin", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney"],
    ),
    (
        "Awstralia",
        ["Australia/Perth", "Australia/Darwin", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney"],
    ),
    (
        "USA",
        [
            "Pacific/Honolulu",
            "America/Anchorage",
            "America/Los_Angeles",
            "America/Phoenix",
            "America/Denver",
            "America/Chicago",
            "America/New_York",
        ],
    ),
    (
        "the United States",
        [
            "Pacific/Honolulu",
            "America/Anchorage",
            "America/Los_Angeles",
            "America/Phoenix",
            "America/Denver",
            "America/Chicago",
            "America/New_York",
        ],
    ),
    # zone names
    ("Europe/London", LONDON),
    ("europe/paris", "Europe/Paris"),
    ("UTC", "UTC"),
    # Telegram-style offsets: a clock reading, so the places showing it are offered (POSIX signs inverted)
    ("GMT+1", [LONDON, "Europe/Berlin", "Africa/Kinshasa", "Etc/GMT-1"]),
    ("gmt +1", [LONDON, "Europe/Berlin", "Africa/Kinshasa", "Etc/GMT-1"]),
    ("UTC-5", ["America/New_York", "America/Lima", "America/Chicago", "Etc/GMT+5"]),
    ("GMT", [LONDON, "Africa/Abidjan", "Atlantic/Azores", "Etc/GMT"]),
    ("GMT+5:30", "Asia/Kolkata"),
    ("GMT-12", "Etc/GMT+12"),
    ("GMT+14", "Etc/GMT-14"),
    # not places
    ("Narnia", None),
    ("Hogwarts", None),
    ("", None),
    ("   ", None),
    ("12345", None),
    ("GMT+15", None),
    ("GMT+1:75", None),
    ("Texas", None),  # states and provinces are not known: the bot says so and asks for a town
    ("x" * 101, None),
]


@pytest.mark.parametrize(("typed", "expected"), CASES, ids=[typed[:20] or "empty" for typed, _ in CASES])
def test_what_partners_type(typed: str, expected: str | list[str] | None) -> None:
    place = find_place(typed)
    if expected is None:
        assert place is None
        return
    assert place is not None
    zones = [choice.zone for choice in place.choices]
    if isinstance(expected, str):
        assert zones == [expected]
    else:
        assert zones == expected


def test_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("Manchester", "Manchester (UK time)"),
        ("Cymru", "Cymru (UK time)"),
        ("Caerdydd", "Cardiff (UK time)"),
        ("Ireland", "Ireland (Irish time)"),
        ("Houston", "Houston (United States, Chicago time)"),
        ("Perth, Australia", "Perth (Australia, Perth time)"),
        ("Isle of Man", "Isle of Man (UK time)"),
    ],
)
def test_the_bot_repeats_what_it_understood(typed: str, said: str) -> None:
    place = find_place(typed)
    assert place is not None and place.zone is not None
    assert place.zone.said == said


def test_a_country_with_several_zones_names_each_by_a_city() -> None:
    spain = find_place("Spain")
    assert spain is not None and spain.zone is None and not spain.clock
    assert [choice.city for choice in spain.choices] == ["Las Palmas de Gran Canaria", "Madrid"]
    offset = find_place("GMT+1")
    assert offset is not None and offset.clock and offset.name == "GMT+1"
    assert offset.choices[0].said == "London (UK time)"
    assert offset.choices[-1].city == "GMT+1 all year"


def test_fixed_offsets_are_named_the_way_people_write_them() -> None:
    assert describe("Etc/GMT-1") == "GMT+1 all year"  # POSIX: Etc/GMT-1 is one hour ahead
    assert describe("Etc/GMT+5") == "GMT-5 all year"
    assert describe("Etc/GMT") == "GMT all year"
    assert describe("UTC") == "UTC (GMT all year)"
