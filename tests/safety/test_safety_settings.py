"""`checkin safety test`, and the [flags] and [safety] settings safety depends on."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.config import ConfigError, FlagSettings, SafetySettings, Settings, load_settings


def test_safety_test_prints_alert_or_ok_and_the_rule_for_each_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("I want to die\nhopeless wifi lol\nfeeling wobbly\n"))
    assert main(["safety", "test"]) == 0
    assert capsys.readouterr().out.splitlines() == ["alert\ten:wish-not-alive", "ok\t-", "ok\t-"]


def test_safety_test_adds_the_configs_own_phrases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[safety]\ndistress_phrases = ["feeling wobbly"]\n', encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("Feeling   WOBBLY today\n"))
    assert main(["safety", "test", "--config", str(config)]) == 0
    assert capsys.readouterr().out == "alert\tconfigured\n"


@pytest.mark.parametrize(
    ("written", "hours"), [(2, 2.0), ("30m", 0.5), ("90 min", 1.5), ("2h", 2.0), ("1.5 hours", 1.5)]
)
def test_service_levels_take_hours_or_minutes(written: object, hours: float) -> None:
    assert FlagSettings.model_validate({"sla_hours": {"urgent": written}}).sla_hours["urgent"] == hours


def test_a_service_level_that_is_not_a_duration_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[flags]\nsla_hours = { urgent = "soon" }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a duration"):
        load_settings(config)


def test_signposting_in_the_partners_language_else_english() -> None:
    default = Settings().safety
    assert "Samaritans" in default.signposting_for("en") and "Diolch" in default.signposting_for("cy")
    assert default.signposting_for("pl") == default.signposting_for("en")
    assert SafetySettings(signposting="Call us").signposting_for("cy") == "Call us"
