"""Access needs the engine honours itself: *fewer questions* (``essential = true``) and
*plain words* (``plain = "..."``), and the loader's and linter's checks of both keys."""

from pathlib import Path

import pytest

from flows.engine import advance, current_question, start
from flows.lint import lint
from flows.loader import FlowError, load_flows
from flows.model import Flow
from flows.types import Context, Input, Outcome

from .conftest import make_flow

LIBRARY = Path(__file__).parents[2] / "flows" / "library"
FEWER = Context(first_name="Sam", project_name="Voices", fewer_questions=True)
PLAIN = Context(first_name="Sam", project_name="Voices", plain_words=True)
#: a bundled question of more words than this has a plain text
LONGER_THAN_NEEDED = 12

SURVEY = """
    [[steps]]
    id = "mood"
    kind = "scale"
    text = "How are you?"
    skippable = true

    [[steps]]
    id = "paid"
    kind = "yesno"
    text = "Have you been paid?"

    [[steps]]
    id = "why"
    kind = "text"
    text = "Tell us more?"
    skippable = true

    [[steps]]
    id = "need"
    kind = "text"
    text = "Do you need anything from us?"
    skippable = true
    essential = true

    [[steps]]
    id = "last"
    kind = "text"
    text = "Anything else?"
    skippable = true
"""


def asked(outcome: Outcome) -> list[str | None]:
    return [prompt.step_id for prompt in outcome.prompts if prompt.step_id]


def test_fewer_questions_keeps_essential_and_unskippable_steps() -> None:
    flow = make_flow(SURVEY)
    first = start(flow, FEWER)
    assert asked(first) == ["paid"] and [(a.step_id, a.skipped) for a in first.answers] == [("mood", True)]
    need = advance(flow, first.state, Input.tapped("paid", "no"), FEWER)
    assert asked(need) == ["need"] and [a.step_id for a in need.answers] == ["paid", "why"]
    done = advance(flow, need.state, Input.typed("A lift"), FEWER)
    assert done.finished and [a.step_id for a in done.answers] == ["need", "last"]
    assert done.state.answers == {"mood": None, "paid": "no", "why": None, "need": "A lift", "last": None}
    assert all(a.skipped and a.display == "(skipped)" for a in done.answers[1:])
    assert asked(start(flow, Context())) == ["mood"]  # without the need, everything is asked


def test_fewer_questions_never_sends_an_empty_checkin() -> None:
    """With nothing essential (or nothing essential on the way), the first question stays."""
    flow = make_flow(
        """
        [[steps]]
        id = "note"
        kind = "info"
        text = "Hello."
        [[steps]]
        id = "a"
        kind = "yesno"
        text = "First?"
        skippable = true
        [[steps]]
        id = "b"
        kind = "text"
        text = "Second?"
        skippable = true
        """
    )
    first = start(flow, FEWER)
    assert [p.text for p in first.prompts] == ["Hello.", "First?"] and first.answers == []
    done = advance(flow, first.state, Input.typed("yes"), FEWER)
    assert done.finished and [(a.step_id, a.skipped) for a in done.answers] == [("a", False), ("b", True)]
    skipped_first = advance(flow, first.state, Input.typed("skip"), FEWER)
    assert skipped_first.finished  # the partner may still skip the one question they get


def test_an_essential_step_on_a_branch_not_taken_still_leaves_a_question() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "a"
        kind = "yesno"
        text = "First?"
        skippable = true
        next = [{ if = "a == 'no'", goto = "help" }, { goto = "end" }]
        [[steps]]
        id = "help"
        kind = "text"
        text = "What do you need?"
        skippable = true
        essential = true
        """
    )
    first = start(flow, FEWER)  # left out, "a" would end the check-in before "help"
    assert asked(first) == ["a"]
    assert asked(advance(flow, first.state, Input.typed("no"), FEWER)) == ["help"]


def test_back_goes_to_the_question_asked_and_steps_left_out_are_kept_once() -> None:
    flow = make_flow(SURVEY)
    at_need = advance(flow, start(flow, FEWER).state, Input.tapped("paid", "no"), FEWER)
    assert at_need.state.history == ["paid"]
    back = advance(flow, at_need.state, Input.back(), FEWER)
    assert back.state.step_id == "paid" and back.retracted == ["paid"]
    again = advance(flow, back.state, Input.tapped("paid", "yes"), FEWER)
    assert asked(again) == ["need"] and [a.step_id for a in again.answers] == ["paid"]


def test_a_loop_through_steps_left_out_asks_rather_than_spins() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "a"
        kind = "yesno"
        text = "Go on?"
        [[steps]]
        id = "b"
        kind = "text"
        text = "More?"
        skippable = true
        next = [{ if = "not b", goto = "b2" }, { goto = "end" }]
        [[steps]]
        id = "b2"
        kind = "text"
        text = "Again?"
        skippable = true
        next = "b"
        """
    )
    looped = advance(flow, start(flow, FEWER).state, Input.typed("yes"), FEWER)
    assert asked(looped) == ["b"]


def test_current_question_and_reminders_follow_the_needs() -> None:
    flow = make_flow(SURVEY.replace('text = "Have you been paid?"', 'text = "Paid?"\nplain = "Got your money?"'))
    state = start(flow, FEWER).state
    question = current_question(flow, state, PLAIN)
    assert question is not None and question.text == "Got your money?"


def test_bundled_pulse_keeps_its_essential_questions_for_fewer_questions() -> None:
    pulse = load_flows([LIBRARY / "pulse.toml"])["pulse"]
    first = start(pulse, FEWER)
    assert asked(first) == ["disagree"]
    last = advance(pulse, first.state, Input.typed("yes"), FEWER)
    assert asked(last) == ["anything_else"]
    assert [p.text for p in last.prompts if p.step_id is None] == []  # nothing said for steps left out


def test_bundled_flows_mark_their_need_and_safety_questions_essential() -> None:
    flows = load_flows([LIBRARY])
    essential = {flow_id: {s.id for s in flow.steps if s.essential} for flow_id, flow in flows.items()}
    assert essential["after-activity"] >= {"paid", "expenses", "anything_else"}
    assert essential["pulse"] == {"disagree", "anything_else"}
    assert {"access", "support"} <= essential["onboarding"]
    for flow in flows.values():
        assert asked(start(flow, FEWER)), f"{flow.id} would send an empty check-in"


@pytest.mark.parametrize("flow", load_flows([LIBRARY]).values(), ids=lambda flow: flow.id)
def test_bundled_questions_longer_than_needed_have_plain_texts(flow: Flow) -> None:
    for step in flow.steps:
        words = len(flow.text(step.text, flow.language).split())
        if words > LONGER_THAN_NEEDED:
            assert step.plain is not None, f"{flow.id}.{step.id} has {words} words and no plain text"
        if step.plain is not None:
            assert len(flow.text(step.plain, flow.language).split()) <= words, f"{flow.id}.{step.id} is no shorter"


PLAIN_FLOW = """
    [[steps]]
    id = "note"
    kind = "info"
    text = "The next answer is anonymous and aggregated."
    plain = "Nobody will know the next answer is yours."

    [[steps]]
    id = "ladder"
    kind = "choice"
    text = "Which is closest to how the project works with you?"
    plain = "Who makes the choices?"
    options = [
      { value = "told", label = "We're told what's decided", plain = "Staff decide" },
      { value = "together", label = "We decide things together" },
    ]

    [[steps]]
    id = "ok"
    kind = "yesno"
    text = "All right?"
"""


def test_plain_words_use_the_plain_texts_where_there_are_some() -> None:
    flow = make_flow(PLAIN_FLOW)
    first = start(flow, PLAIN)
    assert [p.text for p in first.prompts] == ["Nobody will know the next answer is yours.", "Who makes the choices?"]
    assert [row[0].label for row in first.prompts[-1].buttons] == ["Staff decide", "We decide things together"]
    told = advance(flow, first.state, Input.typed("staff decide"), PLAIN)
    [record] = told.answers
    assert (record.value, record.question, record.display) == ("told", "Who makes the choices?", "Staff decide")
    assert told.prompts[-1].text == "All right?"  # no plain text: the text
    assert advance(flow, first.state, Input.typed("we're told what's decided"), PLAIN).answers[0].value == "told"
    usual = start(flow, Context())
    assert usual.prompts[-1].text == "Which is closest to how the project works with you?"
    assert advance(flow, usual.state, Input.typed("Staff decide"), Context()).answers[0].value == "told"


def test_plain_texts_are_translated_too() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "a"
        kind = "yesno"
        text = { en = "Are you ready to begin?", cy = "Ydych chi'n barod i ddechrau?" }
        plain = { en = "Ready?", cy = "Barod?" }
        """,
        'id = "t"\ntitle = "T"\nlanguages = ["en", "cy"]\n',
    )
    welsh = Context(language="cy", plain_words=True)
    assert start(flow, welsh).prompts[-1].text == "Barod?"
    assert start(flow, Context(language="cy")).prompts[-1].text == "Ydych chi'n barod i ddechrau?"


def problems_of(body: str, header: str = 'id = "t"\ntitle = "T"\n') -> list[str]:
    with pytest.raises(FlowError) as caught:
        make_flow(body, header)
    return [
        f"{problem.path}: {problem.message}" + (f" ({problem.hint})" if problem.hint else "")
        for problem in caught.value.problems
    ]


def test_the_new_keys_are_checked() -> None:
    problems = problems_of(
        """
        [[steps]]
        id = "a"
        kind = "yesno"
        text = "Ready?"
        essential = "yes"
        [[steps]]
        id = "b"
        kind = "choice"
        text = "Which?"
        plain = "  "
        options = [{ value = "x", label = "X", plain = "" }, { value = "y", label = "Y" }]
        [[steps]]
        id = "c"
        kind = "info"
        text = "Note"
        essential = true
        [[steps]]
        id = "d"
        kind = "text"
        text = "More?"
        esential = true
        plain = "{{ answers.nope }}"
        """
    )
    assert any(p.startswith("steps.a.essential: input should be a valid boolean") for p in problems), problems
    assert any(p.startswith("steps.b.plain: a plain text can't be empty") for p in problems), problems
    assert any(p.startswith("steps.b.options[0].plain: a plain text can't be empty") for p in problems), problems
    assert "steps.c.essential: an info step has no answer, so essential does not apply" in problems
    assert any(p.startswith("steps.d.esential: unknown key 'esential'") and "essential" in p for p in problems)
    assert any(p.startswith("steps.d.plain: answers.nope: no step called 'nope'") for p in problems), problems


def test_a_plain_text_in_a_translated_flow_needs_every_language() -> None:
    body = '[[steps]]\nid = "a"\nkind = "yesno"\ntext = { en = "Hi?", cy = "Hwyl?" }\nplain = { en = "Hi?" }\n'
    [problem] = problems_of(body, 'id = "t"\ntitle = "T"\nlanguages = ["en", "cy"]\n')
    assert problem == "steps.a.plain: missing translation: cy"


def test_lint_reads_plain_texts_too() -> None:
    flow: Flow = make_flow(
        """
        [[steps]]
        id = "a"
        kind = "choice"
        text = "Ready?"
        plain = "Notwithstanding institutional considerations, are organisational arrangements satisfactory?"
        options = [{ value = "x", label = "X", plain = "Leverage synergy" }, { value = "y", label = "Y" }]
        """
    )
    paths = {(problem.path, problem.message.split(" (")[0]) for problem in lint(flow)}
    assert ("steps.a.plain", "hard to read") in paths
    assert ("steps.a.options[0].plain", "jargon: 'leverage'") in paths
