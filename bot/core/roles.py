"""Who may do what, and where.  Every staff command asks here first.

Facilitators act only in projects they are active members of; coordinators
only in projects whose config still names them (leaving the config takes the
right away at once).  A refusal is polite, says nothing about what exists, and
is written to the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core import texts
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from storage import audit, people, projects
from storage.models import Person


def projects_for(session: Session, rt: Runtime, telegram_user_id: int, role: str) -> list[str]:
    """Project ids where this person acts in ``role`` (a coordinator may also do what a facilitator does)."""
    person = people.person_by_telegram_id(session, telegram_user_id)
    if person is None:
        return []
    roles = ("facilitator", "coordinator") if role == "facilitator" else (role,)
    found: list[str] = []
    for membership in projects.memberships_of(session, person.id):  # type: ignore[arg-type]
        project = rt.settings.project(membership.project_id)
        if membership.role not in roles or membership.status != "active" or project is None:
            continue
        if membership.role == "coordinator" and telegram_user_id not in project.coordinators:
            continue
        if project.id not in found:
            found.append(project.id)
    return found


def refuse(
    session: Session,
    sender: Sender | Person,
    command: str,
    now: datetime,
    project_id: str | None = None,
    text: str = texts.NOT_ALLOWED,
) -> None:
    """The same kind words whatever the reason; the audit log keeps which command."""
    audit.record(session, "refused", now, actor=sender.telegram_user_id, project_id=project_id, detail=command)
    say(session, sender.chat_id, now, text)


def acts_for(session: Session, rt: Runtime, person: Person, project_id: str) -> bool:
    """May act on the project's flags and ideas: its facilitators, and the coordinators the
    config still names for it (an unacknowledged flag is escalated to them)."""
    return project_id in projects_for(session, rt, person.telegram_user_id, "facilitator")


def acting_facilitator(
    session: Session, rt: Runtime, sender: Sender, project_id: str | None, detail: str, now: datetime
) -> Person | None:
    """The sender, if they may act in ``project_id`` (a button on a flag or an idea);
    otherwise a polite, audited refusal and None.  Nothing else changes."""
    actor = people.person_by_telegram_id(session, sender.telegram_user_id)
    if actor is None or project_id is None or not acts_for(session, rt, actor, project_id):
        refuse(session, sender, detail, now, project_id, texts.FLAG_NOT_YOURS)
        return None
    return actor


def require(session: Session, rt: Runtime, sender: Sender, role: str, command: str, now: datetime) -> list[str]:
    """The sender's projects in ``role``; if they have none, a refusal is said
    and audited, and the empty list tells the caller to stop."""
    project_ids = projects_for(session, rt, sender.telegram_user_id, role)
    if not project_ids:
        refuse(session, sender, command, now)
    return project_ids
