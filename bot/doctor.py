"""`checkin doctor`: is everything in place for the bot to run, and is it keeping up?

One line a check, marked ✓ (fine), ! (worth a look: the bot still works) or ✗ (needs fixing
first), each problem with a plain next step, so whoever looks after the bot sees at a glance
what to do.  Exit 1 when any line is ✗.  Nothing here changes anything, and the bot token is
never printed beyond its bot id (the number before the colon)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

from bot.core.config import ConfigError, Settings, load_settings
from bot.delivery.log_redaction import redact_token_in_logs
from flows.loader import FlowError, flow_warnings, load_flows
from flows.model import Flow
from flows.suggest import did_you_mean
from storage import health
from storage.db import Database, SchemaOutOfDate

OK, WORTH_A_LOOK, PROBLEM = "✓", "!", "✗"
#: a message that could have gone this long ago and has not: the sender is stopped or stuck
LATE = timedelta(minutes=5)
#: sends that gave up, or may not have arrived, are counted this far back
RECENT = timedelta(days=7)
#: parked updates listed by id (the count covers them all)
PARKED_SHOWN = 5


@dataclass(frozen=True)
class Finding:
    mark: str
    text: str
    #: what to do about it, in plain words
    next_step: str = ""
    #: one line each: a problem in a file, a parked update
    details: tuple[str, ...] = ()


def doctor(config_path: Path) -> int:
    """Print the checklist; 1 if anything needs fixing, else 0."""
    # the schema check's migration context announces itself at INFO: noise in a checklist
    logging.getLogger("alembic").setLevel(logging.WARNING)
    findings = examine(config_path, datetime.now(UTC))
    print(render(findings))
    return 1 if any(finding.mark == PROBLEM for finding in findings) else 0


def examine(config_path: Path, now: datetime) -> list[Finding]:
    """Every check in order; the ones a broken config or database make meaningless are left out."""
    try:
        settings = load_settings(config_path)
    except ConfigError as error:
        return [
            Finding(
                PROBLEM,
                f"Config: {config_path} cannot be used",
                "Fix what is named above; config.example.toml shows every key.",
                tuple(str(error).splitlines()),
            )
        ]
    redact_token_in_logs(settings.token)
    findings = [Finding(OK, f"Config: {config_path} loads ({len(settings.projects)} project(s))")]
    database, found = _database(settings)
    findings.append(found)
    findings.append(_telegram(settings))
    flow_findings, flows = _flows(settings)
    findings += flow_findings
    if flows is not None:
        findings.append(_schedules(settings, flows))
    if database is not None:
        try:
            findings += _outbox(database, now)
            findings.append(_parked(database))
        finally:
            database.dispose()
    return findings


def render(findings: list[Finding]) -> str:
    lines = []
    for finding in findings:
        lines.append(f"{finding.mark} {finding.text}")
        lines += [f"    {detail}" for detail in finding.details]
        if finding.next_step:
            lines.append(f"  → {finding.next_step}")
    problems = sum(finding.mark == PROBLEM for finding in findings)
    if problems:
        lines.append(f"\n{problems} thing(s) to fix (✗). Run checkin doctor again afterwards.")
    elif any(finding.mark == WORTH_A_LOOK for finding in findings):
        lines.append("\nThe bot can run; the lines marked ! are worth a look.")
    else:
        lines.append("\nAll is well.")
    return "\n".join(lines)


def _database(settings: Settings) -> tuple[Database | None, Finding]:
    """The database, if it is reachable and at the newest migration."""
    url = settings.storage.url
    shown = url.split("@")[-1]  # never the password
    missing = health.missing_sqlite_file(url)
    if missing is not None:
        return None, Finding(
            PROBLEM,
            f"Database: there is no file {missing}",
            "Run checkin db upgrade to create it; a relative storage.url is relative to the folder checkin runs in.",
        )
    database = Database(url)
    try:
        database.check_schema()
    except SchemaOutOfDate as error:
        database.dispose()
        return None, Finding(PROBLEM, f"Database: {shown} is reachable, but its schema is out of date", str(error))
    except SQLAlchemyError as error:
        database.dispose()
        reason = _first_line(str(error.orig if isinstance(error, DBAPIError) else error), type(error).__name__)
        return None, Finding(
            PROBLEM,
            f"Database: cannot use {shown} ({reason})",
            "Check storage.url in the config, and that the database server is running.",
        )
    return database, Finding(OK, f"Database: {shown} is reachable and its schema is up to date")


def _telegram(settings: Settings) -> Finding:
    """getMe, as the bot asks on start, through the configured Bot API server."""
    token = settings.token
    if not token:
        return Finding(
            PROBLEM,
            "Telegram: no bot token",
            "Set TELEGRAM_BOT_TOKEN (or [telegram] token in the config) to the token @BotFather gave you.",
        )
    where = settings.telegram.base_url or "api.telegram.org"
    bot_id = token.partition(":")[0]
    which = f" (bot id {bot_id})" if bot_id.isdigit() else ""
    try:
        username = asyncio.run(_username(settings))
    except InvalidToken:
        return Finding(
            PROBLEM,
            f"Telegram: {where} did not accept the bot token{which}; the token is not shown here",
            "Copy the token again from @BotFather (/token) into TELEGRAM_BOT_TOKEN or [telegram] token.",
        )
    except TimedOut:
        return Finding(
            PROBLEM,
            f"Telegram: {where} did not answer in time",
            "Check this machine's network, and [telegram] base_url if you set one; then try again.",
        )
    except NetworkError as error:
        return Finding(
            PROBLEM,
            f"Telegram: could not reach {where} ({error.message.replace(token, '<token>')})",
            "Check this machine's network, and [telegram] base_url if you set one; then try again.",
        )
    except TelegramError as error:
        return Finding(
            PROBLEM,
            f"Telegram: {where} refused to say who the bot is ({type(error).__name__})",
            "Try again in a minute; if it persists, check [telegram] base_url.",
        )
    return Finding(OK, f"Telegram: {where} knows the bot as @{username}{which}")


async def _username(settings: Settings) -> str:
    base_url = settings.telegram.base_url
    bot = Bot(settings.token, base_url=base_url) if base_url else Bot(settings.token)
    async with bot:
        return bot.username


def _flows(settings: Settings) -> tuple[list[Finding], dict[str, Flow] | None]:
    """The flows as `checkin flows check` loads them, with its warnings."""
    directory = settings.flows.directory
    try:
        flows = load_flows([directory])
    except FlowError as error:
        return [
            Finding(
                PROBLEM,
                f"Flows: {len(error.problems)} problem(s) in {directory}",
                "Fix each one, then check with checkin flows check.",
                tuple(str(problem) for problem in error.problems),
            )
        ], None
    findings = [Finding(OK, f"Flows: {len(flows)} load from {directory}")]
    warnings = [str(warning) for flow in flows.values() for warning in flow_warnings(flow)]
    if warnings:
        findings.append(
            Finding(
                WORTH_A_LOOK,
                f"Flows: {len(warnings)} warning(s)",
                "These do not stop the bot; checkin flows check shows them too.",
                tuple(warnings),
            )
        )
    return findings, flows


def _schedules(settings: Settings, flows: dict[str, Flow]) -> Finding:
    """A schedule naming a flow that does not exist would never send anything."""
    unknown = []
    count = 0
    for project in settings.projects:
        for number, schedule in enumerate(project.schedules, start=1):
            count += 1
            if schedule.flow not in flows:
                hint = did_you_mean(schedule.flow, sorted(flows), otherwise="the flows are: ")
                unknown.append(
                    f"project {project.id}, schedule {number}: no flow {schedule.flow!r}"
                    + (f" ({hint})" if hint else "")
                )
    if unknown:
        return Finding(
            PROBLEM,
            f"Schedules: {len(unknown)} of {count} name a flow that does not exist",
            "Correct the flow in the config: a flow's name is the id at the top of its file.",
            tuple(unknown),
        )
    if not count:
        return Finding(OK, "Schedules: none in the config")
    return Finding(OK, f"Schedules: {count}, each naming a flow that exists")


def _outbox(database: Database, now: datetime) -> list[Finding]:
    """Is the sender keeping up, and did sends fail lately?"""
    with database.session() as session:
        backlog = health.outbox_backlog(session, now)
        trouble = health.outbox_trouble(session, now - RECENT)
    waited = now - backlog.oldest_due if backlog.oldest_due is not None else None
    if waited is not None and waited > LATE:
        waiting = Finding(
            WORTH_A_LOOK,
            f"Outbox: {backlog.waiting} message(s) waiting; one has waited {_duration(waited)}",
            "Messages usually go within seconds. Is the bot running? If it is, its log says why sends are stuck.",
        )
    elif waited is not None:
        waiting = Finding(OK, f"Outbox: {backlog.waiting} message(s) waiting, none for long ({_duration(waited)})")
    elif backlog.waiting:
        waiting = Finding(OK, f"Outbox: {backlog.waiting} message(s) waiting to be tried again shortly")
    else:
        waiting = Finding(OK, "Outbox: nothing waiting")
    if not (trouble.gave_up or trouble.uncertain):
        return [waiting, Finding(OK, "Outbox: no send gave up or went astray in the last 7 days")]
    counts = [
        f"{trouble.gave_up} send(s) gave up after retrying" if trouble.gave_up else "",
        f"{trouble.uncertain} may not have arrived" if trouble.uncertain else "",
    ]
    return [
        waiting,
        Finding(
            WORTH_A_LOOK,
            f"Outbox, last 7 days: {', '.join(part for part in counts if part)}",
            "Some partners or staff may have missed a message. If this keeps happening, "
            "check the network to Telegram from this machine.",
        ),
    ]


def _parked(database: Database) -> Finding:
    """Updates set aside after failing again and again: someone may be waiting for an answer."""
    with database.session() as session:
        count = health.parked_count(session)
        newest = health.newest_parked(session, PARKED_SHOWN)
    if not count:
        return Finding(OK, "Inbox: no update parked")
    shown = f"; the newest {len(newest)}:" if count > len(newest) else ":"
    return Finding(
        WORTH_A_LOOK,
        f"Inbox: {count} update(s) parked after failing again and again{shown}",
        "Each is a message or a tap the bot could not handle, so someone may be waiting for an answer. "
        "The error says where it failed; the bot's log has more.",
        tuple(
            f"update {parked.update_id} ({parked.received_at:%Y-%m-%d %H:%M} UTC): "
            + _first_line(parked.error, "no error recorded")
            for parked in newest
        ),
    )


def _first_line(error: str | None, otherwise: str) -> str:
    """An error's first line, kept short: enough to say what failed and where."""
    lines = (error or "").strip().splitlines()
    return lines[0][:200] if lines else otherwise


def _duration(span: timedelta) -> str:
    seconds = max(0, int(span.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
