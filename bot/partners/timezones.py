"""A partner's time zone from what they type, in /settings or in the onboarding
flow's "Where do you live?": the bot says what it understood ("Got it: Cardiff
(UK time)"), and when a country has several zones it asks which, with a button
for each zone named by its biggest city (a tap is a SettingsTap, so
bot.partners.settings stores it wherever the question was asked)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core import texts
from bot.core.callbacks import SettingsTap
from bot.core.outgoing import Partner
from bot.core.replies import say
from flows.model import Flow
from flows.places import Place, find_place
from flows.profile import NO_PREFERENCE, option_problem
from flows.types import AnswerRecord


def tell_place(session: Session, partner: Partner, place: Place, now: datetime, summary: str | None = None) -> None:
    """ "Got it" for one zone (with the settings' ``summary`` when they are shown), or
    the question for several."""
    choice = place.zone
    if choice is not None and summary is not None:
        say(session, partner, now, texts.TIMEZONE_SAVED, place=choice.said, summary=summary)
    elif choice is not None:
        say(session, partner, now, texts.TIMEZONE_UNDERSTOOD, place=choice.said)
    else:
        buttons = [[(c.city, SettingsTap("timezone", c.zone).data())] for c in place.choices]
        which = texts.TIMEZONE_WHICH_CLOCK if place.clock else texts.TIMEZONE_WHICH
        say(session, partner, now, which, buttons, place=place.name)


def after_answers(session: Session, partner: Partner, flow: Flow, answers: list[AnswerRecord], now: datetime) -> None:
    """After a typed answer to a flow's time-zone step: say what was understood, ask
    which zone, or say it is kept as it was (the flow's own flag tells the team)."""
    for record in answers:
        step = flow.step(record.step_id)
        if step is None or step.profile != "timezone" or step.kind != "text" or record.skipped:
            continue
        place = find_place(str(record.value or ""))
        if place is None:
            say(session, partner, now, texts.TIMEZONE_UNKNOWN_IN_FLOW)
        else:
            tell_place(session, partner, place, now)


def chosen_zone(value: str) -> str | None:
    """The zone a tapped button names, if it is one."""
    return value if value not in NO_PREFERENCE and option_problem("timezone", value) is None else None
