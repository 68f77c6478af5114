"""Ideas in process (bot/partners/ideas.py, bot/staff/ideas.py): a partner's /idea
reaches the project's facilitators with one button per outcome; a facilitator's
press and note are recorded, and the partner hears what came of it that month."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import front_door
from bot.core import texts
from bot.core.callbacks import IdeaOutcome, PromptChoice
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.partners import ideas
from bot.staff import ideas as staff_ideas
from bot.staff import prompts as staff_prompts
from storage import checkins
from storage import ideas as stored_ideas
from storage.models import Idea
from tests.features.conftest import (
    PROJECT_NAME,
    STRANGER,
    FixedClock,
    NextUpdate,
    audit_events,
    buttons,
    introduce,
    join,
    last_said,
    messages,
    person,
    render,
    said,
    start_checkin,
)

IDEA = "Could we have tea at the start, not the end?"
NOTE = "From next month, tea comes first."


def _idea(rt: Runtime, idea_id: int = 1) -> Idea:
    with rt.db.session() as session:
        found = stored_ideas.get_idea(session, idea_id)
    assert found is not None
    return found


def _person_id(rt: Runtime, sender: Sender) -> int | None:
    found = person(rt, sender)
    return found.id if found else None


def test_an_idea_reaches_the_facilitators_with_buttons(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    ideas.idea_command(rt, next_update(), sam, IDEA)
    assert last_said(rt, sam.chat_id) == render(texts.IDEA_THANKS, first_name="Sam")

    shown = messages(rt, alex.chat_id)[-1]
    assert shown.payload["text"] == f"<b>💡 Idea #1</b> from Sam (Carers' Voice)\n\n{IDEA}"
    assert buttons(shown) == [
        ("Adopted", IdeaOutcome("adopted", 1).data()),
        ("It changed something", IdeaOutcome("changed", 1).data()),
        ("Not taken up", IdeaOutcome("not_taken_up", 1).data()),
    ]
    idea = _idea(rt)
    assert (idea.text, idea.status, idea.person_id, idea.project_id) == (IDEA, "new", _person_id(rt, sam), "carers")


def test_an_idea_is_escaped_for_telegram(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    ideas.idea_command(rt, next_update(), sam, "<b>bold</b> & more")
    assert last_said(rt, alex.chat_id).endswith("&lt;b&gt;bold&lt;/b&gt; &amp; more")
    assert _idea(rt).text == "<b>bold</b> & more"  # stored as written


def test_idea_alone_waits_for_the_next_message(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    checkin = start_checkin(rt, clock)
    ideas.idea_command(rt, next_update(), sam, "   ")
    assert last_said(rt, sam.chat_id) == texts.IDEA_ASK

    front_door.receive_text(rt, next_update(), sam, IDEA)  # the idea, not an answer to the open check-in
    assert _idea(rt).text == IDEA
    assert last_said(rt, sam.chat_id) == render(texts.IDEA_THANKS, first_name="Sam")
    assert IDEA in last_said(rt, alex.chat_id)
    with rt.db.session() as session:
        assert stored_ideas.get_idea(session, 2) is None
        assert checkins.answers_of_checkin(session, checkin.id) == []  # type: ignore[arg-type]


def test_ideas_come_from_partners(rt: Runtime, next_update: NextUpdate) -> None:
    alex = introduce(rt, next_update)
    ideas.idea_command(rt, next_update(), STRANGER, IDEA)
    ideas.idea_command(rt, next_update(), alex, IDEA)  # staff have no partner project to send it to
    assert said(rt, STRANGER.chat_id) == [texts.IDEA_NOT_A_PARTNER]
    assert last_said(rt, alex.chat_id) == texts.IDEA_NOT_A_PARTNER
    with rt.db.session() as session:
        assert stored_ideas.get_idea(session, 1) is None


def test_an_idea_in_distress_is_answered_by_the_front_door_and_never_becomes_an_idea(
    rt: Runtime, next_update: NextUpdate
) -> None:
    introduce(rt, next_update)
    sam = join(rt, next_update)
    text = "/idea More breaks. Some weeks I feel hopeless."
    found = front_door.screen(rt, text)
    assert found is not None
    assert front_door.answer_distress(rt, next_update(), sam, text, found)  # the handler stops the update here
    assert "Samaritans" in last_said(rt, sam.chat_id)
    with rt.db.session() as session:
        assert stored_ideas.get_idea(session, 1) is None


def test_outcome_press_then_note_is_recorded(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    ideas.idea_command(rt, next_update(), sam, IDEA)
    staff_ideas.press(rt, next_update(), alex, IdeaOutcome("adopted", 1))
    assert last_said(rt, alex.chat_id) == render(texts.ASK_IDEA_NOTE, idea_id="1", first_name="Sam")
    assert _idea(rt).status == "new"  # nothing is decided until the note comes

    front_door.receive_text(rt, next_update(), alex, NOTE)
    assert _idea(rt).status == "new"  # the note is shown back first
    staff_prompts.press(rt, next_update(), alex, PromptChoice("send", "i", 1))
    assert last_said(rt, alex.chat_id) == render(texts.IDEA_RECORDED, first_name="Sam")
    idea = _idea(rt)
    assert (idea.status, idea.outcome, idea.decided_by) == ("adopted", NOTE, _person_id(rt, alex))
    assert [(e.actor_telegram_id, e.detail) for e in audit_events(rt, "idea_outcome")] == [
        (alex.telegram_user_id, "idea 1 adopted")
    ]


def test_cancel_leaves_the_idea_undecided(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    ideas.idea_command(rt, next_update(), sam, IDEA)
    staff_ideas.press(rt, next_update(), alex, IdeaOutcome("not_taken_up", 1))
    front_door.receive_text(rt, next_update(), alex, "stop")
    assert last_said(rt, alex.chat_id) == texts.PROMPT_CANCELLED
    assert _idea(rt).status == "new"


def test_only_the_projects_facilitators_decide(rt: Runtime, next_update: NextUpdate) -> None:
    introduce(rt, next_update)
    sam = join(rt, next_update)
    ideas.idea_command(rt, next_update(), sam, IDEA)
    staff_ideas.press(rt, next_update(), sam, IdeaOutcome("adopted", 1))
    assert last_said(rt, sam.chat_id) == texts.FLAG_NOT_YOURS
    front_door.receive_text(rt, next_update(), sam, NOTE)  # not a note: Sam's words go to the team
    assert last_said(rt, sam.chat_id) == render(texts.TEAM_SENT, first_name="Sam", project_name=PROJECT_NAME)
    assert _idea(rt).status == "new"


def test_the_partner_hears_what_came_of_it_that_month(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    ideas.idea_command(rt, next_update(), sam, IDEA)
    staff_ideas.press(rt, next_update(), alex, IdeaOutcome("adopted", 1))
    front_door.receive_text(rt, next_update(), alex, NOTE)
    staff_prompts.press(rt, next_update(), alex, PromptChoice("send", "i", 1))

    assert ideas.send_monthly_summaries(rt) == 0  # not before the 1st of next month, 10:00 UTC
    clock.advance_to(datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    assert ideas.send_monthly_summaries(rt) == 1
    summary = last_said(rt, sam.chat_id)
    assert summary.startswith(render(texts.IDEA_SUMMARY_HEADER, first_name="Sam"))
    assert f"<i>{IDEA}</i>\nAdopted: {NOTE}" in summary
    assert ideas.send_monthly_summaries(rt) == 0  # once
