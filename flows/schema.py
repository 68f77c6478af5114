"""A JSON Schema for flow files, so editors (taplo, Even Better TOML) can
complete keys and underline mistakes as a coordinator types.

Write it once with ``json.dump(json_schema(), ...)`` and start a flow file with
``#:schema ./flow.schema.json``.  The loader's checks go further (step ids,
conditions, templates); the schema only covers shape.
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
    # TOML lets a coordinator write one rule or flag without the list around it
    rule, flag = {"$ref": "#/$defs/RuleSpec"}, {"$ref": "#/$defs/FlagSpec"}
    step["next"] = {"anyOf": [{"type": "string"}, rule, {"type": "array", "items": rule}], "title": "Next"}
    step["flag"] = {"anyOf": [flag, {"type": "array", "items": flag}], "title": "Flag"}
    definitions["FlagSpec"]["properties"]["need"]["enum"] = list(NEEDS)
    definitions["FlagSpec"]["properties"]["severity"]["enum"] = list(SEVERITIES)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "Check-in flow",
        "description": "A check-in flow for the co-production check-in bot; see docs/flows.md.",
    }
