"""Profile steps: flow answers that set a partner's contact preferences."""

from __future__ import annotations

import pytest

from flows.loader import check_flow_source
from flows.profile import find_timezone, option_problem, profile_value

FLOW = """
id = "prefs"
title = "Prefs"
[[steps]]
id = "when"
kind = "choice"
text = "When?"
profile = "{profile}"
options = [{{ value = "{value}", label = "A" }}, {{ value = "any", label = "Any" }}]
"""


@pytest.mark.parametrize(
    ("profile", "value", "problem"),
    [
        ("window", "09:00-12:00", None),
        ("window", "12:00-09:00", "ends before it starts"),
        ("window", "morning", "not a time range"),
        ("quiet_hours", "21:00-07:00", None),
        ("language", "cy", None),
        ("language", "Welsh", "not a language code"),
        ("days", "monday", "not a day"),
        ("timezone", "Europe/Paris", None),
        ("timezone", "Paris", "not a time-zone name"),
    ],
)
def test_option_values_must_carry_the_setting(profile: str, value: str, problem: str | None) -> None:
    found = option_problem(profile, value)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_loader_names_the_option_and_suggests_settings() -> None:
    _, problems = check_flow_source(FLOW.format(profile="window", value="morning"), "prefs.toml")
    assert [p.path for p in problems] == ["steps.when.options[0].value"]
    _, problems = check_flow_source(FLOW.format(profile="windw", value="09:00-10:00"), "prefs.toml")
    assert problems and "did you mean 'window'" in str(problems[0])


def test_profile_needs_a_fitting_kind() -> None:
    _, problems = check_flow_source(FLOW.format(profile="access_needs", value="x"), "prefs.toml")
    assert "needs a multi step" in str(problems[0])


def test_answers_become_settings() -> None:
    assert profile_value("days", ["fri", "mon"]) == ["mon", "fri"]
    assert profile_value("days", ["mon", "any"]) is None
    assert profile_value("window", "any") is None
    assert profile_value("quiet_hours", "none") == "none"
    assert profile_value("access_needs", ["plain", "none"]) == ["plain"]
    assert profile_value("timezone", "new york") == "America/New_York"
    assert find_timezone("Narnia") is None
