"""Joining: /start with an invite code, consent before anything else, and staff
introductions.  Nothing is asked of a partner before they consent."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core import callbacks, commands, texts
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.schedules import schedule_next
from bot.core.sender import Sender
from bot.core.telegram_format import plain
from bot.core.unit import once_per_update
from storage import checkins, invites, outbox, people, projects
from storage.models import Checkin, Person

log = logging.getLogger(__name__)

#: marks a scheduled check-in held until the partner accepts a new consent text
HELD = "held_for_consent"
#: a held check-in is looked at again this often (accepting releases it at once)
HOLD_RECHECK = timedelta(days=1)
#: an outbox ``ref`` naming the partner a consent question asks (bot/partners/lost_messages.py)
CONSENT_REF = "consent:"


@once_per_update
def handle_start(rt: Runtime, session: Session, now: datetime, sender: Sender, code: str) -> None:
    if code:
        _join_with_invite(session, rt, sender, code, now)
    elif not _introduce_staff(session, rt, sender, now):
        person = people.person_by_telegram_id(session, sender.telegram_user_id)
        if person is not None and person.status == "unreachable":  # they unblocked the bot: reachable again
            people.upsert_person(session, sender.telegram_user_id, sender.chat_id, sender.first_name)
        if person is not None and needs_new_consent(session, rt, person):
            ask_consent_again(session, rt, person, now)
            return
        reply = texts.NO_CHECKIN_NOW if person and person.consent_version else texts.NOT_JOINED
        say(session, sender.chat_id, now, reply)


def _join_with_invite(session: Session, rt: Runtime, sender: Sender, code: str, now: datetime) -> None:
    invite = invites.redeem_invite(session, code, now)
    project = rt.settings.project(invite.project_id) if invite else None
    if invite is None or project is None:
        say(session, sender.chat_id, now, texts.INVITE_NOT_VALID)
        return
    person = people.upsert_person(session, sender.telegram_user_id, sender.chat_id, sender.first_name)
    projects.ensure_membership(session, person.id, project.id, invite.role, "pending")  # type: ignore[arg-type]
    if invite.role in projects.STAFF_ROLES:
        projects.ensure_membership(session, person.id, project.id, invite.role, "active")  # type: ignore[arg-type]
        _greet_staff(session, sender, invite.role, [project.name], now)
        return
    consent = consent_payload(rt, sender.first_name, project.name)
    outbox.enqueue(session, sender.chat_id, "sendMessage", consent, now, ref=f"{CONSENT_REF}{person.id}")


def consent_payload(rt: Runtime, first_name: str, project_name: str) -> dict[str, Any]:
    buttons = [
        [
            (texts.CONSENT_ACCEPT_BUTTON, callbacks.Consent(True).data()),
            (texts.CONSENT_DECLINE_BUTTON, callbacks.Consent(False).data()),
        ]
    ]
    return plain(rt.settings.consent.text, buttons, first_name=first_name, project_name=project_name)


def needs_new_consent(session: Session, rt: Runtime, person: Person) -> bool:
    """A partner who consented to an older version of the text."""
    return (
        person.consent_version is not None
        and person.consent_version != rt.settings.consent.version
        and bool(projects.memberships_of(session, person.id, "partner"))  # type: ignore[arg-type]
    )


def ask_consent_again(session: Session, rt: Runtime, person: Person, now: datetime) -> None:
    """The consent text changed: show the new one (once per version, unless they ask with /start)."""
    names = [
        p.name
        for m in projects.memberships_of(session, person.id, "partner")  # type: ignore[arg-type]
        if (p := rt.settings.project(m.project_id))
    ]
    people.record_consent_decision(session, person.id, None, rt.settings.consent.version, "asked", now)
    say(session, person.chat_id, now, texts.CONSENT_AGAIN)
    consent = consent_payload(rt, person.first_name, ", ".join(names))
    outbox.enqueue(session, person.chat_id, "sendMessage", consent, now, ref=f"{CONSENT_REF}{person.id}")


def hold_for_consent(session: Session, rt: Runtime, person: Person, checkin: Checkin, now: datetime) -> None:
    """A check-in came due but the partner has not seen the new consent text:
    it waits (re-checked daily) and is released the moment they accept."""
    checkin.status, checkin.started_at, checkin.state = checkins.SCHEDULED, None, {HELD: True}
    checkin.due_at = now + HOLD_RECHECK
    asked = any(
        r.decision == "asked" and r.version == rt.settings.consent.version
        for r in people.consents_of(session, person.id)  # type: ignore[arg-type]
    )
    if not asked:
        ask_consent_again(session, rt, person, now)


@once_per_update
def handle_consent(rt: Runtime, session: Session, now: datetime, sender: Sender, accepted: bool) -> None:
    """Accept: memberships become active and check-ins are scheduled.  Decline:
    the person and their pending memberships are deleted; nothing is kept."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    memberships = projects.memberships_of(session, person.id) if person else []  # type: ignore[arg-type]
    pending = [m for m in memberships if m.role == "partner" and m.status == "pending"]
    version = rt.settings.consent.version
    if person is not None and not pending and needs_new_consent(session, rt, person):
        _new_version_decided(session, rt, person, accepted, now)
        return
    if person is None or not pending:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
        return
    if not accepted:
        if len(pending) == len(memberships):  # they had nothing else with us: keep nothing but the refusal
            people.forget_person(session, person)
            person_id = None
        else:
            for membership in pending:
                session.delete(membership)
            person_id = person.id
        for membership in pending:
            people.record_consent_decision(session, person_id, membership.project_id, version, "declined", now)
        say(session, sender.chat_id, now, texts.CONSENT_DECLINED)
        return
    people.record_consent(session, person, version, now)
    for membership in pending:
        people.record_consent_decision(session, person.id, membership.project_id, version, "accepted", now)
    for membership in pending:
        membership.status = "active"
        project = rt.settings.project(membership.project_id)
        for schedule in project.schedules if project else []:
            schedule_next(session, rt.settings, person, membership.project_id, schedule.flow, now)
    log.info("person %s consented (version %s)", person.id, rt.settings.consent.version)
    say(session, sender.chat_id, now, texts.CONSENT_ACCEPTED, first_name=person.first_name)


def _new_version_decided(session: Session, rt: Runtime, person: Person, accepted: bool, now: datetime) -> None:
    """Accepting a new consent text releases held check-ins; declining it stops
    check-ins (paused) and stores nothing new."""
    version = rt.settings.consent.version
    people.record_consent_decision(session, person.id, None, version, "accepted" if accepted else "declined", now)
    if not accepted:
        person.paused = True
        say(session, person.chat_id, now, texts.CONSENT_AGAIN_DECLINED)
        return
    people.record_consent(session, person, version, now)
    person.paused = False
    for checkin in checkins.scheduled_for(session, person.id):  # type: ignore[arg-type]
        if checkin.state and checkin.state.get(HELD):
            checkin.due_at, checkin.state = now, None
    say(session, person.chat_id, now, texts.CONSENT_ACCEPTED, first_name=person.first_name)


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
    menu = commands.staff_menu_payload(sender.chat_id, coordinator=role == "coordinator")
    outbox.enqueue(session, sender.chat_id, "setMyCommands", menu, now)  # their menu shows staff commands
    outbox.enqueue(
        session,
        sender.chat_id,
        "sendMessage",
        plain(texts.STAFF_WELCOME, first_name=sender.first_name, role=f"a {role}", projects=", ".join(project_names)),
        now,
    )


def queue_staff_menus(session: Session, project_ids: list[str], now: datetime) -> None:
    """At start: every member of staff's chat gets the staff command menu (one who joined
    before the menus existed too); partners see the default menu."""
    menus: dict[int, bool] = {}  # chat id -> coordinator somewhere
    for project_id in project_ids:
        for role in ("facilitator", "coordinator"):
            for person in projects.people_with_role(session, project_id, role):
                menus[person.chat_id] = menus.get(person.chat_id, False) or role == "coordinator"
    for chat_id, coordinator in menus.items():
        outbox.enqueue(session, chat_id, "setMyCommands", commands.staff_menu_payload(chat_id, coordinator), now)
