"""to_team: answers to open questions that must reach the project's team."""

from pathlib import Path

import pytest

from flows.engine import advance, start
from flows.loader import FlowError, flow_warnings, load_flows
from flows.model import SKIP_VALUE
from flows.schema import json_schema
from flows.types import Context, Input

from .conftest import make_flow

LIBRARY = Path(__file__).parents[2] / "flows" / "library"


def test_the_answer_record_says_it_is_for_the_team() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "need"
        kind = "text"
        text = "Is there anything you need from us right now?"
        skippable = true
        to_team = true
        """
    )
    ctx = Context()
    at_need = start(flow, ctx)
    answered = advance(flow, at_need.state, Input.typed("A lift to the next meeting"), ctx)
    assert answered.answers[0].to_team and answered.answers[0].value == "A lift to the next meeting"
    skipped = advance(flow, at_need.state, Input.tapped("need", SKIP_VALUE), ctx)
    assert skipped.answers[0].skipped and not skipped.answers[0].to_team


def test_other_steps_are_not_for_the_team_by_default() -> None:
    flow = make_flow('[[steps]]\nid = "a"\nkind = "text"\ntext = "What did you like?"\n')
    outcome = advance(flow, start(flow, Context()).state, Input.typed("The tea"), Context())
    assert not outcome.answers[0].to_team and not flow.steps[0].to_team


def test_to_team_is_only_for_text_steps() -> None:
    source = '[[steps]]\nid = "ok"\nkind = "yesno"\ntext = "All good?"\nto_team = true\n'
    with pytest.raises(FlowError) as caught:
        make_flow(source)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == ("test.toml", 7, "steps.ok.to_team")
    assert problem.message == "to_team only applies to text steps" and "flag rule" in (problem.hint or "")


@pytest.mark.parametrize(
    "question",
    [
        "Is there anything you need from us right now?",
        "Anything you'd like us to know?",
        "Anything you’d like the team to hear?",
        "Is there anything else?",
        "What do you need?",
    ],
)
def test_an_open_question_with_no_way_to_the_team_is_warned_about(question: str) -> None:
    flow = make_flow(f'[[steps]]\nid = "open"\nkind = "text"\ntext = "{question}"\nskippable = true\n')
    [warning] = flow_warnings(flow)
    assert (warning.file, warning.line, warning.path) == ("test.toml", 6, "steps.open")
    assert warning.hint == "add to_team = true, or a flag rule"
    assert str(warning).startswith("test.toml:6: steps.open: this question asks what the partner needs")


def test_to_team_or_a_flag_rule_quiets_the_warning() -> None:
    body = '[[steps]]\nid = "open"\nkind = "text"\ntext = "Anything else?"\n'
    assert flow_warnings(make_flow(body + "to_team = true\n")) == []
    assert flow_warnings(make_flow(body + 'flag = { need = "other", severity = "info" }\n')) == []
    assert flow_warnings(make_flow('[[steps]]\nid = "a"\nkind = "text"\ntext = "What did you like?"\n')) == []
    yesno = '[[steps]]\nid = "a"\nkind = "yesno"\ntext = "Do you need anything?"\n'
    assert flow_warnings(make_flow(yesno)) == []  # only text steps: a button answer reaches the team by a flag


def test_bundled_open_questions_reach_the_team() -> None:
    flows = load_flows([LIBRARY])
    assert all(flow_warnings(flow) == [] for flow in flows.values())
    after = flows["after-activity"]
    assert {step.id for step in after.steps if step.to_team} == {"payment_detail", "anything_else"}
    assert {step.id for step in flows["capacity"].steps if step.to_team} == {"lead_what", "next_thing"}


def test_the_schema_knows_to_team() -> None:
    step = json_schema()["$defs"]["StepSpec"]["properties"]
    assert step["to_team"]["type"] == "boolean" and step["to_team"]["default"] is False
