"""Distress in anything a partner sends: a kind reply with where to find help, at
once, and an urgent flag that alerts the project's facilitators at once, every time.
Never a cold automated message, never silence, never "didn't quite catch that".

The front door (bot/front_door.screen) calls :func:`answer` before anything else
touches the message: a check-in does not take it as an answer, /idea does not
take it as an idea, a prompt the bot was waiting on is withdrawn.  The partner's
words are kept only as the safety flag's evidence (a row the flag points to,
never an answer to a question, an idea or a summary); the log never shows them."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from bot.core import texts
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.unit import once_per_update
from bot.staff import digest
from flows.types import State
from storage import checkins, flags, people, projects
from storage.checkins import CheckinRow

log = logging.getLogger(__name__)

SAFETY_NOTE = "Wrote something that suggests they may be in distress."
ANONYMOUS_NOTE = (
    "Someone wrote something that suggests distress at an anonymous question. They were shown where to find help."
)
NOT_CONSENTED_NOTE = (
    "Someone who has not yet agreed to the bot keeping their words wrote something that suggests distress."
)
#: what the flag's evidence rows are stored under: not a flow, never read as answers to one
EVIDENCE_FLOW = "safety"
EVIDENCE_STEP = "message"
#: the longest piece of a message kept as evidence
EVIDENCE_MAX_CHARS = 4096


def is_staff_only(rt: Runtime, telegram_user_id: int) -> bool:
    """Staff messages are not checked: someone who is staff somewhere and a partner nowhere."""
    with rt.db.session() as session:
        person = people.person_by_telegram_id(session, telegram_user_id)
        return person is not None and projects.is_staff_only(session, person.id)  # type: ignore[arg-type]


@once_per_update
def answer(rt: Runtime, session: Session, now: datetime, sender: Sender, text: str, rule: str) -> None:
    """Signpost at once, in their language; flag and alert each project they are a partner in."""
    person, checkin, prompted = checkins.partner_checkin_and_prompt(session, sender.telegram_user_id)
    language = person.language if person else "en"
    signposting = rt.settings.safety.signposting_for(language)
    if checkin is not None:
        signposting += "\n\n" + texts.SAFETY_CHECKIN_CAN_WAIT.get(language, texts.SAFETY_CHECKIN_CAN_WAIT["en"])
    say(session, sender.chat_id, now, signposting, first_name=person.first_name if person else sender.first_name)
    if person is None:
        log.info("distress (%s) from someone who has not joined: signposted", rule)
        return
    if prompted:  # their next message is not taken as the idea or note the bot was waiting for
        prompt = flags.get_prompt(session, person.id)
        if prompt is not None:
            flags.clear_prompt(session, prompt)
    anonymous = checkin is not None and _at_anonymous_step(rt, session, checkin)
    project_ids = [checkin.project_id] if checkin is not None else _partner_projects(session, person.id)
    for project_id in project_ids:
        _flag(session, rt, person.id, person.consent_version is not None, anonymous, project_id, text, now)
    log.info("distress (%s) from partner %s: signposted, %d project(s) alerted", rule, person.id, len(project_ids))


def _flag(
    session: Session,
    rt: Runtime,
    person_id: int,
    consented: bool,
    anonymous: bool,
    project_id: str,
    text: str,
    now: datetime,
) -> None:
    """An urgent safety flag, or the open one with these words added; alerted now, again
    on every repeat.  An anonymous question's flag names no one and keeps no words."""
    evidence = []
    if consented and not anonymous:
        row = checkins.add_answer(
            session,
            person_id=person_id,
            project_id=project_id,
            flow_id=EVIDENCE_FLOW,
            flow_version="1",
            step_id=EVIDENCE_STEP,
            question=texts.SAFETY_EVIDENCE_QUESTION,
            value=text[:EVIDENCE_MAX_CHARS],
            display=text[:EVIDENCE_MAX_CHARS],
            answered_at=now,
        )
        evidence.append(checkins.answer_id(session, row))
    note = ANONYMOUS_NOTE if anonymous else (SAFETY_NOTE if consented else NOT_CONSENTED_NOTE)
    flags.open_flag(
        session,
        project_id=project_id,
        person_id=None if anonymous else person_id,
        need="safety",
        severity="urgent",
        note=note,
        answer_ids=evidence,
        now=now,
        alert_again=True,
    )
    digest.queue_alerts(session, rt, project_id, now, checkin_ended=False)


def _at_anonymous_step(rt: Runtime, session: Session, checkin: CheckinRow) -> bool:
    flow = rt.flows.version(session, checkin.flow_id, checkin.flow_version or "")
    step_id = State.from_dict(checkin.state or {}).step_id if checkin.state else None
    step = flow.step(step_id) if flow is not None and step_id else None
    return step is not None and step.anonymous


def _partner_projects(session: Session, person_id: int) -> list[str]:
    """Every project they are a partner in (active, or joining and not yet consented)."""
    memberships = projects.memberships_of(session, person_id, "partner")
    return list(dict.fromkeys(m.project_id for m in memberships if m.status in ("active", "pending")))
