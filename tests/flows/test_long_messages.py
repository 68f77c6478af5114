"""Long text is kept whole, and a message Telegram split into parts is joined again."""

import pytest

from flows.engine import SPLIT_AT, advance
from flows.model import Flow
from flows.types import Context, Input, Outcome

from .conftest import make_flow
from .test_engine import ALL_KINDS, play


@pytest.fixture
def flow() -> Flow:
    return make_flow(ALL_KINDS)  # "detail" has max_length = 20, which is no longer applied


@pytest.fixture
def at_detail(flow: Flow, ctx: Context) -> Outcome:
    return play(flow, ctx, Input.tapped("paid", "no"))


def test_a_long_answer_is_kept_whole(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    text = "I have been waiting a long time. " * 100  # 3,300 characters: one message
    outcome = advance(flow, at_detail.state, Input.typed(text), ctx)
    assert outcome.answers[0].value == text.strip() and outcome.state.step_id == "kinds"


def test_a_part_is_held_without_a_word(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    part = "a" * SPLIT_AT
    held = advance(flow, at_detail.state, Input.typed(part), ctx)
    assert (held.event, held.prompts, held.answers, held.edit) == ("waiting", [], [], None)
    assert held.state.pending_text == part and held.state.step_id == "detail" and held.state.reasks == 0


def test_a_long_message_in_two_parts(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    first = advance(flow, at_detail.state, Input.typed("a" * SPLIT_AT), ctx)
    second = advance(flow, first.state, Input.typed("and the end."), ctx)
    [record] = second.answers
    assert record.value == "a" * SPLIT_AT + "\nand the end."  # no space either side: a line break between
    assert second.state.pending_text == "" and second.state.step_id == "kinds" and second.event is None


def test_a_long_message_in_three_parts(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    parts = ["x" * (SPLIT_AT - 1) + " ", "y" * SPLIT_AT, "z"]
    outcome = at_detail
    for part in parts[:2]:
        outcome = advance(flow, outcome.state, Input.typed(part), ctx)
        assert outcome.event == "waiting" and outcome.prompts == []
    outcome = advance(flow, outcome.state, Input.typed(parts[2]), ctx)
    [record] = outcome.answers
    assert record.value == parts[0] + parts[1] + "\n" + parts[2]  # a space at the first join: joined as is
    assert len(record.value) == 2 * SPLIT_AT + 2


def test_flush_takes_what_is_held_as_one_reply(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    text = "word " * (SPLIT_AT // 5)
    held = advance(flow, at_detail.state, Input.typed(text), ctx)
    flushed = advance(flow, held.state, Input.flush(), ctx)
    assert flushed.answers[0].value == text.strip() and flushed.state.pending_text == ""
    assert flushed.prompts[-1].step_id == "kinds"


def test_flush_with_nothing_held_does_nothing(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    outcome = advance(flow, at_detail.state, Input.flush(), ctx)
    assert (outcome.prompts, outcome.event, outcome.answers, outcome.edit) == ([], None, [], None)
    assert outcome.state == at_detail.state
    finished = play(flow, ctx, Input.typed("stop"))
    assert advance(flow, finished.state, Input.flush(), ctx).prompts == []


def test_length_is_counted_as_telegram_counts(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    emoji = "😀" * (SPLIT_AT // 2)  # 2,000 characters, 4,000 UTF-16 code units
    assert advance(flow, at_detail.state, Input.typed(emoji), ctx).event == "waiting"
    assert advance(flow, at_detail.state, Input.typed("é" * (SPLIT_AT - 1)), ctx).event is None


def test_control_words_after_a_part_are_joined_not_obeyed(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    held = advance(flow, at_detail.state, Input.typed("a" * SPLIT_AT), ctx)
    outcome = advance(flow, held.state, Input.typed("stop"), ctx)
    assert outcome.state.status == "active" and outcome.answers[0].value.endswith("\nstop")


def test_a_long_message_at_a_button_question_becomes_a_note(flow: Flow, ctx: Context) -> None:
    at_paid = play(flow, ctx)
    held = advance(flow, at_paid.state, Input.typed("b" * SPLIT_AT), ctx)
    noted = advance(flow, held.state, Input.typed("That's all."), ctx)
    assert noted.state.comment == "b" * SPLIT_AT + "\nThat's all." and len(noted.prompts) == 1


def test_a_tap_after_held_text_counts_after_it(flow: Flow, ctx: Context) -> None:
    at_paid = play(flow, ctx)
    held = advance(flow, at_paid.state, Input.typed("c" * SPLIT_AT), ctx)
    tapped = advance(flow, held.state, Input.tapped("paid", "no"), ctx)
    [record] = tapped.answers
    assert (record.value, record.comment) == ("no", "c" * SPLIT_AT)
    assert [prompt.step_id for prompt in tapped.prompts] == ["detail"]  # no re-ask asking for the tap it got


def test_a_stale_tap_or_back_after_held_text_is_dropped(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    held = advance(flow, at_detail.state, Input.typed("d" * SPLIT_AT), ctx)
    for second in (Input.tapped("paid", "yes"), Input.back(), Input.other()):
        outcome = advance(flow, held.state, second, ctx)
        assert [record.value for record in outcome.answers] == ["d" * SPLIT_AT]
        assert outcome.state.step_id == "kinds" and outcome.retracted == [] and outcome.state.answers["paid"] == "no"
        assert [prompt.step_id for prompt in outcome.prompts] == ["kinds"]


def test_held_text_survives_storage(flow: Flow, ctx: Context, at_detail: Outcome) -> None:
    from flows.types import State

    held = advance(flow, at_detail.state, Input.typed("e" * SPLIT_AT), ctx)
    stored = State.from_dict(held.state.to_dict())
    assert advance(flow, stored, Input.flush(), ctx).answers[0].value == "e" * SPLIT_AT
