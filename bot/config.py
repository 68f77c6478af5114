"""The coordinator's config file, validated with pydantic.  Secrets may come from
the environment instead of the file (``TELEGRAM_BOT_TOKEN``)."""

from __future__ import annotations

import os
import tomllib
import datetime as dt
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_CONSENT_TEXT = """\
Hello {first_name}, and welcome to {project_name}.

Before we start, here is what this bot does with what you tell it:

• It stores your first name, your Telegram id, how you like to be contacted and your answers to check-ins.
• The project's facilitators see your answers so they can act on what you need. Some questions are anonymous: those answers are only ever shown grouped with others.
• You can pause at any time (/pause), see everything stored about you (/mydata), or leave and have it deleted (/forget).

Is that OK with you?"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Strict):
    token: str = ""
    #: Any Bot API server: a self-hosted telegram-bot-api, or the sandbox.  Empty: Telegram.
    base_url: str = ""


class StorageSettings(_Strict):
    url: str = "sqlite:///checkin.db"


class FlowSettings(_Strict):
    directory: Path = Path("flows/library")


class ConsentSettings(_Strict):
    version: str = "1"
    text: str = DEFAULT_CONSENT_TEXT


class SchedulerSettings(_Strict):
    #: how often the one periodic job looks for due check-ins, in seconds
    tick_seconds: float = Field(default=30.0, gt=0)


class Schedule(_Strict):
    """When a project's partners get one flow."""

    flow: str
    cadence: Literal["daily", "weekly"] = "weekly"
    days: list[str] = Field(default_factory=lambda: ["mon"])
    #: local time in the partner's time zone, "HH:MM"
    time: dt.time = dt.time(10, 0)

    @field_validator("days")
    @classmethod
    def _known_days(cls, days: list[str]) -> list[str]:
        days = [day.lower()[:3] for day in days]
        unknown = [day for day in days if day not in DAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}; use {', '.join(DAYS)}")
        return days


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
    return settings
