"""The front door in process (bot/front_door.py): a typed message is the answer to
something the bot asked the person if it is waiting on one (a facilitator's resolve
note or reason), otherwise the next input of the partner's open check-in."""

from __future__ import annotations

from sqlmodel import select

from bot import front_door
from bot.core import texts
from bot.core.callbacks import AnswerTap, FlagAction, PromptChoice
from bot.core.runtime import Runtime
from bot.partners import forget
from bot.staff import flags as staff_flags
from bot.staff import prompts as staff_prompts
from flows.types import Input
from storage import checkins
from storage import flags as stored_flags
from storage.models import FlagEvent, StaffPrompt
from tests.features.conftest import (
    PROJECT_NAME,
    STRANGER,
    FixedClock,
    NextUpdate,
    audit_events,
    buttons,
    flag,
    introduce,
    join,
    last_said,
    messages,
    open_flag,
    render,
    said,
    start_checkin,
)

EXPENSES = "Have you had back everything you spent to take part, like travel or childcare?"
NOTE = "Sorry for the wait. Your £40 went to your bank today."


def _answers(rt: Runtime, checkin_id: int) -> dict[str, object]:
    with rt.db.session() as session:
        return {a.step_id: a.value for a in checkins.answers_of_checkin(session, checkin_id)}


def _prompts(rt: Runtime) -> list[StaffPrompt]:
    with rt.db.session() as session:
        return list(session.exec(select(StaffPrompt)))


# -- a partner's check-in -----------------------------------------------------------


def test_a_typed_answer_advances_the_open_checkin(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    checkin = start_checkin(rt, clock)
    assert checkin.id is not None
    question = messages(rt, sam.chat_id)[-1]
    assert question.payload["text"] == "Have you been paid for your last session?"
    assert (("Not yet", AnswerTap(checkin.id, "paid", "no").data())) in buttons(question)

    front_door.receive_text(rt, next_update(), sam, "not yet")  # typed, not tapped: the label works too
    assert _answers(rt, checkin.id) == {"paid": "no"}
    assert last_said(rt, sam.chat_id).startswith("I'm sorry you're still waiting.")
    [need] = _open_flags(rt)
    assert (need.need, need.severity) == ("payment", "high")

    front_door.receive_text(rt, next_update(), sam, "It has been six weeks")
    assert _answers(rt, checkin.id) == {"paid": "no", "payment_detail": "It has been six weeks"}
    assert last_said(rt, sam.chat_id) == EXPENSES


def test_a_tapped_answer_goes_through_the_same_door(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    checkin = start_checkin(rt, clock)
    assert checkin.id is not None
    front_door.receive(rt, next_update(), sam, Input.tapped("paid", "yes"), checkin.id, 77)
    assert _answers(rt, checkin.id) == {"paid": "yes"}
    assert last_said(rt, sam.chat_id) == EXPENSES
    assert _open_flags(rt) == []


def test_a_button_from_an_earlier_checkin_changes_nothing(
    rt: Runtime, clock: FixedClock, next_update: NextUpdate
) -> None:
    sam = join(rt, next_update)
    checkin = start_checkin(rt, clock)
    assert checkin.id is not None
    front_door.receive(rt, next_update(), sam, Input.tapped("paid", "no"), checkin.id + 1000, 5)
    assert _answers(rt, checkin.id) == {}
    reply = "".join(said(rt, sam.chat_id)[-2:])
    assert "That button was for an earlier question" in reply
    assert reply.endswith("Have you been paid for your last session?")  # where we are now


def test_a_tap_when_the_checkin_is_over(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    front_door.receive(rt, next_update(), sam, Input.tapped("paid", "yes"), 1, 5)
    assert last_said(rt, sam.chat_id) == texts.ALREADY_DONE


def test_a_message_with_no_checkin_open_goes_to_the_team(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    front_door.receive_text(rt, next_update(), sam, "Can I talk to someone?")
    assert last_said(rt, sam.chat_id) == render(texts.TEAM_SENT, first_name="Sam", project_name=PROJECT_NAME)
    assert "Can I talk to someone?" in last_said(rt, alex.chat_id)
    front_door.receive_text(rt, next_update(), STRANGER, "hello")
    assert said(rt, STRANGER.chat_id) == [texts.NOT_JOINED]
    front_door.receive_text(rt, next_update(), alex, "hmm which one was that")  # staff: nothing goes anywhere
    assert last_said(rt, alex.chat_id) == texts.STAFF_NOTHING_WAITING


def test_a_repeated_answer_is_not_taken_twice(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    checkin = start_checkin(rt, clock)
    assert checkin.id is not None
    update_id = next_update()
    front_door.receive_text(rt, update_id, sam, "Not yet")
    before = said(rt, sam.chat_id)
    front_door.receive_text(rt, update_id, sam, "Not yet")  # delivered again: not the detail question's answer
    assert said(rt, sam.chat_id) == before
    assert _answers(rt, checkin.id) == {"paid": "no"}


# -- a facilitator's pending prompt -----------------------------------------------------


def test_resolve_note_reaches_the_partner(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    flag_id = open_flag(rt, sam)
    staff_flags.press(rt, next_update(), alex, FlagAction("resolve", flag_id))
    assert last_said(rt, alex.chat_id) == render(texts.ASK_RESOLVE_NOTE, first_name="Sam", flag_id=str(flag_id))
    assert flag(rt, flag_id).status == "open"  # nothing changes until the note comes
    partner_heard = len(said(rt, sam.chat_id))

    front_door.receive_text(rt, next_update(), alex, NOTE)
    preview = render(texts.PROMPT_PREVIEW, first_name="Sam", subject=f"#{flag_id} (payment)", note=NOTE)
    assert last_said(rt, alex.chat_id) == preview  # shown back first: nothing reaches Sam yet
    assert len(said(rt, sam.chat_id)) == partner_heard and flag(rt, flag_id).status == "open"
    staff_prompts.press(rt, next_update(), alex, PromptChoice("send", "r", flag_id))
    assert said(rt, sam.chat_id)[partner_heard:] == [
        render(texts.YOU_SAID_WE_DID, need="payment", project_name=PROJECT_NAME, note=NOTE)
    ]
    assert last_said(rt, alex.chat_id) == render(texts.FLAG_RESOLVED, flag_id=str(flag_id), first_name="Sam")
    resolved = flag(rt, flag_id)
    assert (resolved.status, resolved.resolution, resolved.follow_up) == ("resolved", NOTE, "pending")
    assert _prompts(rt) == []
    assert len(audit_events(rt, "flag_change")) == 1


def test_wont_fix_reason_reaches_the_partner(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    flag_id = open_flag(rt, sam)
    staff_flags.press(rt, next_update(), alex, FlagAction("wontfix", flag_id))
    assert last_said(rt, alex.chat_id) == render(texts.ASK_WONT_FIX_REASON, first_name="Sam")
    front_door.receive_text(rt, next_update(), alex, "The budget for this year is spent.")
    staff_prompts.press(rt, next_update(), alex, PromptChoice("send", "w", flag_id))
    assert last_said(rt, sam.chat_id) == render(
        texts.WE_CANNOT, need="payment", project_name=PROJECT_NAME, note="The budget for this year is spent."
    )
    assert flag(rt, flag_id).status == "wont_fix"


def test_cancel_withdraws_the_prompt(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    flag_id = open_flag(rt, sam)
    staff_flags.press(rt, next_update(), alex, FlagAction("resolve", flag_id))
    partner_heard = said(rt, sam.chat_id)

    front_door.receive_text(rt, next_update(), alex, "Cancel")
    assert last_said(rt, alex.chat_id) == texts.PROMPT_CANCELLED
    assert _prompts(rt) == []
    front_door.receive_text(rt, next_update(), alex, NOTE)  # no longer a note: nothing is resolved
    assert last_said(rt, alex.chat_id) == texts.STAFF_NOTHING_WAITING
    assert flag(rt, flag_id).status == "open"
    assert said(rt, sam.chat_id) == partner_heard
    assert NOTE not in "".join(said(rt, sam.chat_id))


def test_acknowledge_needs_no_note(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    flag_id = open_flag(rt, sam)
    staff_flags.press(rt, next_update(), alex, FlagAction("acknowledge", flag_id))
    assert last_said(rt, alex.chat_id) == render(texts.FLAG_ACKNOWLEDGED, flag_id=str(flag_id))
    assert flag(rt, flag_id).status == "acknowledged"
    assert _prompts(rt) == []


def test_only_the_projects_facilitators_may_act_on_a_flag(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    flag_id = open_flag(rt, sam)
    for outsider in (STRANGER, sam):
        staff_flags.press(rt, next_update(), outsider, FlagAction("resolve", flag_id))
        assert last_said(rt, outsider.chat_id) == texts.FLAG_NOT_YOURS
    assert _prompts(rt) == []
    assert flag(rt, flag_id).status == "open"
    refused = [e.actor_telegram_id for e in audit_events(rt, "refused")]
    assert refused == [STRANGER.telegram_user_id, sam.telegram_user_id]


def test_a_note_for_a_flag_closed_meanwhile(rt: Runtime, next_update: NextUpdate) -> None:
    alex, sam = introduce(rt, next_update), join(rt, next_update)
    flag_id = open_flag(rt, sam)
    staff_flags.press(rt, next_update(), alex, FlagAction("resolve", flag_id))
    front_door.receive_text(rt, next_update(), alex, NOTE)
    forget.decide(rt, next_update(), sam, True)  # the partner left: their open needs closed
    staff_prompts.press(rt, next_update(), alex, PromptChoice("send", "r", flag_id))
    assert last_said(rt, alex.chat_id) == texts.FLAG_GONE
    with rt.db.session() as session:
        actions = [e.action for e in session.exec(select(FlagEvent).where(FlagEvent.flag_id == flag_id))]
    assert actions == ["opened", "closed"]


def _open_flags(rt: Runtime) -> list[stored_flags.Flag]:
    with rt.db.session() as session:
        return [f for f, _ in stored_flags.open_flags_for_projects(session, ["carers"])]
