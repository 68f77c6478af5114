"""A JSON Schema for flow files, so editors (taplo, Even Better TOML) can
complete keys and underline mistakes as a coordinator types.

``checkin flows schema`` writes it (committed as ``docs/flow.schema.json``); a
flow file starts with ``#:schema ../../docs/flow.schema.json``, relative to
itself.  The loader's checks go further (step ids, conditions, templates); the
schema only covers shape.
"""

from __future__ import annotations

from typing import Any

from flows.model import KINDS, FlowSpec
from flows.types import NEEDS, SEVERITIES


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a flow file, with kinds, needs and severities as enums."""
    schema = FlowSpec.model_json_schema(by_alias=True)
    definitions = schema.get("$defs", {})
    step = definitions["StepSpec"]["properties"]
    step["kind"]["enum"] = list(KINDS)
    step["to_team"]["description"] = "Text steps only: the answer (unless skipped) must reach the project's team."
    step["max_length"]["description"] = "Accepted for older files; text answers are always kept whole."
    step["essential"]["description"] = (
        'Kept for partners who asked for "fewer questions" (need and safety questions); '
        "other skippable steps are left out for them."
    )
    # a plain text replaces the words partners see, so it is never empty
    words = {"type": "string", "minLength": 1}
    plain = {"anyOf": [words, {"type": "object", "additionalProperties": words}], "title": "Plain"}
    step["plain"] = {**plain, "description": 'The question in plainer words, for partners who asked for "plain words".'}
    definitions["OptionSpec"]["properties"]["plain"] = {
        **plain,
        "description": 'The label in plainer words, for partners who asked for "plain words".',
    }
    # TOML lets a coordinator write one rule or flag without the list around it
    rule, flag = {"$ref": "#/$defs/RuleSpec"}, {"$ref": "#/$defs/FlagSpec"}
    step["next"] = {"anyOf": [{"type": "string"}, rule, {"type": "array", "items": rule}], "title": "Next"}
    step["flag"] = {"anyOf": [flag, {"type": "array", "items": flag}], "title": "Flag"}
    # `version = 3` is as natural as `version = "3"`, and the loader takes both
    schema["properties"]["version"] = {"anyOf": [{"type": "string"}, {"type": "integer"}], "title": "Version"}
    definitions["FlagSpec"]["properties"]["need"]["enum"] = list(NEEDS)
    definitions["FlagSpec"]["properties"]["severity"]["enum"] = list(SEVERITIES)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "Check-in flow",
        "description": "A check-in flow for the co-production check-in bot; see docs/flows.md.",
    }
