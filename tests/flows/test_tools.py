"""The coordinator tools: plain-language lint, JSON Schema, terminal preview."""

import json
from pathlib import Path

from flows.lint import count_syllables, lint, reading_ease
from flows.loader import load_flows
from flows.preview import preview
from flows.schema import json_schema

from .conftest import make_flow
from .test_engine import ALL_KINDS

LIBRARY = Path(__file__).parents[2] / "flows" / "library"


def test_lint_finds_long_sentences_jargon_and_hard_reading() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "a"
        kind = "text"
        text = "To facilitate meaningful stakeholder engagement, would you characterise organisational \
communication as sufficiently comprehensive, considering the multidimensional institutional responsibilities \
involved throughout the entire programme lifecycle?"
        """
    )
    messages = [problem.message for problem in lint(flow)]
    assert any(message.startswith("a sentence of 24 words") for message in messages)
    assert {"jargon: 'facilitate'", "jargon: 'stakeholder'", "jargon: 'engagement'"} <= set(messages)
    assert any(message.startswith("hard to read") for message in messages)
    assert lint(flow, jargon=[]) and not any("jargon" in m for m in (p.message for p in lint(flow, jargon=[])))
    assert lint(flow)[0].path == "steps.a.text" and lint(flow)[0].line == 5


def test_bundled_flows_are_plain() -> None:
    for flow in load_flows([LIBRARY]).values():
        assert lint(flow) == []


def test_reading_ease_by_hand() -> None:
    assert count_syllables("cake") == 1 and count_syllables("table") == 2 and count_syllables("banana") == 3
    assert reading_ease("Hi") is None
    assert reading_ease("Did you get paid on time for the last one?") > 80


def test_schema_is_json_and_knows_the_vocabulary() -> None:
    schema = json.loads(json.dumps(json_schema()))
    step = schema["$defs"]["StepSpec"]["properties"]
    assert "choice" in step["kind"]["enum"] and {"type": "string"} in step["next"]["anyOf"]
    assert "payment" in schema["$defs"]["FlagSpec"]["properties"]["need"]["enum"]
    assert schema["additionalProperties"] is False


def test_preview_plays_a_flow_with_flags_and_ticks() -> None:
    flow = make_flow(ALL_KINDS)
    replies = iter(["2", "skip", "1", "3", "done", "yes", "2", "/sticker", "5"])
    shown: list[str] = []
    outcome = preview(flow, lambda: next(replies), shown.append)
    text = "\n".join(shown)
    assert "[1] Yes" in text and "[skip] Skip this one" in text
    assert "(would open a high payment flag: Waiting: no)" in text
    assert "✓ Travel" in text and "(kept kinds = Travel, Food, anonymous)" in text
    assert "(would open a low trust flag: )" in text
    assert outcome.finished and outcome.state.answers["hours"] == 5 and "(check-in finished)" in text


def test_preview_stops_when_input_runs_out() -> None:
    flow = make_flow(ALL_KINDS)

    def no_more() -> str:
        raise EOFError

    assert not preview(flow, no_more, lambda _: None).finished


def test_preview_shows_back_notes_and_pause() -> None:
    flow = make_flow(ALL_KINDS)
    replies = iter(["they said soon", "2", "back", "pause", "carry on", "1"])

    def read_line() -> str:
        try:
            return next(replies)
        except StopIteration:
            raise EOFError from None

    shown: list[str] = []
    outcome = preview(flow, read_line, shown.append)
    text = "\n".join(shown)
    assert "(kept paid = Not yet, note: they said soon)" in text and "[back] ← Back" in text
    assert "(withdrawn: the answer to paid)" in text and "(event: pause)" in text and "(event: resume)" in text
    assert not outcome.finished and outcome.state.answers == {"paid": "yes"}
