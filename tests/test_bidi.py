"""Characters that reorder text or show as nothing: refused in names (named, at their column),
removed from prose, so none reaches a page title, a meta tag, a feed or the PDF metadata; and
actor names that only look the same are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import briefing_data, write_briefings
from sitroom.corpus import gather
from sitroom.load import load_bytes
from sitroom.models import BIDI_CONTROLS, INVISIBLE, Briefing


def _load(data: dict[str, object]) -> tuple[Briefing | None, list[str]]:
    raw = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000).encode()
    loaded = load_bytes(raw, "b.yaml", "bidi-b")
    return loaded.briefing, [p.gnu() for p in loaded.problems]


@pytest.mark.parametrize("char", sorted(BIDI_CONTROLS | INVISIBLE))
def test_a_title_with_a_hidden_character_is_refused_at_it(char: str) -> None:
    import unicodedata

    # Written as the character itself, as an editor saves it (a YAML dumper would escape it).
    rest = yaml.safe_dump(briefing_data("bidi-b", title=None), allow_unicode=True)
    loaded = load_bytes(f"title: Port strike{char}gnp.exe\n{rest}".encode(), "b.yaml", "b")
    problems = [p.gnu() for p in loaded.problems]
    assert loaded.briefing is None
    name = f"U+{ord(char):04X} {unicodedata.name(char)}"
    assert problems == [f"b.yaml:1:19: title: the text holds {name}, an invisible character "
                        "that can disguise or reorder text; remove it"]


@pytest.mark.parametrize(("field", "where"), [
    ("authors", ("authors", 0)), ("regions", ("regions", 0)),
])
def test_names_in_lists_are_refused_too(field: str, where: tuple[str, int]) -> None:
    briefing, problems = _load(briefing_data("bidi-b", **{field: ["Desk\u202eA"]}))
    assert briefing is None
    assert len(problems) == 1 and f"{field}[0]: the text holds U+202E" in problems[0]


def test_actor_names_and_aliases_are_names() -> None:
    actor = {"id": "hamas", "name": "Ha\u200bmas", "kind": "political", "role": "Acts.",
             "aliases": ["X\u2067Y"], "native_name": "حماس\u202b"}
    _, problems = _load(briefing_data("bidi-b", actors=[actor]))
    assert sorted(p.split(": ", 2)[1] for p in problems) == [
        "actors[0].aliases[0]", "actors[0].name", "actors[0].native_name"]


def test_joiners_stay_where_a_script_needs_them() -> None:
    actor = {"id": "iran", "name": "Iran", "kind": "state", "role": "Acts.",
             "native_name": "می\u200cخواهند"}
    briefing, problems = _load(briefing_data("bidi-b", actors=[actor]))
    assert problems == [] and briefing is not None
    assert briefing.actors[0].native_name == "می\u200cخواهند"
    actor["native_name"] = "Ha\u200dmas"
    _, problems = _load(briefing_data("bidi-b", actors=[actor]))
    assert "U+200D ZERO WIDTH JOINER" in problems[0]


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def test_prose_keeps_its_text_without_the_controls() -> None:
    spoof = "Payment file \u202egnp.exe\u202c and \u2067isolated\u2069 text"
    actor = {"id": "a", "name": "A", "kind": "state", "role": spoof}
    risk = {"title": "R", "likelihood": "likely", "impact": "major", "description": spoof,
            "sources": ["src"],
            "indicators": [spoof], "horizon": spoof}
    briefing, problems = _load(briefing_data(
        "bidi-b", summary=spoof, actors=[actor], risks=[risk], assumptions=[spoof],
        gaps=[spoof], timeline=[{"date": "2024-08-01", "event": spoof}]))
    assert problems == [] and briefing is not None
    assert briefing.summary == "Payment file gnp.exe and isolated text"
    texts = _strings(briefing.model_dump(mode="json"))
    assert not [t for t in texts if not BIDI_CONTROLS.isdisjoint(t)]


def test_actor_names_that_only_look_the_same_are_reported(tmp_path: Path) -> None:
    composed = {"id": "cafe-one", "name": "Caf\u00e9 Union", "kind": "political",
                "role": "Acts."}
    decomposed = {**composed, "name": "Cafe\u0301 Union"}
    write_briefings(tmp_path, [briefing_data("first-b", actors=[composed]),
                               briefing_data("second-b", actors=[decomposed])])
    checked = gather([tmp_path])
    assert [p.gnu() for p in checked.errors] == [
        f"{tmp_path}/second-b.yaml:13:9: actors[0].name: 'Cafe\u0301 Union' looks the same as "
        f"'Caf\u00e9 Union' (actors[0] in {tmp_path}/first-b.yaml:13) but is written with "
        "other Unicode characters; type the name again so both are the same text"]
