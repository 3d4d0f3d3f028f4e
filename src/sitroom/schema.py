"""The JSON Schema of the briefing format, generated from the models so it cannot drift.

Editors (through the `yaml-language-server` modeline) and other tools validate with it, so it
must accept what `sitroom check` accepts. What a schema cannot know is left open: an `id` that
defaults to the file name or to a record's name, and whether ids resolve.
"""

from __future__ import annotations

import json
from typing import Any

from . import vocab
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


# What each value of a closed list means, for editors: yaml-language-server (2.0) shows an
# `enumDescriptions` entry beside the value it completes (VS Code's JSON support reads it too).
def _value_meanings() -> dict[tuple[Any, ...], list[str]]:
    likelihood = [f"ICD 203: {item.range} probability" for item in vocab.LIKELIHOODS]
    reliability = [f"Admiralty source reliability: {meaning}"
                   for meaning in vocab.RELIABILITY.values()]
    credibility = [f"Admiralty information credibility: {meaning}"
                   for meaning in vocab.CREDIBILITY.values()]
    countries = vocab.country_names()
    table: dict[tuple[Any, ...], list[str]] = {
        tuple(item.word for item in vocab.LIKELIHOODS): likelihood,
        vocab.CONFIDENCE: [
            "ICD 203 analytic confidence: scant, questionable or fragmented information",
            "ICD 203 analytic confidence: credible and plausible, not corroborated enough "
            "for high",
            "ICD 203 analytic confidence: high-quality information from several sources",
        ],
        vocab.IMPACTS: [f"Impact {rank} of 5" for rank in range(1, 6)],
        vocab.KINDS: ["A short first report of a new event",
                      "A situation report: what happened and what it means",
                      "An assessment: analysis with a longer horizon"],
        vocab.STATUSES: ["Being written: never published",
                         "Written, waiting for review: not published",
                         "Published: appears on the site and in the feeds"],
        vocab.TRENDS: ["The situation is getting worse since the previous briefing",
                       "No significant change since the previous briefing",
                       "The situation is getting better since the previous briefing"],
        vocab.RISK_TRENDS: ["The risk is growing", "The risk holds steady",
                            "The risk is receding"],
        vocab.ACTOR_KINDS: ["A country as a whole", "A government or ministry",
                            "Armed forces of a state", "An armed group outside a state's forces",
                            "A party or political movement",
                            "An international or intergovernmental organisation",
                            "A civil-society group, charity or union", "A company",
                            "A person", "None of the above"],
        vocab.LINT_RULES: [
            "Estimative words outside ICD 203 in the text; 'likelihood' carries the probability",
            "Confidence and likelihood mixed in one sentence of the text",
            "A key judgment or risk that cites no source",
            "High confidence resting only on sources graded E/F or 5/6",
            "A likely (or likelier) risk with no indicators to watch",
            "A judgment's likelihood or confidence changed without a 'changes' entry",
        ],
        tuple(vocab.RELIABILITY): reliability,
        tuple(str(n) for n in vocab.CREDIBILITY): credibility,
        tuple(vocab.CREDIBILITY): credibility,
        vocab.TLP_WORDS: [f"TLP 2.0: {vocab.TLP_MEANING[level]}" for level in vocab.TLP],
        tuple(sorted(countries)): [countries[code] for code in sorted(countries)],
    }
    return table


def _describe_values(node: Any, meanings: dict[tuple[Any, ...], list[str]]) -> None:
    if isinstance(node, dict):
        values = node.get("enum")
        if isinstance(values, list) and tuple(values) in meanings:
            node["enumDescriptions"] = meanings[tuple(values)]
        for value in node.values():
            _describe_values(value, meanings)
    elif isinstance(node, list):
        for value in node:
            _describe_values(value, meanings)


def _closed_lists(schema: dict[str, Any]) -> None:
    """Offer the canonical words as a list where the models also accept other spellings, so
    editors complete them: `tlp` (any case, `TLP:` prefix) and a credibility number."""
    tlp = schema["properties"]["tlp"]
    accepted = {key: tlp.pop(key) for key in ("pattern", "type")}
    tlp["anyOf"] = [{"enum": list(vocab.TLP_WORDS)}, accepted]
    source = schema["$defs"]["Source"]["properties"]["credibility"]
    for branch in source["anyOf"]:
        if branch.get("type") == "integer":
            branch.pop("minimum", None)
            branch.pop("maximum", None)
            branch["enum"] = list(vocab.CREDIBILITY)


def briefing_schema() -> dict[str, Any]:
    schema = Briefing.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    for model in _records(Briefing):
        _adjust(schema if model is Briefing else defs[model.__name__], model)
    _closed_lists(schema)
    _describe_values(schema, _value_meanings())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "Sitroom briefing (format v1)",
    }


def schema_json() -> str:
    return json.dumps(briefing_schema(), indent=2, ensure_ascii=False) + "\n"
