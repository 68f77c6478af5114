from dataclasses import fields

import pytest

from flows.engine import advance, start
from flows.model import BACK_VALUE, DONE_VALUE, SKIP_VALUE, Flow
from flows.types import Context, Input, Outcome, State

from .conftest import make_flow

ALL_KINDS = """
    intro = "Hi {{ first_name }}"
    outro = "Thanks!"

    [[steps]]
    id = "welcome"
    kind = "info"
    text = "Welcome to {{ project_name }}."

    [[steps]]
    id = "paid"
    kind = "choice"
    text = "Paid on time?"
    options = [
      { value = "yes", label = "Yes" },
      { value = "no", label = "Not yet" },
      { value = "declined", label = "I don't take payment" },
    ]
    flag = { if = "paid == 'no'", need = "payment", severity = "high", note = "Waiting: {{ answers.paid }}" }
    next = [{ if = "paid == 'no'", goto = "detail" }, { goto = "kinds" }]

    [[steps]]
    id = "detail"
    kind = "text"
    text = "Tell us more?"
    skippable = true
    max_length = 20

    [[steps]]
    id = "kinds"
    kind = "multi"
    text = "What did you spend on?"
    options = [
      { value = "travel", label = "Travel" },
      { value = "care", label = "Childcare" },
      { value = "food", label = "Food" },
    ]
    anonymous = true

    [[steps]]
    id = "back"
    kind = "yesno"
    text = "Got it all back?"

    [[steps]]
    id = "heard"
    kind = "scale"
    text = "How heard did you feel?"
    min_label = "Not at all"
    max_label = "Completely"
    flag = [{ if = "heard <= 2", need = "trust", severity = "low" }]

    [[steps]]
    id = "hours"
    kind = "number"
    text = "How many hours?"
    min = 0
    max = 12
"""


@pytest.fixture
def flow() -> Flow:
    return make_flow(ALL_KINDS)


def play(flow: Flow, ctx: Context, *inputs: Input) -> Outcome:
    outcome = start(flow, ctx)
    for user_input in inputs:
        outcome = advance(flow, outcome.state, user_input, ctx)
    return outcome


def typed(*texts: str) -> list[Input]:
    return [Input.typed(text) for text in texts]


def test_start_shows_intro_info_and_first_question(flow: Flow, ctx: Context) -> None:
    outcome = start(flow, ctx)
    texts = [prompt.text for prompt in outcome.prompts]
    assert texts == ["Hi Sam", "Welcome to Carers' voice.", "Paid on time?"]
    question = outcome.prompts[-1]
    assert question.step_id == "paid"
    assert [[button.value for button in row] for row in question.buttons] == [["yes"], ["no"], ["declined"]]
    assert outcome.state == State(step_id="paid")


@pytest.mark.parametrize("text", ["2", "Not yet", "not YET.", "no", "not yte"])
def test_choice_can_be_typed_by_number_label_value_or_typo(flow: Flow, ctx: Context, text: str) -> None:
    outcome = play(flow, ctx, Input.typed(text))
    assert outcome.state.answers == {"paid": "no"}
    [record] = outcome.answers
    assert (record.value, record.display, record.question) == ("no", "Not yet", "Paid on time?")


def test_branch_and_flag(flow: Flow, ctx: Context) -> None:
    outcome = play(flow, ctx, Input.tapped("paid", "no"))
    assert outcome.state.step_id == "detail"
    [flag] = outcome.flags
    assert (flag.need, flag.severity, flag.note, flag.step_id) == ("payment", "high", "Waiting: no", "paid")
    outcome = play(flow, ctx, Input.tapped("paid", "yes"))
    assert outcome.state.step_id == "kinds" and outcome.flags == []


def test_unusable_reply_is_reasked_gently_in_one_message(flow: Flow, ctx: Context) -> None:
    outcome = play(flow, ctx, Input.typed("7"))
    assert outcome.state.step_id == "paid" and outcome.state.reasks == 1
    [reask] = outcome.prompts
    assert reask.text.startswith("Sorry, I didn't quite catch that") and reask.text.endswith("\n\nPaid on time?")
    assert reask.step_id == "paid" and reask.buttons == start(flow, ctx).prompts[-1].buttons
    outcome = advance(flow, outcome.state, Input.typed("9"), ctx)
    assert outcome.state.reasks == 2 and "type pause" in outcome.prompts[0].text and len(outcome.prompts) == 1


def test_sticker_is_reasked_with_what_would_work(flow: Flow, ctx: Context) -> None:
    outcome = play(flow, ctx, Input.other())
    assert "tap one of the buttons, or type its number" in outcome.prompts[0].text
    assert outcome.state.step_id == "paid"


def test_text_step_keeps_long_answers_and_skips(flow: Flow, ctx: Context) -> None:
    at_detail = play(flow, ctx, Input.tapped("paid", "no"))
    assert [[b.value for b in row] for row in at_detail.prompts[-1].buttons] == [[SKIP_VALUE], [BACK_VALUE]]
    longer = advance(flow, at_detail.state, Input.typed("waiting " * 100), ctx)  # max_length = 20 is not applied
    assert longer.answers[0].value == ("waiting " * 100).strip() and longer.state.step_id == "kinds"
    skipped = advance(flow, at_detail.state, Input.typed("Skip"), ctx)
    [record] = skipped.answers
    assert record.skipped and record.value is None and skipped.state.answers["detail"] is None
    tapped_skip = advance(flow, at_detail.state, Input.tapped("detail", SKIP_VALUE), ctx)
    assert tapped_skip.state.step_id == "kinds"
    answered = advance(flow, at_detail.state, Input.typed("  Two weeks late  "), ctx)
    assert answered.answers[0].value == "Two weeks late"


def test_skip_on_a_step_that_cannot_be_skipped(flow: Flow, ctx: Context) -> None:
    outcome = play(flow, ctx, Input.typed("skip"))
    assert [prompt.text for prompt in outcome.prompts] == [
        "This one can't be skipped, sorry. Take your time.\n\nPaid on time?"
    ]
    assert outcome.state.step_id == "paid" and outcome.answers == []
    assert advance(flow, outcome.state, Input.tapped("paid", SKIP_VALUE), ctx).state.step_id == "paid"


def test_multi_toggles_edit_in_place_and_done_records(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"))
    assert "Tick as many as you like" in at_kinds.prompts[-1].text
    ticked = advance(flow, at_kinds.state, Input.tapped("kinds", "food"), ctx)
    ticked = advance(flow, ticked.state, Input.tapped("kinds", "travel"), ctx)
    assert ticked.prompts == [] and ticked.edit is not None
    labels = [row[0].label for row in ticked.edit.buttons]
    assert labels == ["✓ Travel", "Childcare", "✓ Food", "Done", "← Back"]
    assert ticked.state.selected == ["travel", "food"]
    untick = advance(flow, ticked.state, Input.tapped("kinds", "food"), ctx)
    assert untick.state.selected == ["travel"]
    done = advance(flow, ticked.state, Input.tapped("kinds", DONE_VALUE), ctx)
    [record] = done.answers
    assert (record.value, record.display, record.anonymous) == (["travel", "food"], "Travel, Food", True)
    assert done.state.step_id == "back" and done.state.selected == []


def test_multi_done_with_nothing_ticked_and_typed_lists(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"))
    empty = advance(flow, at_kinds.state, Input.tapped("kinds", DONE_VALUE), ctx)
    assert empty.prompts[0].text.startswith("Tick at least one") and empty.state.step_id == "kinds"
    for text in ("1, 3", "travel and food", "1 3", "Food & travle"):
        typed_list = advance(flow, at_kinds.state, Input.typed(text), ctx)
        assert typed_list.answers == [] and typed_list.state.selected == ["travel", "food"], text
        assert advance(flow, typed_list.state, Input.typed("done"), ctx).answers[0].value == ["travel", "food"]
    ticked = advance(flow, at_kinds.state, Input.tapped("kinds", "care"), ctx)
    assert advance(flow, ticked.state, Input.typed("done"), ctx).answers[0].value == ["care"]
    assert advance(flow, at_kinds.state, Input.typed("1, banana"), ctx).state.step_id == "kinds"


def test_a_typed_label_ticks_it_and_says_what_is_ticked(flow: Flow, ctx: Context) -> None:
    """A typed label or number toggles that option; only done ends the step (issue #20)."""
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"))
    travel = advance(flow, at_kinds.state, Input.typed("TRAVEL"), ctx)
    [said] = travel.prompts  # what is ticked, then the question with its buttons, in one message
    assert said.text.startswith("Ticked so far: Travel. Tick more, or type done") and said.step_id == "kinds"
    assert [row[0].label for row in said.buttons] == ["✓ Travel", "Childcare", "Food", "Done", "← Back"]
    assert travel.answers == [] and travel.state.step_id == "kinds" and travel.edit is None
    both = advance(flow, travel.state, Input.typed("3"), ctx)  # the option's number
    assert both.prompts[0].text.startswith("Ticked so far: Travel, Food.")
    untick = advance(flow, both.state, Input.typed("travel"), ctx)
    assert untick.state.selected == ["food"] and untick.prompts[0].text.startswith("Ticked so far: Food.")
    none = advance(flow, untick.state, Input.typed("food"), ctx)
    assert none.state.selected == [] and none.prompts[0].text.startswith("Nothing is ticked now.")
    tapped = advance(flow, both.state, Input.tapped("kinds", "care"), ctx)  # buttons and typing mix
    done = advance(flow, tapped.state, Input.tapped("kinds", DONE_VALUE), ctx)
    assert done.answers[0].value == ["travel", "care", "food"] and done.state.step_id == "back"
    typed_done = advance(flow, both.state, Input.typed("Done."), ctx)
    assert typed_done.answers[0].value == ["travel", "food"]
    assert typed_done.state.step_id == "back" and typed_done.state.answers.get("back") is None


def test_unknown_text_at_a_multi_is_reasked_listing_the_options(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"), Input.tapped("kinds", "care"))
    wrong = advance(flow, at_kinds.state, Input.typed("7"), ctx)
    [reask] = wrong.prompts
    assert "1 = Travel, 2 = Childcare, 3 = Food" in reask.text and reask.text.endswith("then tap Done.")
    assert wrong.state.selected == ["care"] and wrong.answers == [] and reask.buttons
    sticker = advance(flow, at_kinds.state, Input.other(), ctx)
    assert "1 = Travel" in sticker.prompts[0].text and sticker.state.selected == ["care"]


@pytest.mark.parametrize(
    ("text", "value"), [("yes", "yes"), ("Yeah!", "yes"), ("y", "yes"), ("nope", "no"), ("N", "no"), ("2", "no")]
)
def test_yesno_words(flow: Flow, ctx: Context, text: str, value: str) -> None:
    outcome = play(flow, ctx, Input.tapped("paid", "yes"), *typed("1", "done"), Input.typed(text))
    assert outcome.state.answers["back"] == value


@pytest.mark.parametrize(
    ("text", "value"), [("2", 2), ("4/5", 4), ("5 out of 5", 5), ("completely", 5), ("Not at all", 1)]
)
def test_scale_typed(flow: Flow, ctx: Context, text: str, value: int) -> None:
    outcome = play(flow, ctx, Input.tapped("paid", "yes"), *typed("1", "done"), Input.typed("yes"), Input.typed(text))
    assert outcome.state.answers["heard"] == value
    assert [f.need for f in outcome.flags] == (["trust"] if value <= 2 else [])


def test_scale_prompt_and_out_of_range(flow: Flow, ctx: Context) -> None:
    at_heard = play(flow, ctx, Input.tapped("paid", "yes"), *typed("1", "done"), Input.typed("yes"))
    question = at_heard.prompts[-1]
    assert question.text == "How heard did you feel?\n1 = Not at all, 5 = Completely"
    assert [[b.value for b in row] for row in question.buttons] == [["1", "2", "3", "4", "5"], [BACK_VALUE]]
    wrong = advance(flow, at_heard.state, Input.typed("6"), ctx)
    assert "type a number from 1 to 5" in wrong.prompts[0].text
    assert advance(flow, at_heard.state, Input.tapped("heard", "9"), ctx).state.step_id == "heard"
    tapped = advance(flow, at_heard.state, Input.tapped("heard", "3"), ctx)
    assert tapped.answers[0].value == 3 and tapped.answers[0].display == "3 out of 5"


def test_number_step_and_the_end(flow: Flow, ctx: Context) -> None:
    at_hours = play(flow, ctx, Input.tapped("paid", "yes"), *typed("1", "done"), Input.typed("yes"), Input.typed("3"))
    assert "from 0 to 12" in advance(flow, at_hours.state, Input.typed("13"), ctx).prompts[0].text
    assert "from 0 to 12" in advance(flow, at_hours.state, Input.typed("lots"), ctx).prompts[0].text
    assert advance(flow, at_hours.state, Input.typed("2.5"), ctx).answers[0].value == 2.5
    done = advance(flow, at_hours.state, Input.typed("4"), ctx)
    assert done.answers[0].value == 4 and isinstance(done.answers[0].value, int)
    assert done.finished and done.state.status == "finished" and done.state.step_id is None
    assert [prompt.text for prompt in done.prompts] == ["Thanks!"]
    after = advance(flow, done.state, Input.typed("hello?"), ctx)
    assert after.state == done.state and "finished" in after.prompts[0].text


def test_help_pause_stop(flow: Flow, ctx: Context) -> None:
    helped = play(flow, ctx, Input.typed("Help?"))
    assert helped.event == "help" and helped.state.step_id == "paid"
    [help_and_question] = helped.prompts  # one message: the help, then the question with its buttons
    assert help_and_question.text.startswith("You can answer by tapping") and help_and_question.step_id == "paid"
    assert help_and_question.text.endswith("Paid on time?") and help_and_question.buttons
    paused = play(flow, ctx, Input.tapped("paid", "yes"), Input.typed("pause"))
    assert (paused.event, paused.state.status, paused.state.step_id) == ("pause", "paused", "kinds")
    assert paused.state.answers == {"paid": "yes"} and paused.state.history == ["paid"] and not paused.finished
    assert [prompt.text for prompt in paused.prompts] == [
        "Of course. I've paused this check-in here and kept your answers. "
        "When you'd like to go on, type carry on or send /resume."
    ]
    stopped = play(flow, ctx, Input.tapped("paid", "yes"), Input.typed("STOP"))
    assert (stopped.event, stopped.state.status, stopped.state.step_id) == ("stop", "stopped", None)
    assert stopped.finished and "stopped this check-in" in stopped.prompts[0].text
    assert "answers you gave are kept" in stopped.prompts[0].text


def test_stale_button_is_ignored_kindly(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"))
    stale = advance(flow, at_kinds.state, Input.tapped("paid", "no"), ctx)
    assert stale.state.answers == {"paid": "yes"} and stale.state.step_id == "kinds"
    [prompt] = stale.prompts  # one message: the note, then where we are now
    assert prompt.text.startswith("That button was for an earlier question")
    assert prompt.step_id == "kinds" and stale.answers == [] and stale.flags == []


def test_advance_does_not_change_the_given_state(flow: Flow, ctx: Context) -> None:
    at_kinds = play(flow, ctx, Input.tapped("paid", "yes"))
    before = at_kinds.state.to_dict()
    advance(flow, at_kinds.state, Input.tapped("kinds", "food"), ctx)
    assert at_kinds.state.to_dict() == before


def test_state_round_trips_and_a_lost_place_ends_kindly(flow: Flow, ctx: Context) -> None:
    outcome = play(flow, ctx, Input.tapped("paid", "yes"), Input.tapped("kinds", "care"))
    assert State.from_dict(outcome.state.to_dict()) == outcome.state
    assert set(outcome.state.to_dict()) == {field.name for field in fields(State)}  # no field left out
    lost = advance(flow, State(step_id="gone"), Input.typed("yes"), ctx)
    assert lost.state.status == "stopped" and "lost my place" in lost.prompts[0].text


def test_previous_answers_in_templates() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "paid"
        kind = "yesno"
        text = "{% if previous.paid == 'no' %}Last time you were waiting. {% endif %}Paid now?"
        """
    )
    assert start(flow, Context(previous={"paid": "no"})).prompts[-1].text == "Last time you were waiting. Paid now?"
    assert start(flow, Context()).prompts[-1].text == "Paid now?"


def test_translations_follow_the_partners_language() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "ready"
        kind = "choice"
        text = { en = "Ready?", cy = "Barod?" }
        options = [
            { value = "y", label = { en = "Yes", cy = "Ydw" } },
            { value = "n", label = { en = "No", cy = "Nac ydw" } },
        ]
        """,
        'id = "t"\ntitle = "T"\nlanguages = ["en", "cy"]\n',
    )
    welsh = start(flow, Context(language="cy"))
    assert welsh.prompts[-1].text == "Barod?" and welsh.prompts[-1].buttons[0][0].label == "Ydw"
    assert advance(flow, welsh.state, Input.typed("ydw"), Context(language="cy")).state.answers == {"ready": "y"}
    assert start(flow, Context(language="fr")).prompts[-1].text == "Ready?"


def test_goto_end_and_info_at_the_end() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "ok"
        kind = "yesno"
        text = "OK?"
        next = [{ if = "ok == 'yes'", goto = "end" }, { goto = "sorry" }]
        [[steps]]
        id = "sorry"
        kind = "info"
        text = "Sorry to hear that. Someone will be in touch."
        """
    )
    yes = advance(flow, start(flow, Context()).state, Input.typed("yes"), Context())
    assert [p.text for p in yes.prompts] == ["Thank you. That's everything for now."]  # no outro: a default one
    no = advance(flow, start(flow, Context()).state, Input.typed("no"), Context())
    assert no.prompts[0].text == "Sorry to hear that. Someone will be in touch." and no.finished


def test_long_scale_wraps_onto_two_rows() -> None:
    flow = make_flow('[[steps]]\nid = "s"\nkind = "scale"\ntext = "Rate"\nmin = 0\nmax = 10\nskippable = true\n')
    rows = start(flow, Context()).prompts[-1].buttons
    assert [len(row) for row in rows] == [6, 5, 1]
