"""Back: to the previous question of this check-in, withdrawing its answer."""

import pytest

from flows.engine import advance, start
from flows.loader import FlowError
from flows.model import BACK_VALUE, DONE_VALUE, SKIP_VALUE, Flow
from flows.types import CALLBACK_PAYLOAD_MAX_BYTES, Context, Input, State

from .conftest import make_flow
from .test_engine import ALL_KINDS, play, typed


@pytest.fixture
def flow() -> Flow:
    return make_flow(ALL_KINDS)


def values(prompt_buttons: tuple) -> list[list[str]]:
    return [[button.value for button in row] for row in prompt_buttons]


def test_back_at_the_first_question_says_so_in_one_message(flow: Flow, ctx: Context) -> None:
    first = start(flow, ctx)
    assert [BACK_VALUE] not in values(first.prompts[-1].buttons)  # nothing to go back to: no button
    outcome = advance(flow, first.state, Input.typed("back"), ctx)
    [prompt] = outcome.prompts
    assert prompt.text == "This is the first question, so there's nothing to go back to.\n\nPaid on time?"
    assert prompt.step_id == "paid" and values(prompt.buttons) == values(first.prompts[-1].buttons)
    assert (outcome.event, outcome.retracted, outcome.answers) == ("back", [], [])
    assert outcome.state == first.state


def test_history_holds_the_questions_asked_before_not_info_steps(flow: Flow, ctx: Context) -> None:
    assert start(flow, ctx).state.history == []  # the info step before "paid" is not a question
    at_kinds = play(flow, ctx, Input.tapped("paid", "no"), Input.typed("Two weeks late"))
    assert at_kinds.state.history == ["paid", "detail"]
    question = at_kinds.prompts[-1]
    assert values(question.buttons)[-2:] == [[DONE_VALUE], [BACK_VALUE]]  # Back on its own last row
    assert question.buttons[-1][0].label == "← Back"


def test_back_retracts_the_previous_answer_and_asks_it_again(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "no"), Input.typed("Two weeks late"))
    back = advance(flow, at_kinds.state, Input.tapped("kinds", BACK_VALUE), ctx)
    assert back.event == "back" and back.retracted == ["detail"]
    assert back.state.step_id == "detail" and back.state.answers == {"paid": "no"} and back.state.history == ["paid"]
    [prompt] = back.prompts
    assert (prompt.text, prompt.step_id) == ("Tell us more?", "detail")
    assert values(prompt.buttons) == [[SKIP_VALUE], [BACK_VALUE]]  # after Skip
    assert back.answers == [] and back.flags == []


def test_back_twice_then_a_different_answer(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "no"), Input.typed("Two weeks late"))
    once = advance(flow, at_kinds.state, Input.back(), ctx)
    twice = advance(flow, once.state, Input.typed("Go back"), ctx)
    assert twice.retracted == ["paid"] and twice.state.step_id == "paid"
    assert twice.state.answers == {} and twice.state.history == []
    [prompt] = twice.prompts
    assert prompt.text == "Paid on time?" and [BACK_VALUE] not in values(prompt.buttons)  # no welcome again
    again = advance(flow, twice.state, Input.tapped("paid", "yes"), ctx)
    assert again.state.step_id == "kinds" and again.state.answers == {"paid": "yes"}
    assert again.state.history == ["paid"] and again.flags == [] and again.answers[0].value == "yes"


def test_back_to_a_skipped_question_retracts_the_skip(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "no"), Input.typed("skip"))
    assert at_kinds.state.answers == {"paid": "no", "detail": None}
    back = advance(flow, at_kinds.state, Input.back(), ctx)
    assert back.retracted == ["detail"] and back.state.answers == {"paid": "no"}


@pytest.mark.parametrize(
    ("user_input", "language"),
    [
        (Input.typed("back"), None),
        (Input.typed("Previous"), None),
        (Input.typed("previous question"), None),
        (Input.typed("go back!"), None),
        (Input.back(), None),
        (Input.tapped("kinds", BACK_VALUE), None),
        (Input.typed("yn ôl"), "cy"),
        (Input.typed("Nôl"), "cy"),
        (Input.typed("yn ol"), "cy"),
    ],
)
def test_every_way_of_going_back(flow: Flow, user_input: Input, language: str | None) -> None:
    ctx = Context(language=language)  # an English-only flow: the partner's Welsh words still work
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"))
    back = advance(flow, at_kinds.state, user_input, ctx)
    assert (back.event, back.state.step_id, back.retracted) == ("back", "paid", ["paid"])


def test_welsh_back_in_a_welsh_flow() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "a"
        kind = "yesno"
        text = { en = "Ready?", cy = "Barod?" }
        [[steps]]
        id = "b"
        kind = "yesno"
        text = { en = "Sure?", cy = "Siŵr?" }
        """,
        'id = "t"\ntitle = "T"\nlanguages = ["en", "cy"]\n',
    )
    ctx = Context(language="cy")
    at_b = advance(flow, start(flow, ctx).state, Input.tapped("a", "yes"), ctx)
    back = advance(flow, at_b.state, Input.typed("nôl"), ctx)
    assert back.state.step_id == "a" and back.prompts[0].text == "Barod?"


def test_an_old_back_button_does_not_go_back(flow: Flow, ctx: Context) -> None:
    at_back = play(flow, ctx, Input.tapped("paid", "yes"), *typed("1", "done"))
    stale = advance(flow, at_back.state, Input.tapped("kinds", BACK_VALUE), ctx)  # from the earlier question
    assert stale.event is None and stale.retracted == [] and stale.state == at_back.state
    assert stale.prompts[0].text.startswith("That button was for an earlier question")


def test_back_clears_ticks_notes_and_reasks_of_the_question_left(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"), Input.tapped("kinds", "food"))
    noted = advance(flow, at_kinds.state, Input.typed("bus fares mostly"), ctx)
    assert noted.state.comment == "bus fares mostly" and noted.state.reasks == 1
    back = advance(flow, noted.state, Input.back(), ctx)
    assert (back.state.comment, back.state.selected, back.state.reasks) == ("", [], 0)
    forward = advance(flow, back.state, Input.tapped("paid", "yes"), ctx)
    assert forward.state.comment == "" and forward.state.selected == [] and forward.answers[0].comment == ""


def test_going_back_to_a_multi_question_shows_no_ticks(flow: Flow, ctx: Context) -> None:
    at_back = play(flow, ctx, Input.tapped("paid", "yes"), *typed("1, 3", "done"))
    back = advance(flow, at_back.state, Input.back(), ctx)
    assert back.state.step_id == "kinds" and back.retracted == ["kinds"]
    labels = [row[0].label for row in back.prompts[0].buttons]
    assert labels == ["Travel", "Childcare", "Food", "Done", "← Back"]


def test_a_state_stored_without_history_cannot_go_back_but_says_so() -> None:
    flow = make_flow(ALL_KINDS)
    old = State.from_dict({"step_id": "back", "answers": {"paid": "yes", "kinds": ["food"]}, "status": "active"})
    outcome = advance(flow, old, Input.back(), Context())
    [prompt] = outcome.prompts
    assert prompt.text.startswith("Sorry, I can't go back to an earlier question") and prompt.step_id == "back"
    assert outcome.state.answers == old.answers and outcome.retracted == []


def test_the_back_button_fits_the_callback_budget() -> None:
    assert len(f"{'x' * (CALLBACK_PAYLOAD_MAX_BYTES - 2)}:{BACK_VALUE}".encode()) == CALLBACK_PAYLOAD_MAX_BYTES
    step_id = "a" * (CALLBACK_PAYLOAD_MAX_BYTES - 1)
    with pytest.raises(FlowError, match="Telegram leaves room for"):
        make_flow(f'[[steps]]\nid = "{step_id}"\nkind = "text"\ntext = "Hi"\n')  # a Back button could not fit
    with pytest.raises(FlowError, match="kept for Back"):
        make_flow(
            '[[steps]]\nid = "a"\nkind = "choice"\ntext = "Hi"\n'
            'options = [{ value = "<", label = "Less" }, { value = "b", label = "B" }]\n'
        )
