"""Pause keeps the partner's place; carry on (or /resume) goes on from there; stop ends for good."""

import pytest

from flows.engine import advance, current_question, resume
from flows.model import BACK_VALUE, DONE_VALUE, Flow
from flows.types import Context, Input, Outcome

from .conftest import make_flow
from .test_engine import ALL_KINDS, play

WELCOME_BACK = "Welcome back. Here's where we were:"


@pytest.fixture
def flow() -> Flow:
    return make_flow(ALL_KINDS)


@pytest.fixture
def paused(flow: Flow, ctx: Context) -> Outcome:
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"), Input.tapped("kinds", "food"))
    return advance(flow, at_kinds.state, Input.typed("Pause"), ctx)


def test_pause_keeps_the_place_answers_history_and_ticks(paused: Outcome) -> None:
    state = paused.state
    assert (paused.event, state.status, state.step_id) == ("pause", "paused", "kinds")
    assert state.answers == {"paid": "yes"} and state.history == ["paid"] and state.selected == ["food"]
    assert not paused.finished and paused.answers == [] and paused.retracted == []
    [prompt] = paused.prompts
    assert "paused this check-in here and kept your answers" in prompt.text
    assert "type carry on or send /resume" in prompt.text and prompt.buttons == () and prompt.step_id is None


@pytest.mark.parametrize(
    "other",
    [
        Input.typed("hello"),
        Input.typed("help"),
        Input.typed("stop"),
        Input.typed("pause"),
        Input.typed("Travel"),
        Input.typed("x" * 5000),
        Input.other(),
        Input.back(),
        Input.tapped("paid", "no"),
        Input.tapped("", ""),
    ],
)
def test_while_paused_other_input_is_not_taken(flow: Flow, ctx: Context, paused: Outcome, other: Input) -> None:
    outcome = advance(flow, paused.state, other, ctx)
    assert outcome.event == "not_taken" and outcome.prompts == [] and outcome.edit is None
    assert outcome.state == paused.state and outcome.answers == [] and outcome.flags == []


def test_a_flush_while_paused_does_nothing(flow: Flow, ctx: Context, paused: Outcome) -> None:
    outcome = advance(flow, paused.state, Input.flush(), ctx)
    assert outcome.prompts == [] and outcome.state == paused.state and outcome.event is None


def test_pause_then_other_input_then_carry_on(flow: Flow, ctx: Context, paused: Outcome) -> None:
    ignored = advance(flow, paused.state, Input.typed("what's the weather?"), ctx)
    assert ignored.event == "not_taken"
    resumed = advance(flow, ignored.state, Input.typed("Carry on"), ctx)
    assert (resumed.event, resumed.state.status, resumed.state.step_id) == ("resume", "active", "kinds")
    [prompt] = resumed.prompts
    assert prompt.text == f"{WELCOME_BACK}\n\nWhat did you spend on?\nTick as many as you like, then tap Done."
    assert prompt.step_id == "kinds"
    assert [row[0].label for row in prompt.buttons] == ["Travel", "Childcare", "✓ Food", "Done", "← Back"]
    done = advance(flow, resumed.state, Input.tapped("kinds", DONE_VALUE), ctx)
    assert done.answers[0].value == ["food"] and done.state.step_id == "back"


@pytest.mark.parametrize(("word", "language"), [("continue", None), ("resume", None), ("go on.", None)])
def test_resume_words(flow: Flow, paused: Outcome, word: str, language: str | None) -> None:
    outcome = advance(flow, paused.state, Input.typed(word), Context(language=language))
    assert outcome.event == "resume" and outcome.state.status == "active"


@pytest.mark.parametrize("word", ["ymlaen", "Parhau", "mynd ymlaen"])
def test_welsh_resume_words(flow: Flow, word: str) -> None:
    ctx = Context(language="cy")
    paused = play(flow, ctx, Input.typed("pause"))
    outcome = advance(flow, paused.state, Input.typed(word), ctx)
    assert outcome.event == "resume" and outcome.state.step_id == "paid"


def test_resume_for_the_slash_command(flow: Flow, ctx: Context, paused: Outcome) -> None:
    by_command = resume(flow, paused.state, ctx)
    by_words = advance(flow, paused.state, Input.typed("carry on"), ctx)
    assert by_command == by_words
    assert paused.state.status == "paused"  # the given state is not changed


def test_a_tap_on_the_paused_question_resumes_without_answering(flow: Flow, ctx: Context, paused: Outcome) -> None:
    outcome = advance(flow, paused.state, Input.tapped("kinds", "travel"), ctx)
    assert outcome.event == "resume" and outcome.state.status == "active" and outcome.state.selected == ["food"]
    [prompt] = outcome.prompts
    assert prompt.text.startswith(WELCOME_BACK) and prompt.step_id == "kinds"
    back_tap = advance(flow, paused.state, Input.tapped("kinds", BACK_VALUE), ctx)
    assert back_tap.event == "resume" and back_tap.state.step_id == "kinds" and back_tap.retracted == []


def test_resume_when_not_paused(flow: Flow, ctx: Context) -> None:
    at_paid = play(flow, ctx)
    again = resume(flow, at_paid.state, ctx)
    assert again.event == "resume" and again.state == at_paid.state
    assert [prompt.text for prompt in again.prompts] == [f"{WELCOME_BACK}\n\nPaid on time?"]
    stopped = play(flow, ctx, Input.typed("stop"))
    ended = resume(flow, stopped.state, ctx)
    assert ended.event is None and ended.state == stopped.state and "finished" in ended.prompts[0].text


def test_carry_on_while_active_is_just_a_reply(flow: Flow, ctx: Context) -> None:
    at_detail = play(flow, ctx, Input.tapped("paid", "no"))
    answered = advance(flow, at_detail.state, Input.typed("carry on"), ctx)
    assert answered.answers[0].value == "carry on" and answered.event is None


def test_stop_ends_for_good_and_keeps_answers(flow: Flow, ctx: Context) -> None:
    stopped = play(flow, ctx, Input.tapped("paid", "yes"), Input.typed("stop"))
    assert (stopped.event, stopped.state.status, stopped.state.step_id) == ("stop", "stopped", None)
    assert stopped.finished and stopped.state.answers == {"paid": "yes"}
    assert advance(flow, stopped.state, Input.typed("carry on"), ctx).state.status == "stopped"


def test_current_question_for_reminders(flow: Flow, ctx: Context, paused: Outcome) -> None:
    prompt = current_question(flow, paused.state, ctx)
    assert prompt is not None and prompt.step_id == "kinds" and prompt.text.startswith("What did you spend on?")
    assert prompt.buttons[-1][0].value == BACK_VALUE
    stopped = play(flow, ctx, Input.typed("stop"))
    assert current_question(flow, stopped.state, ctx) is None
