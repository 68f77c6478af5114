"""In-process harness for feature modules: a real Runtime over a fresh SQLite file,
the bundled flows, a clock that moves only when a test says so, and no sender.

Feature functions take plain values and queue what they say in the outbox table,
so a test calls them directly and reads the outbox: milliseconds, not the seconds
an end-to-end test spends on the sandbox (tests/e2e/).  Nothing is shared between
tests: each gets its own database file, runtime, clock and update ids."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.flow_registry import FlowRegistry
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import plain
from bot.jobs import start_due_checkins
from bot.partners import onboarding
from storage import checkins, flags, invites, people, projects
from storage.db import Database
from storage.models import AuditEvent, Checkin, Flag, OutboxMessage, Person

LIBRARY = Path(__file__).resolve().parents[2] / "flows" / "library"
PROJECT = "carers"
PROJECT_NAME = "Carers' Voice"
#: a Wednesday morning in London (BST): the partners' first check-in is the Monday after
START = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)

#: Telegram user ids; in a private chat the chat id is the user id
ALEX = Sender(telegram_user_id=1001, chat_id=1001, first_name="Alex")  # the project's facilitator
CASEY = Sender(telegram_user_id=1002, chat_id=1002, first_name="Casey")  # the project's coordinator
STRANGER = Sender(telegram_user_id=9999, chat_id=9999, first_name="Robin")  # never joined anything

NextUpdate = Callable[[], int]


class FixedClock:
    """Time stands still until the test moves it (forward only)."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError("time only moves forward")
        self.moment += by

    def advance_to(self, moment: datetime) -> None:
        self.advance(max(moment - self.moment, timedelta(0)))


#: the project's one schedule, as in tests/e2e/conftest.make_settings
WEEKLY = {"flow": "after-activity", "cadence": "weekly", "days": ["mon"], "time": "10:00"}


def make_settings(database_url: str, schedule: dict[str, Any] | None = None, **scheduler: Any) -> Settings:
    """As tests/e2e/conftest.make_settings, without Telegram: one project, Alex
    facilitates, Casey coordinates, the after-activity check-in every Monday at 10:00
    unless ``schedule`` says otherwise."""
    return Settings.model_validate(
        {
            "storage": {"url": database_url},
            "flows": {"directory": str(LIBRARY)},
            "scheduler": scheduler,
            "digest": {"days": []},
            "projects": [
                {
                    "id": PROJECT,
                    "name": PROJECT_NAME,
                    "timezone": "Europe/London",
                    "facilitators": [ALEX.telegram_user_id],
                    "coordinators": [CASEY.telegram_user_id],
                    "schedules": [schedule or WEEKLY],
                }
            ],
        }
    )


def build_runtime(settings: Settings, clock: Clock, flows: FlowRegistry | None = None) -> Runtime:
    """What bot.running.prepare_runtime builds (flows remembered, projects mirrored), with no
    outbox sender.  ``flows``: already loaded from ``settings.flows.directory``."""
    db = Database(settings.storage.url)
    db.check_schema()
    flows = flows or FlowRegistry.from_directory(settings.flows.directory)
    with db.session() as session:
        for project in settings.projects:
            projects.sync_project(session, project.id, project.name, project.timezone)
        flows.remember_all(session)
    return Runtime(settings=settings, db=db, flows=flows, clock=clock)


@pytest.fixture(scope="session")
def library() -> FlowRegistry:
    """The bundled flows, loaded once per test process (flows are frozen; each test gets its own registry)."""
    return FlowRegistry.from_directory(LIBRARY)


@pytest.fixture
def flows(library: FlowRegistry) -> FlowRegistry:
    return FlowRegistry(dict(library.current))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def database_file(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh SQLite file at the newest migration: a copy of the file tests/conftest.py
    migrates with Database.upgrade() once per test process (the copy takes a millisecond)."""
    shutil.copyfile(sqlite_template, tmp_path / "features.db")
    return f"sqlite:///{tmp_path / 'features.db'}"


@pytest.fixture
def rt(database_file: str, clock: FixedClock, flows: FlowRegistry) -> Iterator[Runtime]:
    runtime = build_runtime(make_settings(database_file), clock, flows)
    assert runtime.outbox is None  # what features say stays in the outbox table
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def next_update() -> NextUpdate:
    """A fresh Telegram update id each call."""
    return itertools.count(1).__next__


# -- acting as people ----------------------------------------------------------


def join(rt: Runtime, next_update: NextUpdate, first_name: str = "Sam", telegram_user_id: int = 2001) -> Sender:
    """A partner opens an invite link and accepts the consent text, as the bot's
    handlers would have them do: returns who they are as features see them."""
    sender = Sender(telegram_user_id=telegram_user_id, chat_id=telegram_user_id, first_name=first_name)
    with rt.db.session() as session:
        code = invites.create_invite(session, PROJECT, "partner", rt.clock.now(), timedelta(days=7)).code
    onboarding.handle_start(rt, next_update(), sender, code)
    onboarding.handle_consent(rt, next_update(), sender, True)
    return sender


def introduce(rt: Runtime, next_update: NextUpdate, staff: Sender = ALEX) -> Sender:
    """Staff named in the config become known when they first send /start."""
    onboarding.handle_start(rt, next_update(), staff, "")
    return staff


def start_checkin(rt: Runtime, clock: FixedClock) -> Checkin:
    """Move time to the soonest scheduled check-in and open it, as the scheduler's tick does."""
    with rt.db.session() as session:
        due = session.exec(
            select(Checkin).where(Checkin.status == checkins.SCHEDULED).order_by(col(Checkin.due_at))
        ).first()
    assert due is not None, "nobody has a check-in on the calendar"
    clock.advance_to(due.due_at)
    assert start_due_checkins(rt, 10) >= 1
    with rt.db.session() as session:
        started = checkins.get_checkin(session, due.id)  # type: ignore[arg-type]
    assert started is not None and started.status == checkins.ACTIVE
    return started


def open_flag(rt: Runtime, partner: Sender, need: str = "payment", severity: str = "high") -> int:
    """A need of the partner's, as a check-in answer would open it; returns the flag's id."""
    with rt.db.session() as session:
        found = people.person_by_telegram_id(session, partner.telegram_user_id)
        assert found is not None
        flag = flags.open_flag(
            session,
            project_id=PROJECT,
            person_id=found.id,
            need=need,
            severity=severity,
            note="Not yet paid for their last session.",
            answer_ids=[],
            now=rt.clock.now(),
        )
        assert flag.id is not None
        return flag.id


# -- reading what happened -------------------------------------------------------


def messages(rt: Runtime, chat_id: int) -> list[OutboxMessage]:
    """Every outbox row queued for a chat, in order."""
    with rt.db.session() as session:
        return list(
            session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(col(OutboxMessage.id)))
        )


def said(rt: Runtime, chat_id: int) -> list[str]:
    """The texts queued for a chat, in order (sent and edited messages; HTML as queued)."""
    return [message.payload["text"] for message in messages(rt, chat_id) if "text" in message.payload]


def render(template: str, **values: str) -> str:
    """A fixed text as the bot queues it: escaped, placeholders filled (bot.core.replies.say)."""
    return str(plain(template, None, **values)["text"])


def last_said(rt: Runtime, chat_id: int) -> str:
    texts = said(rt, chat_id)
    assert texts, f"nothing was said to chat {chat_id}"
    return texts[-1]


def buttons(message: OutboxMessage) -> list[tuple[str, str]]:
    """A message's buttons, as (label, callback data), row after row."""
    return [(label, data) for row in message.payload.get("buttons", []) for label, data in row]


def person(rt: Runtime, sender: Sender) -> Person | None:
    with rt.db.session() as session:
        return people.person_by_telegram_id(session, sender.telegram_user_id)


def scheduled(rt: Runtime, sender: Sender) -> list[Checkin]:
    """The partner's check-ins on the calendar, soonest first."""
    found = person(rt, sender)
    assert found is not None and found.id is not None
    with rt.db.session() as session:
        return checkins.scheduled_for(session, found.id)


def flag(rt: Runtime, flag_id: int) -> Flag:
    with rt.db.session() as session:
        found = flags.get_flag(session, flag_id)
    assert found is not None
    return found


def audit_events(rt: Runtime, action: str) -> list[AuditEvent]:
    with rt.db.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))))
