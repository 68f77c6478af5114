"""The commented example config is a working config: every key in it validates."""

from __future__ import annotations

from pathlib import Path

from bot.core.config import load_settings
from flows.loader import load_flows

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_the_example_config_loads_and_names_real_flows() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.projects, "the example declares at least one project"
    flows_present = set(load_flows([settings.flows.directory]))
    for project in settings.projects:
        for schedule in project.schedules:
            assert schedule.flow in flows_present, f"{project.id} schedules unknown flow {schedule.flow!r}"
