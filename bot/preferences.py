"""A partner's contact preferences: set by profile steps in flows (see
flows.profile), read by the scheduler (bot.cadence.Preferences)."""

from __future__ import annotations

from bot.cadence import Preferences
from bot.config import DAYS, parse_window
from flows.model import Flow
from flows.profile import profile_value
from flows.types import AnswerRecord
from storage.models import Person


def apply_profile_answers(person: Person, flow: Flow, answers: list[AnswerRecord]) -> None:
    """Answers to profile steps update the partner's settings; "no preference"
    answers (any, other, skipped) leave them as they were."""
    for record in answers:
        step = flow.step(record.step_id)
        if step is None or step.profile is None or record.skipped:
            continue
        value = profile_value(step.profile, record.value)
        if value is None:
            continue
        if step.profile == "days":
            person.preferred_days = value
        elif step.profile == "window":
            person.preferred_window = value
        elif step.profile == "quiet_hours":
            person.quiet_hours = None if value == "none" else value
        elif step.profile == "timezone":
            person.timezone = value
        elif step.profile == "language":
            person.language = value
        elif step.profile == "access_needs":
            person.access_needs = value


def preferences_of(person: Person) -> Preferences:
    return Preferences(
        timezone=person.timezone,
        days={DAYS.index(day) for day in person.preferred_days} if person.preferred_days else None,
        window=parse_window(person.preferred_window) if person.preferred_window else None,
        quiet=parse_window(person.quiet_hours) if person.quiet_hours else None,
    )
