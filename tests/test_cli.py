"""The coordinator's `checkin flows` commands, run as the console script runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from flows.schema import json_schema

ROOT = Path(__file__).parents[1]
LIBRARY = ROOT / "flows" / "library"
BROKEN = ROOT / "tests" / "flows" / "broken"
JARGON_FLOW = """\
id = "jargon"
title = "Jargon"

[[steps]]
id = "meeting"
kind = "yesno"
text = "Did the stakeholder meeting go well for you?"
"""


@pytest.fixture
def no_config(tmp_path: Path) -> list[str]:
    """Point --config at a file that does not exist: the flow tools use defaults."""
    return ["--config", str(tmp_path / "absent.toml")]


def test_check_lists_every_problem_with_file_line_and_path(
    capsys: pytest.CaptureFixture[str], no_config: list[str]
) -> None:
    files = [BROKEN / "unknown_goto.toml", BROKEN / "unknown_step_in_condition.toml"]
    assert main([*no_config, "flows", "check", *map(str, files)]) == 1
    err = capsys.readouterr().err
    assert f"{files[0]}:13: steps.paid.next[0].goto: no step called 'paymnet' (did you mean 'payment'?)" in err
    assert f"{files[1]}:8: steps.paid.flag.if: no step called 'payd'" in err
    problems = err.strip().splitlines()
    assert problems[-1] == f"{len(problems) - 1} problem(s) found."


def test_check_summarises_each_good_flow_on_one_line(capsys: pytest.CaptureFixture[str], no_config: list[str]) -> None:
    assert main([*no_config, "flows", "check", str(LIBRARY)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(list(LIBRARY.glob("*.toml")))
    assert all(line.startswith("ok  ") and "(version " in line for line in lines)


def test_schema_writes_the_json_schema(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_config: list[str]
) -> None:
    output = tmp_path / "flow.schema.json"
    assert main([*no_config, "flows", "schema", "--output", str(output)]) == 0
    assert json.loads(output.read_text(encoding="utf-8")) == json_schema()
    assert main([*no_config, "flows", "schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


def test_lint_warns_and_strict_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path, no_config: list[str]) -> None:
    flow = tmp_path / "jargon.toml"
    flow.write_text(JARGON_FLOW, encoding="utf-8")
    assert main([*no_config, "flows", "lint", str(flow)]) == 0
    assert "jargon: 'stakeholder'" in capsys.readouterr().out
    assert main([*no_config, "flows", "lint", "--strict", str(flow)]) == 1
    assert main([*no_config, "flows", "lint", "--strict", "--jargon", "", str(flow)]) == 0
    assert main([*no_config, "flows", "lint", "--strict", "--jargon", "meeting, agenda", str(flow)]) == 1
    assert "jargon: 'meeting'" in capsys.readouterr().out
    assert main([*no_config, "flows", "lint", "--strict", str(LIBRARY)]) == 0


def test_lint_takes_jargon_from_the_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "jargon.toml").write_text(JARGON_FLOW.replace("stakeholder", "team"), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[flows]\ndirectory = "flows"\njargon = ["go well"]\n', encoding="utf-8")
    assert main(["--config", str(config), "flows", "lint", "--strict"]) == 1
    assert "jargon: 'go well'" in capsys.readouterr().out


def test_lint_of_a_broken_flow_reports_its_problems(capsys: pytest.CaptureFixture[str], no_config: list[str]) -> None:
    assert main([*no_config, "flows", "lint", str(BROKEN / "unknown_goto.toml")]) == 1
    assert "no step called 'paymnet'" in capsys.readouterr().err


def test_preview_plays_a_flow_as_a_partner_sees_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(LIBRARY, tmp_path / "flows")
    config = tmp_path / "config.toml"
    config.write_text('[flows]\ndirectory = "flows"\n', encoding="utf-8")
    replies = iter(["2", "Still waiting for £40", "no", "4 out of 5", "skip"])

    def typed(prompt: str = "") -> str:
        try:
            return next(replies)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", typed)
    assert (
        main(
            [
                "--config",
                str(config),
                "flows",
                "preview",
                "after-activity",
                "--name",
                "Ola",
                "--project",
                "Young Carers",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Hi Ola, it's the check-in bot for Young Carers." in out
    assert "Have you been paid for your last session?\n   [1] Yes\n   [2] Not yet\n   [3] I don't take payment" in out
    assert "(would open a high payment flag: Not yet paid for their last session.)" in out
    assert "I'm sorry you're still waiting." in out  # the branch taken after "Not yet"
    assert "(would open a high expenses flag" in out
    assert "(kept heard = 4" in out
    assert "Take good care of yourself." in out


def test_preview_by_path_and_unknown_id(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_config: list[str]
) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt="": (_ for _ in ()).throw(EOFError))
    assert main([*no_config, "flows", "preview", str(LIBRARY / "pulse.toml")]) == 0
    assert "treated as an equal" in capsys.readouterr().out
    assert main([*no_config, "flows", "preview", str(LIBRARY / "pulse.toml"), "--fewer", "--plain"]) == 0
    out = capsys.readouterr().out  # the first essential question, in plain words; the ones before kept as skipped
    assert "(kept respect = (skipped))" in out and "Do you feel OK to say you don't agree?" in out
    monkeypatch.chdir(ROOT)
    assert main([*no_config, "flows", "preview", "no-such-flow"]) == 2
    assert "No flow 'no-such-flow'" in capsys.readouterr().err
