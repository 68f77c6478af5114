"""Joining: /start with an invite code, consent before anything else, and staff
introductions.  Nothing is asked of a partner before they consent."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core import callbacks, commands, outgoing, texts
from bot.core.outgoing import Timing
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.schedules import schedule_next
from bot.core.sender import Sender
from bot.core.telegram_format import plain
from bot.core.unit import once_per_update
from flows import texts as flow_texts
from storage import checkins, invites, outbox, people, projects
from storage.models import Checkin, Membership, Person

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
        if person is not None and awaits_consent(session, rt, person):
            ask_pending_consent(session, rt, person, now)
            return
        reply = texts.NO_CHECKIN_NOW if person and person.consent_version else texts.NOT_JOINED
        say(session, sender.chat_id, now, reply)


def _join_with_invite(session: Session, rt: Runtime, sender: Sender, code: str, now: datetime) -> None:
    """Staff invites are used at once; a partner's only when they consent, so saying no, or
    typing instead of tapping, leaves the link working for another try."""
    invite = invites.valid_invite(session, code, now)
    project = rt.settings.project(invite.project_id) if invite else None
    if invite is None or project is None:
        say(session, sender.chat_id, now, texts.INVITE_NOT_VALID)
        return
    language = shipped_language(sender.language_code)
    person = people.upsert_person(session, sender.telegram_user_id, sender.chat_id, sender.first_name, language)
    if invite.role in projects.STAFF_ROLES:
        if invites.redeem_invite(session, code, now) is None:  # used up by someone else a moment ago
            say(session, sender.chat_id, now, texts.INVITE_NOT_VALID)
            return
        projects.ensure_membership(session, person.id, project.id, invite.role, "active")  # type: ignore[arg-type]
        _greet_staff(session, sender, invite.role, [project.name], now)
        return
    membership = projects.membership_of(session, person.id, project.id, "partner")  # type: ignore[arg-type]
    if membership is not None and membership.status == "active":  # already in: the link stays unused
        say(session, sender.chat_id, now, texts.ALREADY_A_PARTNER, project_name=project.name)
        return
    projects.ensure_membership(session, person.id, project.id, "partner", "pending", invite_code=code)  # type: ignore[arg-type]
    consent = consent_payload(rt, sender.first_name, project.name)
    outgoing.send(session, person, consent, now, timing=Timing.NOW, ref=f"{CONSENT_REF}{person.id}")


def shipped_language(language_code: str | None) -> str | None:
    """A newcomer's language from their Telegram app's ("cy", "cy-GB"), if the bot speaks it;
    their choice in onboarding or /language comes after."""
    primary = (language_code or "").split("-", 1)[0].lower()
    return primary if primary in flow_texts.TEXTS else None


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


def ask_consent_again(
    session: Session, rt: Runtime, person: Person, now: datetime, greeting: str = texts.CONSENT_AGAIN
) -> None:
    """The consent text changed: show the new one (once per version, unless they ask with /start
    or /resume)."""
    names = [
        p.name
        for m in projects.memberships_of(session, person.id, "partner")  # type: ignore[arg-type]
        if (p := rt.settings.project(m.project_id))
    ]
    people.record_consent_decision(session, person.id, None, rt.settings.consent.version, "asked", now)
    say(session, person, now, greeting, first_name=person.first_name)
    consent = consent_payload(rt, person.first_name, ", ".join(names))
    outgoing.send(session, person, consent, now, timing=Timing.NOW, ref=f"{CONSENT_REF}{person.id}")


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
    """A tap on the consent question's Yes or No."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is None or not decide_consent(session, rt, person, accepted, now):
        say(session, sender.chat_id, now, texts.NOT_JOINED)


def awaits_consent(session: Session, rt: Runtime, person: Person) -> bool:
    """Whether the bot is waiting for this person's yes or no: they joined and have not
    answered, or they were shown a new consent text."""
    pending = any(m.role == "partner" and m.status == "pending" for m in projects.memberships_of(session, person.id))  # type: ignore[arg-type]
    return pending or needs_new_consent(session, rt, person)


def typed_consent(session: Session, rt: Runtime, person: Person, text: str, now: datetime) -> bool:
    """A typed yes or no answers the consent question as the buttons would; anything else
    gets the question again, gently.  False if the bot is not waiting for consent."""
    if not awaits_consent(session, rt, person):
        return False
    said = flow_texts.normalise(text)  # as the engine reads typed words: "Ydw.", "IE", accents and curly apostrophes
    if said in flow_texts.spellings(person.language, "yes"):
        decide_consent(session, rt, person, True, now)
    elif said in flow_texts.spellings(person.language, "no"):
        decide_consent(session, rt, person, False, now)
    elif needs_new_consent(session, rt, person):
        return False  # a partner's message to the team while the new text waits: it still reaches them
    else:
        ask_pending_consent(session, rt, person, now)
    return True


def ask_pending_consent(session: Session, rt: Runtime, person: Person, now: datetime) -> None:
    """Someone who joined and has not said yes or no yet: the question again, whatever they sent."""
    say(session, person, now, texts.CONSENT_TYPED_UNCLEAR)
    names = [
        p.name
        for m in projects.memberships_of(session, person.id, "partner")  # type: ignore[arg-type]
        if (p := rt.settings.project(m.project_id))
    ]
    consent = consent_payload(rt, person.first_name, ", ".join(names))
    outgoing.send(session, person, consent, now, timing=Timing.NOW, ref=f"{CONSENT_REF}{person.id}")


def decide_consent(session: Session, rt: Runtime, person: Person, accepted: bool, now: datetime) -> bool:
    """Accept: the invite is used up, memberships become active and check-ins are scheduled.
    Decline: the person and their pending memberships are deleted; nothing is kept, and the
    invite still works.  False if nothing was waiting for their consent."""
    memberships = projects.memberships_of(session, person.id)  # type: ignore[arg-type]
    pending = [m for m in memberships if m.role == "partner" and m.status == "pending"]
    version = rt.settings.consent.version
    if not pending and needs_new_consent(session, rt, person):
        _new_version_decided(session, rt, person, accepted, now)
        return True
    if not pending:
        return False
    if accepted:  # an invite shared by several may have been used up meanwhile: only those it admits join
        taken = [m for m in pending if m.invite_code and invites.redeem_invite(session, m.invite_code, now) is None]
        if taken:
            _leave_pending(session, person, taken, memberships, version, "invite_used_up", now)
            pending = [m for m in pending if m not in taken]
            if not pending:
                say(session, person, now, texts.INVITE_USED_UP_BEFORE_CONSENT)
                return True
    if not accepted:
        _leave_pending(session, person, pending, memberships, version, "declined", now)
        say(session, person, now, texts.CONSENT_DECLINED)
        return True
    people.record_consent(session, person, version, now)
    for membership in pending:
        people.record_consent_decision(session, person.id, membership.project_id, version, "accepted", now)
    for membership in pending:
        membership.status, membership.invite_code = "active", None
        project = rt.settings.project(membership.project_id)
        for schedule in project.schedules if project else []:
            schedule_next(session, rt.settings, person, membership.project_id, schedule.flow, now)
    log.info("person %s consented (version %s)", person.id, rt.settings.consent.version)
    say(session, person, now, texts.CONSENT_ACCEPTED, first_name=person.first_name)
    return True


def _leave_pending(
    session: Session,
    person: Person,
    leaving: list[Membership],
    memberships: list[Membership],
    version: str,
    decision: str,
    now: datetime,
) -> None:
    """Pending memberships that end without consent; someone with nothing else here is forgotten."""
    if len(leaving) == len(memberships):  # they had nothing else with us: keep nothing but the decision
        people.forget_person(session, person)
        person_id = None
    else:
        for membership in leaving:
            session.delete(membership)
        person_id = person.id
    for membership in leaving:
        people.record_consent_decision(session, person_id, membership.project_id, version, decision, now)


def _new_version_decided(session: Session, rt: Runtime, person: Person, accepted: bool, now: datetime) -> None:
    """Accepting a new consent text releases held check-ins; declining it stops
    check-ins (paused) and stores nothing new."""
    version = rt.settings.consent.version
    people.record_consent_decision(session, person.id, None, version, "accepted" if accepted else "declined", now)
    if not accepted:
        person.paused = True
        say(session, person, now, texts.CONSENT_AGAIN_DECLINED)
        return
    people.record_consent(session, person, version, now)
    person.paused = False
    for checkin in checkins.scheduled_for(session, person.id):  # type: ignore[arg-type]
        if checkin.state and checkin.state.get(HELD):
            checkin.due_at, checkin.state = now, None
    say(session, person, now, texts.CONSENT_ACCEPTED, first_name=person.first_name)


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
