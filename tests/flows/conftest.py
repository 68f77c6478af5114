"""Shared helpers: build small flows from TOML text without touching files."""

from __future__ import annotations

import textwrap

import pytest

from flows.loader import load_flow_source
from flows.model import Flow
from flows.types import Context


def make_flow(body: str, header: str = 'id = "test"\ntitle = "Test"\n') -> Flow:
    return load_flow_source(header + textwrap.dedent(body), "test.toml")


@pytest.fixture
def ctx() -> Context:
    return Context(first_name="Sam", project_name="Carers' voice")
