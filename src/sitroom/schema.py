"""The JSON Schema of the briefing format, generated from the models so it cannot drift."""

from __future__ import annotations

import json
from typing import Any

from .models import Briefing

SCHEMA_ID = "https://sitroom.invalid/schema/briefing.schema.json"


def _tidy(node: Any) -> None:
    """Our `x_` bag is where `x_*` keys land: in the file they are free extension keys."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict) and "x_" in props:
            del props["x_"]
            node["patternProperties"] = {"^x_": {}}
            node["additionalProperties"] = False
        for value in node.values():
            _tidy(value)
    elif isinstance(node, list):
        for value in node:
            _tidy(value)


def briefing_schema() -> dict[str, Any]:
    schema = Briefing.model_json_schema(mode="validation")
    _tidy(schema)
    # `id` defaults to the file name, which a schema cannot see.
    schema["required"] = [name for name in schema.get("required", []) if name != "id"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Sitroom briefing (format v1)",
        **schema,
    }


def schema_json() -> str:
    return json.dumps(briefing_schema(), indent=2, ensure_ascii=False) + "\n"
