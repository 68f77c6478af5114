"""The bundled flows are what partners actually read: each must load cleanly,
pass the strict plain-language lint, and match the committed JSON Schema that
coordinators' editors use."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from flows.lint import lint
from flows.loader import load_flows
from flows.schema import json_schema

ROOT = Path(__file__).parents[2]
LIBRARY = ROOT / "flows" / "library"
SCHEMA_FILE = ROOT / "docs" / "flow.schema.json"
FILES = sorted(LIBRARY.glob("*.toml"))


def test_the_library_has_the_flows_partners_need() -> None:
    assert {"after-activity", "onboarding", "pulse", "capacity"} <= set(load_flows([LIBRARY]))


@pytest.mark.parametrize("file", FILES, ids=lambda file: file.stem)
def test_bundled_flow_is_valid_plain_and_flags_needs(file: Path) -> None:
    (flow,) = load_flows([file]).values()
    assert lint(flow) == []
    assert any(step.flags for step in flow.steps), "every bundled flow should raise flags for unmet needs"
    assert not any(step.flags for step in flow.steps if step.anonymous), (
        "a flag would tie an anonymous answer to a person"
    )
    assert file.read_text(encoding="utf-8").startswith("#:schema ../../docs/flow.schema.json\n")


def test_committed_schema_is_current() -> None:
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == json_schema()


def test_pulse_keeps_influence_and_ladder_anonymous() -> None:
    pulse = load_flows([LIBRARY / "pulse.toml"])["pulse"]
    assert {step.id for step in pulse.steps if step.anonymous} == {"changed", "ladder"}
    ladder = pulse.step("ladder")
    assert ladder is not None and [o.value for o in ladder.options] == ["informed", "consulted", "partners", "leading"]


@pytest.mark.parametrize("file", FILES, ids=lambda file: file.stem)
def test_schema_validates_bundled_flow(file: Path) -> None:
    data = tomllib.loads(file.read_text(encoding="utf-8"))
    try:
        import jsonschema
    except ImportError:  # not a project dependency: check the same shape by hand
        assert _errors(data, json_schema()) == []
    else:
        jsonschema.Draft202012Validator(json_schema()).validate(data)


def test_structural_check_catches_mistakes() -> None:
    """The fallback validator is not a rubber stamp."""
    data = tomllib.loads(FILES[0].read_text(encoding="utf-8"))
    data["steps"][0]["kind"] = "choise"
    data["steps"][0]["nxt"] = "end"
    del data["title"]
    errors = _errors(data, json_schema())
    assert any("choise" in error for error in errors)
    assert any("nxt" in error for error in errors)
    assert any("title" in error for error in errors)


_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _errors(value: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, path: str = "") -> list[str]:
    """The JSON Schema keywords json_schema() uses, enough to check a flow's shape."""
    root = root or schema
    if "$ref" in schema:
        return _errors(value, root["$defs"][schema["$ref"].split("/")[-1]], root, path)
    if "anyOf" in schema:
        options = [_errors(value, option, root, path) for option in schema["anyOf"]]
        return [] if any(not errors for errors in options) else [f"{path}: matches none of {len(options)} shapes"]
    kind = schema.get("type")
    if kind == "null":
        return [] if value is None else [f"{path}: should be null"]
    if kind and (not isinstance(value, _TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))):
        return [f"{path}: should be {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} is not one of {schema['enum']}"]
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        return [f"{path}: too short"]
    errors: list[str] = []
    if isinstance(value, list) and "items" in schema:
        for number, item in enumerate(value):
            errors += _errors(item, schema["items"], root, f"{path}[{number}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors += [f"{path}.{key}: required" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            if key in properties:
                errors += _errors(item, properties[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}.{key}: not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _errors(item, schema["additionalProperties"], root, f"{path}.{key}")
    return errors
