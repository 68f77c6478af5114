"""A partner's check-in: input -> flows engine -> storage -> outbox, in one short
transaction per update.  No Telegram types here: handlers pass plain values."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.core import texts
from bot.core.preferences import profile_changes
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.schedules import schedule_next
from bot.core.sender import Sender
from bot.core.telegram_format import prompt_payload
from bot.partners import access_needs, follow_up, ideas, onboarding
from bot.staff import digest
from flows.engine import advance, start
from flows.model import Flow
from flows.types import Context, Input, Outcome, State
from storage import checkins, flags, outbox, people, projects
from storage.checkins import CheckinRow
from storage.models import Checkin, Person
from storage.people import PartnerRow

log = logging.getLogger(__name__)

FINISHED_STATUS = {"finished": "completed", "stopped": "stopped"}


def continue_checkin(
    session: Session,
    rt: Runtime,
    sender: Sender,
    person: PartnerRow | None,
    checkin: CheckinRow | None,
    inp: Input,
    checkin_id: int | None,
    message_id: int | None,
    now: datetime,
) -> None:
    """Feed one partner input to their open check-in (the front door found both).
    ``checkin_id`` comes with button taps; ``message_id`` is the message whose
    buttons were tapped (for edits)."""
    if person is None or person.consent_version is None:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
        return
    if checkin is None:
        reply = texts.ALREADY_DONE if checkin_id is not None else texts.NO_CHECKIN_NOW
        say(session, person.chat_id, now, reply)
        return
    if checkin_id is not None and checkin_id != checkin.id:
        # a button from an earlier check-in: say so, and show where we are
        inp = Input.tapped("", "")
    flow = rt.flows.version(session, checkin.flow_id, checkin.flow_version or "")
    if flow is None:
        log.error(
            "check-in %s needs flow %s version %s, which is gone", checkin.id, checkin.flow_id, checkin.flow_version
        )
        say(session, person.chat_id, now, texts.SOMETHING_WENT_WRONG)
        return
    state = State.from_dict(checkin.state or {})
    if access_needs.PLAIN_TEXT in (person.access_needs or []):
        inp = access_needs.typed_number(flow, state, inp)
    outcome = advance(flow, state, inp, context_for(session, rt, person, checkin, flow))
    apply_outcome(session, rt, person, checkin, flow, outcome, now, message_id)


def begin_checkins(session: Session, rt: Runtime, claimed: Sequence[Checkin], now: datetime) -> None:
    """Start claimed check-ins on the current version of their flows.  What they
    need from the database is read for the whole batch first, so the loop runs
    no query and the batch's writes go out together in one flush."""
    persons = people.persons_by_id(session, {checkin.person_id for checkin in claimed})
    follow_ups = flags.follow_ups_due(session, persons)
    # the current versions are in the database already: stored when loaded (bot/core/flow_registry.remember_all)
    current = {flow_id: rt.flows.current.get(flow_id) for flow_id in {checkin.flow_id for checkin in claimed}}
    names = {project_id: _project_name(session, rt, project_id) for project_id in {c.project_id for c in claimed}}
    previous = checkins.last_answers(
        session, [c for c in claimed if (f := current[c.flow_id]) is not None and f.uses_previous]
    )
    for checkin in claimed:
        person, flow = persons.get(checkin.person_id), current[checkin.flow_id]
        if person is None or flow is None:
            log.error("check-in %s cannot start: flow %r is not loaded", checkin.id, checkin.flow_id)
            checkins.save_state(session, checkin, "", {}, "stopped", now)
            continue
        if person.consent_version != rt.settings.consent.version:
            onboarding.hold_for_consent(session, rt, person, checkin, now)
            continue
        follow_up.queue(session, person, follow_ups.get(checkin.person_id, []), now)  # "is it sorted now?" first
        answered = previous.get(checkin.id, {}) if checkin.id is not None else {}
        outcome = start(flow, _context(person, names[checkin.project_id], answered))
        apply_outcome(session, rt, person, checkin, flow, outcome, now)


def apply_outcome(
    session: Session,
    rt: Runtime,
    person: Person | PartnerRow,
    checkin: Checkin | CheckinRow,
    flow: Flow,
    outcome: Outcome,
    now: datetime,
    message_id: int | None = None,
) -> None:
    """Store what the engine decided and queue what it says, shaped by the
    partner's access needs (fewer questions, plain text, one message at a time)."""
    needs = set(person.access_needs or [])
    if access_needs.FEWER in needs:
        outcome = access_needs.skip_optional(flow, outcome, context_for(session, rt, person, checkin, flow))
    evidence: dict[
        str, dict[str, Any]
    ] = {}  # queued answer rows; anonymous answers are never evidence tied to a person
    for record in outcome.answers:
        answer = checkins.add_answer(
            session,
            checkin_id=None if record.anonymous else checkin.id,
            person_id=None if record.anonymous else person.id,
            project_id=checkin.project_id,
            flow_id=checkin.flow_id,
            flow_version=flow.version,
            step_id=record.step_id,
            question=record.question,
            value=record.value,
            display=record.display,
            skipped=record.skipped,
            anonymous=record.anonymous,
            answered_at=now,
        )
        if not record.anonymous:
            evidence[record.step_id] = answer
    for request in outcome.flags:
        flags.open_flag(
            session,
            project_id=checkin.project_id,
            person_id=person.id,
            need=request.need,
            severity=request.severity,
            note=request.note,
            answer_ids=[checkins.answer_id(session, evidence[request.step_id])] if request.step_id in evidence else [],
            now=now,
        )
    ideas.collect(session, person, checkin.project_id, outcome.answers, now)
    changes = profile_changes(flow, outcome.answers)
    if changes:
        people.save_profile(session, person, changes)
    finished = FINISHED_STATUS.get(outcome.state.status)
    checkins.save_state(session, checkin, flow.version, outcome.state.to_dict(), finished, now)

    plain_text = access_needs.PLAIN_TEXT in needs
    if outcome.edit is not None and plain_text:
        outbox.enqueue(session, person.chat_id, "sendMessage", prompt_payload(outcome.edit, checkin.id, True), now)  # type: ignore[arg-type]
    elif outcome.edit is not None and message_id is not None:
        payload = prompt_payload(outcome.edit, checkin.id)  # type: ignore[arg-type]
        outbox.enqueue(session, person.chat_id, "editMessageText", {**payload, "message_id": message_id}, now)
    prompts = access_needs.one_message(outcome.prompts) if access_needs.ONE_AT_A_TIME in needs else outcome.prompts
    for prompt in prompts:
        outbox.enqueue(session, person.chat_id, "sendMessage", prompt_payload(prompt, checkin.id, plain_text), now)  # type: ignore[arg-type]

    if finished is not None:
        schedule_next(session, rt.settings, person, checkin.project_id, checkin.flow_id, now)
    if finished is not None or outcome.flags:  # otherwise nothing new to tell
        digest.queue_alerts(session, rt, checkin.project_id, now, checkin_ended=finished is not None)


def context_for(
    session: Session, rt: Runtime, person: Person | PartnerRow, checkin: Checkin | CheckinRow, flow: Flow
) -> Context:
    """What the flow's texts may show; the previous check-in's answers are looked
    up only for flows whose texts use them."""
    previous = (
        checkins.last_answers(session, [checkin]).get(checkin.id, {})
        if flow.uses_previous and checkin.id is not None
        else {}
    )
    return _context(person, _project_name(session, rt, checkin.project_id), previous)


def _project_name(session: Session, rt: Runtime, project_id: str) -> str:
    """From the config (the database mirrors it); a project since removed from it is still in the database."""
    configured = rt.settings.project(project_id)
    if configured is not None:
        return configured.name
    project = projects.get_project(session, project_id)
    return project.name if project else ""


def _context(person: Person | PartnerRow, project_name: str, previous: dict[str, Any]) -> Context:
    return Context(first_name=person.first_name, project_name=project_name, language=person.language, previous=previous)
