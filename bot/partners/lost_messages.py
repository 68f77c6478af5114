"""A question that may not have reached the partner is asked again, gently, once.

The outbox never resends a message Telegram may have delivered (a timeout, a crash
mid-send): a question twice is worse than a question late.  But a partner who never
got it would wait for the day's reminder, and a lost consent question has none.
So a few minutes after such a send settles, if the partner has not moved on since
(nothing newer about it reached them, the check-in is still open, consent still not
given), they get "in case my last message didn't reach you" and the question again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core import outgoing, texts
from bot.core.outgoing import Timing
from bot.core.runtime import Runtime
from bot.partners import onboarding
from bot.partners.conversation import CHECKIN_REF
from bot.partners.onboarding import CONSENT_REF
from bot.partners.reminders import question_now
from flows.types import State
from storage import checkins, outbox, people, projects

#: a send settles (sent, retried, given up) well within this; what is lost is asked again after it
SETTLED_AFTER = timedelta(minutes=2)


def follow_up(rt: Runtime) -> int:
    """Ask again what may be lost; returns how many messages were queued."""
    now = rt.clock.now()
    queued = 0
    with rt.db.session() as session:
        lost = outbox.lost_questions(session, now - SETTLED_AFTER)
        for ref, chat_id in {(message.ref, message.chat_id) for message in lost}:
            if outbox.newest_is_lost(session, chat_id, ref):  # else a later message about it arrived
                queued += _ask_again(session, rt, ref, now)
        outbox.mark_followed_up(session, [message.id for message in lost], now)
    return queued


def _ask_again(session: Session, rt: Runtime, ref: str, now: datetime) -> int:
    if ref.startswith(CHECKIN_REF):
        checkin = checkins.get_checkin(session, int(ref.removeprefix(CHECKIN_REF)))
        if checkin is None or checkin.status != checkins.ACTIVE:
            return 0
        person = people.get_person(session, checkin.person_id)
        state = State.from_dict(checkin.state or {})
        if person is None or state.status == "paused":
            return 0
        question = question_now(session, rt, person, checkin, state)
        if question is None:
            return 0
        outgoing.tell(session, person, now, texts.IN_CASE_LOST, timing=Timing.GOOD_TIME)
        outgoing.send(session, person, question, now, timing=Timing.GOOD_TIME)
        return 2
    if ref.startswith(CONSENT_REF):
        person = people.get_person(session, int(ref.removeprefix(CONSENT_REF)))
        if person is None or person.consent_version == rt.settings.consent.version:
            return 0
        names = [
            project.name
            for membership in projects.memberships_of(session, person.id, "partner")  # type: ignore[arg-type]
            if (project := rt.settings.project(membership.project_id))
        ]
        outgoing.tell(session, person, now, texts.IN_CASE_LOST, timing=Timing.GOOD_TIME)
        consent = onboarding.consent_payload(rt, person.first_name, ", ".join(names))
        outgoing.send(session, person, consent, now, timing=Timing.GOOD_TIME)
        return 2
    return 0
