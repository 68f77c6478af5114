"""A year of a deployment's data, written in bulk for bench/year.py.

10,000 partners in five projects (Carers' Voice has 2,000) and twenty staff, with a year of
history played week by week: an after-activity check-in after each week's session, the pulse
every month, "what's next" every quarter, onboarding when a partner joins, and one partner (the
first) with three years of it.  Each check-in's messages, answers, flags and final state come
from the bundled flows run through the real engine (``flows.engine``), turned into payloads as
the bot does (``bot.core.telegram_format.prompt_payload``), once per distinct path.  Free-text
answers that reach the team open flags as ``bot.partners.team_needs`` does.  Flags gather
evidence, are alerted, acknowledged, resolved or escalated, and each step leaves its messages,
events and audit rows; facilitators get a digest (with its chart) every weekday; every partner
or staff action is a processed update.

Ids follow time, as in a real database: a partner's answers are spread through the table, not
side by side.  Rows are written a week at a time, one transaction a week: ``executemany`` on
SQLite (foreign keys unchecked and no journal while seeding: the rows are consistent by
construction) and ``COPY`` on PostgreSQL.  Nothing is under way at the end of the year (no
active check-in, no pending message); the check-ins still to come are scheduled after ``now``.
"""

from __future__ import annotations

import base64
import functools
import json
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlmodel import SQLModel

from bot.core import texts
from bot.core.callbacks import FlagAction
from bot.core.telegram_format import plain, prompt_payload, text_payload
from bot.partners import team_needs
from flows.engine import advance, start
from flows.loader import load_flows
from flows.model import DONE_VALUE, SKIP_VALUE, Flow, Step
from flows.types import Context, Input, Outcome
from storage.models import (
    Activity,
    Answer,
    AuditEvent,
    Checkin,
    ConsentRecord,
    Flag,
    FlagEvent,
    FlagEvidence,
    FlowVersion,
    Idea,
    Membership,
    OutboxMessage,
    Person,
    ProcessedUpdate,
    Project,
    TeamMessage,
    table_of,
)

#: change when what is seeded changes: the cached SQLite file is keyed by it (and by the schema)
SEED_VERSION = 1
LIBRARY = Path(__file__).resolve().parents[1] / "flows" / "library"
#: (id, name, partners, the weekday of its sessions: 0 is Monday)
PROJECTS: list[tuple[str, str, int, int]] = [
    ("carers", "Carers' Voice", 2000, 1),
    ("youth", "Youth Voice", 3000, 2),
    ("recovery", "Recovery Panel", 2500, 3),
    ("access", "Access Forum", 1500, 0),
    ("elders", "Older People's Forum", 1000, 4),
]
FACILITATORS, COORDINATORS = 3, 1
PARTNER_TELEGRAM_IDS = 5_100_000_000
STAFF_TELEGRAM_IDS = 5_200_000_000
#: this bot's first update id (the sandbox numbers its updates from 1: no overlap)
FIRST_UPDATE_ID = 600_000_000
#: the partner with three years of answers (/mydata)
LONG_STANDING = 1
#: the quarter's "what's next" check-in goes out on the 15th of these months
CAPACITY_MONTHS = (1, 4, 7, 10)

NAMES = (
    "Aisha",
    "Alex",
    "Amir",
    "Ann",
    "Ben",
    "Bethan",
    "Carys",
    "Chen",
    "Chloe",
    "Dafydd",
    "Dev",
    "Eleri",
    "Ella",
    "Emre",
    "Fatima",
    "Femi",
    "Finn",
    "Gareth",
    "Grace",
    "Hana",
    "Harri",
    "Ife",
    "Imran",
    "Iwan",
    "Jac",
    "Jade",
    "Jamal",
    "Jo",
    "Kai",
    "Kamala",
    "Lena",
    "Leon",
    "Lowri",
    "Luca",
    "Maya",
    "Megan",
    "Mo",
    "Nia",
    "Niamh",
    "Noor",
    "Olu",
    "Owen",
    "Priya",
    "Rhys",
    "Rosa",
    "Ruth",
    "Sam",
    "Sara",
    "Seren",
    "Sian",
    "Sol",
    "Tariq",
    "Tom",
    "Una",
    "Wren",
    "Yara",
    "Yusuf",
    "Zainab",
    "Zoë",
    "Zofia",
)
#: what partners type: short and long, some naming a need the team should hear of
TYPED = [
    "Nothing for now, thanks.",
    "All good this week.",
    "Could someone call me about the next session? I missed the email.",
    "The bus fare was more than I expected and I'm still waiting for it back.",
    "I'd like the papers a few days earlier please, I need time to read them properly.",
    "It was good to be listened to. The new chair made space for everyone.",
    "I haven't been paid for the last two sessions. Who do I ask about the invoice?",
    "The room was too noisy for me to hear, a hearing loop would help.",
    "I felt rushed at the end. We never got to my point about the waiting list.",
    "Can we have the meeting online sometimes? Getting there takes me two hours with the kids.",
    "Thank you for the flowers, that meant a lot after the month I've had.",
    "I need support with the forms, I don't understand what they want from me and it's stressing me out.",
    "The taxi didn't turn up again so I was late. Third time now.",
    "Please could the slides be in large print next time.",
    "I'd like to help plan the summer event if there's room for one more.",
    "It's been a hard few weeks caring for mum, I might not make the next one but I still want to be "
    "involved. I'll read the notes if someone can send them.",
    "The new parking rules mean I can't park near the building any more. Is there any help with that?",
    "I think we keep talking about the same things and nothing changes. I'd like to know what happened to "
    "the ideas from the spring, especially the one about drop-in hours, because people keep asking me and "
    "I have nothing to tell them.",
    "Good session. More biscuits please!",
    "Not this time.",
]
PAYMENT_TYPED = [
    "Still waiting, three weeks now.",
    "I sent the invoice but heard nothing back.",
    "The voucher didn't arrive, and I need it for the shopping this week.",
    "They said it would be paid on Friday but it wasn't.",
]
TEAM_TEXTS = [
    "Hi, just checking if the date for next month has been set?",
    "Thanks for sorting the travel money so quickly.",
    "Can I bring my daughter to the next session? She's 15 and interested.",
    "I won't be at the next one, I've got a hospital appointment.",
    "Is there a parking space I can use? The car park was full last time and I had to go home.",
]
REPLY_TEXTS = [
    "Thanks for letting us know, see you next time.",
    "Yes, it's the 14th at 10. I'll send the details.",
    "Of course, she's very welcome.",
    "I've asked reception to keep a space for you.",
]
RESOLUTIONS = [
    "Paid today, with an apology for the wait.",
    "We've booked a hearing loop for every session from next month.",
    "Finance have sent the money back to your account; it should be there by Friday.",
    "We've moved the session to the ground floor room.",
    "Papers will now go out a week before, in large print for anyone who asks.",
]
NEED_LABELS = {"payment": "Payment", "expenses": "Expenses", "trust": "Trust and respect", "other": "Something else"}
#: time to acknowledge, by severity (bot/core/config.FlagSettings.sla_hours), and the mean time taken
SLA = {"urgent": timedelta(hours=2), "high": timedelta(hours=48), "low": timedelta(hours=168)}
ACK_MEAN_DAYS = {"urgent": 0.05, "high": 1.5, "low": 4.0, "info": 6.0}
SEVERITY_RANK = {"info": 0, "low": 1, "high": 2, "urgent": 3}

#: per step, (value, weight) to choose from: a list is ticked options (multiple choice)
CHOICES: dict[tuple[str, str], list[tuple[Any, float]]] = {
    ("after-activity", "paid"): [("yes", 0.82), ("declined", 0.15), ("no", 0.03)],
    ("after-activity", "expenses"): [("yes", 0.97), ("no", 0.03)],
    ("after-activity", "heard"): [("5", 0.38), ("4", 0.38), ("3", 0.19), ("2", 0.035), ("1", 0.015)],
    ("pulse", "respect"): [("5", 0.33), ("4", 0.36), ("3", 0.2), ("2", 0.04), ("1", 0.02), (SKIP_VALUE, 0.05)],
    ("pulse", "disagree"): [("yes", 0.9), ("no", 0.05), (SKIP_VALUE, 0.05)],
    ("pulse", "heard_back"): [("yes", 0.55), ("some", 0.32), ("no", 0.08), (SKIP_VALUE, 0.05)],
    ("pulse", "changed"): [("a_lot", 0.25), ("a_little", 0.4), ("not_yet", 0.2), ("unsure", 0.1), (SKIP_VALUE, 0.05)],
    ("pulse", "ladder"): [("informed", 0.15), ("consulted", 0.4), ("partners", 0.35), ("leading", 0.1)],
    ("capacity", "learn"): [(["none"], 0.65), (["speaking"], 0.04), (["chairing", "training"], 0.03)]
    + [(["research"], 0.02), (["online"], 0.01), (SKIP_VALUE, 0.25)],
    ("capacity", "lead"): [("yes", 0.04), ("maybe", 0.06), ("no", 0.75), (SKIP_VALUE, 0.15)],
    ("capacity", "help"): [(["nothing"], 0.68), (["buddy"], 0.03), (["training", "time"], 0.02)]
    + [(["paid"], 0.02), (SKIP_VALUE, 0.25)],
    ("onboarding", "days"): [(["any"], 0.5), (["mon", "wed"], 0.2), (["tue", "thu", "fri"], 0.2), (SKIP_VALUE, 0.1)],
    ("onboarding", "time"): [("any", 0.4), ("09:00-12:00", 0.2), ("12:00-17:00", 0.2), ("17:00-20:00", 0.2)],
    ("onboarding", "quiet"): [("none", 0.6), ("21:00-07:00", 0.2), ("21:00-09:00", 0.2)],
    ("onboarding", "where"): [("same", 0.9), ("unsure", 0.1)],
    ("onboarding", "language"): [("en", 0.95), ("cy", 0.05)],
    ("onboarding", "access"): [(SKIP_VALUE, 0.7), (["large_print"], 0.1), (["plain"], 0.1), (["no_calls"], 0.1)],
}
#: text steps: the chance of a typed answer (else skipped, where it may be)
TEXT_CHANCE = {
    ("after-activity", "payment_detail"): 0.6,
    ("after-activity", "anything_else"): 0.08,
    ("pulse", "anything_else"): 0.08,
    ("capacity", "lead_what"): 0.7,
    ("capacity", "next_thing"): 0.08,
}


def ts(at: datetime | None) -> str | None:
    """A naive UTC datetime as SQLAlchemy stores it on SQLite (PostgreSQL reads it too)."""
    return None if at is None else at.isoformat(" ", "microseconds")


def dumps(value: Any) -> str:
    """JSON as the models' JSON columns write it (``json.dumps``, ASCII)."""
    return json.dumps(value)


def columns_of(model: type[SQLModel], names: str) -> tuple[str, list[str]]:
    """The model's table name and the named columns (checked against the model)."""
    table = table_of(model)
    wanted = names.split()
    missing = [name for name in wanted if name not in table.c]
    assert not missing, f"{table.name} has no column(s) {missing}"
    return table.name, wanted


PERSON = columns_of(
    Person,
    "id telegram_user_id chat_id first_name language timezone status consent_version consented_at paused "
    "away_until preferred_days preferred_window quiet_hours access_needs created_at",
)
PROJECT = columns_of(Project, "id name timezone")
MEMBERSHIP = columns_of(Membership, "id person_id project_id role status joined_at next_digest_at")
ACTIVITY = columns_of(Activity, "id project_id held_on note created_at")
FLOW_VERSION = columns_of(FlowVersion, "id flow_id version source loaded_at")
CONSENT = columns_of(ConsentRecord, "id person_id project_id version decision at")
CHECKIN = columns_of(
    Checkin,
    "id person_id project_id flow_id flow_version status due_at started_at finished_at reminded_at waiting_until state",
)
ANSWER = columns_of(
    Answer,
    "id checkin_id person_id project_id flow_id flow_version step_id question value display skipped anonymous "
    "answered_at comment message_id",
)
FLAG = columns_of(
    Flag,
    "id project_id person_id need severity status note opened_at updated_at alerted_at acknowledged_at closed_at "
    "escalated_at resolution follow_up",
)
EVIDENCE = columns_of(FlagEvidence, "flag_id answer_id")
FLAG_EVENT = columns_of(FlagEvent, "id flag_id action actor_person_id note at")
AUDIT = columns_of(AuditEvent, "id at action actor_telegram_id project_id detail")
PROCESSED = columns_of(ProcessedUpdate, "update_id processed_at")
OUTBOX = columns_of(
    OutboxMessage,
    "id chat_id method payload status attempts not_before created_at claimed_at sent_at telegram_message_id error "
    "ref followed_up_at",
)
IDEA = columns_of(Idea, "id project_id person_id text status outcome decided_by created_at decided_at reported_at")
TEAM_MESSAGE = columns_of(
    TeamMessage, "id project_id partner_id author_id text sent_at acknowledged_at acknowledged_by"
)
#: tables whose id sequence must move past the seeded ids (PostgreSQL)
SEQUENCED = [PERSON, MEMBERSHIP, ACTIVITY, FLOW_VERSION, CONSENT, CHECKIN, ANSWER, FLAG, FLAG_EVENT, AUDIT]
SEQUENCED += [OUTBOX, IDEA, TEAM_MESSAGE]


# -- writing ------------------------------------------------------------------------------------


class Writer:
    """Rows into tables, one transaction per :meth:`commit`; counts what it wrote."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)

    def write(self, table: tuple[str, list[str]], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._write(table[0], table[1], rows)
            self.counts[table[0]] += len(rows)

    def _write(self, name: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last commit: what the database needs before the bot uses it."""


class SQLiteWriter(Writer):
    """Core ``executemany`` on one connection; no foreign key checks and no journal while seeding."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection
        for pragma in ("foreign_keys=OFF", "journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000"):
            connection.exec_driver_sql(f"PRAGMA {pragma}").close()  # closed: an unread PRAGMA keeps a lock
        connection.commit()
        self.statements: dict[str, str] = {}

    def _write(self, name: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        statement = self.statements.get(name)
        if statement is None:
            statement = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            self.statements[name] = statement
        self.connection.exec_driver_sql(statement, [row if isinstance(row, tuple) else tuple(row) for row in rows])

    def commit(self) -> None:
        self.connection.commit()

    def finish(self) -> None:
        """WAL again, as the bot runs it (storage/db.py); no ANALYZE, as the bot runs none."""
        self.connection.exec_driver_sql("PRAGMA journal_mode=WAL").close()
        self.connection.commit()


class PostgresWriter(Writer):
    """``COPY ... FROM STDIN`` through psycopg, on the connection's own transaction."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        driver = connection.connection.driver_connection
        assert driver is not None
        self.driver: Any = driver

    def _write(self, name: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        with self.driver.cursor() as cursor, cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def commit(self) -> None:
        self.driver.commit()

    def finish(self) -> None:
        """Sequences past the seeded ids, and the statistics autovacuum would gather soon after."""
        with self.driver.cursor() as cursor:
            for name, columns in SEQUENCED:
                key = columns[0]
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', '{key}'), (SELECT max({key}) FROM {name}))"
                )
        self.driver.commit()
        self.driver.autocommit = True
        with self.driver.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.driver.autocommit = False


# -- check-ins as the bot plays them -------------------------------------------------------------

NAME_MARK, PROJECT_MARK, TEXT_MARK = "Zqxname", "Zqxproject", "Zqxtext"
CHECKIN_MARK, MESSAGE_MARK = 987654321, 876543210
STOP = "__stop__"


def _template(text: str) -> str:
    """``text`` with its marks as ``str.format`` fields: {n} name, {p} project, {c} check-in id,
    {m} message id, {t0}, {t1}... what was typed at the flow's text steps."""
    text = text.replace("{", "{{").replace("}", "}}")
    text = text.replace(NAME_MARK, "{n}").replace(PROJECT_MARK, "{p}")
    text = text.replace(str(CHECKIN_MARK), "{c}").replace(str(MESSAGE_MARK), "{m}")
    for n in range(9, -1, -1):
        text = text.replace(f"{TEXT_MARK}{n}", f"{{t{n}}}")
    return text


@dataclass
class Script:
    """One path through a flow as the bot stores and sends it, as templates (see :func:`_template`)."""

    #: the partner's actions (each one update)
    actions: int = 0
    #: (after action n: 0 is the start, method, payload JSON template, whether it asks a question)
    messages: list[tuple[int, str, str, bool]] = field(default_factory=list)
    #: (action n, step id, question, value JSON template, display template, skipped, anonymous, to_team)
    answers: list[tuple[int, str, str, str, str, bool, bool, bool]] = field(default_factory=list)
    #: (action n, need, severity, note, step id) from the flow's flag rules
    flags: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    #: the check-in's state after the last action
    state: str = ""
    #: the question last asked (a reminder asks it again)
    last_question: str | None = None
    #: the flow's text steps: what was typed at each fills {t0}, {t1}...
    typed: int = 0


def _inputs(step: Step, choice: Any, text_mark: str) -> list[Input]:
    if choice == STOP:
        return [Input.typed("stop")]
    if choice == SKIP_VALUE:
        return [Input.tapped(step.id, SKIP_VALUE)]
    if step.kind == "text":
        return [Input.typed(text_mark)]
    if step.kind == "multi":
        return [Input.tapped(step.id, value) for value in choice] + [Input.tapped(step.id, DONE_VALUE)]
    if step.kind == "number":
        return [Input.typed(str(choice))]
    return [Input.tapped(step.id, str(choice))]


def play(flow: Flow, plan: dict[str, Any], previous: dict[str, Any], stop_after: int | None) -> Script:
    """Run ``flow`` through the engine, answering from ``plan`` (step id -> value, ticked options,
    ``SKIP_VALUE``, ``STOP``, or True for typed text), for at most ``stop_after`` actions."""
    ctx = Context(first_name=NAME_MARK, project_name=PROJECT_MARK, language="en", previous=previous)
    text_steps = [step.id for step in flow.steps if step.kind == "text"]
    script = Script(typed=len(text_steps))

    def collect(outcome: Outcome, n: int, tapped: bool) -> None:
        if outcome.edit is not None and tapped:  # a tap edits the message it was on
            payload = {**prompt_payload(outcome.edit, CHECKIN_MARK), "message_id": MESSAGE_MARK}
            script.messages.append((n, "editMessageText", _template(dumps(payload)), False))
        for prompt in outcome.prompts:
            payload_json = _template(dumps(prompt_payload(prompt, CHECKIN_MARK)))
            script.messages.append((n, "sendMessage", payload_json, prompt.step_id is not None))
            if prompt.step_id is not None:
                script.last_question = payload_json
        for record in outcome.answers:
            script.answers.append(
                (n, record.step_id, record.question, _template(dumps(record.value)), _template(record.display))
                + (record.skipped, record.anonymous, record.to_team and not record.skipped)
            )
        for request in outcome.flags:
            script.flags.append((n, request.need, request.severity, request.note, request.step_id or ""))

    outcome = start(flow, ctx)
    collect(outcome, 0, False)
    while outcome.state.status == "active" and (stop_after is None or script.actions < stop_after):
        step = flow.step(outcome.state.step_id or "")
        assert step is not None and script.actions < 60, f"{flow.id}: the plan {plan} went round in circles"
        mark = f"{TEXT_MARK}{text_steps.index(step.id)}" if step.id in text_steps else ""
        for inp in _inputs(step, plan.get(step.id, SKIP_VALUE), mark):
            if stop_after is not None and script.actions >= stop_after:
                break
            script.actions += 1
            outcome = advance(flow, outcome.state, inp, ctx)
            collect(outcome, script.actions, inp.kind == "choice")
    script.state = _template(dumps(outcome.state.to_dict()))
    return script


def _choose(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    roll = rng.random() * sum(weight for _, weight in options)
    for value, weight in options:
        roll -= weight
        if roll <= 0:
            return value
    return options[-1][0]


def make_plan(rng: random.Random, flow: Flow) -> tuple[tuple[str, Any], ...]:
    """How a partner answers this time, step by step."""
    plan: list[tuple[str, Any]] = []
    for step in flow.steps:
        if step.kind == "info":
            continue
        options = CHOICES.get((flow.id, step.id))
        if options is not None:
            value = _choose(rng, options)
            plan.append((step.id, tuple(value) if isinstance(value, list) else value))
        elif step.kind == "text":
            typed = rng.random() < TEXT_CHANCE.get((flow.id, step.id), 0.3)
            plan.append((step.id, True if typed or not step.skippable else SKIP_VALUE))
        else:
            values = step.option_values()
            plan.append((step.id, values[0] if rng.random() < 0.7 else rng.choice(values)))
    return tuple(plan)


@functools.cache
def _need_in(text: str) -> str | None:
    return team_needs.need_in(text)


@functools.cache
def _json_text(text: str) -> str:
    """``text`` as it appears inside a JSON string."""
    return json.dumps(text)[1:-1]


# -- the year -------------------------------------------------------------------------------------

Message = tuple[datetime, int, str, str, "str | None"]  # when, chat, method, payload JSON, ref


@dataclass
class FlagRow:
    id: int
    project_id: str
    person_id: int
    need: str
    severity: str
    note: str
    opened_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    status: str
    escalated_at: datetime | None
    alerted_at: datetime | None
    updated_at: datetime
    resolution: str = ""
    follow_up: str | None = None

    def row(self) -> tuple[Any, ...]:
        return (self.id, self.project_id, self.person_id, self.need, self.severity, self.status, self.note) + (
            ts(self.opened_at),
            ts(self.updated_at),
            ts(self.alerted_at),
            ts(self.acknowledged_at),
            ts(self.closed_at),
            ts(self.escalated_at),
            self.resolution,
            self.follow_up,
        )


@dataclass
class Partner:
    id: int
    telegram_id: int
    name: str
    project: str
    project_name: str
    created_at: datetime
    #: the chance they finish a check-in
    keen: float
    unreachable: bool = False
    last_paid_no: bool = False
    #: their open (or acknowledged) flag for each need
    open_flags: dict[str, FlagRow] = field(default_factory=dict)


@dataclass
class Seeded:
    """What the benchmark needs to know about a seeded year."""

    now: datetime
    counts: dict[str, int]
    #: the facilitator whose digest is timed (Carers' Voice), and the partner with three years
    facilitator_telegram_id: int
    long_standing_telegram_id: int
    projects: list[tuple[str, str]]

    def to_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "counts": self.counts,
            "facilitator_telegram_id": self.facilitator_telegram_id,
            "long_standing_telegram_id": self.long_standing_telegram_id,
            "projects": self.projects,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Seeded:
        return cls(
            now=datetime.fromisoformat(data["now"]),
            counts=data["counts"],
            facilitator_telegram_id=data["facilitator_telegram_id"],
            long_standing_telegram_id=data["long_standing_telegram_id"],
            projects=[(pid, name) for pid, name in data["projects"]],
        )


class Year:
    """Plays the year week by week and hands each week's rows to a :class:`Writer`."""

    def __init__(self, writer: Writer, now: datetime, chart_png: bytes, seed: int = 7) -> None:
        self.w = writer
        self.now = now.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)
        self.year_start = self.now - timedelta(days=365)
        first = self.now - timedelta(days=3 * 365 + 2)  # the long-standing partner joined
        self.first_monday = (first - timedelta(days=first.weekday())).replace(hour=0, minute=0)
        self.rng = random.Random(seed)
        self.flows = load_flows([LIBRARY])
        self.scripts: dict[tuple[Any, ...], Script] = {}
        self.chart_b64 = base64.b64encode(chart_png).decode()
        self.ids: dict[str, int] = defaultdict(int)
        self.update_id = FIRST_UPDATE_ID
        self.partners: list[Partner] = []
        #: project -> role -> [(person id, chat id)]
        self.staff: dict[str, dict[str, list[tuple[int, int]]]] = {}
        self.flags: list[FlagRow] = []
        self.evidence: set[tuple[int, int]] = set()
        self.flag_events: list[tuple[datetime, int, str, int | None, str]] = []
        self.audit: list[tuple[datetime, str, int | None, str | None, str]] = []
        #: messages and updates that happen in a later week than what caused them, by week
        self.later: dict[int, list[Message]] = defaultdict(list)
        self.later_updates: dict[int, list[datetime]] = defaultdict(list)

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def play_year(self, progress: Callable[[str], None] | None = None) -> None:
        self.people()
        monday, week, joined = self.first_monday, 0, 0
        by_join = sorted(self.partners, key=lambda p: p.created_at)
        while monday < self.now:
            end = min(monday + timedelta(days=7), self.now)
            while joined < len(by_join) and by_join[joined].created_at < end:
                joined += 1
            self.week(week, monday, end, by_join[:joined])
            if progress is not None and week % 8 == 0:
                progress(f"{monday:%Y-%m-%d}: {self.w.counts.get(OUTBOX[0], 0):,} messages so far")
            monday += timedelta(days=7)
            week += 1
        self.finish()

    # -- people -----------------------------------------------------------------------------

    def people(self) -> None:
        rng, year_start = self.rng, self.year_start
        self.w.write(PROJECT, [(pid, name, "Europe/London") for pid, name, _, _ in PROJECTS])
        persons: list[tuple[Any, ...]] = []
        memberships: list[tuple[Any, ...]] = []
        consents: list[tuple[Any, ...]] = []
        for project, name, count, _ in PROJECTS:
            for _ in range(count):
                pid = self.next_id("person")
                if pid == LONG_STANDING:
                    created, keen = self.first_monday + timedelta(days=3), 1.0
                else:
                    # the launch: most joined in the first month, the rest through the year
                    launch = rng.random() < 0.7
                    created = year_start + timedelta(days=rng.uniform(0, 30) if launch else rng.uniform(30, 350))
                    keen = rng.choices([0.95, 0.75, 0.45], [0.65, 0.25, 0.10])[0]
                partner = Partner(pid, PARTNER_TELEGRAM_IDS + pid, rng.choice(NAMES), project, name, created, keen)
                partner.unreachable = pid != LONG_STANDING and rng.random() < 0.03
                self.partners.append(partner)
                window = rng.choice([None, None, "09:00-12:00", "12:00-17:00", "17:00-20:00"])
                persons.append(
                    (pid, partner.telegram_id, partner.telegram_id, partner.name, "cy" if rng.random() < 0.05 else "en")
                    + (
                        None,
                        "unreachable" if partner.unreachable else "active",
                        "1",
                        ts(created + timedelta(minutes=1)),
                    )
                    + (int(pid != LONG_STANDING and rng.random() < 0.02), None)
                    + (dumps(rng.choice([["any"], ["mon", "wed"], ["tue", "thu", "fri"]])) if window else None, window)
                    + (rng.choice([None, None, "21:00-07:00"]), dumps(["large_print"]) if rng.random() < 0.05 else None)
                    + (ts(created),)
                )
                memberships.append((self.next_id("membership"), pid, project, "partner", "active", ts(created), None))
                consents.append((self.next_id("consent"), pid, project, "1", "accepted", ts(created)))
        for _ in range(500):  # people who said no: a refusal keeps no person
            at = year_start + timedelta(days=rng.uniform(0, 360))
            consents.append((self.next_id("consent"), None, rng.choice(PROJECTS)[0], "1", "declined", ts(at)))
        digest_at = self.now.replace(hour=9, minute=0)
        while digest_at <= self.now or digest_at.weekday() > 4:
            digest_at += timedelta(days=1)
        for project, _, _, _ in PROJECTS:
            self.staff[project] = {"facilitator": [], "coordinator": []}
            for role, count in (("facilitator", FACILITATORS), ("coordinator", COORDINATORS)):
                for _ in range(count):
                    pid = self.next_id("person")
                    telegram_id, created = STAFF_TELEGRAM_IDS + pid, self.first_monday
                    persons.append(
                        (pid, telegram_id, telegram_id, rng.choice(NAMES), "en", "Europe/London", "active", None)
                        + (None, 0, None, None, None, None, None, ts(created))
                    )
                    due = ts(digest_at) if role == "facilitator" else None
                    memberships.append((self.next_id("membership"), pid, project, role, "active", ts(created), due))
                    self.staff[project][role].append((pid, telegram_id))
        self.w.write(PERSON, persons)
        self.w.write(MEMBERSHIP, memberships)
        self.w.write(CONSENT, consents)
        loaded = ts(self.first_monday)
        flows = [(self.next_id("flow"), f.id, f.version, f.source, loaded) for f in self.flows.values()]
        self.w.write(FLOW_VERSION, flows)
        self.w.commit()

    # -- a week -----------------------------------------------------------------------------

    def week(self, week: int, monday: datetime, end: datetime, partners: list[Partner]) -> None:
        rng = self.rng
        held, activities = {}, []  # the week's sessions: after-activity check-ins the next day from 10:00
        for project, _, _, weekday in PROJECTS:
            day = monday + timedelta(days=weekday)
            if rng.random() < 0.96 and day + timedelta(days=1, hours=14) < self.now:
                held[project] = day
                activities.append((self.next_id("activity"), project, day.date().isoformat(), "", ts(day)))
        firsts = [d for d in (monday + timedelta(days=n) for n in range(7)) if d.day in (1, 15) and d < end]
        due: list[tuple[datetime, str, Partner]] = []
        for partner in partners:
            if partner.created_at >= monday:
                due.append((partner.created_at + timedelta(minutes=2), "onboarding", partner))
            session = held.get(partner.project)
            if session is not None and session > partner.created_at:
                at = session + timedelta(days=1, hours=10, minutes=rng.randrange(0, 120))
                due.append((at, "after-activity", partner))
            for first in firsts:
                if first.day == 15 and first.month not in CAPACITY_MONTHS:
                    continue
                at = first + timedelta(hours=10, minutes=rng.randrange(0, 180))
                if partner.created_at + timedelta(days=3) < at < self.now - timedelta(hours=4):
                    due.append((at, "pulse" if first.day == 1 else "capacity", partner))
        due.sort(key=lambda item: item[0])
        checkins: list[tuple[Any, ...]] = []
        answers: list[list[Any]] = []
        outbox: list[Message] = self.later.pop(week, [])
        updates: list[datetime] = self.later_updates.pop(week, [])
        raised: list[tuple[datetime, Partner, tuple[int, str, str, str, str], int | None]] = []
        for at, flow_id, partner in due:
            self.checkin(at, flow_id, partner, checkins, answers, outbox, updates, raised)
        # the week's answers get their ids in time order; then the flags they raised can name them
        answers.sort(key=lambda row: row[12])
        ids = {}
        for row in answers:
            answer_id = self.next_id("answer")
            ids[row[0]] = answer_id
            row[0] = answer_id
        raised.sort(key=lambda item: item[0])
        for at, partner, request, ref in raised:
            self.raise_flag(at, partner, request, ids.get(ref) if ref is not None else None, outbox)
        self.digests(monday, end, outbox)
        outbox.sort(key=lambda message: message[0])
        outbox_rows = [self.outbox_row(*message) for message in outbox]
        updates.sort()
        processed = [(self.update_id + n, ts(at)) for n, at in enumerate(updates, 1)]
        self.update_id += len(updates)
        self.w.write(ACTIVITY, activities)
        self.w.write(CHECKIN, checkins)
        self.w.write(ANSWER, answers)
        self.w.write(OUTBOX, outbox_rows)
        self.w.write(PROCESSED, processed)
        self.w.commit()

    def outbox_row(self, at: datetime, chat: int, method: str, payload: str, ref: str | None) -> tuple[Any, ...]:
        """A message as the outbox leaves it: sent (a few failed or uncertain)."""
        roll = self.rng.random()
        queued = ts(at)
        claimed = ts(at + timedelta(seconds=0.02))
        if roll < 0.996:
            sent = ts(at + timedelta(seconds=0.05 + roll))
            return (self.next_id("outbox"), chat, method, payload, "sent", 1, queued, queued, claimed, sent) + (
                int(roll * 1e7),
                None,
                ref,
                None,
            )
        status, error = ("failed", "Forbidden: bot was blocked by the user") if roll < 0.999 else ("uncertain", "")
        error = error or "interrupted while sending"
        return (self.next_id("outbox"), chat, method, payload, status, 1, queued, queued, claimed, None, None) + (
            error,
            ref,
            None,
        )

    def script(self, flow: Flow, plan: tuple[tuple[str, Any], ...], paid_no: bool, stop_after: int | None) -> Script:
        key = (flow.id, plan, paid_no, stop_after)
        script = self.scripts.get(key)
        if script is None:
            answers = {step: list(value) if isinstance(value, tuple) else value for step, value in plan}
            script = play(flow, answers, {"paid": "no"} if paid_no else {}, stop_after)
            self.scripts[key] = script
        return script

    def checkin(
        self,
        due_at: datetime,
        flow_id: str,
        partner: Partner,
        checkins: list[tuple[Any, ...]],
        answers: list[list[Any]],
        outbox: list[Message],
        updates: list[datetime],
        raised: list[tuple[datetime, Partner, tuple[int, str, str, str, str], int | None]],
    ) -> None:
        """One check-in: missed, stopped, left unanswered (reminded, then expired) or completed."""
        rng, flow = self.rng, self.flows[flow_id]
        checkin_id = self.next_id("checkin")
        keen = 0.97 if flow_id == "onboarding" else 0.0 if partner.unreachable and rng.random() < 0.5 else partner.keen
        roll = rng.random()
        stop_after: int | None = None
        if roll < keen:
            outcome = "completed"
        elif roll < keen + (1 - keen) * 0.75 and due_at + timedelta(hours=73) <= self.now:
            outcome, stop_after = "expired", rng.choice((0, 0, 1, 2))
        elif roll < keen + (1 - keen) * 0.85:
            outcome = "stopped"
        elif due_at + timedelta(hours=73) > self.now:  # it would close after the year's end: answered instead
            outcome = "completed"
        else:  # the partner was away, or the send failed
            closed = ts(due_at + timedelta(hours=6))
            checkins.append(
                (checkin_id, partner.id, partner.project, flow_id, None, "missed", ts(due_at), None, closed)
            )
            checkins[-1] += (None, None, None)
            return
        plan = make_plan(rng, flow)
        if outcome == "stopped":
            cut = rng.randrange(0, max(1, len(plan) - 1))
            plan = (*plan[:cut], (plan[cut][0], STOP), *plan[cut + 1 :])
        script = self.script(flow, plan, flow_id == "after-activity" and partner.last_paid_no, stop_after)
        started = due_at + timedelta(seconds=0.2 + 3 * rng.random())
        times = [started]
        at = started + timedelta(seconds=min(3600, rng.expovariate(1 / 900)))  # they see it a while later
        for _ in range(script.actions):
            at += timedelta(seconds=4 + 56 * rng.random())
            times.append(at)
        typed = [
            rng.choice(PAYMENT_TYPED if n == 0 and flow_id == "after-activity" else TYPED) for n in range(script.typed)
        ]
        as_json = {"n": _json_text(partner.name), "p": _json_text(partner.project_name), "c": checkin_id, "m": 0}
        as_text = {"n": partner.name, "p": partner.project_name, "c": checkin_id, "m": 0}
        for n, words in enumerate(typed):
            as_json[f"t{n}"], as_text[f"t{n}"] = _json_text(words), words
        chat, ref = partner.telegram_id, f"checkin:{checkin_id}"
        for n, method, payload, asks in script.messages:
            outbox.append((times[n], chat, method, payload.format_map(as_json), ref if asks else None))
        updates.extend(action + timedelta(seconds=0.3) for action in times[1:])
        refs: dict[str, int] = {}
        for n, step_id, question, value, display, skipped, anonymous, to_team in script.answers:
            refs[step_id] = ref_n = len(answers)  # until the week's answers are in time order
            value = value.format_map(as_json)
            answers.append(
                [ref_n, None if anonymous else checkin_id, None if anonymous else partner.id, partner.project]
                + [flow_id, flow.version, step_id, question, value, display.format_map(as_text), int(skipped)]
                + [int(anonymous), ts(times[n]), "", int(1e6 * rng.random()) if "{t" in display else None]
            )
            if to_team:  # bot/partners/team_needs.open_flags
                need = _need_in(as_text[f"t{display[2]}"]) if display.startswith("{t") else None
                severity = team_needs.RECOGNISED_SEVERITY if need else team_needs.OTHER_SEVERITY
                raised.append((times[n], partner, (n, need or "other", severity, team_needs.NOTE, step_id), ref_n))
            if step_id == "paid" and flow_id == "after-activity" and outcome == "completed":
                partner.last_paid_no = value == '"no"'
        for request in script.flags:
            raised.append((times[request[0]], partner, request, refs.get(request[4])))
        finished, reminded = times[-1], None
        if outcome == "expired":
            reminded, finished = started + timedelta(hours=24), started + timedelta(hours=72)
            outbox.append((reminded, chat, "sendMessage", dumps(plain(texts.REMINDER)), None))
            if script.last_question is not None:
                outbox.append((reminded, chat, "sendMessage", script.last_question.format_map(as_json), ref))
        checkins.append(
            (checkin_id, partner.id, partner.project, flow_id, flow.version, outcome, ts(due_at), ts(started))
            + (ts(finished), ts(reminded), None, script.state.format_map(as_json))
        )

    # -- flags --------------------------------------------------------------------------------

    def raise_flag(
        self,
        at: datetime,
        partner: Partner,
        request: tuple[int, str, str, str, str],
        answer_id: int | None,
        outbox: list[Message],
    ) -> None:
        """bot/partners/conversation.apply_outcome -> storage/flags.open_flag, and what staff then do."""
        rng = self.rng
        _, need, severity, note, _ = request
        flag = partner.open_flags.get(need)
        if flag is not None and (flag.closed_at is None or flag.closed_at > at):  # more evidence
            if SEVERITY_RANK[severity] > SEVERITY_RANK[flag.severity]:
                flag.severity = severity
            flag.updated_at = max(flag.updated_at, at)
            self.flag_events.append((at, flag.id, "evidence", None, note))
            if answer_id is not None:
                self.evidence.add((flag.id, answer_id))
            return
        acknowledged = at + timedelta(days=rng.expovariate(1 / ACK_MEAN_DAYS[severity]))
        closed = acknowledged + timedelta(days=rng.expovariate(1 / (30 if rng.random() < 0.1 else 5)))
        outcome = "resolved" if rng.random() < 0.85 else "wont_fix"
        sla = SLA.get(severity)
        escalated = at + sla if sla is not None and acknowledged > at + sla and at + sla <= self.now else None
        flag = FlagRow(
            id=self.next_id("flag"),
            project_id=partner.project,
            person_id=partner.id,
            need=need,
            severity=severity,
            note=note,
            opened_at=at,
            acknowledged_at=acknowledged if acknowledged <= self.now else None,
            closed_at=closed if closed <= self.now else None,
            status=outcome if closed <= self.now else "acknowledged" if acknowledged <= self.now else "open",
            escalated_at=escalated,
            alerted_at=at if severity in ("urgent", "high") else None,
            updated_at=at,
        )
        self.flags.append(flag)
        partner.open_flags[need] = flag
        if answer_id is not None:
            self.evidence.add((flag.id, answer_id))
        self.flag_events.append((at, flag.id, "opened", None, note))
        staff = self.staff[partner.project]
        label = NEED_LABELS.get(need, need.capitalize())
        alert = self.alert(flag, partner, label)
        if flag.alerted_at is not None:  # high and urgent: at the check-in's end
            outbox.extend(
                (at + timedelta(seconds=1), chat, "sendMessage", alert, None) for _, chat in staff["facilitator"]
            )
        actor, actor_chat = rng.choice(staff["facilitator"])
        if escalated is not None:
            self.flag_events.append((escalated, flag.id, "escalated", None, ""))
            self.audit.append((escalated, "flag_change", None, flag.project_id, f"flag {flag.id} escalated"))
            header = dumps(text_payload(escape(texts.ESCALATED_HEADER, quote=False)))
            for _, chat in staff["coordinator"]:
                self.later_message((escalated, chat, "sendMessage", header, None))
                self.later_message((escalated, chat, "sendMessage", alert, None))
        if flag.acknowledged_at is not None:
            self.flag_events.append((acknowledged, flag.id, "acknowledged", actor, ""))
            self.audit.append(
                (acknowledged, "flag_change", actor_chat, flag.project_id, f"flag {flag.id} acknowledged")
            )
            self.later_update(acknowledged)
            told = f"Someone picked up <b>#{flag.id}</b> ({escape(label)}) for {escape(partner.name)}."
            for _, chat in staff["facilitator"]:
                if chat != actor_chat:
                    self.later_message((acknowledged, chat, "sendMessage", dumps(text_payload(told)), None))
        if flag.closed_at is not None:
            flag.resolution = rng.choice(RESOLUTIONS) if outcome == "resolved" else "Not something we can change."
            flag.updated_at = closed
            if outcome == "resolved":  # "is it sorted now?" at their next check-in
                flag.follow_up = "met" if closed + timedelta(days=7) <= self.now else "pending"
            self.flag_events.append((closed, flag.id, outcome, actor, flag.resolution))
            self.audit.append((closed, "flag_change", actor_chat, flag.project_id, f"flag {flag.id} {outcome}"))
            for n in range(3):  # Resolve, the note, Send
                self.later_update(closed - timedelta(seconds=60 - 20 * n))
            if outcome == "resolved":
                said = plain(texts.YOU_SAID_WE_DID, need=label.lower(), project_name=partner.project_name)
                said["text"] = said["text"].replace("{note}", escape(flag.resolution, quote=False))
                self.later_message((closed, partner.telegram_id, "sendMessage", dumps(said), None))
            told = f"<b>#{flag.id}</b> was closed: {escape(flag.resolution)}"
            for _, chat in staff["facilitator"]:
                if chat != actor_chat:
                    self.later_message((closed, chat, "sendMessage", dumps(text_payload(told)), None))

    def alert(self, flag: FlagRow, partner: Partner, label: str) -> str:
        """An alert as bot/staff/templates/alert.html.j2 renders it, with the flag's buttons."""
        html = (
            f"<b>{escape(partner.project_name)}</b>: a need to look at now\n\n"
            f"<b>#{flag.id}</b> <b>{escape(label)}</b> ({flag.severity}) · {escape(partner.name)} · "
            f"since {flag.opened_at:%-d %b}\n{escape(flag.note)}\n"
            "<i>Have you been paid for your last session?</i> — Not yet"
        )
        return dumps(text_payload(html, [self.flag_buttons(flag.id)]))

    @staticmethod
    def flag_buttons(flag_id: int) -> list[tuple[str, str]]:
        return [
            (f"Acknowledge #{flag_id}", FlagAction("acknowledge", flag_id).data()),
            (f"Resolve #{flag_id}", FlagAction("resolve", flag_id).data()),
            (f"Won't fix #{flag_id}", FlagAction("wontfix", flag_id).data()),
        ]

    def later_message(self, message: Message) -> None:
        if message[0] < self.now:
            self.later[int((message[0] - self.first_monday) / timedelta(days=7))].append(message)

    def later_update(self, at: datetime) -> None:
        if at < self.now:
            self.later_updates[int((at - self.first_monday) / timedelta(days=7))].append(at)

    # -- staff ----------------------------------------------------------------------------------

    def digests(self, monday: datetime, end: datetime, outbox: list[Message]) -> None:
        """Each facilitator's digest on weekdays at 09:00: a few messages of flags with their
        buttons, then the trend chart (bot/staff/digest.queue_digest)."""
        rng = self.rng
        for day in range(5):
            at = monday + timedelta(days=day, hours=9)
            if at < self.year_start or at >= end:
                continue
            for project, name, _, _ in PROJECTS:
                for _, chat in self.staff[project]["facilitator"]:
                    for _ in range(rng.choice((1, 2, 2, 3, 4))):
                        outbox.append((at, chat, "sendMessage", self.digest_piece(name), None))
                    photo = {
                        "content_b64": self.chart_b64,
                        "filename": "trend.png",
                        "caption": f"{name}, last 8 weeks: trust 81% to 84%; influence 70% to 76%; needs met 93%.",
                        "parse_mode": "HTML",
                    }
                    outbox.append((at + timedelta(seconds=2), chat, "sendPhoto", dumps(photo), None))

    def digest_piece(self, project_name: str) -> str:
        """One message of a digest: up to 30 flags with three buttons each."""
        rng = self.rng
        items, buttons = [], []
        for _ in range(rng.randrange(12, 30)):
            flag_id = rng.randrange(1, 100_000)
            items.append(
                f"<b>#{flag_id}</b> <b>Trust and respect</b> (low) · {rng.choice(NAMES)} · since 3 Mar (12 days)\n"
                "Felt 2 out of 5 heard in the session.\n<i>How heard did you feel in the session?</i> — 2 out of 5"
            )
            buttons.append(self.flag_buttons(flag_id))
        html = f"<b>{escape(project_name)}</b>\n\n<b>Still open, oldest first</b>\n\n" + "\n\n".join(items)
        return dumps(text_payload(html, buttons))

    def team_and_ideas(self) -> None:
        """Messages between partners and their team, and the ideas ledger."""
        rng = self.rng
        messages: list[tuple[datetime, str, int, int | None, str, datetime | None, int | None]] = []
        ideas = []
        for partner in self.partners:
            since = max(partner.created_at, self.year_start)
            span = (self.now - since).total_seconds()
            facilitator = rng.choice(self.staff[partner.project]["facilitator"])[0]
            for _ in range(rng.randrange(1, 6) if rng.random() < 0.35 else 0):
                at = since + timedelta(seconds=rng.uniform(0, span))
                replied = at + timedelta(hours=rng.uniform(1, 48))
                if replied < self.now:
                    messages.append(
                        (at, partner.project, partner.id, None, rng.choice(TEAM_TEXTS), replied, facilitator)
                    )
                    reply = rng.choice(REPLY_TEXTS)
                    messages.append((replied, partner.project, partner.id, facilitator, reply, None, None))
                else:
                    messages.append((at, partner.project, partner.id, None, rng.choice(TEAM_TEXTS), None, None))
            if rng.random() < 0.2:
                at = since + timedelta(seconds=rng.uniform(0, span))
                decided: datetime | None = at + timedelta(days=rng.uniform(3, 40))
                told = None
                if decided is not None and decided >= self.now:
                    decided = None
                elif decided is not None:  # told in the monthly summary, from 10:00 on the 1st
                    told = (decided.replace(day=1, hour=10, minute=0) + timedelta(days=32)).replace(day=1)
                    told = told if told < self.now else None
                ideas.append(
                    (self.next_id("idea"), partner.project, partner.id, rng.choice(TYPED))
                    + (rng.choice(["adopted", "changed", "not_taken_up"]) if decided else "new",)
                    + ("We talked it through at the team meeting." if decided else "", facilitator if decided else None)
                    + (ts(at), ts(decided), ts(told))
                )
        messages.sort(key=lambda row: row[0])
        self.w.write(
            TEAM_MESSAGE,
            [
                (self.next_id("team"), project, partner_id, author, text, ts(at), ts(acknowledged), by)
                for at, project, partner_id, author, text, acknowledged, by in messages
            ],
        )
        self.w.write(IDEA, ideas)

    def finish(self) -> None:
        """What is still to come, the flags with their history, the audit log, the team's messages."""
        for week in sorted(self.later):  # anything dated within the last days
            rows = sorted(self.later.pop(week), key=lambda row: row[0])
            self.w.write(OUTBOX, [self.outbox_row(*row) for row in rows])
        scheduled = []
        pulse = (self.now.replace(day=1, hour=10, minute=0) + timedelta(days=32)).replace(day=1)
        capacity = pulse
        while capacity.month not in CAPACITY_MONTHS:
            capacity = (capacity + timedelta(days=32)).replace(day=1)
        for partner in self.partners:
            for flow_id, due in (("pulse", pulse), ("capacity", capacity.replace(day=15))):
                scheduled.append(
                    (self.next_id("checkin"), partner.id, partner.project, flow_id, None, "scheduled", ts(due))
                    + (None, None, None, None, None)
                )
        self.w.write(CHECKIN, scheduled)
        self.w.write(FLAG, [flag.row() for flag in self.flags])
        self.w.write(EVIDENCE, sorted(self.evidence))
        self.flag_events.sort(key=lambda event: event[0])
        events = [
            (self.next_id("event"), flag_id, action, actor, note, ts(at))
            for at, flag_id, action, actor, note in self.flag_events
        ]
        self.w.write(FLAG_EVENT, events)
        self.audit.sort(key=lambda event: event[0])
        audit = [
            (self.next_id("audit"), ts(at), action, actor, project, detail)
            for at, action, actor, project, detail in self.audit
        ]
        self.w.write(AUDIT, audit)
        self.team_and_ideas()
        self.w.commit()


def seed_year(writer: Writer, now: datetime, chart_png: bytes, progress: Callable[[str], None] | None = None) -> Seeded:
    """Play the year into ``writer``, whose database has the schema and nothing else."""
    year = Year(writer, now, chart_png)
    year.play_year(progress)
    writer.finish()
    return Seeded(
        now=year.now.replace(tzinfo=UTC),
        counts=dict(writer.counts),
        facilitator_telegram_id=year.staff["carers"]["facilitator"][0][1],
        long_standing_telegram_id=PARTNER_TELEGRAM_IDS + LONG_STANDING,
        projects=[(pid, name) for pid, name, _, _ in PROJECTS],
    )
