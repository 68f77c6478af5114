"""Steps that set a partner's preferences: ``profile = "quiet_hours"`` on a step.

Coordinators ask partners how they like to be contacted in an ordinary flow
(the bundled onboarding); a step marked with ``profile`` also updates the
partner's settings, so the bot then respects them.  The option values carry the
meaning, checked when the flow loads:

| profile        | step kinds      | option values                                   |
| -------------- | --------------- | ----------------------------------------------- |
| ``days``       | multi, choice   | mon tue wed thu fri sat sun, or ``any``          |
| ``window``     | choice          | ``"HH:MM-HH:MM"``, or ``any``                    |
| ``quiet_hours``| choice          | ``"HH:MM-HH:MM"`` (may cross midnight), ``none`` |
| ``timezone``   | text, choice    | a time-zone name; typed text may be a place      |
| ``language``   | choice          | a language code like ``en`` or ``cy``            |
| ``access_needs``| multi          | any (stored as given)                            |

Any other value (``other``, ``unsure``) means "no change", so a flow can offer a
way out that sets nothing.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flows.places import find_place

PROFILE_KINDS: dict[str, tuple[str, ...]] = {
    "days": ("multi", "choice"),
    "window": ("choice",),
    "quiet_hours": ("choice",),
    "timezone": ("text", "choice"),
    "language": ("choice",),
    "access_needs": ("multi",),
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NO_PREFERENCE = {"any", "none", "other", "unsure", "not_sure", "skip"}
_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def option_problem(profile: str, value: str) -> str | None:
    """Why an option value cannot carry this profile field, or None if it can."""
    if value in NO_PREFERENCE or profile == "access_needs":
        return None
    if profile == "days" and value not in DAYS:
        return f"{value!r} is not a day; use mon, tue, wed, thu, fri, sat, sun or any"
    if profile in ("window", "quiet_hours") and not _WINDOW.match(value):
        return f'{value!r} is not a time range like "09:00-12:00" (or any / none)'
    if profile == "window" and value[:5] >= value[6:]:
        return f"{value!r} ends before it starts; a contact window stays within one day"
    if profile == "timezone" and value not in _zones():
        return f'{value!r} is not a time-zone name like "Europe/London"'
    if profile == "language" and not _LANGUAGE.match(value):
        return f'{value!r} is not a language code like "en" or "cy"'
    return None


def profile_value(profile: str, answer: Any) -> Any:
    """The setting an answer gives, or None for "no change".

    ``days`` gives a sorted list of day names; ``window`` and ``quiet_hours`` a
    "HH:MM-HH:MM" string ("none" clears quiet hours); ``timezone`` a zone name
    (a typed city is matched to its zone); ``access_needs`` a list."""
    if answer is None:
        return None
    if profile == "days":
        chosen = [answer] if isinstance(answer, str) else list(answer)
        days = sorted({day for day in chosen if day in DAYS}, key=DAYS.index)
        return None if "any" in chosen or not days else days
    if profile == "access_needs":
        return [need for need in ([answer] if isinstance(answer, str) else answer) if need not in NO_PREFERENCE]
    if profile == "quiet_hours" and answer == "none":
        return "none"
    if profile == "timezone":
        return find_timezone(str(answer))
    return None if answer in NO_PREFERENCE else answer


def find_timezone(text: str) -> str | None:
    """The zone of what a partner typed (a town, a country, "GMT+1": see flows.places),
    or None when it is unknown or could be several zones: the bot then asks which."""
    place = find_place(text)
    choice = place.zone if place is not None else None
    return choice.zone if choice is not None else None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())
