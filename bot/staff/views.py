"""/partners for facilitators and /projects for coordinators: only their own projects."""

from __future__ import annotations

from datetime import datetime
from html import escape

from sqlmodel import Session

from bot.core import roles, texts
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import split_html, text_payload
from bot.core.unit import once_per_update
from bot.staff import digest
from storage import flags, invites, outbox, people, projects
from storage.models import Membership, Person


@once_per_update
def handle_partners(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    """Name, status and when they last answered; never what they answered anonymously."""
    project_ids = roles.require(session, rt, sender, "facilitator", "/partners", now)
    if not project_ids:
        return
    rows = people.partners_of_projects(session, project_ids)
    if not rows:
        say(session, sender.chat_id, now, texts.NO_PARTNERS)
        return
    blocks: list[str] = []
    for project_id in project_ids:
        project = rt.settings.project(project_id)
        lines = [f"<b>{escape(project.name if project else project_id, quote=False)}</b>"]
        for person, membership in rows:
            if membership.project_id == project_id:
                last = people.last_answered(session, person.id, project_id)  # type: ignore[arg-type]
                when = f"last answered {last:%-d %b %Y}" if last else "no answers yet"
                lines.append(f"• {escape(person.first_name, quote=False)}: {_status(person, membership)}; {when}")
        blocks.append("\n".join(lines))
    for piece in split_html("\n\n".join(blocks)):
        outbox.enqueue(session, sender.chat_id, "sendMessage", text_payload(piece), now)


def _status(person: Person, membership: Membership) -> str:
    if membership.status == "pending":
        return "not yet agreed to take part"
    if person.status == "unreachable":
        return "can't be reached (blocked the bot)"
    if person.paused:
        return "paused"
    if person.away_until is not None:
        return f"away until {person.away_until:%-d %b}"
    return "active"


@once_per_update
def handle_projects(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    project_ids = roles.require(session, rt, sender, "coordinator", "/projects", now)
    if not project_ids:
        return
    lines = []
    for project_id in project_ids:
        project = rt.settings.project(project_id)
        partners = [m for _, m in people.partners_of_projects(session, [project_id]) if m.status == "active"]
        lines.append(
            f"<b>{escape(project.name if project else project_id, quote=False)}</b> "
            f"({escape(project_id, quote=False)}): "
            f"{len(partners)} partner(s), "
            f"{len(projects.people_with_role(session, project_id, 'facilitator'))} facilitator(s), "
            f"{len(flags.open_flags_for_projects(session, [project_id]))} open need(s), "
            f"{invites.open_invites(session, project_id, now)} unused invite(s)"
        )
    for piece in split_html("\n".join(lines)):  # a coordinator of many projects: within Telegram's limit
        outbox.enqueue(session, sender.chat_id, "sendMessage", text_payload(piece), now)


@once_per_update
def handle_flags(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    """The open flags of the facilitator's projects, each with its action buttons."""
    project_ids = roles.require(session, rt, sender, "facilitator", "/flags", now)
    if not project_ids:
        return
    rows = flags.open_flags_for_projects(session, project_ids)
    if not rows:
        say(session, sender.chat_id, now, texts.NO_OPEN_FLAGS)
        return
    evidence = {  # one query a project, not one a flag
        flag_id: answers
        for project_id in project_ids
        for flag_id, answers in flags.evidence_of_open_flags(session, project_id).items()
    }
    views = [
        digest.view_of(session, flag, person, now, rt.settings, evidence=evidence.get(flag.id, []))  # type: ignore[arg-type]
        for flag, person in rows
    ]
    html = (
        digest.environment(rt.settings.digest.templates)
        .get_template("alert.html.j2")
        .render(project_name="Your projects", flags=views, now=now)
    )
    for payload in digest.with_buttons(html, session):
        outbox.enqueue(session, sender.chat_id, "sendMessage", payload, now)


@once_per_update
def handle_digest(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    """The facilitator's digest now, as their scheduled one would be."""
    if not roles.require(session, rt, sender, "facilitator", "/digest", now):
        return
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    assert person is not None  # a facilitator is a known person
    digest.queue_digest(session, person, digest.digest_for(session, rt, person, now), now)
