"""Facilitators record what came of a partner's idea (adopted, changed something,
not taken up) with a note the partner will hear in their monthly summary."""

from __future__ import annotations

from datetime import datetime
from html import escape

from sqlmodel import Session

from bot.core import roles, texts
from bot.core.callbacks import IdeaOutcome
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import text_payload
from bot.core.unit import once_per_update
from storage import audit, flags, ideas, outbox, people, projects
from storage.models import Idea, Person
from storage.people import PartnerRow

#: the StaffPrompt kind "idea_outcome:<outcome>": a facilitator's next message is the note
OUTCOME_PROMPT = "idea_outcome:"
OUTCOME_WORDS = {"adopted": "Adopted", "changed": "It changed something", "not_taken_up": "Not taken up"}


def show_to_facilitators(session: Session, idea: Idea, person: Person | PartnerRow, now: datetime) -> None:
    """The idea with one button per outcome; ideas are few, so they go at once."""
    project = projects.get_project(session, idea.project_id)
    html = (
        f"<b>💡 Idea #{idea.id}</b> from {escape(person.first_name, quote=False)} "
        f"({escape(project.name if project else idea.project_id, quote=False)})\n\n{escape(idea.text, quote=False)}"
    )
    assert idea.id is not None
    buttons = [[(OUTCOME_WORDS[outcome], IdeaOutcome(outcome, idea.id).data()) for outcome in IdeaOutcome.OUTCOMES]]
    for facilitator in projects.people_with_role(session, idea.project_id, "facilitator"):
        outbox.enqueue(session, facilitator.chat_id, "sendMessage", text_payload(html, buttons), now)


@once_per_update
def press(rt: Runtime, session: Session, now: datetime, sender: Sender, tap: IdeaOutcome) -> None:
    """A facilitator chose what happened: ask for the note the partner will see."""
    idea = ideas.get_idea(session, tap.idea_id)
    actor = roles.acting_facilitator(
        session, rt, sender, idea.project_id if idea else None, f"idea {tap.idea_id} {tap.outcome}", now
    )
    if idea is None or actor is None:
        return
    partner = people.get_person(session, idea.person_id) if idea.person_id else None
    if flags.set_prompt(session, actor.id, OUTCOME_PROMPT + tap.outcome, idea.id, now) is not None:  # type: ignore[arg-type]
        say(session, actor.chat_id, now, texts.PROMPT_REPLACED)
    say(
        session,
        actor.chat_id,
        now,
        texts.ASK_IDEA_NOTE,
        idea_id=str(idea.id),
        first_name=partner.first_name if partner else "the partner",
    )


def record_outcome(session: Session, actor: Person, idea_id: int, status: str, note: str, now: datetime) -> None:
    idea = ideas.get_idea(session, idea_id)
    if idea is None:
        say(session, actor.chat_id, now, texts.FLAG_GONE)
        return
    ideas.decide(session, idea, status, note, actor.id, now)  # type: ignore[arg-type]
    audit.record(
        session,
        "idea_outcome",
        now,
        actor=actor.telegram_user_id,
        project_id=idea.project_id,
        detail=f"idea {idea.id} {status}",
    )
    partner = people.get_person(session, idea.person_id) if idea.person_id else None
    say(session, actor.chat_id, now, texts.IDEA_RECORDED, first_name=partner.first_name if partner else "the partner")
