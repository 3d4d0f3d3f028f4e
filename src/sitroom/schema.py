"""The JSON Schema of the briefing format, generated from the models so it cannot drift.

Editors (through the `yaml-language-server` modeline) and other tools validate with it, so it
must accept what `sitroom check` accepts. What a schema cannot know is left open: an `id` that
defaults to the file name or to a record's name, and whether ids resolve.
"""

from __future__ import annotations

import json
from typing import Any

from .models import DERIVED_ID, Briefing, Record, is_list, record_in

SCHEMA_ID = "https://sitroom.invalid/schema/briefing.schema.json"


def _records(model: type[Record]) -> list[type[Record]]:
    """`model` and every record type it holds, each once."""
    found: list[type[Record]] = [model]
    for record in found:
        for info in record.model_fields.values():
            inner = record_in(info.annotation)
            if inner is not None and inner not in found:
                found.append(inner)
    return found


def _adjust(node: dict[str, Any], model: type[Record]) -> None:
    props: dict[str, Any] = node["properties"]
    # Our `x_` bag is where `x_*` keys land: in the file they are free extension keys.
    props.pop("x_", None)
    node["patternProperties"] = {"^x_": {}}
    node["additionalProperties"] = False
    required = [name for name in node.get("required", []) if name != "x_"]
    if model is Briefing or model in DERIVED_ID:
        required.remove("id")  # made from the file name, or from the record's name or title
    node["required"] = required
    for name, info in model.model_fields.items():
        if name in props and name not in required and is_list(info.annotation):
            # `tags:` with nothing after it is an empty list, which YAML hands over as null.
            prop = props[name]
            default = prop.pop("default", None)
            title = prop.pop("title", None)
            props[name] = {"anyOf": [prop, {"type": "null"}], "default": default}
            if title:
                props[name]["title"] = title


def briefing_schema() -> dict[str, Any]:
    schema = Briefing.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    for model in _records(Briefing):
        _adjust(schema if model is Briefing else defs[model.__name__], model)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "Sitroom briefing (format v1)",
    }


def schema_json() -> str:
    return json.dumps(briefing_schema(), indent=2, ensure_ascii=False) + "\n"
