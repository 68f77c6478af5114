"""Words typed at a button (or number) question that are not an answer are kept as a note with it."""

import pytest

from flows.engine import advance, start
from flows.model import DONE_VALUE, SKIP_VALUE, Flow
from flows.types import Context, Input

from .conftest import make_flow
from .test_engine import ALL_KINDS, play, typed

KEPT = "Thank you, I've kept that as a note with your answer."


@pytest.fixture
def flow() -> Flow:
    return make_flow(ALL_KINDS)


def test_a_note_is_kept_then_the_tapped_answer_carries_it(flow: Flow, ctx: Context) -> None:
    noted = play(flow, ctx, Input.typed("They said next week"))
    [prompt] = noted.prompts  # one message: the thanks and what would work, then the question
    assert prompt.text == f"{KEPT} Could you also tap one of the buttons?\n\nPaid on time?"
    assert prompt.step_id == "paid" and len(prompt.buttons) == 3
    assert noted.state.comment == "They said next week" and noted.state.step_id == "paid" and noted.answers == []
    more = advance(flow, noted.state, Input.typed("  but I'm not sure  "), ctx)
    assert more.state.comment == "They said next week\nbut I'm not sure"
    answered = advance(flow, more.state, Input.tapped("paid", "no"), ctx)
    [record] = answered.answers
    assert (record.value, record.comment) == ("no", "They said next week\nbut I'm not sure")
    assert answered.state.comment == ""
    following = advance(flow, answered.state, Input.typed("Still waiting"), ctx)
    assert following.answers[0].comment == ""  # the note belonged to that answer only


def test_a_typed_answer_after_a_note_carries_it_too(flow: Flow, ctx: Context) -> None:
    noted = play(flow, ctx, Input.typed("It's complicated"))
    answered = advance(flow, noted.state, Input.typed("not yet"), ctx)
    assert (answered.answers[0].value, answered.answers[0].comment) == ("no", "It's complicated")


def test_a_skipped_question_keeps_its_note() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "mood"
        kind = "scale"
        text = "How are you?"
        skippable = true
        """
    )
    noted = advance(flow, start(flow, Context()).state, Input.typed("It depends on the day"), Context())
    skipped = advance(flow, noted.state, Input.tapped("mood", SKIP_VALUE), Context())
    [record] = skipped.answers
    assert record.skipped and record.value is None and record.comment == "It depends on the day"


def test_notes_at_each_kind_say_what_would_work(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"), Input.tapped("kinds", "travel"))
    multi = advance(flow, at_kinds.state, Input.typed("the bus mostly"), ctx)
    assert multi.prompts[0].text.startswith(
        f"{KEPT} Could you also tick the ones that fit (1 = Travel, 2 = Childcare, 3 = Food), then type done?"
    )
    done = advance(flow, multi.state, Input.tapped("kinds", DONE_VALUE), ctx)
    assert (done.answers[0].value, done.answers[0].comment) == (["travel"], "the bus mostly")
    yesno = advance(flow, done.state, Input.typed("sort of"), ctx)
    assert yesno.prompts[0].text.startswith(f"{KEPT} Could you also tap Yes or No?")
    at_hours = play(flow, ctx, Input.tapped("paid", "yes"), *typed("1", "done"), Input.typed("yes"), Input.typed("3"))
    number = advance(flow, at_hours.state, Input.typed("about three I think"), ctx)
    assert number.prompts[0].text.startswith(f"{KEPT} Could you also type a number from 0 to 12?")
    assert number.state.comment == "about three I think"


@pytest.mark.parametrize("text", ["9", "9 out of 10", "0", "-1", "2.5"])
def test_numbers_only_are_a_try_at_an_answer_not_a_note(flow: Flow, ctx: Context, text: str) -> None:
    at_heard = play(flow, ctx, Input.tapped("paid", "yes"), *typed("1", "done"), Input.typed("yes"))
    outcome = advance(flow, at_heard.state, Input.typed(text), ctx)
    assert outcome.state.comment == "" and "type a number from 1 to 5" in outcome.prompts[0].text


def test_control_words_stickers_and_text_answers_are_not_notes(flow: Flow, ctx: Context) -> None:
    for user_input in (Input.typed("help"), Input.typed("skip"), Input.other(), Input.typed("   ")):
        assert play(flow, ctx, user_input).state.comment == ""
    at_detail = play(flow, ctx, Input.tapped("paid", "no"))
    answered = advance(flow, at_detail.state, Input.typed("Two weeks late"), ctx)
    assert (answered.answers[0].value, answered.answers[0].comment) == ("Two weeks late", "")


def test_a_note_survives_a_pause(flow: Flow, ctx: Context) -> None:
    noted = play(flow, ctx, Input.typed("They said next week"), Input.typed("pause"), Input.typed("carry on"))
    assert noted.state.comment == "They said next week"
    answered = advance(flow, noted.state, Input.tapped("paid", "yes"), ctx)
    assert answered.answers[0].comment == "They said next week"
