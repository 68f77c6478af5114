"""Partners' messages to their team, as the facilitators see them: each with the
thread before it, Reply and Acknowledge.  A reply reaches the partner only after
its preview is sent (bot/staff/prompts.py); everyone else hears who picked a
message up or replied, so nothing is answered twice or dropped."""

from __future__ import annotations

from datetime import datetime
from html import escape

from sqlmodel import Session

from bot.core import outgoing, roles, texts
from bot.core.callbacks import TeamAction
from bot.core.outgoing import Timing
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import split_html, split_plain, text_payload
from bot.core.unit import once_per_update
from storage import flags, outbox, people, projects, team
from storage.models import Person, TeamMessage
from storage.people import PartnerRow

#: the StaffPrompt kind: a facilitator's next message is their reply to a partner's message
REPLY_PROMPT = "reply"
#: the thread shown above a new message
THREAD_SHOWN = 4


def show_to_facilitators(session: Session, message: TeamMessage, partner: Person | PartnerRow, now: datetime) -> None:
    """The message, the few before it in the thread, and its buttons, to the project's facilitators."""
    assert message.id is not None
    project = projects.get_project(session, message.project_id)
    project_name = project.name if project else message.project_id
    lines = [f"<b>{escape(_fill(texts.TEAM_TO_STAFF, first_name=partner.first_name, project_name=project_name))}</b>"]
    thread = team.thread(session, message.partner_id, message.project_id, THREAD_SHOWN + 1)
    earlier = [m for m in thread if m.id != message.id]
    for before in earlier[-THREAD_SHOWN:]:
        who = partner.first_name if before.author_id is None else _author_name(session, before)
        lines.append(f"<i>{escape(who)}: {escape(short(before.text))}</i>")
    lines.extend(escape(piece) for piece in split_plain(message.text))
    buttons = [
        [
            (texts.TEAM_REPLY_BUTTON, TeamAction("reply", message.id).data()),
            (texts.TEAM_ACK_BUTTON, TeamAction("ack", message.id).data()),
        ]
    ]
    pieces = split_html("\n\n".join(lines))
    payloads = [text_payload(piece) for piece in pieces[:-1]] + [text_payload(pieces[-1], buttons)]
    for facilitator in projects.people_with_role(session, message.project_id, "facilitator"):
        for payload in payloads:
            outbox.enqueue(session, facilitator.chat_id, "sendMessage", payload, now)


@once_per_update
def press(rt: Runtime, session: Session, now: datetime, sender: Sender, tap: TeamAction) -> None:
    """Acknowledge: the others hear who has it.  Reply: their next message, after a preview."""
    message = team.get_message(session, tap.message_id)
    project_id = message.project_id if message else None
    actor = roles.acting_facilitator(
        session, rt, sender, project_id, f"team message {tap.message_id} {tap.action}", now
    )
    if message is None or actor is None:
        return
    partner = people.get_person(session, message.partner_id)
    first_name = partner.first_name if partner else "the partner"
    if tap.action == "ack":
        if team.acknowledge(session, message, actor.id, now):  # type: ignore[arg-type]
            _tell_the_others(session, message, actor, texts.TEAM_TAKEN_BY_OTHER, first_name, now)
        say(session, actor.chat_id, now, texts.TEAM_ACKNOWLEDGED, first_name=first_name)
        return
    if flags.set_prompt(session, actor.id, REPLY_PROMPT, message.id, now) is not None:  # type: ignore[arg-type]
        say(session, actor.chat_id, now, texts.PROMPT_REPLACED)
    say(session, actor.chat_id, now, texts.TEAM_ASK_REPLY, first_name=first_name)


def relay(session: Session, actor: Person, message_id: int, text: str, now: datetime) -> None:
    """A reply, after its preview was sent: into the thread and to the partner."""
    message = team.get_message(session, message_id)
    partner = people.get_person(session, message.partner_id) if message else None
    if message is None or partner is None or partner.status != "active":
        say(session, actor.chat_id, now, texts.TEAM_PARTNER_LEFT, first_name=partner.first_name if partner else "")
        return
    team.add_message(session, message.project_id, partner.id, text, now, author_id=actor.id)  # type: ignore[arg-type]
    project = projects.get_project(session, message.project_id)
    outgoing.tell(
        session,
        partner,
        now,
        texts.TEAM_REPLY_TO_PARTNER,
        timing=Timing.GOOD_TIME,
        author=actor.first_name,
        project_name=project.name if project else message.project_id,
        reply=text,
    )
    if message.acknowledged_at is None:
        team.acknowledge(session, message, actor.id, now)  # type: ignore[arg-type]
    _tell_the_others(session, message, actor, texts.TEAM_REPLIED_BY_OTHER, partner.first_name, now)
    say(session, actor.chat_id, now, texts.TEAM_REPLY_SENT, first_name=partner.first_name)


def describe(session: Session, message_id: int) -> tuple[str, str]:
    """Whom a reply goes to, and what about: for its preview."""
    message = team.get_message(session, message_id)
    partner = people.get_person(session, message.partner_id) if message else None
    return (
        partner.first_name if partner else "the partner"
    ), f"their message: “{short(message.text if message else '')}”"


def _tell_the_others(
    session: Session, message: TeamMessage, actor: Person, text: str, first_name: str, now: datetime
) -> None:
    for facilitator in projects.people_with_role(session, message.project_id, "facilitator"):
        if facilitator.id != actor.id:
            say(session, facilitator.chat_id, now, text, actor=actor.first_name, first_name=first_name)


def _author_name(session: Session, message: TeamMessage) -> str:
    author = people.get_person(session, message.author_id) if message.author_id is not None else None
    return author.first_name if author else "The team"


def short(text: str, limit: int = 120) -> str:
    """The start of a message, for context lines and previews."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fill(text: str, **values: str) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text
