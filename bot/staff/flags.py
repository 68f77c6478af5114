"""Facilitators acting on flags from Telegram (acknowledge, resolve, won't fix),
escalation past a service level, and "you said, we did": what the facilitator
wrote when resolving goes back to the partner.

Every change is a FlagEvent plus an audit row, with who and when."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from bot.core import callbacks, outgoing, roles, texts
from bot.core.outgoing import Timing
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import text_payload
from bot.core.unit import once_per_update
from bot.staff import digest
from storage import flags, outbox, people, projects
from storage.models import Flag, Person

log = logging.getLogger(__name__)

#: the status each closing button leads to, once the facilitator has written their note
CLOSING_STATUS = {"resolve": "resolved", "wontfix": "wont_fix"}


@once_per_update
def press(rt: Runtime, session: Session, now: datetime, sender: Sender, tap: callbacks.FlagAction) -> None:
    """Acknowledge at once; Resolve and Won't fix ask for a note first."""
    flag = flags.get_flag(session, tap.flag_id)
    actor = roles.acting_facilitator(
        session, rt, sender, flag.project_id if flag else None, f"flag {tap.flag_id} {tap.action}", now
    )
    if flag is None or actor is None:
        return
    if flag.status not in flags.OPEN_STATUSES:
        say(session, actor.chat_id, now, texts.FLAG_GONE)
        return
    partner = _partner_name(session, flag)
    if tap.action == "acknowledge":
        if flag.status == "open":
            flags.change(session, flag, "acknowledged", actor, "", now)
            _tell_the_others(session, flag, actor, texts.FLAG_TAKEN_BY_OTHER, now)
        say(session, actor.chat_id, now, texts.FLAG_ACKNOWLEDGED, flag_id=str(flag.id))
        return
    kind = CLOSING_STATUS[tap.action]
    if flags.set_prompt(session, actor.id, kind, flag.id, now) is not None:  # type: ignore[arg-type]
        say(session, actor.chat_id, now, texts.PROMPT_REPLACED)
    say(
        session,
        actor.chat_id,
        now,
        texts.ASK_RESOLVE_NOTE if kind == "resolved" else texts.ASK_WONT_FIX_REASON,
        first_name=partner,
        flag_id=str(flag.id),
    )


def close(session: Session, rt: Runtime, actor: Person, flag_id: int, action: str, note: str, now: datetime) -> None:
    flag = flags.get_flag(session, flag_id)
    if flag is None or flag.status not in flags.OPEN_STATUSES:
        say(session, actor.chat_id, now, texts.FLAG_GONE)
        return
    if not roles.acts_for(session, rt, actor, flag.project_id):  # their role went while we waited
        roles.refuse(session, actor, f"flag {flag_id} {action}", now, flag.project_id, texts.FLAG_NOT_YOURS)
        return
    flags.change(session, flag, action, actor, note, now)
    partner = _person(session, flag)
    project = projects.get_project(session, flag.project_id)
    if partner is not None and partner.status == "active":
        outgoing.tell(
            session,
            partner,
            now,
            texts.YOU_SAID_WE_DID if action == "resolved" else texts.WE_CANNOT,
            timing=Timing.GOOD_TIME,
            need=digest.NEED_LABELS.get(flag.need, flag.need).lower(),
            project_name=project.name if project else "",
            note=note,
        )
    _tell_the_others(
        session, flag, actor, texts.FLAG_RESOLVED_BY_OTHER if action == "resolved" else texts.FLAG_CLOSED_BY_OTHER, now
    )
    done = texts.FLAG_RESOLVED if action == "resolved" else texts.FLAG_WONT_FIX
    say(
        session,
        actor.chat_id,
        now,
        done,
        flag_id=str(flag.id),
        first_name=partner.first_name if partner else "the partner",
    )


def escalate_overdue(rt: Runtime) -> int:
    """Flags nobody acknowledged within their service level go to the project's
    coordinators (its facilitators if it has none), once.  Returns how many."""
    now = rt.clock.now()
    with rt.db.session() as session:
        overdue = flags.past_service_level(session, rt.settings.flags.sla_hours, now)
        for flag in overdue:
            flags.change(session, flag, "escalated", None, "", now)
            recipients = projects.people_with_role(
                session, flag.project_id, "coordinator"
            ) or projects.people_with_role(session, flag.project_id, "facilitator")
            project = projects.get_project(session, flag.project_id)
            view = digest.view_of(session, flag, _person(session, flag), now, rt.settings)
            html = (
                digest.environment(rt.settings.digest.templates)
                .get_template("alert.html.j2")
                .render(project_name=project.name if project else flag.project_id, flags=[view], now=now)
            )
            messages = [text_payload(texts.ESCALATED_HEADER), *digest.with_buttons(html, session)]
            for person in recipients:
                for payload in messages:
                    outbox.enqueue(session, person.chat_id, "sendMessage", payload, now)
    if overdue:
        log.info("escalated %d flag(s) past their service level", len(overdue))
    return len(overdue)


def _tell_the_others(session: Session, flag: Flag, actor: Person, text: str, now: datetime) -> None:
    """Everyone else the flag reached (its project's facilitators, and its coordinators once
    it was escalated) hears who has it, so no one duplicates or drops it."""
    others = projects.people_with_role(session, flag.project_id, "facilitator")
    if flag.escalated_at is not None:
        others += projects.people_with_role(session, flag.project_id, "coordinator")
    need = digest.NEED_LABELS.get(flag.need, flag.need).lower()
    for chat_id in dict.fromkeys(person.chat_id for person in others if person.id != actor.id):
        say(session, chat_id, now, text, actor=actor.first_name, flag_id=str(flag.id), need=need)


def _person(session: Session, flag: Flag) -> Person | None:
    return people.get_person(session, flag.person_id) if flag.person_id is not None else None


def _partner_name(session: Session, flag: Flag) -> str:
    partner = _person(session, flag)
    return partner.first_name if partner else "the partner"
