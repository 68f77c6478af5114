"""The tables.  The database is the source of truth for people, conversation
state, schedules and deliveries: nothing important lives only in memory.

Times are stored as naive UTC (see :class:`UTCDateTime`) and come back aware,
so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Index,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    inspect,
)
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, ``model.__table__``: SQLModel sets it but does not
    declare it to type checkers, so Core statements reach it through its mapper."""
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table


class Project(SQLModel, table=True):
    """Mirrors the projects in the config, so rows elsewhere can refer to them."""

    id: str = Field(primary_key=True, max_length=64)
    name: str
    timezone: str = "UTC"


class Person(SQLModel, table=True):
    """Anyone who talks to the bot: partner or staff.  Holds only what is needed."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    chat_id: int = Field(sa_type=BigInteger)
    first_name: str = ""
    language: str = "en"
    timezone: str | None = None
    #: ``active``; ``unreachable`` once Telegram says they blocked the bot
    status: str = "active"
    consent_version: str | None = None
    consented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: the partner said /pause: no check-ins until /resume
    paused: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    #: the partner said /away: no check-ins before this moment (midnight of their return day)
    away_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: contact preferences from onboarding or /settings (see flows.profile); None = no preference
    preferred_days: list[str] | None = Field(default=None, sa_type=JSON)
    preferred_window: str | None = Field(default=None, max_length=11)  # "HH:MM-HH:MM"
    quiet_hours: str | None = Field(default=None, max_length=11)  # "HH:MM-HH:MM", may cross midnight
    access_needs: list[str] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)


class Activity(SQLModel, table=True):
    """A session or meeting partners took part in: after-activity check-ins follow it."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id", index=True)
    held_on: date
    note: str = ""
    created_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    """A person's role in one project.  ``pending`` until a partner consents."""

    __table_args__ = (UniqueConstraint("person_id", "project_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    project_id: str = Field(foreign_key="project.id", index=True)
    role: str  # partner | facilitator | coordinator
    status: str = "pending"  # pending | active
    joined_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    #: staff: when their next digest is due (their own schedule, their time zone)
    next_digest_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: a partner's invite, used up only when they consent (declining leaves it for another try)
    invite_code: str | None = Field(default=None, max_length=64)


class Invite(SQLModel, table=True):
    """A single-use (by default), expiring code behind a t.me deep link."""

    code: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(foreign_key="project.id")
    role: str = "partner"
    uses_left: int = 1
    created_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class FlowVersion(SQLModel, table=True):
    """Every flow version ever used, so a check-in finishes on the version it began
    with and old answers stay readable, even after the file changed or went."""

    __table_args__ = (UniqueConstraint("flow_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    flow_id: str = Field(max_length=100)
    version: str = Field(max_length=100)
    source: str = Field(sa_type=Text)
    loaded_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)


class Checkin(SQLModel, table=True):
    """One check-in for one partner: a schedule row until it is due, then the
    conversation's state until it ends."""

    __table_args__ = (
        # the scheduler's claim reads due rows by status and time: keep it an index scan
        Index("ix_checkin_status_due", "status", "due_at"),
        Index("ix_checkin_person_status", "person_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    project_id: str = Field(foreign_key="project.id")
    flow_id: str = Field(max_length=100)
    flow_version: str | None = Field(default=None, max_length=100)
    #: scheduled -> active -> completed | stopped | expired (no response);
    #: scheduled -> missed (came due while the bot was down, or the partner was away)
    status: str = "scheduled"
    due_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: when the one reminder went; NULL = not yet
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: a long message Telegram split is being joined: if no next part comes by then, what came is the answer
    waiting_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    #: the activity an after_activity or before_activity check-in was scheduled for
    activity_id: int | None = Field(default=None, foreign_key="activity.id", index=True, ondelete="SET NULL")


class Answer(SQLModel, table=True):
    """One answer, with the question exactly as it was asked.  Anonymous answers
    keep no link to the partner or their check-in."""

    __table_args__ = (
        # digests: a partner's last answer, and a project's answers of the last weeks
        Index("ix_answer_person_answered", "person_id", "answered_at"),
        Index("ix_answer_project_answered", "project_id", "answered_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int | None = Field(default=None, foreign_key="checkin.id", index=True, ondelete="CASCADE")
    # indexed by the (person_id, answered_at) and (project_id, answered_at) pairs above: an index of
    # its own would be one more written with every answer
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE")
    project_id: str = Field(foreign_key="project.id")
    flow_id: str = Field(max_length=100)
    flow_version: str = Field(max_length=100)
    step_id: str = Field(max_length=100)
    question: str = Field(sa_type=Text)
    value: Any = Field(default=None, sa_type=JSON)
    display: str = Field(default="", sa_type=Text)
    skipped: bool = False
    anonymous: bool = False
    answered_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    #: what the partner typed at a button question before answering it, kept with the answer
    comment: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})
    #: the partner's Telegram message that gave a typed answer, so an edit of it edits this answer
    message_id: int | None = Field(default=None, sa_type=BigInteger)


class Flag(SQLModel, table=True):
    """An unmet need.  One open flag per partner and need: repeats add evidence."""

    __table_args__ = (
        Index("ix_flag_project_status", "project_id", "status"),
        # "anything to alert about?", asked as each check-in ends: the fresh urgent and high
        # flags only, not every flag waiting for the digest
        Index("ix_flag_project_severity_alerted", "project_id", "severity", "alerted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True, ondelete="SET NULL")
    need: str = Field(max_length=32)
    severity: str = Field(max_length=16)
    #: open -> acknowledged -> resolved | wont_fix; closed when the partner left
    status: str = "open"
    note: str = Field(default="", sa_type=Text)
    opened_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    #: when facilitators were last told about it; NULL = not yet
    alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: past its service level and sent to the coordinators
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: the facilitator's note for the partner ("you said, we did"), or the won't-fix reason
    resolution: str = Field(default="", sa_type=Text)
    #: after "you said, we did": pending -> asked -> met | not_met (the next check-in asks)
    follow_up: str | None = Field(default=None, max_length=16)


class FlagEvidence(SQLModel, table=True):
    """The answers behind a flag."""

    # "did this answer raise a flag?" (digests' trends), and deleting an answer cascades by it
    __table_args__ = (Index("ix_flagevidence_answer_id", "answer_id"),)

    flag_id: int = Field(foreign_key="flag.id", primary_key=True, ondelete="CASCADE")
    answer_id: int = Field(foreign_key="answer.id", primary_key=True, ondelete="CASCADE")


class FlagEvent(SQLModel, table=True):
    """Who changed a flag, how and when."""

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id", index=True, ondelete="CASCADE")
    action: str = Field(max_length=32)  # opened | evidence | acknowledged | resolved | wont_fix | reopened
    actor_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    note: str = Field(default="", sa_type=Text)
    at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)


class StaffPrompt(SQLModel, table=True):
    """A question the bot asked a staff member and is waiting on, e.g. the note
    for the partner when resolving a flag.  One at a time per person."""

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)  # resolve | wont_fix | idea_outcome | ...
    subject_id: int  # the flag or idea it is about
    asked_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    #: what they wrote, shown back to them before anything reaches a partner (Send / Edit / Cancel)
    draft: str | None = Field(default=None, sa_type=Text)


class TeamMessage(SQLModel, table=True):
    """One message in the thread between a partner and their project's team, in order:
    a partner's message to the team, or a facilitator's reply (sent after a preview)."""

    __table_args__ = (Index("ix_teammessage_partner_project", "partner_id", "project_id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id")
    partner_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    #: the facilitator who wrote a reply; None for the partner's own message
    author_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    text: str = Field(sa_type=Text)
    sent_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class Idea(SQLModel, table=True):
    """The influence ledger: a partner's idea or suggestion, and what came of it."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="project.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True, ondelete="CASCADE")
    text: str = Field(sa_type=Text)
    #: new -> adopted | changed | not_taken_up
    status: str = Field(default="new", max_length=16)
    outcome: str = Field(default="", sa_type=Text)
    decided_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: when the partner was told in their monthly summary
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsentRecord(SQLModel, table=True):
    """Each consent decision.  A refusal keeps no person: only that it happened."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True, ondelete="CASCADE")
    project_id: str | None = Field(default=None, foreign_key="project.id")
    version: str = Field(max_length=32)
    decision: str = Field(max_length=16)  # accepted | declined
    at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """What staff and the system did with people's data: refused role checks,
    exports, erasures, flag changes, imports.  Never partner text."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime, index=True)
    action: str = Field(max_length=32)  # refused | export | erasure | flag_change | import | ...
    actor_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    project_id: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="", sa_type=Text)


class InboxUpdate(SQLModel, table=True):
    """An update stored before Telegram is told "200 OK" (webhook mode), so a crash
    after the answer loses nothing.  Workers claim them one chat at a time, in
    update order, so each partner's messages are handled in the order sent."""

    __table_args__ = (
        Index("ix_inbox_status_chat", "status", "chat_id", "update_id"),
        # retention clears and deletes handled rows by age (storage/retention.py)
        Index("ix_inbox_status_received", "status", "received_at"),
    )

    update_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    #: the chat (or user) the update belongs to; NULL for updates without one
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    #: the raw update (names, text): cleared once it is handled or parked (storage/retention.py)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
    #: pending -> processing -> done | parked.  ``parked``: it failed ``failures`` times (or its
    #: process died handling it), so it is set aside for `checkin doctor`; polling mode parks here too
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    #: times handling it raised (not database outages: those are retried without counting)
    failures: int = 0
    #: why it was parked: the exception's type and where, never partner text
    error: str | None = Field(default=None, sa_type=Text)
    received_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update ids already handled, written in the same transaction as
    their effects, so a redelivered update is processed once."""

    update_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    #: indexed for retention, which forgets ids by age (storage/retention.py)
    processed_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime, index=True)


class TypedChoices(SQLModel, table=True):
    """What a partner may type to answer a message sent without buttons (the "no buttons"
    access need): each word (a number, the option's label, "delete") and the button data
    it stands for, so a typed "2" does what a tap would (bot/front_door.py).  Kept from
    ``shown_from`` (when the message may be sent: a held one counts from its time) until a
    newer one is shown or the partner types something else."""

    __table_args__ = (Index("ix_typedchoices_chat_shown", "chat_id", "shown_from"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    choices: dict[str, str] = Field(sa_type=JSON)
    shown_from: datetime = Field(sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message waiting to be sent, queued in the transaction that decided it.

    pending -> sending -> sent | failed | uncertain.  ``uncertain`` means the
    send may or may not have reached Telegram (a timeout or a crash mid-send):
    it is never resent blindly.
    """

    # the claim walks pending rows in id order and stops at its batch: without (status, id) it
    # sorted every pending row (25 ms a claim with 20,000 queued)
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "not_before"),
        Index("ix_outbox_status_id", "status", "id"),
        # pruning goes by age.  Each status change moves a message in every index on status, so this
        # one leaves status out (and the claim does without an index by chat)
        Index("ix_outbox_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    method: str = Field(
        max_length=32
    )  # sendMessage | editMessageText | editMessageReplyMarkup | sendPhoto | sendDocument
    payload: dict[str, Any] = Field(sa_type=JSON)
    status: str = "pending"
    attempts: int = 0
    not_before: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=_utc_now, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    telegram_message_id: int | None = Field(default=None, sa_type=BigInteger)
    error: str | None = Field(default=None, sa_type=Text)
    #: what the message asks for, if a partner must answer it ("checkin:<id>", "consent:<person id>"),
    #: so a send that may not have arrived is followed up (bot/partners/lost_messages.py)
    ref: str | None = Field(default=None, max_length=64)
    followed_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Lease(SQLModel, table=True):
    """A job only one process may do at a time (sending: Telegram's overall rate
    limit is per bot, not per process).  The holder renews it; when a holder dies
    its lease runs out and another process takes over."""

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=128)
    expires_at: datetime = Field(sa_type=UTCDateTime)
