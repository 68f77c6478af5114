"""The influence ledger: partners send ideas (``/idea``, or a flow step whose id
starts with ``idea``), facilitators record what came of each, and once a month
each partner hears what happened to their input.  Closing the loop is the point."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import callbacks, roles, safety, texts
from bot.config import Settings
from bot.replies import say
from bot.runtime import Runtime
from bot.telegram_format import text_payload
from flows.types import AnswerRecord
from storage import audit, flags, ideas, outbox, people, projects, updates
from storage.models import Idea, Person
from storage.people import PartnerRow

if TYPE_CHECKING:
    from bot.conversation import Sender

log = logging.getLogger(__name__)

#: flow steps whose id starts with this collect ideas (kind text)
IDEA_STEP_PREFIX = "idea"
#: StaffPrompt kinds: "idea" (a partner's next message is their idea) and
#: "idea_outcome:<outcome>" (a facilitator's next message is the note)
IDEA_PROMPT = "idea"
OUTCOME_PROMPT = "idea_outcome:"
IDEA_MAX_CHARS = 2000
OUTCOME_WORDS = {"adopted": "Adopted", "changed": "It changed something", "not_taken_up": "Not taken up"}
SUMMARY_HOUR_UTC = 10
SUMMARY_MAX_IDEAS = 8


def idea_command(rt: Runtime, update_id: int, sender: Sender, text: str) -> None:
    """``/idea <text>`` records it; ``/idea`` alone waits for their next message."""
    now = rt.clock.now()
    with rt.db.session() as session:
        if not updates.claim_update(session, update_id, now):
            return
        person = people.person_by_telegram_id(session, sender.telegram_user_id)
        if person is None or person.consent_version is None or _project_of(session, person) is None:
            say(session, sender.chat_id, now, texts.IDEA_NOT_A_PARTNER)
        elif text.strip():
            submit(session, rt.settings, person, text, now)
        else:
            flags.set_prompt(session, person.id, IDEA_PROMPT, 0, now)  # type: ignore[arg-type]
            say(session, person.chat_id, now, texts.IDEA_ASK)


def submit(session: Session, settings: Settings, person: Person, text: str, now: datetime, project_id: str | None = None) -> Idea | None:
    """Record an idea, thank the partner, and show it to the facilitators with buttons."""
    project_id = project_id or _project_of(session, person)
    if project_id is None:
        return None
    idea = ideas.add_idea(session, project_id, person.id, text.strip()[:IDEA_MAX_CHARS], now)  # type: ignore[arg-type]
    if not safety.respond_to_distress(session, settings, person, project_id, text, None, False, now):
        say(session, person.chat_id, now, texts.IDEA_THANKS, first_name=person.first_name)
    _show_to_facilitators(session, idea, person, now)
    return idea


def _show_to_facilitators(session: Session, idea: Idea, person: Person | PartnerRow, now: datetime) -> None:
    """The idea with one button per outcome; ideas are few, so they go at once."""
    project = projects.get_project(session, idea.project_id)
    html = f"<b>💡 Idea #{idea.id}</b> from {escape(person.first_name, quote=False)} ({escape(project.name if project else idea.project_id, quote=False)})\n\n{escape(idea.text, quote=False)}"
    buttons = [[(OUTCOME_WORDS[outcome], callbacks.idea_data(code, idea.id)) for code, outcome in callbacks.IDEA_OUTCOMES.items()]]  # type: ignore[arg-type]
    for facilitator in projects.people_with_role(session, idea.project_id, "facilitator"):
        outbox.enqueue(session, facilitator.chat_id, "sendMessage", text_payload(html, buttons), now)


def collect(session: Session, person: Person | PartnerRow, project_id: str, records: Iterable[AnswerRecord], now: datetime) -> None:
    """Typed answers to steps named ``idea...`` go into the ledger too (never anonymous ones)."""
    for record in records:
        if record.step_id.startswith(IDEA_STEP_PREFIX) and not record.anonymous and not record.skipped and isinstance(record.value, str) and record.value.strip():
            idea = ideas.add_idea(session, project_id, person.id, record.value.strip()[:IDEA_MAX_CHARS], now)  # type: ignore[arg-type]
            _show_to_facilitators(session, idea, person, now)


def press(rt: Runtime, update_id: int, sender: Sender, tap: callbacks.Tap) -> None:
    """A facilitator chose what happened: ask for the note the partner will see."""
    now = rt.clock.now()
    with rt.db.session() as session:
        if not updates.claim_update(session, update_id, now):
            return
        idea = ideas.get_idea(session, tap.subject_id)
        actor = roles.acting_facilitator(session, sender, idea.project_id if idea else None, f"idea {tap.subject_id} {tap.choice}", now)
        if idea is None or actor is None:
            return
        partner = people.get_person(session, idea.person_id) if idea.person_id else None
        flags.set_prompt(session, actor.id, OUTCOME_PROMPT + callbacks.IDEA_OUTCOMES[tap.choice], idea.id, now)  # type: ignore[arg-type]
        say(session, actor.chat_id, now, texts.ASK_IDEA_NOTE, idea_id=str(idea.id), first_name=partner.first_name if partner else "the partner")


def record_outcome(session: Session, actor: Person, idea_id: int, status: str, note: str, now: datetime) -> None:
    idea = ideas.get_idea(session, idea_id)
    if idea is None:
        say(session, actor.chat_id, now, texts.FLAG_GONE)
        return
    ideas.decide(session, idea, status, note, actor.id, now)  # type: ignore[arg-type]
    audit.record(session, "idea_outcome", now, actor=actor.telegram_user_id, project_id=idea.project_id, detail=f"idea {idea.id} {status}")
    partner = people.get_person(session, idea.person_id) if idea.person_id else None
    say(session, actor.chat_id, now, texts.IDEA_RECORDED, first_name=partner.first_name if partner else "the partner")


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=SUMMARY_HOUR_UTC, minute=0, second=0, microsecond=0)


def send_monthly_summaries(rt: Runtime) -> int:
    """From 10:00 UTC on the 1st, each partner hears what came of the ideas decided
    before then that they have not heard about.  Returns how many partners."""
    now = rt.clock.now()
    start = month_start(now)
    if now < start:
        return 0
    with rt.db.session() as session:
        by_person: dict[int, list[Idea]] = defaultdict(list)
        for idea in ideas.to_report(session, start):
            by_person[idea.person_id].append(idea)  # type: ignore[index]
        for person_id, decided in by_person.items():
            decided = decided[:SUMMARY_MAX_IDEAS]  # the rest come next month
            person = people.get_person(session, person_id)
            if person is not None and person.status == "active":
                outbox.enqueue(session, person.chat_id, "sendMessage", text_payload(summary_html(person, decided)), now)
            for idea in decided:
                idea.reported_at = now
    return len(by_person)


def summary_html(person: Person, decided: list[Idea]) -> str:
    lines = [escape(texts.IDEA_SUMMARY_HEADER.replace("{first_name}", person.first_name), quote=False)]
    for idea in decided:
        said = idea.text if len(idea.text) <= 120 else idea.text[:119] + "…"
        lines.append(f"\n<i>{escape(said, quote=False)}</i>\n{OUTCOME_WORDS.get(idea.status, idea.status)}: {escape(idea.outcome[:300], quote=False)}")
    return "\n".join(lines)


def _project_of(session: Session, person: Person) -> str | None:
    """The project an idea is for: the partner's first active project."""
    return next((m.project_id for m in projects.memberships_of(session, person.id, "partner") if m.status == "active"), None)  # type: ignore[arg-type]
