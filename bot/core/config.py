"""The coordinator's config file, validated with pydantic.  Secrets may come from
the environment instead of the file (``TELEGRAM_BOT_TOKEN``)."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from storage.retention import MIN_KEEP_DAYS

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_CONSENT_TEXT = """\
Hello {first_name}, and welcome to {project_name}.

Before we start, here is what this bot does with what you tell it:

• It stores your first name, your Telegram id, how you like to be contacted, your answers to check-ins \
and the messages and ideas you send the team.
• The project's facilitators see your answers so they can act on what you need. Some questions are anonymous: \
those answers are stored without your name and only ever shown grouped with others.
• You can pause at any time (/pause), see everything stored about you (/mydata), or leave and have it deleted \
(/forget); anonymous answers stay, with nothing to link them to you.
• If you say no, nothing about you is kept.

Is that OK with you? Tap a button, or type yes or no."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Strict):
    token: str = ""
    #: Any Bot API server: a self-hosted telegram-bot-api, or the sandbox.  Empty: Telegram.
    base_url: str = ""
    #: Paid broadcasts (allow_paid_broadcast, 0.1 Star a message) lift the overall limit to 1,000/s.
    paid_broadcast: bool = False


class StorageSettings(_Strict):
    url: str = "sqlite:///checkin.db"
    #: days sent messages, handled update ids and set-aside updates are kept (storage/retention.py)
    keep_days: int = 30

    @field_validator("keep_days")
    @classmethod
    def _outlives_redelivery(cls, days: int) -> int:
        if days < MIN_KEEP_DAYS:
            raise ValueError(
                f"keep at least {MIN_KEEP_DAYS} days: Telegram may send an update again for up to a day, "
                "and the record of handled updates is what stops it being handled twice"
            )
        return days


class FlowSettings(_Strict):
    directory: Path = Path("flows/library")
    #: words `checkin flows lint` warns about; None keeps flows.lint.DEFAULT_JARGON
    jargon: list[str] | None = None


class ConsentSettings(_Strict):
    version: str = "1"
    text: str = DEFAULT_CONSENT_TEXT


class SchedulerSettings(_Strict):
    #: how often the one periodic job looks for due check-ins, in seconds
    tick_seconds: float = Field(default=30.0, gt=0)
    #: at most this many check-ins start for one partner in any 7 days, across all projects
    weekly_cap: int = Field(default=2, ge=1)
    #: one gentle reminder when a check-in is left unanswered this long
    remind_after_hours: float = Field(default=24.0, gt=0)
    #: an unanswered check-in closes as "expired" (no response) after this long
    expire_after_hours: float = Field(default=72.0, gt=0)
    #: after downtime, a check-in overdue by more than this is recorded as missed, not sent late
    missed_after_hours: float = Field(default=6.0, gt=0)


DEFAULT_SIGNPOSTING = """\
Thank you for telling me, {first_name}. I'm sorry things are this hard. \
I've let the team know, and someone will be in touch soon.

If you need to talk to someone now:
• Samaritans, any time, free: call 116 123
• Shout, text SHOUT to 85258
• NHS 111, and choose the mental health option
• If you or someone else is in danger right now, call 999."""
#: a draft for a native speaker's review, like all the bot's Welsh
DEFAULT_SIGNPOSTING_CY = """\
Diolch am ddweud wrtha i, {first_name}. Mae'n ddrwg gen i fod pethau mor anodd. \
Dw i wedi rhoi gwybod i'r tîm, a bydd rhywun mewn cysylltiad cyn bo hir.

Os oes angen i chi siarad â rhywun nawr:
• Samaritans, unrhyw bryd, am ddim: ffoniwch 116 123, neu'r llinell Gymraeg 0808 164 0123
• C.A.L.L., llinell gymorth iechyd meddwl Cymru, am ddim: ffoniwch 0800 132 737 neu tecstiwch help i 81066
• GIG 111 Cymru: ffoniwch 111 a phwyso 2 ar gyfer iechyd meddwl
• Os ydych chi neu rywun arall mewn perygl nawr, ffoniwch 999."""
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hr|hrs|hours?)?\s*$", re.IGNORECASE)


def hours_of(value: float | str) -> float:
    """A service level as hours: a number of hours, or "30m", "90 min", "2h", "1.5 hours"."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f'"{value}" is not a duration: write hours (2), or "30m", "2h"')
    amount, unit = float(match.group(1)), (match.group(2) or "h").lower()
    return amount / 60 if unit.startswith("m") else amount


class FlagSettings(_Strict):
    #: time to acknowledge a flag, by severity: hours, or "30m", "2h"; past it the flag goes to the coordinators
    sla_hours: dict[str, float] = Field(default_factory=lambda: {"urgent": 2.0, "high": 48.0, "low": 168.0})

    @field_validator("sla_hours", mode="before")
    @classmethod
    def _durations(cls, hours: object) -> object:
        return {name: hours_of(value) for name, value in hours.items()} if isinstance(hours, dict) else hours

    @field_validator("sla_hours")
    @classmethod
    def _known_severities(cls, hours: dict[str, float]) -> dict[str, float]:
        unknown = [name for name in hours if name not in ("info", "low", "high", "urgent")]
        if unknown or any(value <= 0 for value in hours.values()):
            raise ValueError("use severities info, low, high, urgent with hours above 0")
        return hours


class SafetySettings(_Strict):
    #: more words or phrases that show distress, on top of the built-in rules (bot/core/distress.py):
    #: whole words, any case, accents and apostrophes ignored
    distress_phrases: list[str] = Field(default_factory=list)
    #: the kind reply the partner gets at once, in their language ({first_name} is filled in):
    #: one text for everyone, or a table of texts by language code
    signposting: str | dict[str, str] = Field(
        default_factory=lambda: {"en": DEFAULT_SIGNPOSTING, "cy": DEFAULT_SIGNPOSTING_CY}
    )

    def signposting_for(self, language: str) -> str:
        """The text in ``language``, else English, else the first one given."""
        if isinstance(self.signposting, str):
            return self.signposting
        texts = self.signposting
        return texts.get(language) or texts.get("en") or next(iter(texts.values()), DEFAULT_SIGNPOSTING)


class DigestPerson(_Strict):
    """One facilitator's own digest schedule."""

    telegram_id: int
    days: list[str] | None = None
    time: dt.time | None = None
    timezone: str | None = None


class DigestSettings(_Strict):
    #: default schedule, in the facilitator's time zone (their project's until they set one);
    #: no days: no scheduled digests (alerts still come)
    days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    time: dt.time = dt.time(9, 0)
    #: facilitators with their own schedule
    people: list[DigestPerson] = Field(default_factory=list)
    #: skip a digest with nothing new instead of sending one short line
    skip_empty: bool = False
    #: anonymous answers are shown only when at least this many partners answered
    min_group: int = Field(default=3, ge=2)
    #: weeks of trends in the chart
    weeks: int = Field(default=8, ge=2, le=52)
    #: days without an answer after which a partner counts as "not heard from"
    quiet_days: int = Field(default=30, ge=1)
    #: a folder of Jinja2 templates that override bot/staff/templates (digest.html.j2, alert.html.j2)
    templates: Path | None = None

    @field_validator("days")
    @classmethod
    def _known_days(cls, days: list[str]) -> list[str]:
        unknown = [day for day in days if day not in DAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}; use {', '.join(DAYS)}")
        return days


def parse_window(text: str) -> tuple[dt.time, dt.time]:
    """ "HH:MM-HH:MM" as (start, end) local times; quiet hours may end before they start."""
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError(f'{text!r} is not a window like "10:00-12:00"') from None
    return start, end


#: cadences whose dates come from the activities a coordinator records
ACTIVITY_CADENCES = ("after_activity", "before_activity")
#: keys that set a date, refused with "once" (it goes when the partner joins)
_DATE_KEYS = ("days", "day_of_month", "days_after", "days_before", "time")


class Schedule(_Strict):
    """When a project's partners get one flow (all times local to the partner)."""

    flow: str
    cadence: Literal["once", "daily", "weekly", "monthly", "cron", "after_activity", "before_activity"] = "weekly"
    #: for weekly
    days: list[str] = Field(default_factory=lambda: ["mon"])
    #: for monthly: 1-28, or "last" (28 at most, so every month has it)
    day_of_month: int | Literal["last"] = 1
    #: for cron: a crontab line, "minute hour day month weekday", weekdays by name
    cron: str | None = None
    #: for after_activity: days after the activity date a coordinator records
    days_after: int = Field(default=1, ge=0)
    #: for before_activity: days before the activity date a coordinator records (0: that morning)
    days_before: int = Field(default=1, ge=0)
    #: a fixed local time, "HH:MM"
    time: dt.time = dt.time(10, 0)
    #: instead of `time`: "HH:MM-HH:MM", each partner gets their own time inside it
    window: tuple[dt.time, dt.time] | None = None

    @field_validator("days")
    @classmethod
    def _known_days(cls, days: list[str]) -> list[str]:
        days = [day.lower()[:3] for day in days]
        unknown = [day for day in days if day not in DAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}; use {', '.join(DAYS)}")
        if not days:
            raise ValueError(f"name at least one day: {', '.join(DAYS)}")
        return days

    @field_validator("day_of_month")
    @classmethod
    def _every_month_has_it(cls, day: int | str) -> int | str:
        if isinstance(day, int) and not 1 <= day <= 28:
            raise ValueError('use 1-28 (every month has those days) or "last"')
        return day

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, expr: str | None) -> str | None:
        """Weekday numbers are refused: APScheduler 3 reads 0 as Monday, crontab as Sunday."""
        if expr is None:
            return None
        fields = expr.split()
        if len(fields) == 5 and any(char.isdigit() for char in fields[4]):
            raise ValueError(f"{expr!r}: write weekdays by name (mon,thu), not by number")
        try:
            trigger = CronTrigger.from_crontab(expr, timezone=dt.UTC)
        except ValueError as error:
            raise ValueError(f'{expr!r} is not a cron expression like "0 10 * * mon,thu": {error}') from None
        if trigger.get_next_fire_time(None, dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) is None:
            raise ValueError(f"{expr!r} never comes due")
        return expr

    @field_validator("window", mode="before")
    @classmethod
    def _parse_window(cls, window: object) -> object:
        return parse_window(window) if isinstance(window, str) else window

    @field_validator("window")
    @classmethod
    def _same_day(cls, window: tuple[dt.time, dt.time] | None) -> tuple[dt.time, dt.time] | None:
        if window is not None and window[0] >= window[1]:
            raise ValueError("the window must start before it ends, on the same day")
        return window

    @model_validator(mode="after")
    def _keys_fit_cadence(self) -> Schedule:
        if (self.cadence == "cron") != (self.cron is not None):
            raise ValueError('cron: give a cron expression exactly when cadence = "cron"')
        if self._given("days_before") and self.cadence != "before_activity":
            raise ValueError(f'days_before: only for cadence = "before_activity", not "{self.cadence}"')
        if self._given("days_after") and self.cadence == "before_activity":
            raise ValueError('days_after: a "before_activity" schedule counts days_before the activity')
        given = [key for key in _DATE_KEYS if self._given(key)]
        if self.cadence == "once" and given:
            raise ValueError(
                f'{", ".join(given)}: a "once" check-in goes soon after the partner joins, at a good time for them; '
                'to keep it to certain hours give a window, like window = "10:00-16:00"'
            )
        if self.window is not None and ("time" in self.model_fields_set or self.cadence == "cron"):
            raise ValueError("window: give either time or window (a cron expression sets its own time)")
        return self

    def _given(self, key: str) -> bool:
        """Set to something other than its default (a schedule dumped and read again sets every key)."""
        return key in self.model_fields_set and getattr(self, key) != Schedule.model_fields[key].get_default(
            call_default_factory=True
        )


class ProjectSettings(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    timezone: str = "UTC"
    #: Telegram user ids.  Staff are bootstrapped from here; partners join by invite.
    facilitators: list[int] = Field(default_factory=list)
    coordinators: list[int] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _real_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}; use a name like 'Europe/London'") from None
        return name


class Settings(_Strict):
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    flows: FlowSettings = Field(default_factory=FlowSettings)
    consent: ConsentSettings = Field(default_factory=ConsentSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    flags: FlagSettings = Field(default_factory=FlagSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    projects: list[ProjectSettings] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_projects(self) -> Settings:
        ids = [project.id for project in self.projects]
        duplicates = sorted({pid for pid in ids if ids.count(pid) > 1})
        if duplicates:
            raise ValueError(f"project ids must be unique; repeated: {duplicates}")
        return self

    def project(self, project_id: str) -> ProjectSettings | None:
        return next((p for p in self.projects if p.id == project_id), None)

    def project_index(self, project_id: str) -> int | None:
        """A project's place in the config: buttons carry it (ids may be too long for callback data)."""
        return next((i for i, p in enumerate(self.projects) if p.id == project_id), None)

    @property
    def token(self) -> str:
        return os.environ.get("TELEGRAM_BOT_TOKEN") or self.telegram.token


class ConfigError(Exception):
    """A config file that cannot be used; the message says where and why."""


def load_settings(path: Path) -> Settings:
    """Read and validate the config.  Relative paths in it are relative to the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file. Copy config.example.toml to {path} and edit it.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        lines = [f"{path}: {'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()]
        raise ConfigError("\n".join(lines)) from None
    if not settings.flows.directory.is_absolute():
        settings.flows.directory = (path.parent / settings.flows.directory).resolve()
    if settings.digest.templates is not None and not settings.digest.templates.is_absolute():
        settings.digest.templates = (path.parent / settings.digest.templates).resolve()
    return settings


#: where `checkin run --webhook` finds its secret when no --secret-file is given
WEBHOOK_SECRET_ENV = "CHECKIN_WEBHOOK_SECRET"
#: what Telegram accepts as a webhook's secret_token
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def webhook_secret(path: Path | None) -> str:
    """The webhook's secret: the contents of ``path`` (stripped), else $CHECKIN_WEBHOOK_SECRET.
    Never a command-line argument: anyone on the machine can read those (``ps``)."""
    if path is not None:
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else "not readable text"
            raise ConfigError(f"--secret-file {path}: cannot read the webhook secret ({reason}).") from None
        if not secret:
            raise ConfigError(f"--secret-file {path}: the file is empty; put the webhook secret in it.")
        where = f"--secret-file {path}"
    else:
        secret = os.environ.get(WEBHOOK_SECRET_ENV, "").strip()
        if not secret:
            renamed = f" (TELEGRAM_WEBHOOK_SECRET is no longer read: rename it {WEBHOOK_SECRET_ENV})"
            raise ConfigError(
                f"--webhook needs a secret: --secret-file PATH, or {WEBHOOK_SECRET_ENV} in the environment."
                + (renamed if os.environ.get("TELEGRAM_WEBHOOK_SECRET") else "")
            )
        where = WEBHOOK_SECRET_ENV
    if not _SECRET_TOKEN.match(secret):
        raise ConfigError(
            f"{where}: Telegram takes a secret of 1-256 letters, digits, _ and - only "
            "(one way to make one: openssl rand -hex 32)."
        )
    return secret


@dataclass(frozen=True)
class WebhookOptions:
    """``checkin run --webhook``: where to listen, the public URL Telegram posts to, the shared
    secret, and how long a client may take: slow clients must not hold connections."""

    host: str
    port: int
    url: str
    secret: str
    #: seconds a connection has, from opening or from its last answer, to send a whole request
    #: head (request line and headers); an idle kept-alive connection is closed after it too
    header_timeout: float = 10.0
    #: seconds a request has, after its head, to send its body
    body_timeout: float = 10.0
    #: a bigger body is refused (413): an update is a few kilobytes
    max_body_bytes: int = 1024 * 1024

    @property
    def path(self) -> str:
        """Listen on the public URL's path, so a proxy may pass requests through unchanged."""
        return urlsplit(self.url).path or "/"
