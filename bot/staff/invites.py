"""Invite links: a code in the database and the t.me deep link that carries it.

Made by `checkin invite` or by a coordinator's /invite in chat, for their own
projects only.  Codes are random (72 bits), single-use by default and expire."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core import roles, texts
from bot.core.callbacks import InviteChoice, InviteRole
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import plain
from bot.core.unit import once_per_update
from storage import audit, invites, outbox, projects
from storage.db import Database

log = logging.getLogger(__name__)

#: how long an invite made in chat stays valid
CHAT_INVITE_VALID_FOR = timedelta(days=7)


def link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def new_invite_code(settings: Settings, project_id: str, role: str, valid_for: timedelta, uses: int = 1) -> str:
    """An invite made outside the chat (`checkin invite`, the demo); its link is
    ``link(bot username, code)``."""
    db = Database(settings.storage.url)
    db.check_schema()
    project = settings.project(project_id)
    assert project is not None
    with db.session() as session:
        projects.sync_project(session, project.id, project.name, project.timezone)
        code = invites.create_invite(session, project_id, role, SystemClock().now(), valid_for, uses).code
        audit.record(
            session,
            "invite",
            SystemClock().now(),
            project_id=project_id,
            detail=f"{role}, {uses} use(s), from the command line",
        )
    db.dispose()
    return code


@once_per_update
def handle_invite(
    rt: Runtime, session: Session, now: datetime, sender: Sender, bot_username: str, role_word: str
) -> None:
    """/invite [facilitator]: one project makes the link at once; several ask which, with buttons."""
    role: InviteRole = "facilitator" if role_word.strip().lower() == "facilitator" else "partner"
    project_ids = roles.projects_for(session, rt, sender.telegram_user_id, "coordinator")
    if not project_ids:
        roles.refuse(session, sender, "/invite", now)
        return
    if len(project_ids) == 1:
        _send_link(session, rt, sender, bot_username, project_ids[0], role)
        return
    places = {pid: rt.settings.project_index(pid) for pid in project_ids}  # a coordinator's projects are the config's
    buttons = [
        [(_project_name(rt, pid), InviteChoice(role, place).data())]
        for pid, place in places.items()
        if place is not None
    ]
    say(session, sender.chat_id, now, texts.INVITE_WHICH_PROJECT, buttons)


@once_per_update
def handle_invite_choice(
    rt: Runtime, session: Session, now: datetime, sender: Sender, bot_username: str, tap: InviteChoice
) -> None:
    """A tap on a project button; the role is checked again (a button outlives rights)."""
    allowed = roles.projects_for(session, rt, sender.telegram_user_id, "coordinator")
    in_config = tap.project_index < len(rt.settings.projects)
    project_id = rt.settings.projects[tap.project_index].id if in_config else None
    if project_id is None or project_id not in allowed:
        roles.refuse(session, sender, "/invite", now, project_id)
        return
    _send_link(session, rt, sender, bot_username, project_id, tap.role)


def _project_name(rt: Runtime, project_id: str) -> str:
    project = rt.settings.project(project_id)
    return project.name if project else project_id


def _send_link(session: Session, rt: Runtime, sender: Sender, bot_username: str, project_id: str, role: str) -> None:
    now = rt.clock.now()
    invite = invites.create_invite(session, project_id, role, now, CHAT_INVITE_VALID_FOR)
    audit.record(
        session, "invite", now, actor=sender.telegram_user_id, project_id=project_id, detail=f"{role}, 1 use, in chat"
    )
    project = rt.settings.project(project_id)
    message = plain(
        texts.INVITE_LINK,
        project_name=project.name if project else project_id,
        role=role,
        expires=f"{invite.expires_at:%-d %B %Y}",
        link=link(bot_username, invite.code),
    )
    outbox.enqueue(session, sender.chat_id, "sendMessage", message, now)
