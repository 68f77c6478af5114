"""Alerts and digests for facilitators: data from storage, rendered with Jinja2
(sandboxed, autoescaped: partner text is always escaped), split for Telegram."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import FileSystemLoader, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from sqlmodel import Session

from bot.runtime import Runtime
from bot.telegram_format import split_html, text_payload
from storage import flags, outbox, projects
from storage.models import Answer, Flag

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
NEED_LABELS = {
    "payment": "Payment",
    "expenses": "Expenses",
    "access": "Access",
    "support": "Support",
    "trust": "Trust and respect",
    "influence": "Influence",
    "capacity": "Learning and leading",
    "safety": "Safety",
    "other": "Something else",
}


@dataclass(frozen=True)
class FlagView:
    flag: Flag
    partner: str
    need: str
    evidence: list[Answer]
    is_new: bool


def environment(extra_folder: Path | None = None) -> SandboxedEnvironment:
    """Templates from the config's folder first (coordinators may override), then ours."""
    folders = [str(extra_folder)] if extra_folder else []
    return SandboxedEnvironment(
        loader=FileSystemLoader([*folders, str(TEMPLATES)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_alert(session: Session, project_id: str, project_name: str, new_ids: set[int], now: datetime) -> list[str]:
    """The project's open flags, new ones marked, as Telegram-HTML messages."""
    views = [
        FlagView(
            flag=flag,
            partner=person.first_name if person else "A partner who left",
            need=NEED_LABELS.get(flag.need, flag.need),
            evidence=flags.evidence_of(session, flag.id),  # type: ignore[arg-type]
            is_new=flag.id in new_ids,
        )
        for flag, person in flags.open_flags_for_projects(session, [project_id])
    ]
    html = environment().get_template("alert.html.j2").render(project_name=project_name, flags=views, now=now)
    return split_html(html)


def queue_alerts(session: Session, rt: Runtime, project_id: str, now: datetime) -> None:
    """Tell the project's facilitators about flags they have not heard of yet."""
    fresh = flags.flags_not_alerted(session, project_id)
    if not fresh:
        return
    project = projects.get_project(session, project_id)
    facilitators = projects.people_with_role(session, project_id, "facilitator")
    if not facilitators:
        log.warning("project %s has new flags but no facilitator has started the bot yet", project_id)
        return
    messages = render_alert(session, project_id, project.name if project else project_id, {f.id for f in fresh}, now)  # type: ignore[misc]
    for facilitator in facilitators:
        for html in messages:
            outbox.enqueue(session, facilitator.chat_id, "sendMessage", text_payload(html), now)
    flags.mark_alerted(session, fresh, now)
    log.info("alerted %d facilitator(s) of project %s about %d flag(s)", len(facilitators), project_id, len(fresh))
