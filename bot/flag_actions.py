"""Facilitators acting on flags from Telegram, escalation past a service level,
and closing the loop with the partner: "you said, we did", then, at their next
check-in, whether the need is now met ("no" reopens the flag).

Every change is a FlagEvent plus an audit row, with who and when."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import datetime
from html import unescape
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import callbacks, digest, ideas, roles, texts
from bot.config import Settings
from bot.replies import say
from bot.runtime import Runtime
from bot.telegram_format import plain, text_payload
from storage import checkins, flags, outbox, people, projects, updates
from storage.db import Database
from storage.models import Flag, Person

if TYPE_CHECKING:
    from bot.conversation import Sender

log = logging.getLogger(__name__)

NOTE_MAX_CHARS = 1000
FOLLOW_UP_FLOW = "follow-up"
CANCEL_WORDS = ("cancel", "/cancel", "stop")
_TAGS = re.compile(r"<[^>]*>")


def press(rt: Runtime, update_id: int, sender: Sender, tap: callbacks.Tap) -> None:
    """Acknowledge at once; Resolve and Won't fix ask for a note first."""
    now = rt.clock.now()
    with rt.db.session() as session:
        if not updates.claim_update(session, update_id, now):
            return
        flag = flags.get_flag(session, tap.subject_id)
        actor = roles.acting_facilitator(session, sender, flag.project_id if flag else None, f"flag {tap.subject_id} {tap.choice}", now)
        if flag is None or actor is None:
            return
        if flag.status not in flags.OPEN_STATUSES:
            say(session, actor.chat_id, now, texts.FLAG_GONE)
            return
        partner = _partner_name(session, flag)
        if tap.choice == "ack":
            if flag.status == "open":
                flags.change(session, flag, "acknowledged", actor, "", now)
            say(session, actor.chat_id, now, texts.FLAG_ACKNOWLEDGED, flag_id=str(flag.id))
            return
        kind = callbacks.FLAG_ACTIONS[tap.choice]
        flags.set_prompt(session, actor.id, kind, flag.id, now)  # type: ignore[arg-type]
        say(session, actor.chat_id, now, texts.ASK_RESOLVE_NOTE if kind == "resolved" else texts.ASK_WONT_FIX_REASON, first_name=partner, flag_id=str(flag.id))


def answer_prompt(session: Session, rt: Runtime, person_id: int, text: str, now: datetime) -> bool:
    """A plain message from someone the bot asked something of (a note, a reason, an
    idea), in the unit of work that found the prompt (bot/conversation.handle_input).
    False if the prompt has gone since: the message is then not its answer."""
    person, prompt = people.get_person(session, person_id), flags.get_prompt(session, person_id)
    if person is None or prompt is None:
        return False
    kind, subject_id = prompt.kind, prompt.subject_id
    flags.clear_prompt(session, prompt)
    if text.strip().lower() in CANCEL_WORDS:
        say(session, person.chat_id, now, texts.PROMPT_CANCELLED)
    elif kind in ("resolved", "wont_fix"):
        _close(session, rt, person, subject_id, kind, text.strip()[:NOTE_MAX_CHARS], now)
    elif kind.startswith(ideas.OUTCOME_PROMPT):
        ideas.record_outcome(session, person, subject_id, kind.removeprefix(ideas.OUTCOME_PROMPT), text.strip()[:NOTE_MAX_CHARS], now)
    elif kind == "idea":
        ideas.submit(session, rt.settings, person, text, now)
    return True


def _close(session: Session, rt: Runtime, actor: Person, flag_id: int, action: str, note: str, now: datetime) -> None:
    flag = flags.get_flag(session, flag_id)
    if flag is None or flag.status not in flags.OPEN_STATUSES:
        say(session, actor.chat_id, now, texts.FLAG_GONE)
        return
    if not roles.facilitates(session, actor, flag.project_id):  # their role went while we waited
        roles.refuse(session, actor, f"flag {flag_id} {action}", now, flag.project_id, texts.FLAG_NOT_YOURS)
        return
    flags.change(session, flag, action, actor, note, now)
    partner = _person(session, flag)
    project = projects.get_project(session, flag.project_id)
    if partner is not None and partner.status == "active":
        message = texts.YOU_SAID_WE_DID if action == "resolved" else texts.WE_CANNOT
        outbox.enqueue(
            session, partner.chat_id, "sendMessage",
            plain(message, need=digest.NEED_LABELS.get(flag.need, flag.need).lower(), project_name=project.name if project else "", note=note),
            now,
        )
    done = texts.FLAG_RESOLVED if action == "resolved" else texts.FLAG_WONT_FIX
    say(session, actor.chat_id, now, done, flag_id=str(flag.id), first_name=partner.first_name if partner else "the partner")


def queue_follow_ups(session: Session, person: Person, due: list[Flag], now: datetime) -> None:
    """At the start of a check-in: is each need the team resolved (``due``, from
    storage.flags.follow_ups_due) now met for them?"""
    for flag in due:
        buttons = [[(texts.FOLLOW_UP_YES, callbacks.follow_up_data(flag.id, True)), (texts.FOLLOW_UP_NO, callbacks.follow_up_data(flag.id, False))]]  # type: ignore[arg-type]
        need = digest.NEED_LABELS.get(flag.need, flag.need).lower()
        say(session, person.chat_id, now, texts.FOLLOW_UP_QUESTION, buttons, need=need)
        flag.follow_up = "asked"


def follow_up_answer(rt: Runtime, update_id: int, sender: Sender, tap: callbacks.Tap, message_id: int | None) -> None:
    """Yes: the loop is closed.  No: the flag reopens with this answer as evidence."""
    now = rt.clock.now()
    with rt.db.session() as session:
        if not updates.claim_update(session, update_id, now):
            return
        person = people.person_by_telegram_id(session, sender.telegram_user_id)
        flag = flags.get_flag(session, tap.subject_id)
        if person is None or flag is None or flag.person_id != person.id or flag.follow_up != "asked":
            say(session, sender.chat_id, now, texts.ALREADY_DONE)
            return
        met = tap.choice == "y"
        need = digest.NEED_LABELS.get(flag.need, flag.need).lower()
        question = texts.FOLLOW_UP_QUESTION.replace("{need}", need)
        display = texts.FOLLOW_UP_YES if met else texts.FOLLOW_UP_NO
        answer = checkins.add_answer(
            session,
            person_id=person.id, project_id=flag.project_id, flow_id=FOLLOW_UP_FLOW, flow_version="1",
            step_id=f"flag-{flag.id}", question=question, value="yes" if met else "no", display=display, answered_at=now,
        )
        if message_id is not None:  # the buttons go, the answer shows
            outbox.enqueue(session, person.chat_id, "editMessageText", {**plain(f"{question}\n\n✓ {display}"), "message_id": message_id}, now)
        if met:
            flag.follow_up = "met"
            session.add(flag)
            flags.change(session, flag, "met", person, "", now)
            say(session, person.chat_id, now, texts.FOLLOW_UP_MET)
            return
        flags.change(session, flag, "reopened", person, "", now)
        flags.open_flag(session, project_id=flag.project_id, person_id=person.id, need=flag.need, severity=flag.severity, note=flag.note, answer_ids=[checkins.answer_id(session, answer)], now=now)
        say(session, person.chat_id, now, texts.FOLLOW_UP_NOT_MET)
        digest.queue_alerts(session, rt, flag.project_id, now)


def escalate_overdue(rt: Runtime) -> int:
    """Flags nobody acknowledged within their service level go to the project's
    coordinators (its facilitators if it has none), once.  Returns how many."""
    now = rt.clock.now()
    with rt.db.session() as session:
        overdue = flags.past_service_level(session, rt.settings.flags.sla_hours, now)
        for flag in overdue:
            flags.change(session, flag, "escalated", None, "", now)
            recipients = projects.people_with_role(session, flag.project_id, "coordinator") or projects.people_with_role(session, flag.project_id, "facilitator")
            project = projects.get_project(session, flag.project_id)
            view = digest.view_of(session, flag, _person(session, flag), now, rt.settings)
            html = digest.environment(rt.settings.digest.templates).get_template("alert.html.j2").render(
                project_name=project.name if project else flag.project_id, flags=[view], now=now
            )
            messages = [text_payload(texts.ESCALATED_HEADER), *digest.with_buttons(html, session)]
            for person in recipients:
                for payload in messages:
                    outbox.enqueue(session, person.chat_id, "sendMessage", payload, now)
    if overdue:
        log.info("escalated %d flag(s) past their service level", len(overdue))
    return len(overdue)


def _person(session: Session, flag: Flag) -> Person | None:
    return people.get_person(session, flag.person_id) if flag.person_id is not None else None


def _partner_name(session: Session, flag: Flag) -> str:
    partner = _person(session, flag)
    return partner.first_name if partner else "the partner"


# -- the command line: a digest in the terminal, flags listed or exported for boards ----------


def render_digest_dry_run(settings: Settings, facilitator_telegram_id: int) -> tuple[str, bytes | None]:
    """The digest this facilitator would get now, as plain text, and its chart."""
    from bot.clock import SystemClock
    from bot.flow_registry import FlowRegistry

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


CSV_COLUMNS = ["flag", "project", "need", "severity", "status", "opened_at", "acknowledged_at", "closed_at", "escalated_at", "follow_up", "answers", "hours_to_acknowledge"]


def _rows(settings: Settings, **query: object) -> list[tuple[Flag, Person | None, int]]:
    db = Database(settings.storage.url)
    try:
        with db.session() as session:
            found = flags.find_flags(session, **query)  # type: ignore[arg-type]
            rows = [(flag, person, len(flags.evidence_of(session, flag.id))) for flag, person in found]  # type: ignore[arg-type]
            session.expunge_all()
            return rows
    finally:
        db.dispose()


def flags_csv(settings: Settings, **query: object) -> str:
    """Flags for boards: needs, dates and outcomes; no names and no partner text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for flag, _, answers in _rows(settings, **query):
        waited = (flag.acknowledged_at - flag.opened_at).total_seconds() / 3600 if flag.acknowledged_at else None
        dates = [d.isoformat(timespec="minutes") if d else "" for d in (flag.opened_at, flag.acknowledged_at, flag.closed_at, flag.escalated_at)]
        writer.writerow([flag.id, flag.project_id, flag.need, flag.severity, flag.status, *dates, flag.follow_up or "", answers, f"{waited:.1f}" if waited is not None else ""])
    return buffer.getvalue()


def flags_table(settings: Settings, **query: object) -> str:
    """Flags as a plain table for the terminal (first names: staff only)."""
    lines = [f"{'#':>5}  {'project':<16} {'need':<10} {'severity':<8} {'status':<12} {'opened':<16} partner"]
    for flag, person, _ in _rows(settings, **query):
        lines.append(f"{flag.id:>5}  {flag.project_id:<16} {flag.need:<10} {flag.severity:<8} {flag.status:<12} {flag.opened_at:%Y-%m-%d %H:%M} {person.first_name if person else '-'}")
    lines.append(f"{len(lines) - 1} flag(s).")
    return "\n".join(lines)
