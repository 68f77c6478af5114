"""Joining: /start with an invite code, consent before anything else, and staff
introductions.  Nothing is asked of a partner before they consent."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from bot import callbacks, texts
from bot.conversation import Sender, schedule_next
from bot.runtime import Runtime
from bot.telegram_format import plain
from storage import invites, outbox, people, projects, updates

log = logging.getLogger(__name__)

STAFF_ROLES = ("facilitator", "coordinator")


def handle_start(rt: Runtime, update_id: int, sender: Sender, code: str) -> None:
    now = rt.clock.now()
    with rt.db.session() as session:
        if not updates.claim_update(session, update_id, now):
            return
        if code:
            _join_with_invite(session, rt, sender, code, now)
        elif not _introduce_staff(session, rt, sender, now):
            person = people.person_by_telegram_id(session, sender.telegram_user_id)
            if person is not None and person.status == "unreachable":  # they unblocked the bot: reachable again
                people.upsert_person(session, sender.telegram_user_id, sender.chat_id, sender.first_name)
            reply = texts.NO_CHECKIN_NOW if person and person.consent_version else texts.NOT_JOINED
            outbox.enqueue(session, sender.chat_id, "sendMessage", plain(reply), now)


def _join_with_invite(session: Session, rt: Runtime, sender: Sender, code: str, now: datetime) -> None:
    invite = invites.redeem_invite(session, code, now)
    project = rt.settings.project(invite.project_id) if invite else None
    if invite is None or project is None:
        outbox.enqueue(session, sender.chat_id, "sendMessage", plain(texts.INVITE_NOT_VALID), now)
        return
    person = people.upsert_person(session, sender.telegram_user_id, sender.chat_id, sender.first_name)
    projects.ensure_membership(session, person.id, project.id, invite.role, "pending")  # type: ignore[arg-type]
    if invite.role in STAFF_ROLES:
        projects.ensure_membership(session, person.id, project.id, invite.role, "active")  # type: ignore[arg-type]
        _greet_staff(session, sender, invite.role, [project.name], now)
        return
    buttons = [[(texts.CONSENT_ACCEPT_BUTTON, callbacks.CONSENT_YES), (texts.CONSENT_DECLINE_BUTTON, callbacks.CONSENT_NO)]]
    consent = plain(rt.settings.consent.text, buttons, first_name=sender.first_name, project_name=project.name)
    outbox.enqueue(session, sender.chat_id, "sendMessage", consent, now)


def handle_consent(rt: Runtime, update_id: int, sender: Sender, accepted: bool) -> None:
    """Accept: memberships become active and check-ins are scheduled.  Decline:
    the person and their pending memberships are deleted; nothing is kept."""
    now = rt.clock.now()
    with rt.db.session() as session:
        if not updates.claim_update(session, update_id, now):
            return
        person = people.person_by_telegram_id(session, sender.telegram_user_id)
        memberships = projects.memberships_of(session, person.id) if person else []  # type: ignore[arg-type]
        pending = [m for m in memberships if m.role == "partner" and m.status == "pending"]
        if person is None or not pending:
            outbox.enqueue(session, sender.chat_id, "sendMessage", plain(texts.NOT_JOINED), now)
            return
        if not accepted:
            if len(pending) == len(memberships):  # they had nothing else with us: keep nothing
                people.forget_person(session, person)
            else:
                for membership in pending:
                    session.delete(membership)
            outbox.enqueue(session, sender.chat_id, "sendMessage", plain(texts.CONSENT_DECLINED), now)
            return
        people.record_consent(session, person, rt.settings.consent.version, now)
        for membership in pending:
            membership.status = "active"
            project = rt.settings.project(membership.project_id)
            for schedule in project.schedules if project else []:
                schedule_next(session, rt.settings, person, membership.project_id, schedule.flow, now)
        log.info("person %s consented (version %s)", person.id, rt.settings.consent.version)
        outbox.enqueue(session, sender.chat_id, "sendMessage", plain(texts.CONSENT_ACCEPTED, first_name=person.first_name), now)


def _introduce_staff(session: Session, rt: Runtime, sender: Sender, now: datetime) -> bool:
    """Staff named in the config become known when they first write to the bot."""
    roles: dict[str, list[str]] = {}
    for project in rt.settings.projects:
        for role, ids in (("facilitator", project.facilitators), ("coordinator", project.coordinators)):
            if sender.telegram_user_id in ids:
                roles.setdefault(role, []).append(project.id)
    if not roles:
        return False
    person = people.upsert_person(session, sender.telegram_user_id, sender.chat_id, sender.first_name)
    for role, project_ids in roles.items():
        for project_id in project_ids:
            projects.ensure_membership(session, person.id, project_id, role, "active")  # type: ignore[arg-type]
        names = [rt.settings.project(pid).name for pid in project_ids]  # type: ignore[union-attr]
        _greet_staff(session, sender, role, names, now)
    return True


def _greet_staff(session: Session, sender: Sender, role: str, project_names: list[str], now: datetime) -> None:
    outbox.enqueue(
        session,
        sender.chat_id,
        "sendMessage",
        plain(texts.STAFF_WELCOME, first_name=sender.first_name, role=f"a {role}", projects=", ".join(project_names)),
        now,
    )

