"""/settings, /language and /help: partners change how the bot fits around them.

The choices are the options of the profile steps in the onboarding flow, so
coordinators word them once, and flows.profile checks and converts them: the
same Person columns get the same values whichever way they were set."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.core import outgoing, roles, texts
from bot.core.callbacks import SettingsTap
from bot.core.outgoing import Timing
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.schedules import next_checkin_line, schedule_next
from bot.core.sender import Sender
from bot.core.telegram_format import plain
from bot.core.unit import once_per_update
from bot.partners import onboarding, timezones
from flows.model import Flow, Step
from flows.places import describe, find_place
from flows.profile import NO_PREFERENCE, profile_value
from storage import checkins, people
from storage.models import Person

SOURCE_FLOW = "onboarding"
#: what each setting is called on its button, in the order shown
FIELDS = {
    "days": "Days",
    "window": "Time of day",
    "quiet_hours": "Quiet hours",
    "timezone": "Time zone",
    "language": "Language",
    "access_needs": "What helps",
}
#: options that mean "tell the team" in the flow; in settings they would set nothing
NOT_A_SETTING = {"other", "unsure", "not_sure"}
#: settings that move the partner's next check-ins
TIMING = {"days", "window", "quiet_hours", "timezone"}


@once_per_update
def handle_help(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    """Every command in plain words; staff see theirs too."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    parts = [outgoing.worded(person, texts.HELP) if person is not None else texts.HELP]
    if roles.projects_for(session, rt, sender.telegram_user_id, "facilitator"):
        parts.append(texts.STAFF_HELP)
    if roles.projects_for(session, rt, sender.telegram_user_id, "coordinator"):
        parts.append(texts.COORDINATOR_HELP)
    say(session, person or sender.chat_id, now, "\n\n".join(parts))


@once_per_update
def say_fixed(rt: Runtime, session: Session, now: datetime, sender: Sender, text: str, command: str = "") -> None:
    """A fixed answer to a command (/stop, a command the bot does not have)."""
    say(session, sender.chat_id, now, text, command=command)


@once_per_update
def handle_settings(rt: Runtime, session: Session, now: datetime, sender: Sender, args: list[str]) -> None:
    """/settings shows the menu; /settings timezone CITY sets the time zone; /language opens that choice."""
    person = _partner(session, rt, sender, now)
    if person is None:
        return
    if args and args[0].lower() in ("timezone", "time-zone", "tz") and len(args) > 1:
        place = find_place(" ".join(args[1:]))
        if place is None:
            say(session, person, now, texts.SETTINGS_TIMEZONE_UNKNOWN)
            return
        if place.zone is not None:  # else the partner is asked which, and taps one
            person.timezone = place.zone.zone
            _reschedule(session, rt, person, now)
        timezones.tell_place(session, person, place, now, summary=_summary(rt, person))
    elif args and args[0] in FIELDS:
        outgoing.send(session, person, _field_view(rt, person, args[0]), now, timing=Timing.NOW)
    else:
        outgoing.send(session, person, _menu(rt, session, person), now, timing=Timing.NOW)


@once_per_update
def handle_tap(
    rt: Runtime, session: Session, now: datetime, sender: Sender, tap: SettingsTap, message_id: int | None
) -> None:
    """``set:FIELD`` opens a setting, ``set:FIELD:VALUE`` chooses (or ticks) a value,
    ``set:FIELD:=done`` and ``set:`` go back to the menu.  The message is edited in place."""
    field, value = tap.field, tap.value
    person = _partner(session, rt, sender, now)
    if person is None:
        return
    if field not in FIELDS or value == SettingsTap.DONE:
        view = _menu(rt, session, person)
    elif not value:
        view = _field_view(rt, person, field)
    elif field == "timezone" and (zone := timezones.chosen_zone(value)) is not None:  # asked which zone
        person.timezone = zone
        _reschedule(session, rt, person, now)
        view = plain(texts.TIMEZONE_UNDERSTOOD, place=describe(zone))
    else:
        step = _step(rt, field)
        if step is None or value not in step.option_values():
            view = _menu(rt, session, person)
        else:
            multi = step.kind == "multi"
            _apply(person, field, value, multi)
            if field in TIMING:
                _reschedule(session, rt, person, now)
            view = (
                _field_view(rt, person, field)
                if multi
                else plain(
                    texts.SETTINGS_SAVED,
                    [[(texts.SETTINGS_BACK_BUTTON, SettingsTap().data())]],
                    summary=_summary(rt, person),
                )
            )
    method = "editMessageText" if message_id is not None else "sendMessage"
    payload = {**view, "message_id": message_id} if message_id is not None else view
    outgoing.send(session, person, payload, now, timing=Timing.NOW, method=method)


def _partner(session: Session, rt: Runtime, sender: Sender, now: datetime) -> Person | None:
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is not None and person.consent_version is None and onboarding.awaits_consent(session, rt, person):
        onboarding.ask_pending_consent(session, rt, person, now)  # they joined: the question is still open
        return None
    if person is None or person.consent_version is None:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
        return None
    return person


def _flow(rt: Runtime) -> Flow | None:
    return rt.flows.current.get(SOURCE_FLOW)


def _step(rt: Runtime, field: str) -> Step | None:
    flow = _flow(rt)
    return next((s for s in flow.steps if s.profile == field), None) if flow else None


def _label(rt: Runtime, person: Person, step: Step, value: str) -> str:
    flow = _flow(rt)
    for option in step.options:
        if option.value == value and flow is not None:
            return flow.text(option.label, flow.pick_language(person.language))
    return value


def _apply(person: Person, field: str, value: str, multi: bool) -> None:
    """Choices set the value; in a multi setting a tap ticks or unticks, and a
    "no preference" option (any, none) clears it."""
    if multi:
        current: list[str] = list(getattr(person, "preferred_days" if field == "days" else field) or [])
        if value in NO_PREFERENCE:
            chosen: list[str] = []
        elif value in current:
            chosen = [v for v in current if v != value]
        else:
            chosen = [*current, value]
        converted = profile_value(field, chosen) if chosen else None
    else:
        converted = profile_value(field, value)
    if field == "days":
        person.preferred_days = converted or None
    elif field == "access_needs":
        person.access_needs = converted or None
    elif field == "window":
        person.preferred_window = converted
    elif field == "quiet_hours":
        person.quiet_hours = None if converted in (None, "none") else converted
    elif field == "language" and converted:
        person.language = converted


def _current(rt: Runtime, person: Person, field: str) -> str:
    step = _step(rt, field)
    values: Any = {
        "days": person.preferred_days,
        "window": person.preferred_window,
        "quiet_hours": person.quiet_hours,
        "timezone": person.timezone,
        "language": person.language,
        "access_needs": person.access_needs,
    }[field]
    if not values:
        return "the project's" if field == "timezone" else "no preference"
    values = values if isinstance(values, list) else [values]
    return ", ".join(_label(rt, person, step, v) if step else v for v in values)


def _summary(rt: Runtime, person: Person) -> str:
    return "\n".join(f"{name}: {_current(rt, person, field)}" for field, name in FIELDS.items())


def _menu(rt: Runtime, session: Session, person: Person) -> dict[str, Any]:
    names = list(FIELDS.items())
    buttons = [[(name, SettingsTap(field).data()) for field, name in names[i : i + 2]] for i in range(0, len(names), 2)]
    summary = f"{_summary(rt, person)}\n\n{next_checkin_line(session, rt.settings, person)}"
    return plain(outgoing.worded(person, texts.SETTINGS_MENU), buttons, summary=summary)


def _field_view(rt: Runtime, person: Person, field: str) -> dict[str, Any]:
    back = [(texts.SETTINGS_BACK_BUTTON, SettingsTap().data())]
    step = _step(rt, field)
    if field == "timezone" or step is None:
        return plain(outgoing.worded(person, texts.SETTINGS_TIMEZONE), [back])
    flow = _flow(rt)
    question = flow.text(step.text, flow.pick_language(person.language)) if flow else ""
    ticked = set(person.preferred_days or []) if field == "days" else set(person.access_needs or [])
    rows = [
        [
            (
                ("✓ " if step.kind == "multi" and option.value in ticked else "")
                + _label(rt, person, step, option.value),
                SettingsTap(field, option.value).data(),
            )
        ]
        for option in step.options
        if option.value not in NOT_A_SETTING
    ]
    rows.append(
        [(texts.SETTINGS_DONE_BUTTON, SettingsTap(field, SettingsTap.DONE).data())] if step.kind == "multi" else back
    )
    return plain(outgoing.worded(person, texts.SETTINGS_PICK), rows, question=question)


def _reschedule(session: Session, rt: Runtime, person: Person, now: datetime) -> None:
    """New timing preferences apply to the check-ins already on the calendar."""
    for checkin in checkins.scheduled_for(session, person.id):  # type: ignore[arg-type]
        if checkin.state:  # held for consent: leave it held
            continue
        project_id, flow_id = checkin.project_id, checkin.flow_id
        session.delete(checkin)
        session.flush()
        schedule_next(session, rt.settings, person, project_id, flow_id, now)
