"""`checkin partners import FILE.csv` and `checkin partners export`.

The bot cannot message anyone who has not started it, and a partner must
consent before anything about them is stored.  So an import stores no names:
it creates one single-use invite per row and writes the links next to the
names in a new CSV for the coordinator to send.  A partner exists in the
database only once they open their link and say yes.

All rows are checked first; if any is wrong, nothing is created and every
problem is listed with its line.  Otherwise all invites are made in one
transaction."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from bot.core.clock import Clock, SystemClock, parse_span
from bot.core.config import Settings
from bot.staff.invites import link
from storage import audit, invites, people, projects
from storage.db import Database

REQUIRED = ("name", "project")
OPTIONAL = ("role", "expires")
ROLES = ("partner", "facilitator")
EXPORT_COLUMNS = ("project", "name", "status", "joined_at", "consent_version", "last_answered")
MAX_NAME = 64


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    project: str
    role: str
    valid_for: timedelta


@dataclass(frozen=True)
class Problem:
    line: int
    why: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.why}"


def read_rows(text: str, settings: Settings, default_valid_for: timedelta) -> tuple[list[Row], list[Problem]]:
    """Every row checked; the line numbers are the file's (the header is line 1)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in REQUIRED if column not in header]
    unknown = [column for column in header if column not in (*REQUIRED, *OPTIONAL)]
    if missing or unknown:
        why = "; ".join(
            part
            for part in (
                f"missing column(s): {', '.join(missing)}" if missing else "",
                f"unknown column(s): {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        return [], [Problem(1, f"{why} (columns: name, project, and optionally role, expires)")]
    reader.fieldnames = header
    rows: list[Row] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        line = reader.line_num
        values = {key: (value or "").strip() for key, value in record.items() if key is not None}
        name, project, role = values.get("name", ""), values.get("project", ""), values.get("role") or "partner"
        span = parse_span(values["expires"]) if values.get("expires") else default_valid_for
        reason = (
            "the name is empty"
            if not name
            else f"the name is longer than {MAX_NAME} characters"
            if len(name) > MAX_NAME
            else f"no project {project!r} in the config"
            if settings.project(project) is None
            else f"role must be partner or facilitator, not {role!r}"
            if role not in ROLES
            else f"expires must be like 7d, 12h or 2w, not {values.get('expires')!r}"
            if span is None
            else f"same name and project as line {seen[(name.casefold(), project)]}"
            if (name.casefold(), project) in seen
            else None
        )
        if reason is not None:
            problems.append(Problem(line, reason))
            continue
        seen[(name.casefold(), project)] = line
        rows.append(Row(line, name, project, role, span))  # type: ignore[arg-type]
    return rows, problems


def import_partners(
    settings: Settings,
    source: Path,
    output: Path,
    default_valid_for: timedelta,
    bot_username: str,
    console: Console,
    clock: Clock | None = None,
) -> list[Problem]:
    """Create the invites and write ``output``; on any problem create nothing and return them."""
    rows, problems = read_rows(source.read_text(encoding="utf-8-sig"), settings, default_valid_for)
    if problems:
        return problems
    now = (clock or SystemClock()).now()
    db = Database(settings.storage.url)
    db.check_schema()
    links: list[list[str]] = []
    with db.session() as session, _progress(console) as progress:
        for project in settings.projects:
            projects.sync_project(session, project.id, project.name, project.timezone)
        task = progress.add_task("Creating invites", total=len(rows))
        for row in rows:
            invite = invites.create_invite(session, row.project, row.role, now, row.valid_for)
            links.append(
                [
                    row.name,
                    row.project,
                    row.role,
                    link(bot_username, invite.code),
                    f"{invite.expires_at:%Y-%m-%d %H:%M} UTC",
                ]
            )
            progress.advance(task)
        audit.record(session, "import", now, detail=f"{len(rows)} invite(s) from {source.name}")
    db.dispose()
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "project", "role", "link", "expires"])
        writer.writerows(links)
    return []


def export_partners(settings: Settings, project_ids: Iterable[str], console: Console) -> str:
    """Partners of the given projects as CSV: who, where, status and when they last answered (no answers)."""
    db = Database(settings.storage.url)
    db.check_schema()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    with db.session() as session, _progress(console) as progress:
        rows = people.partners_of_projects(session, list(project_ids))
        task = progress.add_task("Exporting partners", total=len(rows))
        for person, membership in rows:
            last = people.last_answered(session, person.id, membership.project_id)  # type: ignore[arg-type]
            status = "pending" if membership.status == "pending" else "paused" if person.paused else person.status
            writer.writerow(
                [
                    membership.project_id,
                    person.first_name,
                    status,
                    f"{membership.joined_at:%Y-%m-%d}",
                    person.consent_version or "",
                    f"{last:%Y-%m-%d}" if last else "",
                ]
            )
            progress.advance(task)
        audit.record(session, "export", SystemClock().now(), detail=f"partners CSV, {len(rows)} row(s)")
    db.dispose()
    return buffer.getvalue()


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
