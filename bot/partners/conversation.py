"""A partner's check-in: input -> flows engine -> storage -> outbox, in one short
transaction per update.  No Telegram types here: handlers pass plain values."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core import outgoing, texts
from bot.core.outgoing import Timing
from bot.core.preferences import profile_changes
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.schedules import TIMING_COLUMNS, replan_calendar, schedule_next
from bot.core.telegram_format import prompt_payload
from bot.partners import access_needs, follow_up, ideas, onboarding, team_needs, timezones
from bot.staff import digest
from flows.engine import advance, resume, start
from flows.model import Flow
from flows.types import Context, Input, Outcome, State
from storage import checkins, flags, people, projects
from storage.checkins import CheckinRow
from storage.models import Answer, Checkin, Person
from storage.people import PartnerRow

log = logging.getLogger(__name__)

FINISHED_STATUS = {"finished": "completed", "stopped": "stopped"}
#: an outbox ``ref`` naming the check-in a message asks about (bot/partners/lost_messages.py)
CHECKIN_REF = "checkin:"
#: how long the first parts of a long message wait for the rest (Telegram sends the parts together)
PARTS_WAIT = timedelta(seconds=3)


def continue_checkin(
    session: Session,
    rt: Runtime,
    person: PartnerRow,
    checkin: CheckinRow,
    inp: Input,
    checkin_id: int | None,
    message_id: int | None,
    now: datetime,
) -> bool:
    """Feed one partner input to their open check-in (the front door found both).
    ``checkin_id`` comes with button taps; ``message_id`` is the message whose button
    was tapped (edited in place), or the partner's own typed message (kept with its
    answer, so an edit of it edits the answer).  False if a paused check-in did not
    take the input: the front door passes it on."""
    if checkin_id is not None and checkin_id != checkin.id:
        # a button from an earlier check-in: say so, and show where we are
        inp = Input.tapped("", "")
    flow = rt.flows.version(session, checkin.flow_id, checkin.flow_version or "")
    if flow is None:
        log.error(
            "check-in %s needs flow %s version %s, which is gone", checkin.id, checkin.flow_id, checkin.flow_version
        )
        say(session, person, now, texts.SOMETHING_WENT_WRONG)
        return True
    state = State.from_dict(checkin.state or {})
    if access_needs.PLAIN_TEXT in (person.access_needs or []):
        inp = access_needs.typed_number(flow, state, inp)
    outcome = advance(flow, state, inp, context_for(session, rt, person, checkin, flow))
    if outcome.event == "not_taken":
        return False
    typed = inp.kind == "text"
    apply_outcome(
        session,
        rt,
        person,
        checkin,
        flow,
        outcome,
        now,
        message_id=None if typed else message_id,
        typed_message_id=message_id if typed else None,
    )
    return True


def begin_checkins(session: Session, rt: Runtime, claimed: Sequence[Checkin], now: datetime) -> None:
    """Start claimed check-ins on the current version of their flows.  What they
    need from the database is read for the whole batch first, so the loop runs
    no query and the batch's writes go out together in one flush."""
    persons = people.persons_by_id(session, {checkin.person_id for checkin in claimed})
    follow_ups = flags.follow_ups_due(session, persons)
    # the current versions are in the database already: stored when loaded (bot/core/flow_registry.remember_all)
    current = {flow_id: rt.flows.current.get(flow_id) for flow_id in {checkin.flow_id for checkin in claimed}}
    names = {project_id: project_name(session, rt, project_id) for project_id in {c.project_id for c in claimed}}
    previous = checkins.last_answers(
        session, [c for c in claimed if (f := current[c.flow_id]) is not None and f.uses_previous]
    )
    for checkin in claimed:
        person, flow = persons.get(checkin.person_id), current[checkin.flow_id]
        if person is None or flow is None:
            log.error("check-in %s cannot start: flow %r is not loaded", checkin.id, checkin.flow_id)
            checkins.save_state(session, checkin, "", {}, "stopped", now)
            continue
        good_time = outgoing.held_until(session, person, now)
        if good_time > now:  # quiet hours or not their day (/resume at 23:00): it starts, and its clock runs, then
            checkins.defer(session, checkin, good_time)
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
    typed_message_id: int | None = None,
) -> None:
    """Store what the engine decided and queue what it says, shaped by the
    partner's access needs (plain text, one message at a time; fewer questions and
    plain words reached the engine in its Context).
    ``message_id``: the message whose buttons were tapped; ``typed_message_id``: the
    partner's message that gave a typed answer."""
    needs = set(person.access_needs or [])
    if outcome.retracted and checkin.id is not None:  # they went back: their answers to those are withdrawn
        checkins.retract_answers(session, checkin.id, outcome.retracted)
    # queued answer rows; anonymous answers are never evidence tied to a person
    evidence: dict[str, dict[str, Any]] = {}
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
            comment=record.comment,
            message_id=None if record.anonymous else typed_message_id,
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
    to_team = team_needs.open_flags(session, checkin.project_id, person.id, outcome.answers, evidence, now)
    ideas.collect(session, person, checkin.project_id, outcome.answers, now)
    changes = profile_changes(flow, outcome.answers)
    if changes:
        people.save_profile(session, person, changes)
        if TIMING_COLUMNS & changes.keys():  # onboarding said when suits them: the calendar follows
            replan_calendar(session, rt.settings, person, now)
    timezones.after_answers(session, person, flow, outcome.answers, now)  # "Got it: Cardiff", or which zone
    finished = FINISHED_STATUS.get(outcome.state.status)
    checkins.save_state(session, checkin, flow.version, outcome.state.to_dict(), finished, now)
    if outcome.event == "waiting" and checkin.id is not None:  # part of a long message: the rest comes at once
        checkins.wait_for_more(session, checkin.id, now + PARTS_WAIT)

    # what the check-in says is the answer to what the partner sent, or a check-in starting at its
    # good time (begin_checkins): shaped for their access needs in bot/core/outgoing.py
    if outcome.edit is not None and access_needs.PLAIN_TEXT in needs:  # no buttons to take away: say it anew
        outgoing.send(session, person, prompt_payload(outcome.edit, checkin.id), now, timing=Timing.NOW)  # type: ignore[arg-type]
    elif outcome.edit is not None and message_id is not None:
        payload = {**prompt_payload(outcome.edit, checkin.id), "message_id": message_id}  # type: ignore[arg-type]
        outgoing.send(session, person, payload, now, timing=Timing.NOW, method="editMessageText")
    ref = f"{CHECKIN_REF}{checkin.id}" if checkin.id is not None else None  # a lost one is followed up
    for prompt in outcome.prompts:
        payload = prompt_payload(prompt, checkin.id)  # type: ignore[arg-type]
        outgoing.send(session, person, payload, now, timing=Timing.NOW, ref=ref)

    if finished is not None:
        schedule_next(session, rt.settings, person, checkin.project_id, checkin.flow_id, now)
    paused = outcome.event == "pause"  # they may not come back soon: what waited for the end goes now
    if finished is not None or outcome.flags or to_team or paused:  # otherwise nothing new to tell
        # a need named in words to the team is alerted now, like one at the check-in's end
        digest.queue_alerts(
            session, rt, checkin.project_id, now, checkin_ended=finished is not None or to_team or paused
        )


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
    return _context(person, project_name(session, rt, checkin.project_id), previous)


def project_name(session: Session, rt: Runtime, project_id: str) -> str:
    """From the config (the database mirrors it); a project since removed from it is still in the database."""
    configured = rt.settings.project(project_id)
    if configured is not None:
        return configured.name
    project = projects.get_project(session, project_id)
    return project.name if project else ""


def _context(person: Person | PartnerRow, project_name: str, previous: dict[str, Any]) -> Context:
    ctx = Context(first_name=person.first_name, project_name=project_name, language=person.language, previous=previous)
    return access_needs.flow_context(ctx, person.access_needs or [])


def edit_answer(session: Session, rt: Runtime, person: Person, answer: Answer, text: str, now: datetime) -> None:
    """The partner edited the message that gave ``answer``.  A typed answer to a question
    that takes words, in a check-in still open, is replaced; anything else stays as it was,
    and they are told so (a flag it was evidence for gets the correction for the team)."""
    checkin = checkins.get_checkin(session, answer.checkin_id) if answer.checkin_id is not None else None
    flow = rt.flows.version(session, answer.flow_id, answer.flow_version) if checkin is not None else None
    step = flow.step(answer.step_id) if flow is not None else None
    if checkin is not None and checkin.status == checkins.ACTIVE and step is not None and step.kind == "text" and text:
        checkins.replace_answer(session, answer, text, now)
        state = State.from_dict(checkin.state or {})
        state.answers[answer.step_id] = text
        checkins.save_state(session, checkin, checkin.flow_version or "", state.to_dict(), None, now)
        say(session, person, now, texts.EDIT_ANSWER_CHANGED, answer=text)
        return
    corrected = flags.add_correction(session, answer, person, text, now)
    say(session, person, now, texts.EDIT_TOO_LATE_TEAM_TOLD if corrected else texts.EDIT_TOO_LATE)
    if corrected:
        digest.queue_alerts(session, rt, answer.project_id, now)


def answer_what_came(rt: Runtime) -> int:
    """Long messages whose next part never came: what came is the answer.  Returns how many."""
    now = rt.clock.now()
    with rt.db.session() as session:
        waiting = checkins.done_waiting(session, now)
        persons = people.persons_by_id(session, {checkin.person_id for checkin in waiting})
        for checkin in waiting:
            assert checkin.id is not None
            checkins.wait_for_more(session, checkin.id, None)
            person = persons.get(checkin.person_id)
            flow = rt.flows.version(session, checkin.flow_id, checkin.flow_version or "")
            if person is None or flow is None:
                continue
            state = State.from_dict(checkin.state or {})
            outcome = advance(flow, state, Input.flush(), context_for(session, rt, person, checkin, flow))
            apply_outcome(session, rt, person, checkin, flow, outcome, now)
    return len(waiting)


def resume_paused(session: Session, rt: Runtime, person: Person, now: datetime) -> bool:
    """/resume goes on with a check-in they paused, at the question they left.  True if it did."""
    checkin = checkins.active_checkin(session, person.id)  # type: ignore[arg-type]
    if checkin is None or (checkin.state or {}).get("status") != "paused":
        return False
    flow = rt.flows.version(session, checkin.flow_id, checkin.flow_version or "")
    if flow is None:
        return False
    state = State.from_dict(checkin.state or {})
    outcome = resume(flow, state, context_for(session, rt, person, checkin, flow))
    apply_outcome(session, rt, person, checkin, flow, outcome, now)
    return True
