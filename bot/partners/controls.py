"""What partners control in chat: /pause, /resume, /away and /snooze.

Each is one short transaction that records the update, changes the partner's
pacing and confirms in plain words.  Pausing is never questioned: no reason is
asked for and nothing is sent until the partner says /resume."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core import texts
from bot.core.dates import parse_friendly_date, say_date
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.schedules import schedule_next
from bot.core.sender import Sender
from bot.core.unit import once_per_update
from bot.partners import conversation, onboarding
from storage import checkins, people, projects
from storage.models import Checkin, Person

#: what to say (None: the feature already said it) and its values
Reply = tuple[str | None, dict[str, str]]

#: how much later /snooze asks again
SNOOZE_FOR = timedelta(hours=3)
#: a snooze that would land after this local time waits for tomorrow instead
LATEST_SNOOZE = time(20, 0)


def pause(rt: Runtime, update_id: int, sender: Sender) -> None:
    """No check-ins until /resume; a check-in under way ends kindly, its answers kept."""

    def act(session: Session, person: Person, now: datetime) -> Reply:
        person.paused = True
        _end_active(session, rt, person, now)
        return texts.PAUSED, {}

    _with_partner(rt, update_id, sender, act)


def resume(rt: Runtime, update_id: int, sender: Sender) -> None:
    """Check-ins on again (pause and away both end).  A check-in they paused goes on
    where they left it; one that came due while paused is sent now: the partner has
    just said they are ready."""

    def act(session: Session, person: Person, now: datetime) -> Reply:
        if onboarding.needs_new_consent(session, rt, person):  # paused by declining a new text: ask again
            onboarding.ask_consent_again(session, rt, person, now, greeting=texts.RESUME_NEEDS_CONSENT)
            return None, {}
        was_paused = person.paused or person.away_until is not None
        person.paused, person.away_until = False, None
        for checkin in checkins.scheduled_for(session, person.id):  # type: ignore[arg-type]
            checkin.due_at = max(checkin.due_at, now)
        if conversation.resume_paused(session, rt, person, now) and not was_paused:
            return None, {}  # the check-in says "welcome back" with its question
        return texts.RESUMED, {"first_name": person.first_name}

    _with_partner(rt, update_id, sender, act)


def away(rt: Runtime, update_id: int, sender: Sender, when: str) -> None:
    """No check-ins before the partner's return day (midnight, their time).
    Check-ins that come due meanwhile are recorded as missed, not saved up."""

    def act(session: Session, person: Person, now: datetime) -> Reply:
        zone = _zone(rt, session, person)
        today = now.astimezone(zone).date()
        back = parse_friendly_date(when, today, person.language)
        if back is None:
            return texts.AWAY_EXAMPLE, {}
        if back <= today:
            return texts.AWAY_NOT_AHEAD, {"date": say_date(back, today)}
        person.away_until = datetime.combine(back, time(0), tzinfo=zone).astimezone(UTC)
        _end_active(session, rt, person, now)
        return texts.AWAY, {"date": say_date(back, today)}

    _with_partner(rt, update_id, sender, act)


def snooze(rt: Runtime, update_id: int, sender: Sender) -> None:
    """ "Not now": the check-in that has arrived (if nothing in it is answered yet)
    or the next one due today moves a few hours later, or to tomorrow at the
    same time if that would be late in the evening."""

    def act(session: Session, person: Person, now: datetime) -> Reply:
        zone = _zone(rt, session, person)
        active = checkins.active_checkin(session, person.id)  # type: ignore[arg-type]
        if active is not None and checkins.answers_of_checkin(session, active.id):  # type: ignore[arg-type]
            return texts.SNOOZE_PART_WAY, {}  # starting again would ask what they already answered
        checkin = active or _due_today(session, person, now, zone)
        if checkin is None:
            return texts.NOTHING_TO_SNOOZE, {}
        today = now.astimezone(zone).date()
        later = (max(now, checkin.due_at) + SNOOZE_FOR).astimezone(zone)
        reply = texts.SNOOZED_TODAY
        if later.date() != today or later.time() > LATEST_SNOOZE:
            later = datetime.combine(today + timedelta(days=1), checkin.due_at.astimezone(zone).time(), tzinfo=zone)
            reply = texts.SNOOZED_TOMORROW
        checkin.status, checkin.due_at, checkin.started_at, checkin.state = (
            checkins.SCHEDULED,
            later.astimezone(UTC),
            None,
            None,
        )
        return reply, {"time": f"{later:%H:%M}"}

    _with_partner(rt, update_id, sender, act)


@once_per_update
def _with_partner(
    rt: Runtime, session: Session, now: datetime, sender: Sender, act: Callable[[Session, Person, datetime], Reply]
) -> None:
    """The shared transaction: once per update, only for partners who joined;
    ``act`` changes what it must and picks the reply and its values."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is not None and person.consent_version is None and onboarding.awaits_consent(session, rt, person):
        onboarding.ask_pending_consent(session, rt, person, now)  # they joined: the question is still open
        return
    if person is None or person.consent_version is None:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
        return
    reply, values = act(session, person, now)
    if reply is not None:
        say(session, person, now, reply, buttons=None, **values)


def _end_active(session: Session, rt: Runtime, person: Person, now: datetime) -> None:
    """Stop a check-in under way (answers so far are kept) and keep the next on the calendar."""
    checkin = checkins.active_checkin(session, person.id)  # type: ignore[arg-type]
    if checkin is not None:
        checkins.save_state(session, checkin, checkin.flow_version or "", checkin.state or {}, "stopped", now)
        schedule_next(session, rt.settings, person, checkin.project_id, checkin.flow_id, now)


def _due_today(session: Session, person: Person, now: datetime, zone: ZoneInfo) -> Checkin | None:
    """The partner's next check-in, if it is (or was) due today."""
    today = now.astimezone(zone).date()
    scheduled = checkins.scheduled_for(session, person.id)  # type: ignore[arg-type]
    return next((c for c in scheduled if c.due_at.astimezone(zone).date() <= today), None)


def _zone(rt: Runtime, session: Session, person: Person) -> ZoneInfo:
    """The partner's own time zone, else their first project's."""
    if person.timezone:
        return ZoneInfo(person.timezone)
    for membership in projects.memberships_of(session, person.id, "partner"):  # type: ignore[arg-type]
        project = rt.settings.project(membership.project_id)
        if project is not None:
            return ZoneInfo(project.timezone)
    return ZoneInfo("UTC")
