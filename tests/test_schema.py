"""The published JSON Schema agrees with `sitroom check`, and editors find it.

Editors read YAML 1.2 (the `yaml-language-server` behind VS Code and others), where `NO` is text
but `1984` is a number and `true` a boolean; `sitroom check` keeps every scalar as the text
written. So the schema is tested the way an editor uses it: on the file parsed as YAML 1.2.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
import yaml

from conftest import CASES, REPO
from sitroom.load import load_bytes
from sitroom.schema import schema_json

SCHEMA_FILE = REPO / "schema" / "briefing.schema.json"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 core schema: only true/false are booleans, no dates, `0800` is 800."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {}


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    return int(text, 0) if text[:2] in ("0o", "0x") else int(text)


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.lstrip("+-") == ".inf":
        return float(text.replace(".inf", "inf"))
    return float("nan") if text == ".nan" else float(text)


for tag, pattern, first in [
    ("bool", r"^(true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)"
              r"|\.(nan|NaN|NAN))$", "-+.0123456789"),
]:
    Yaml12Loader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern), list(first))
Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _float)


def as_editor_reads(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_the_yaml_12_reading_is_what_editors_see() -> None:
    data = yaml.load("a: NO\nb: yes\nc: 0800\nd: 2025-03-02\ne: true\nf: 1.5\ng: ~\n",
                     Loader=Yaml12Loader)
    assert data == {"a": "NO", "b": "yes", "c": 800, "d": "2025-03-02", "e": True, "f": 1.5,
                    "g": None}


def test_committed_schema_is_current() -> None:
    """Regenerate with `make schema` (`sitroom schema > schema/briefing.schema.json`)."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_json()


def test_schema_leaves_derived_ids_optional(validator: jsonschema.Draft202012Validator) -> None:
    schema = validator.schema
    assert "id" not in schema["required"]
    for record in ("Actor", "Risk", "Location"):
        assert "id" not in schema["$defs"][record]["required"], record
    assert "id" in schema["$defs"]["Source"]["required"]  # a source's id is never made up


def test_editors_map_the_schema_to_every_briefing() -> None:
    """No modeline in the files (a relative path breaks when a briefing moves): the editor
    settings give every file under briefings/ the schema, at any depth (tests/test_lsp.py)."""
    for path in sorted((REPO / "briefings").rglob("*.y*ml")):
        assert not MODELINE.match(path.read_text(encoding="utf-8").splitlines()[0]), path
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text())
    (schema, globs), = settings["yaml.schemas"].items()
    assert (REPO / schema).resolve() == SCHEMA_FILE
    assert globs == ["briefings/**/*.yaml", "briefings/**/*.yml"]
    # A repository made by `sitroom init` says the same.
    init = REPO / "templates" / "init" / "dot-vscode" / "settings.json"
    assert json.loads(init.read_text()) == settings


def test_every_closed_list_explains_its_values() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "enum" in node:
                found.append(node)
                described = node.get("enumDescriptions")
                assert described and len(described) == len(node["enum"]), node["enum"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert len(found) >= 12
    tlp = schema["properties"]["tlp"]["anyOf"][0]
    assert tlp["enum"] == ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
    assert "no further disclosure" in tlp["enumDescriptions"][-1]
    likelihood = schema["$defs"]["Risk"]["properties"]["likelihood"]
    assert likelihood["enumDescriptions"][4] == "ICD 203: 55\u201380 % probability"


def _passing_files() -> list[Path]:
    good = sorted((CASES / "good").rglob("*.yaml"))
    return good + sorted((REPO / "briefings").rglob("*.yaml"))


@pytest.mark.parametrize("path", _passing_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_schema_accepts_what_check_accepts(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    errors = [e.message for e in validator.iter_errors(as_editor_reads(path))]
    assert not errors


# Cases of tests/cases/bad/ whose problem lies in one field, so a schema can see it too.
SCHEMA_VISIBLE = [
    "missing-everything", "missing-nested", "missing-title", "missing-actor-role",
    "required-list-empty", "required-list-missing-items", "wrong-type-list",
    "wrong-type-mapping", "wrong-type-text", "empty-text", "empty-value", "title-too-long",
    "unknown-key", "unknown-key-nested", "unknown-key-no-suggestion",
    "enum-kind", "enum-status", "enum-tlp", "enum-tlp-white", "enum-tlp-number", "enum-trend",
    "enum-likelihood", "enum-likelihood-misspelt", "enum-confidence", "enum-impact",
    "enum-impact-number", "enum-risk-trend", "enum-actor-kind", "enum-reliability",
    "enum-credibility", "enum-credibility-letter", "id-pattern", "id-too-short",
    "actor-id-pattern", "source-id-pattern", "tag-pattern", "related-id-pattern",
    "date-not-a-date", "date-not-real", "date-month-only", "event-date-not-a-date",
    "event-date-not-real-month", "event-date-not-real-day",
    "as-of-no-zone", "as-of-not-a-date", "country-lower-case", "country-unknown", "country-uk",
    "country-name", "url-javascript", "url-file", "url-ftp", "url-no-scheme", "url-space",
    "lat-out-of-range", "lon-out-of-range", "lat-not-a-number", "figure-value-empty",
    "figure-value-list", "name-bidi-control", "name-invisible", "limit-list-items",
    "limit-text-length", "trap-near-miss-words", "trap-comma-list", "trap-source-grade",
]


@pytest.mark.parametrize("name", SCHEMA_VISIBLE)
def test_schema_rejects_what_check_rejects(
    name: str, validator: jsonschema.Draft202012Validator
) -> None:
    path = CASES / "bad" / f"{name}.yaml"
    assert load_bytes(path.read_bytes(), path.name, path.stem).problems  # check rejects it
    assert list(validator.iter_errors(as_editor_reads(path))), f"the schema accepts {name}"


# Field by field: for each written value, the schema and `sitroom check` give the same verdict.
# Two kinds of value are left out on purpose, as no schema can agree on them: numbers YAML 1.2
# rewrites beyond recognition (`lat: 0x10` arrives as 16, which `check` refuses as text), and
# `.nan`, which JSON cannot hold. `sitroom check` remains the authority.
# (line of good/minimal.yaml, its replacement with {} for the value, values as written in YAML)
PROBES: list[tuple[str, str, list[str]]] = [
    ("tlp: CLEAR", "tlp: {}", [
        "CLEAR", "clear", "Green", "TLP:AMBER", "tlp:amber+strict", "TLP:Amber+Strict", "RED",
        "' RED '", "WHITE", "TLP:WHITE", "AMBER_STRICT", "AMBER STRICT", "'TLP: RED'",
        "TLP-RED", "2", "true", "''", "[RED]",
    ]),
    ("status: published", "status: {}", ["draft", "review", "published", "Published", "yes"]),
    ("date: 2025-03-02", "date: {}", [
        "2025-03-02", "'2025-03-02'", "2025-02-30", "2025-3-2", "2025-03", "20250302",
        "2025-03-02T10:00Z", "'2025-03-02\n'", "٢٠٢٥-٠٣-٠٢",
    ]),
    ("date: 2025-03-02", "date: 2025-03-02\nas_of: {}", [
        "2025-03-01", "2025-03-02T09:00:00+03:00", "2025-03-02T09:00Z", "2025-03-02 09:00 +01",
        "2025-03-02t09:00:00.5-05:00", "2025-03-02T09:00", "2025-03-02T09:00:00", "morning",
        "2025-03-02T09", "''",
    ]),
    ("countries: [NO]", "countries: [{}]", [
        "NO", "no", "No", "GB", "UK", "XX", "IQ", "1", "true", "'NO '",
    ]),
    ("countries: [NO]", "countries: {}", ["", "[]", "NO", "{a: b}"]),
    ("countries: [NO]", "tags: [{}]", [
        "ports", "red-sea", "Red Sea", "2025", "'2025'", "0800", "-1", "-port", "a", "true",
        "port_strike", "'ports\n'",
    ]),
    ("countries: [NO]", "id: {}", ["port-strike", "ps", "123", "100", "2025", "Port", "true"]),
    ("authors: [Logistics desk]", "authors: [{}]", [
        "Logistics desk", "1984", "yes", "true", "0800", "1.5", "''", "'  '", "~", "[a]",
    ]),
    ("authors: [Logistics desk]", "authors: {}", ["[]", "", "Desk"]),
    ("credibility: 2", "credibility: {}", [
        "1", "6", "'3'", "0", "7", "'7'", "B", "2.5", "true", "''",
    ]),
    ("reliability: A", "reliability: {}", ["A", "F", "a", "G", "1", "''"]),
    ("url: https://port.example/notices/12", "url: {}", [
        "https://port.example/n", "http://port.example", "HTTPS://PORT.EXAMPLE/", "ftp://x.example",
        "javascript:alert(1)", "file:///etc/passwd", "https://", "https:///path", "port.example",
        "'https://port.example/a b'", "mailto:desk@port.example", "https://port.example?q=1",
    ]),
    ("    impact: moderate", "    impact: {}", ["minimal", "severe", "4", "Major", "high"]),
    ("    likelihood: roughly even chance", "    likelihood: {}", [
        "likely", "almost certain", "Likely", "probable", "50%", "0.5",
    ]),
    ("    kind: civil-society", "    kind: {}", ["state", "company", "militia", "State"]),
    ("    role: Called the strike over pay.", "    role: Called the strike.\n    country: {}", [
        "NO", "no", "", "GB", "XK",
    ]),
    ("title: Port strike halts container traffic at Harbourtown", "title: {}", [
        "1984", "true", "'x'", "''", "' '", "'" + "x" * 200 + "'", "'" + "x" * 201 + "'",
        "[a, b]", "|\n  Two\n  lines",
    ]),
]
PROBE_EXTRA: list[tuple[str, list[str]]] = [
    ("locations:\n  - name: Port\n    lat: {}\n", [
        "0", "90", "-90", "90.0", "90.5", "91", "'33.8'", "'-90'", "'95'", "1e1", ".5", "-.5",
        "59°54'N", "''", "true", ".inf", "0800",
    ]),
    ("locations:\n  - name: Port\n    lon: {}\n", [
        "180", "-180", "180.0001", "-181", "'179.9'", "'-180.0'", "'181'", "100", "12.25",
    ]),
    ("key_figures:\n  - label: Ships\n    value: {}\n", [
        "14", "0800", "about 2,500", "'2500'", "12.5", "true", "''", "~", "[1]", "1e3",
    ]),
    ("timeline:\n  - date: {}\n    event: Walkout.\n", [
        "2025-03-01", "2025-03", "2025-13", "2025-00", "2025-02-30", "2025", "March 2025",
        "'2025-03'",
    ]),
    ("x_team: {}\n", ["ops", "[1, 2]", "{a: b}", "", "true"]),
    ("summery: {}\n", ["x"]),
]


def _probe_texts() -> list[tuple[str, str]]:
    base = (CASES / "good" / "minimal.yaml").read_text(encoding="utf-8")
    texts = []
    for line, template, values in PROBES:
        assert base.count(line) == 1, line
        for value in values:
            texts.append((f"{template.format(value)}", base.replace(line, template.format(value))))
    for template, values in PROBE_EXTRA:
        for value in values:
            texts.append((template.format(value), base + template.format(value)))
    return texts


@pytest.mark.parametrize(("probe", "text"), _probe_texts(), ids=lambda v: repr(v)[:50])
def test_schema_and_check_agree_field_by_field(
    probe: str, text: str, validator: jsonschema.Draft202012Validator, tmp_path: Path
) -> None:
    loaded = load_bytes(text.encode("utf-8"), "probe.yaml", "probe-briefing")
    path = tmp_path / "probe.yaml"
    path.write_text(text, encoding="utf-8")
    schema_errors = [e.message for e in validator.iter_errors(as_editor_reads(path))]
    check_ok = not any(p.is_error for p in loaded.problems)  # tradecraft warnings aside
    assert check_ok == (not schema_errors), (
        f"check: {[p.message for p in loaded.problems]}; schema: {schema_errors}"
    )
