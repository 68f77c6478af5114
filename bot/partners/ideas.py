"""A partner's ideas: ``/idea``, or a flow step whose id starts with ``idea``, go
into the influence ledger and to the project's facilitators; once a month each
partner hears what came of theirs.  Closing the loop is the point."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape

from sqlmodel import Session

from bot.core import outgoing, texts
from bot.core.config import Settings
from bot.core.outgoing import Timing
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import text_payload
from bot.core.unit import once_per_update
from bot.staff import ideas as staff_ideas
from flows.types import AnswerRecord
from storage import flags, ideas, people, projects
from storage.models import Idea, Person
from storage.people import PartnerRow

#: flow steps whose id starts with this collect ideas (kind text)
IDEA_STEP_PREFIX = "idea"
#: the StaffPrompt kind that makes a partner's next message their idea
IDEA_PROMPT = "idea"
IDEA_MAX_CHARS = 2000
SUMMARY_HOUR_UTC = 10
SUMMARY_MAX_IDEAS = 8


@once_per_update
def idea_command(rt: Runtime, session: Session, now: datetime, sender: Sender, text: str) -> None:
    """``/idea <text>`` records it; ``/idea`` alone waits for their next message."""
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is None or person.consent_version is None or _project_of(session, person) is None:
        say(session, sender.chat_id, now, texts.IDEA_NOT_A_PARTNER)
    elif text.strip():
        submit(session, rt.settings, person, text, now)
    else:
        flags.set_prompt(session, person.id, IDEA_PROMPT, 0, now)  # type: ignore[arg-type]
        say(session, person, now, texts.IDEA_ASK)


def submit(
    session: Session, settings: Settings, person: Person, text: str, now: datetime, project_id: str | None = None
) -> Idea | None:
    """Record an idea, thank the partner, and show it to the facilitators with buttons."""
    project_id = project_id or _project_of(session, person)
    if project_id is None:
        return None
    idea = ideas.add_idea(session, project_id, person.id, text.strip()[:IDEA_MAX_CHARS], now)  # type: ignore[arg-type]
    say(session, person, now, texts.IDEA_THANKS, first_name=person.first_name)
    staff_ideas.show_to_facilitators(session, idea, person, now)
    return idea


def collect(
    session: Session, person: Person | PartnerRow, project_id: str, records: Iterable[AnswerRecord], now: datetime
) -> None:
    """Typed answers to steps named ``idea...`` go into the ledger too (never anonymous ones)."""
    for record in records:
        if (
            record.step_id.startswith(IDEA_STEP_PREFIX)
            and not record.anonymous
            and not record.skipped
            and isinstance(record.value, str)
            and record.value.strip()
        ):
            idea = ideas.add_idea(session, project_id, person.id, record.value.strip()[:IDEA_MAX_CHARS], now)  # type: ignore[arg-type]
            staff_ideas.show_to_facilitators(session, idea, person, now)


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
                summary = text_payload(summary_html(person, decided))
                outgoing.send(session, person, summary, now, timing=Timing.GOOD_TIME)
            for idea in decided:
                idea.reported_at = now
    return len(by_person)


def summary_html(person: Person, decided: list[Idea]) -> str:
    lines = [escape(texts.IDEA_SUMMARY_HEADER.replace("{first_name}", person.first_name), quote=False)]
    for idea in decided:
        said = idea.text if len(idea.text) <= 120 else idea.text[:119] + "…"
        lines.append(
            f"\n<i>{escape(said, quote=False)}</i>\n"
            f"{staff_ideas.OUTCOME_WORDS.get(idea.status, idea.status)}: {escape(idea.outcome[:300], quote=False)}"
        )
    return "\n".join(lines)


def _project_of(session: Session, person: Person) -> str | None:
    """The project an idea is for: the partner's first active project."""
    memberships = projects.memberships_of(session, person.id, "partner")  # type: ignore[arg-type]
    return next((m.project_id for m in memberships if m.status == "active"), None)
