from pathlib import Path

import pytest

from flows.loader import (
    FlowError,
    Problem,
    content_version,
    load_flow_source,
    load_flows,
)
from flows.types import MESSAGE_MAX_CHARS

from .conftest import make_flow

HERE = Path(__file__).parent
BROKEN = sorted((HERE / "broken").glob("*.toml"))
LIBRARY = HERE.parents[1] / "flows" / "library"


@pytest.mark.parametrize("path", BROKEN, ids=[path.stem for path in BROKEN])
def test_each_broken_flow_reports_its_problem_with_line_and_path(path: Path) -> None:
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(FlowError) as caught:
        load_flows([path])
    messages = [str(problem) for problem in caught.value.problems]
    assert any(expected in message for message in messages), messages


def test_every_problem_in_every_file_is_reported_at_once() -> None:
    with pytest.raises(FlowError) as caught:
        load_flows([HERE / "broken"])
    files = {problem.file for problem in caught.value.problems}
    assert len(files) == len(BROKEN)


def test_bundled_flows_load_cleanly() -> None:
    flows = load_flows([LIBRARY])
    flow = flows["after-activity"]
    assert flow.title and flow.source.startswith("#")
    assert flow.version == content_version(flow.source, "1")
    assert flow.version.startswith("1+") and len(flow.version) == 14


def test_source_rebuilds_the_same_version() -> None:
    flow = load_flows([LIBRARY])["after-activity"]
    again = load_flow_source(flow.source, "stored.toml")
    assert again.version == flow.version and [s.id for s in again.steps] == [s.id for s in flow.steps]


def test_a_flow_says_whether_its_texts_use_previous_answers() -> None:
    flows = load_flows([LIBRARY])
    assert flows["after-activity"].uses_previous  # "Last time you told me ..."
    assert not flows["pulse"].uses_previous  # so the bot need not look them up


def test_duplicate_flow_ids_across_files(tmp_path: Path) -> None:
    text = 'id = "same"\ntitle = "T"\n[[steps]]\nid = "a"\nkind = "text"\ntext = "Hi"\n'
    (tmp_path / "a.toml").write_text(text)
    (tmp_path / "b.toml").write_text(text)
    with pytest.raises(FlowError) as caught:
        load_flows([tmp_path])
    [problem] = caught.value.problems
    assert problem.file.endswith("b.toml") and problem.line == 1
    assert "flow id 'same' is already used by" in problem.message


def test_missing_folder_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="no such file or folder"):
        load_flows([tmp_path / "nowhere"])


def test_problem_reads_like_a_compiler_message() -> None:
    problem = Problem(
        "after-activity.toml", 12, "steps.payment.next[0].goto", "no step called 'paymnet'", "did you mean 'payment'?"
    )
    assert str(problem) == (
        "after-activity.toml:12: steps.payment.next[0].goto: no step called 'paymnet' (did you mean 'payment'?)"
    )
    assert str(Problem("x.toml", None, "", "empty")) == "x.toml: empty"


def problems_of(body: str, header: str = 'id = "t"\ntitle = "T"\n') -> list[str]:
    with pytest.raises(FlowError) as caught:
        make_flow(body, header)
    return [f"{problem.path}: {problem.message}" for problem in caught.value.problems]


def test_text_over_the_telegram_limit() -> None:
    body = f'[[steps]]\nid = "a"\nkind = "text"\ntext = "{"x" * (MESSAGE_MAX_CHARS + 1)}"\n'
    assert problems_of(body) == [f"steps.a.text: this text is {MESSAGE_MAX_CHARS + 1} characters; Telegram allows 4096"]


def test_plain_text_in_a_translated_flow() -> None:
    body = '[[steps]]\nid = "a"\nkind = "text"\ntext = "Hello"\n'
    [problem] = problems_of(body, 'id = "t"\ntitle = "T"\nlanguages = ["en", "cy"]\n')
    assert "needs a translation for each language (en, cy)" in problem


def test_kind_specific_keys_are_checked() -> None:
    body = """
        [[steps]]
        id = "a"
        kind = "yesno"
        text = "Hi"
        options = [{ value = "x", label = "X" }]
        max_length = 3
        [[steps]]
        id = "b"
        kind = "scale"
        text = "How?"
        min = 1
        max = 20
        [[steps]]
        id = "c"
        kind = "choice"
        text = "Which?"
        options = [{ value = "x", label = "X" }]
        [[steps]]
        id = "d"
        kind = "info"
        text = "Note"
        skippable = true
    """
    problems = problems_of(body)
    assert "steps.a.options: options only apply to choice and multi steps" in problems
    assert "steps.a.max_length: max_length only applies to text steps" in problems
    assert any(problem.startswith("steps.b.max: a scale needs from 2 to 11 points") for problem in problems)
    assert "steps.c.options: a choice step needs at least two options" in problems
    assert "steps.d.skippable: an info step has no answer, so skippable does not apply" in problems


def test_rules_after_a_default_are_unreachable_and_types_must_match() -> None:
    body = """
        [[steps]]
        id = "a"
        kind = "scale"
        text = "How?"
        next = [{ goto = "end" }, { if = "a == 'high'", goto = "end" }]
    """
    problems = problems_of(body)
    assert any(problem.startswith("steps.a.next[1]: this rule can never be used") for problem in problems)
    assert any("answered with a number, so comparing it with 'high' is never true" in problem for problem in problems)


def test_wrong_types_are_explained() -> None:
    [problem] = problems_of('[[steps]]\nid = "a"\nkind = "text"\ntext = "Hi"\nskippable = "yes"\n')
    assert problem.startswith("steps.a.skippable: input should be a valid boolean")


def test_bad_step_ids_and_no_steps() -> None:
    assert any(
        "step id 'Bad-Id' can't be used" in p
        for p in problems_of('[[steps]]\nid = "Bad-Id"\nkind = "text"\ntext = "Hi"\n')
    )
    assert problems_of("") == [": this flow has no steps"]


def test_good_flow_with_translations_loads() -> None:
    flow = make_flow(
        """
        [[steps]]
        id = "a"
        kind = "yesno"
        text = { en = "Ready?", cy = "Barod?" }
        """,
        'id = "t"\ntitle = "T"\nlanguages = ["en", "cy"]\n',
    )
    assert flow.languages == ("en", "cy") and flow.text(flow.steps[0].text, "cy") == "Barod?"


def test_the_example_in_the_docs_loads() -> None:
    docs = (HERE.parents[1] / "docs" / "flows.md").read_text()
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    flow = load_flow_source(example, "docs-example.toml")
    assert [step.kind for step in flow.steps] == ["choice", "text", "multi", "yesno", "scale", "number", "info"]
