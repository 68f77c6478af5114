"""A partner's contact preferences: set by profile steps in flows (see
flows.profile), read by the scheduler (bot.core.cadence.Preferences)."""

from __future__ import annotations

from typing import Any

from bot.core.cadence import Preferences
from bot.core.config import DAYS, parse_window
from flows.model import Flow
from flows.profile import profile_value
from flows.types import AnswerRecord
from storage.models import Person
from storage.people import PartnerRow

#: the partner's column each kind of profile step sets
PROFILE_COLUMNS = {
    "days": "preferred_days",
    "window": "preferred_window",
    "quiet_hours": "quiet_hours",
    "timezone": "timezone",
    "language": "language",
    "access_needs": "access_needs",
}


def profile_changes(flow: Flow, answers: list[AnswerRecord]) -> dict[str, Any]:
    """What answers to profile steps change in the partner's settings, by column;
    "no preference" answers (any, other, skipped) leave them as they were."""
    changes: dict[str, Any] = {}
    for record in answers:
        step = flow.step(record.step_id)
        if step is None or step.profile is None or record.skipped:
            continue
        value = profile_value(step.profile, record.value)
        if value is not None:
            changes[PROFILE_COLUMNS[step.profile]] = (
                None if step.profile == "quiet_hours" and value == "none" else value
            )
    return changes


def preferences_of(person: Person | PartnerRow) -> Preferences:
    return Preferences(
        timezone=person.timezone,
        days={DAYS.index(day) for day in person.preferred_days} if person.preferred_days else None,
        window=parse_window(person.preferred_window) if person.preferred_window else None,
        quiet=parse_window(person.quiet_hours) if person.quiet_hours else None,
    )
