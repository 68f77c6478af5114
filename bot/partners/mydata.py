"""/mydata: a partner sees everything stored about them, as a readable summary
and as a JSON file with all of it.  Partners own their record; this is how they see it."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from html import escape
from typing import Any

from sqlmodel import Session, SQLModel

from bot.core import outgoing, texts
from bot.core.outgoing import Timing
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import split_html, text_payload
from bot.core.unit import once_per_update
from storage import audit, outbox, people
from storage.models import Person

FILENAME = "my-data.json"


@once_per_update
def handle_mydata(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is None:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
        return
    record = export(rt, people.personal_data(session, person.id), person, now)  # type: ignore[arg-type]
    for piece in split_html(summary_html(record)):
        outgoing.send(session, person, text_payload(piece), now, timing=Timing.NOW)
    content = json.dumps(record, ensure_ascii=False, indent=2).encode()
    document = {
        "content_b64": base64.b64encode(content).decode(),
        "filename": FILENAME,
        "caption": escape(texts.MYDATA_FILE_CAPTION, quote=False),
        "parse_mode": "HTML",
    }
    outbox.enqueue(session, person.chat_id, "sendDocument", document, now)
    audit.record(session, "export", now, actor=sender.telegram_user_id, detail="own data (/mydata)")


def _rows(rows: list[Any], exclude: set[str] | None = None) -> list[dict[str, Any]]:
    return [_row(row, exclude) for row in rows]


def _row(row: SQLModel, exclude: set[str] | None = None) -> dict[str, Any]:
    return row.model_dump(mode="json", exclude=exclude)


def export(rt: Runtime, data: people.PersonalData, person: Person, now: datetime) -> dict[str, Any]:
    """Everything linked to the person, row by row, with the questions as asked."""
    events: dict[int, list[dict[str, Any]]] = {}
    for event in data.flag_events:
        events.setdefault(event.flag_id, []).append(_row(event, {"flag_id", "actor_person_id"}))
    projects = {p.id: p.name for p in rt.settings.projects}
    return {
        "exported_at": now.isoformat(),
        "note": "Answers to anonymous questions are not here: nothing links them to you.",
        "profile": _row(person, {"id"}),
        "projects": [
            {**_row(m, {"id", "person_id", "next_digest_at"}), "project_name": projects.get(m.project_id, "")}
            for m in data.memberships
        ],
        "consents": _rows(data.consents, {"person_id"}),
        "checkins": _rows(data.checkins, {"person_id", "state"}),
        "answers": _rows(data.answers, {"person_id"}),
        "flags": [{**_row(flag, {"person_id"}), "events": events.get(flag.id, [])} for flag in data.flags],  # type: ignore[arg-type]
        "ideas": _rows(data.ideas, {"person_id", "decided_by"}),
        "messages_with_the_team": [
            {
                **_row(m, {"partner_id", "author_id", "acknowledged_by"}),
                "from": "you" if m.author_id is None else "the team",
            }
            for m in data.team_messages
        ],
    }


def summary_html(record: dict[str, Any]) -> str:
    """The same record in a few plain lines."""
    profile = record["profile"]
    lines = [
        f"Here is what I keep about you, {profile['first_name']}:",
        f"• Your name and Telegram id ({profile['telegram_user_id']}), so I can reach you",
        f"• Projects: {', '.join(p['project_name'] or p['project_id'] for p in record['projects']) or 'none'}",
        (
            f"• Days: {', '.join(profile['preferred_days'] or []) or 'any'}; "
            f"times: {profile['preferred_window'] or 'any'}; "
            f"quiet hours: {profile['quiet_hours'] or 'none'}; time zone: {profile['timezone'] or 'the project’s'}"
        ),
        f"• Language: {profile['language']}; what helps: {', '.join(profile['access_needs'] or []) or 'nothing set'}",
        f"• Consent: version {profile['consent_version'] or '-'}, {len(record['consents'])} decision(s) recorded",
        f"• Check-ins: {len(record['checkins'])}, with {len(record['answers'])} answer(s), each with its question",
        f"• Needs you told us about: {len(record['flags'])}, and what happened to each",
        f"• Ideas: {len(record['ideas'])}",
        f"• Messages between you and the team: {len(record['messages_with_the_team'])}",
        "",
        "The file below has all of it. Send /forget if you'd like me to delete it.",
    ]
    return escape("\n".join(lines), quote=False)
