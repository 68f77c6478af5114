"""The command line's reports: the audit log (`checkin audit`), a digest in the
terminal, and flags listed or exported for boards."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime
from html import unescape
from typing import TypeVar

from sqlmodel import Session

from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.flow_registry import FlowRegistry
from bot.core.runtime import Runtime
from bot.staff import digest
from storage import audit, flags, people
from storage.db import Database

_TAGS = re.compile(r"<[^>]*>")
_T = TypeVar("_T")


def audit_lines(settings: Settings, since: datetime | None) -> list[str]:
    db = Database(settings.storage.url)
    db.check_schema()
    with db.session() as session:
        lines = [
            f"{event.at:%Y-%m-%d %H:%M:%S}  {event.action:<11} "
            f"{event.project_id or '-':<14} {event.actor_telegram_id or '-':<12} {event.detail}"
            for event in audit.events_since(session, since)
        ]
    db.dispose()
    return lines


def render_digest_dry_run(settings: Settings, facilitator_telegram_id: int) -> tuple[str, bytes | None]:
    """The digest this facilitator would get now, as plain text, and its chart."""
    db = Database(settings.storage.url)
    rt = Runtime(settings, db, FlowRegistry.from_directory(settings.flows.directory), SystemClock())
    try:
        with db.session() as session:
            person = people.person_by_telegram_id(session, facilitator_telegram_id)
            if person is None or not digest.facilitator_projects(session, person):
                return f"No facilitator with Telegram id {facilitator_telegram_id} has started the bot.", None
            built = digest.digest_for(session, rt, person, rt.clock.now())
            parts = []
            for message in built.messages:
                buttons = " ".join(f"[{label}]" for row in message.get("buttons", []) for label, _ in row)  # type: ignore[attr-defined]
                parts.append(unescape(_TAGS.sub("", str(message["text"]))) + (f"\n{buttons}" if buttons else ""))
            if built.chart_caption:
                parts.append(f"(chart) {built.chart_caption}")
            return "\n\n---\n\n".join(parts) or "Nothing new, and the config skips empty digests.", built.chart_png
    finally:
        db.dispose()


CSV_COLUMNS = [
    "flag",
    "project",
    "need",
    "severity",
    "status",
    "opened_at",
    "acknowledged_at",
    "closed_at",
    "escalated_at",
    "follow_up",
    "answers",
    "hours_to_acknowledge",
]


def _read(settings: Settings, read: Callable[[Session], _T]) -> _T:
    """One read of the database, its objects detached for use after the session."""
    db = Database(settings.storage.url)
    try:
        with db.session() as session:
            result = read(session)
            session.expunge_all()
            return result
    finally:
        db.dispose()


def flags_csv(settings: Settings, **query: object) -> str:
    """Flags for boards: needs, dates and outcomes; no names and no partner text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for flag in _read(settings, lambda session: flags.flags_for_export(session, **query)):  # type: ignore[arg-type]
        waited = (flag.acknowledged_at - flag.opened_at).total_seconds() / 3600 if flag.acknowledged_at else None
        dates = [
            d.isoformat(timespec="minutes") if d else ""
            for d in (flag.opened_at, flag.acknowledged_at, flag.closed_at, flag.escalated_at)
        ]
        writer.writerow(
            [
                flag.id,
                flag.project_id,
                flag.need,
                flag.severity,
                flag.status,
                *dates,
                flag.follow_up or "",
                flag.answers,
                f"{waited:.1f}" if waited is not None else "",
            ]
        )
    return buffer.getvalue()


def flags_table(settings: Settings, **query: object) -> str:
    """Flags as a plain table for the terminal (first names: staff only)."""
    lines = [f"{'#':>5}  {'project':<16} {'need':<10} {'severity':<8} {'status':<12} {'opened':<16} partner"]
    for flag, person in _read(settings, lambda session: flags.find_flags(session, **query)):  # type: ignore[arg-type]
        lines.append(
            f"{flag.id:>5}  {flag.project_id:<16} {flag.need:<10} {flag.severity:<8} {flag.status:<12} "
            f"{flag.opened_at:%Y-%m-%d %H:%M} {person.first_name if person else '-'}"
        )
    lines.append(f"{len(lines) - 1} flag(s).")
    return "\n".join(lines)
