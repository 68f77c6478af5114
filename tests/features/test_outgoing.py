"""One place for every message to a partner (bot/core/outgoing.py), in process: when they
may be messaged, and each access need on every kind of message the bot sends them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot import front_door
from bot.core import outgoing, texts
from bot.core.cadence import Preferences
from bot.core.outgoing import Timing
from bot.core.runtime import Runtime
from bot.core.telegram_format import plain
from bot.partners import follow_up, forget, ideas, lost_messages, onboarding, reminders, settings
from bot.staff import flags as staff_flags
from bot.staff import team as staff_team
from storage import checkins, flags, people, team, typed_choices
from storage.models import Idea, OutboxMessage, Person, TeamMessage
from tests.features.conftest import (
    FixedClock,
    NextUpdate,
    Sender,
    introduce,
    join,
    messages,
    open_flag,
    person,
    render,
    start_checkin,
)

LONDON = "Europe/London"


# -- when: the one rule ---------------------------------------------------------


def test_quiet_hours_across_midnight_hold_until_they_end_in_the_partners_time_zone() -> None:
    prefs = Preferences(timezone="Europe/Paris", quiet=(time(21, 0), time(8, 0)))
    late = datetime(2026, 6, 3, 21, 30, tzinfo=UTC)  # 23:30 in Paris
    assert outgoing.next_good_time(prefs, late, LONDON) == datetime(2026, 6, 4, 6, 0, tzinfo=UTC)  # 08:00 Paris
    day = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    assert outgoing.next_good_time(prefs, day, LONDON) == day


def test_a_day_that_is_not_theirs_waits_for_the_start_of_their_next_day() -> None:
    wednesday = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    prefs = Preferences(days={4})  # Fridays
    assert outgoing.next_good_time(prefs, wednesday, LONDON) == datetime(2026, 6, 5, 8, 0, tzinfo=UTC)  # 09:00 BST
    with_window = Preferences(days={4}, window=(time(14, 0), time(16, 0)), quiet=(time(22, 0), time(7, 0)))
    assert outgoing.next_good_time(with_window, wednesday, LONDON) == datetime(2026, 6, 5, 13, 0, tzinfo=UTC)


def test_nothing_set_is_always_a_good_time() -> None:
    moment = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)
    assert outgoing.next_good_time(Preferences(), moment, LONDON) == moment


# -- how: the shapes --------------------------------------------------------------


def test_large_print_puts_one_sentence_on_each_line_with_space_between() -> None:
    shaped = outgoing.large_print("Hello <b>Sam. Good</b> to see you! How are you?\nLine two.")
    assert shaped == "Hello <b>Sam.\n\nGood</b> to see you!\n\nHow are you?\n\nLine two."


def test_no_buttons_numbers_the_choices_and_remembers_what_each_stands_for() -> None:
    payload = plain("Sorted?", [[("Yes, it's sorted", "fu:1:y"), ("No & not yet", "fu:1:n")]])
    shaped, words = outgoing.without_buttons(payload)
    assert "buttons" not in shaped
    assert shaped["text"] == f"Sorted?\n\n1. Yes, it's sorted\n2. No &amp; not yet\n{texts.TYPE_THE_NUMBER}"
    assert words["1"] == words["yes"] == words["yes, it's sorted"] == "fu:1:y"
    assert words["2"] == words["no"] == "fu:1:n"
    assert outgoing.typed_tap(words, " Yes. ") == "fu:1:y"
    assert outgoing.typed_tap(words, "maybe") is None


# -- every kind of message, with each access need ----------------------------------

Kind = Callable[[Runtime, FixedClock, NextUpdate, Sender], None]


def _set(rt: Runtime, sam: Sender, **values: object) -> None:
    with rt.db.session() as session:
        session.execute(update(Person).where(Person.telegram_user_id == sam.telegram_user_id).values(**values))


def _checkin(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    start_checkin(rt, clock)


def _reminder(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    needs = _needs_of[sam.telegram_user_id]
    _set(rt, sam, access_needs=None)  # the check-in's own messages are not what this looks at
    start_checkin(rt, clock)
    _set(rt, sam, access_needs=needs)
    _mark_seen(rt, sam)
    clock.advance(timedelta(hours=25))
    reminders.keep_pace(rt, clock.now(), clock.now() - timedelta(minutes=1))


def _lost(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    needs = _needs_of[sam.telegram_user_id]
    _set(rt, sam, access_needs=None)
    start_checkin(rt, clock)
    _set(rt, sam, access_needs=needs)
    with rt.db.session() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.ref.is_not(None)).values(status="uncertain"))
    _mark_seen(rt, sam)
    clock.advance(timedelta(minutes=5))
    lost_messages.follow_up(rt)


def _follow_up(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    flag_id = open_flag(rt, sam)
    with rt.db.session() as session:
        partner, flag = people.person_by_telegram_id(session, sam.telegram_user_id), flags.get_flag(session, flag_id)
        assert partner is not None and flag is not None
        follow_up.queue(session, partner, [flag], clock.now())


def _forget(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    forget.ask(rt, next_update(), sam)


def _settings(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    settings.handle_settings(rt, next_update(), sam, [])


def _help(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    settings.handle_help(rt, next_update(), sam)


def _consent(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    with rt.db.session() as session:
        onboarding.ask_consent_again(
            session, rt, people.person_by_telegram_id(session, sam.telegram_user_id), clock.now()
        )


def _team_reply(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    alex = introduce(rt, next_update)
    with rt.db.session() as session:
        partner = people.person_by_telegram_id(session, sam.telegram_user_id)
        message = team.add_message(session, "carers", partner.id, "When is the next meeting?", clock.now())
        session.flush()
        actor = people.person_by_telegram_id(session, alex.telegram_user_id)
        _mark_seen(rt, sam)
        staff_team.relay(session, actor, message.id, "Thursday at 2pm. See you there.", clock.now())


def _you_said_we_did(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    alex = introduce(rt, next_update)
    flag_id = open_flag(rt, sam)
    _mark_seen(rt, sam)
    with rt.db.session() as session:
        actor = people.person_by_telegram_id(session, alex.telegram_user_id)
        staff_flags.close(
            session, rt, actor, flag_id, "resolved", "We paid you today. Sorry for the wait.", clock.now()
        )


def _ideas_summary(rt: Runtime, clock: FixedClock, next_update: NextUpdate, sam: Sender) -> None:
    with rt.db.session() as session:
        partner = people.person_by_telegram_id(session, sam.telegram_user_id)
        session.add(
            Idea(
                project_id="carers",
                person_id=partner.id,
                text="Meet in the library.",
                status="adopted",
                outcome="We do now. Thank you.",
                created_at=clock.now(),
                decided_at=clock.now(),
            )
        )
    clock.advance_to(datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    ideas.send_monthly_summaries(rt)


KINDS: dict[str, Kind] = {
    "check-in question": _checkin,
    "reminder": _reminder,
    "lost-message follow-up": _lost,
    "follow-up question": _follow_up,
    "/forget": _forget,
    "/settings": _settings,
    "/help": _help,
    "consent prompt": _consent,
    "team reply": _team_reply,
    "you said, we did": _you_said_we_did,
    "ideas summary": _ideas_summary,
}
#: the kinds that ask something with buttons for partners who have them
WITH_BUTTONS = {
    "check-in question",
    "reminder",
    "lost-message follow-up",
    "follow-up question",
    "/forget",
    "/settings",
    "consent prompt",
}
#: the kinds whose fixed text has a plain-words version
PLAIN_VARIANT = {
    "reminder": texts.REMINDER_PLAIN,
    "follow-up question": texts.FOLLOW_UP_QUESTION_PLAIN.split("{")[0],
    "/forget": texts.FORGET_CONFIRM_PLAIN,
    "/settings": texts.SETTINGS_MENU_PLAIN.split("{")[0].strip(),
    "/help": texts.HELP_PLAIN.split("\n")[0],
    "you said, we did": texts.YOU_SAID_WE_DID_PLAIN.split("{")[0],
}
_needs_of: dict[int, list[str]] = {}
_seen: dict[int, int] = {}


def _mark_seen(rt: Runtime, sam: Sender) -> None:
    """What was queued for the partner so far is not what the test looks at."""
    _seen[sam.telegram_user_id] = len(messages(rt, sam.chat_id))


def _new(rt: Runtime, sam: Sender) -> list[OutboxMessage]:
    return [m for m in messages(rt, sam.chat_id)[_seen.get(sam.telegram_user_id, 0) :] if m.method == "sendMessage"]


def _run(
    rt: Runtime, clock: FixedClock, next_update: NextUpdate, kind: str, needs: list[str]
) -> tuple[Sender, list[OutboxMessage]]:
    sam = join(rt, next_update)
    _needs_of[sam.telegram_user_id] = needs
    _set(rt, sam, access_needs=needs)
    _mark_seen(rt, sam)
    KINDS[kind](rt, clock, next_update, sam)
    sent = _new(rt, sam)
    assert sent, f"{kind} said nothing"
    return sam, sent


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_no_buttons_on_any_message(rt: Runtime, clock: FixedClock, next_update: NextUpdate, kind: str) -> None:
    sam, sent = _run(rt, clock, next_update, kind, ["plain_text"])
    assert all(not message.payload.get("buttons") for message in sent)
    if kind in WITH_BUTTONS:
        asked = sent[-1].payload["text"] if kind != "follow-up question" else sent[0].payload["text"]
        assert "1. " in asked or "type delete" in asked or "Type a number" in asked, asked
        with rt.db.session() as session:
            assert typed_choices.standing(session, sam.chat_id, clock.now())


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_one_message_at_a_time(rt: Runtime, clock: FixedClock, next_update: NextUpdate, kind: str) -> None:
    _, sent = _run(rt, clock, next_update, kind, ["one_at_a_time"])
    assert len(sent) == 1, [m.payload["text"][:60] for m in sent]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_large_print_one_sentence_a_line(rt: Runtime, clock: FixedClock, next_update: NextUpdate, kind: str) -> None:
    _, sent = _run(rt, clock, next_update, kind, ["large_print"])
    for message in sent:
        text = message.payload["text"]
        assert not re.search(r"[.!?] +\S", text), text
        assert not re.search(r"[^\n]\n[^\n]", text), text


@pytest.mark.parametrize("kind", sorted(PLAIN_VARIANT))
def test_plain_words_use_the_shorter_texts(rt: Runtime, clock: FixedClock, next_update: NextUpdate, kind: str) -> None:
    _, sent = _run(rt, clock, next_update, kind, ["plain"])
    wanted = render(PLAIN_VARIANT[kind])
    assert any(wanted in message.payload["text"] for message in sent), [m.payload["text"] for m in sent]


# -- typed choices at the front door ---------------------------------------------


def test_typing_yes_after_forget_keeps_everything_and_answers_no_checkin(
    rt: Runtime, clock: FixedClock, next_update: NextUpdate
) -> None:
    sam = join(rt, next_update)
    _set(rt, sam, access_needs=["plain_text"])
    checkin = start_checkin(rt, clock)
    forget.ask(rt, next_update(), sam)
    assert "type delete" in messages(rt, sam.chat_id)[-1].payload["text"]
    front_door.receive_text(rt, next_update(), sam, "yes")
    assert messages(rt, sam.chat_id)[-1].payload["text"] == render(texts.FORGET_KEPT)
    with rt.db.session() as session:
        assert checkins.answers_of_checkin(session, checkin.id) == []
    forget.ask(rt, next_update(), sam)
    front_door.receive_text(rt, next_update(), sam, "Delete")
    assert person(rt, sam) is None


def test_a_typed_number_opens_a_setting_as_its_tap_would(
    rt: Runtime, clock: FixedClock, next_update: NextUpdate
) -> None:
    sam = join(rt, next_update)
    _set(rt, sam, access_needs=["plain_text"])
    settings.handle_settings(rt, next_update(), sam, [])
    front_door.receive_text(rt, next_update(), sam, "1")  # Days
    days = messages(rt, sam.chat_id)[-1].payload
    assert "buttons" not in days and "1. Monday" in days["text"]
    front_door.receive_text(rt, next_update(), sam, "tuesday")
    assert "Tuesday" in messages(rt, sam.chat_id)[-1].payload["text"]
    with rt.db.session() as session:
        assert session.exec(
            select(Person.preferred_days).where(Person.telegram_user_id == sam.telegram_user_id)
        ).one() == ["tue"]


def test_words_that_are_no_choice_go_on_to_the_team_and_the_choices_go(
    rt: Runtime, clock: FixedClock, next_update: NextUpdate
) -> None:
    sam = join(rt, next_update)
    _set(rt, sam, access_needs=["plain_text"])
    settings.handle_settings(rt, next_update(), sam, [])
    front_door.receive_text(rt, next_update(), sam, "Can someone call me?")
    with rt.db.session() as session:
        assert typed_choices.standing(session, sam.chat_id, clock.now()) == {}
        assert [m.text for m in session.exec(select(TeamMessage))] == ["Can someone call me?"]


def test_a_held_message_does_not_hold_up_a_reply(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    _set(rt, sam, quiet_hours="00:00-23:59")
    with rt.db.session() as session:
        partner = people.person_by_telegram_id(session, sam.telegram_user_id)
        outgoing.tell(session, partner, clock.now(), texts.REMINDER, timing=Timing.GOOD_TIME)
    settings.handle_help(rt, next_update(), sam)
    held, reply = messages(rt, sam.chat_id)[-2:]
    assert held.not_before > clock.now() and reply.not_before == clock.now()
