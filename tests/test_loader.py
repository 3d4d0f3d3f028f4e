"""Loading: text kept as written, positions, YAML hazards, garbage input, and the corpus."""

from __future__ import annotations

import copy
import hashlib
import random
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from conftest import CASES, REPO
from sitroom import vocab
from sitroom.corpus import gather
from sitroom.load import Loaded, load_bytes, load_file
from sitroom.models import Briefing, EventDate
from sitroom.problems import Problem, format_loc
from sitroom.yamlsource import MAX_ALIAS_EXPANSION, PlainStr, parse

MINIMAL = (CASES / "good" / "minimal.yaml").read_bytes()
FULL = (CASES / "good" / "full.yaml").read_bytes()


def load(text: str | bytes, name: str = "probe-briefing") -> Loaded:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return load_bytes(raw, f"{name}.yaml", name)


def valid(text: str | bytes) -> Briefing:
    loaded = load(text)
    assert not loaded.problems, [p.gnu() for p in loaded.problems]
    assert loaded.briefing is not None
    return loaded.briefing


def with_line(old: str, new: str, base: bytes = MINIMAL) -> str:
    text = base.decode("utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --- text stays the text written ---------------------------------------------------------------


def test_no_stays_norway() -> None:
    briefing = valid(MINIMAL)
    assert briefing.countries == ["NO"]
    assert vocab.country_name(briefing.countries[0]) == "Norway"


def test_yaml_11_booleans_and_numbers_stay_text() -> None:
    written = "authors: [yes, NO, 'on', 0800, 1e3, 1.10]"
    briefing = valid(with_line("authors: [Logistics desk]", written))
    assert briefing.authors == ["yes", "NO", "on", "0800", "1e3", "1.10"]
    assert all(type(a) is str for a in briefing.authors)  # not the loader's PlainStr either


def test_figure_values_are_numbers_only_when_written_as_plain_numbers() -> None:
    briefing = valid(FULL)
    values = {f.label: f.value for f in briefing.key_figures}
    assert values["Container ships waiting"] == 14
    assert type(values["Container ships waiting"]) is int
    assert values["Share of national imports"] == 12.5
    assert values["Berth 4 hotline"] == "0800"
    assert values["Containers stranded"] == "about 2,500"
    assert values["Quoted number stays text"] == "2500"


def test_full_briefing_reads_every_field() -> None:
    b = valid(FULL)
    assert b.id == "harbourtown-port-strike-2025"
    assert b.tlp is vocab.TLP.AMBER_STRICT and b.tlp.label == "TLP:AMBER+STRICT"
    assert b.as_of == datetime(2025, 3, 2, 23, 59, 59, tzinfo=datetime.fromisoformat(
        "2025-03-02T00:00+01:00").tzinfo)
    assert b.next_update == date(2025, 3, 9)
    assert b.kind == "assessment" and b.status == "review" and not b.published
    assert b.tags == ["ports", "strikes", "2025"]
    assert b.regions == ["Example Region", "yes"]
    assert b.x_ == {"x_desk": "logistics"}
    assert b.key_judgments[0].x_ == {"x_note": "judgment extension"}
    assert b.actors[1].id == "harbourtown-port-authority"  # derived from the name
    assert b.risks[1].id == "strike-spreads-to-other-ports"  # derived from the title
    assert b.risks[1].horizon == "30"
    assert b.risks[0].score == 4 * 3
    assert b.locations[0].id == "harbourtown-port" and b.locations[0].lat == pytest.approx(59.91)
    assert b.locations[1].lat == pytest.approx(-33.8)
    assert b.timeline[0].date == EventDate(2025, 2) and str(b.timeline[0].date) == "2025-02"
    assert [str(e.date) for e in b.sorted_timeline] == ["2025-02", "2025-03-01"]
    assert b.sources[1].grade == "F6" and b.sources[1].credibility == 6
    assert b.sources[0].grade_meaning == "source completely reliable, information probably true"
    assert b.source("port-notice") is b.sources[0] and b.actor("nobody") is None
    assert b.changes[0].x_ == {"x_by": "duty editor"}
    assert b.timeline[1].x_ == {"x_verified": "true"}  # passed on as written, like all text
    assert type(b.timeline[1].x_["x_verified"]) is str


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("CLEAR", vocab.TLP.CLEAR), ("clear", vocab.TLP.CLEAR), ("TLP:CLEAR", vocab.TLP.CLEAR),
        ("tlp:green", vocab.TLP.GREEN), ("Amber", vocab.TLP.AMBER),
        ("AMBER+STRICT", vocab.TLP.AMBER_STRICT), ("TLP:Amber+Strict", vocab.TLP.AMBER_STRICT),
        ("red", vocab.TLP.RED), ("' TLP:RED '", vocab.TLP.RED),
    ],
)
def test_tlp_spellings_accepted(written: str, level: vocab.TLP) -> None:
    assert valid(with_line("tlp: CLEAR", f"tlp: {written}")).tlp is level


@pytest.mark.parametrize(
    "written", ["WHITE", "TLP:WHITE", "AMBER_STRICT", "AMBER STRICT", "'TLP: RED'", "TLP-RED",
                "AMBER+", "amber + strict", "2", "'TLP:'", "'ＲＥＤ'", "TLP:TLP:RED"],
)
def test_tlp_spellings_rejected(written: str) -> None:
    problems = load(with_line("tlp: CLEAR", f"tlp: {written}")).problems
    assert len(problems) == 1
    assert problems[0].line == 5 and problems[0].column == 6
    assert "is not a TLP 2.0 marking; use one of: CLEAR, GREEN, AMBER, AMBER+STRICT, RED" in (
        problems[0].message)


def test_as_of_keeps_its_zone_and_counts_on_its_own_clock() -> None:
    # 23:30 at UTC-5 on the 2nd is already the 3rd in UTC, but it is the 2nd where it was written.
    b = valid((CASES / "good" / "as-of-end-of-day.yaml").read_bytes())
    assert isinstance(b.as_of, datetime)
    assert b.as_of.utcoffset() == timedelta(hours=-5)
    assert b.as_of_value == b.as_of
    assert valid(MINIMAL).as_of_value == date(2025, 3, 2)  # defaults to the date


def test_empty_optional_lists_are_empty() -> None:
    b = valid((CASES / "good" / "empty-optional-lists.yaml").read_bytes())
    assert b.countries == [] and b.tags == [] and b.reviewers == [] and b.timeline == []


# --- positions --------------------------------------------------------------------------------


def test_source_map_points_at_keys_and_values() -> None:
    parsed = parse(MINIMAL, "minimal.yaml")
    assert parsed.source_map.key(("title",)) == (2, 1)
    assert parsed.source_map.value(("title",)) == (2, 8)
    assert parsed.source_map.value(("actors", 0, "kind")) == (13, 11)
    assert parsed.source_map.key(("sources", 0, "url")) == (24, 5)
    # A place with no node of its own (a missing key) falls back to the record around it.
    assert parsed.source_map.value(("actors", 0, "id")) == (12, 5)


def test_values_reached_through_an_alias_point_at_the_alias() -> None:
    text = with_line("authors: [Logistics desk]", "authors: &who [Logistics desk]\nreviewers: *who")
    parsed = parse(text.encode(), "x.yaml")
    assert parsed.data is not None and parsed.data["reviewers"] == ["Logistics desk"]
    assert parsed.source_map.value(("reviewers", 0)) == (7, 12)


def test_problem_formats() -> None:
    problem = Problem("briefings/2024/a,b:c.yaml", 14, 7, "risks[2].likelihood: 50% or\nso")
    assert problem.gnu() == "briefings/2024/a,b:c.yaml:14:7: risks[2].likelihood: 50% or\nso"
    assert problem.github() == (
        "::error file=briefings/2024/a%2Cb%3Ac.yaml,line=14,col=7,title=sitroom check::"
        "risks[2].likelihood: 50%25 or%0Aso"
    )
    assert format_loc(("risks", 2, "likelihood")) == "risks[2].likelihood"
    assert format_loc(()) == ""


# --- hazards ----------------------------------------------------------------------------------


def test_alias_bomb_is_refused_quickly() -> None:
    # 20 levels of 20 aliases: 20^20 values if expanded; counted instead, and refused.
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 20) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 20) + "]" for i in range(1, 20)]
    started = time.perf_counter()
    loaded = load("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 0.5
    assert [p.message for p in loaded.problems] == [
        f"anchors and aliases expand to more than {MAX_ALIAS_EXPANSION:,} values; write the "
        "values out instead"
    ]


def test_reasonable_aliases_are_fine() -> None:
    b = valid((CASES / "good" / "anchors.yaml").read_bytes())
    assert b.risks[0].sources == b.risks[1].sources == ["port-notice"]


@pytest.mark.parametrize(
    "text",
    [
        "x_deep: " + "[" * 65 + "]" * 65,
        # PyYAML's C composer recursed without limit and took the interpreter down on these.
        "x_deep: " + "[" * 200_000 + "]" * 200_000,
        "x_deep: " + "{a: " * 200_000 + "1" + "}" * 200_000,
        "x_deep:\n" + "".join(" " * i + "- \n" for i in range(2_000)),
    ],
    ids=["65-levels", "flow-lists", "flow-mappings", "block-lists"],
)
def test_deep_nesting_is_a_problem_not_a_crash(text: str) -> None:
    messages = [p.message for p in load(text).problems]
    assert messages == ["the document nests deeper than 64 levels"]


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"title: !!python/object/apply:os.system ['touch {marker}']\n"
    problems = load(text).problems
    assert [p.message for p in problems] == [
        "Python tags are not allowed: '!!python/object/apply:os.system'; remove it"
    ]
    assert not marker.exists()


def test_file_that_cannot_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "looks-like-a-file.yaml"
    folder.mkdir()
    loaded = load_file(folder)
    assert loaded.briefing is None
    assert [p.message[:20] for p in loaded.problems] == ["cannot read the file"]


def test_oversized_file() -> None:
    loaded = load(b"x_pad: '" + b"a" * 5_000_001 + b"'\n")
    assert [p.message for p in loaded.problems] == ["the file is larger than 5,000,000 bytes"]


def test_digest_is_of_the_bytes() -> None:
    assert load(MINIMAL).digest == hashlib.sha256(MINIMAL).hexdigest()


# --- garbage in, problems out -----------------------------------------------------------------

PYTHON_WORDS = re.compile(
    r"Input should|Traceback|object at 0x|<class|PlainStr|Error\(|ValidationError|"
    r"pydantic|\bNone\b|Value error|Field required"
)


def _mutations(raw: bytes, rng: random.Random, count: int) -> list[bytes]:
    lines = raw.splitlines(keepends=True)
    specials = [b":", b"-", b"[", b"]", b"{", b"}", b"&a", b"*a", b"!!", b"'", b'"', b"#", b"|",
                b">", b"\t", b"? ", b"\x00", b"\xff", b"\xc3", b"%YAML 1.1\n", b"---\n", b"<<: ",
                b"\xef\xbb\xbf", b"!!python/name:os.system ", b"~", b"&b [*b]", b"\r"]
    out: list[bytes] = []
    for _ in range(count):
        choice = rng.randrange(7)
        if choice == 0:  # truncated anywhere
            out.append(raw[: rng.randrange(len(raw))])
        elif choice == 1:  # bytes flipped
            data = bytearray(raw)
            for _ in range(rng.randrange(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            out.append(bytes(data))
        elif choice == 2:  # YAML punctuation dropped in
            at = rng.randrange(len(raw))
            out.append(raw[:at] + rng.choice(specials) + raw[at:])
        elif choice == 3:  # lines lost or repeated
            copy = list(lines)
            index = rng.randrange(len(copy))
            if rng.random() < 0.5:
                del copy[index]
            else:
                copy.insert(index, copy[index])
            out.append(b"".join(copy))
        elif choice == 4:  # indentation shifted
            copy = list(lines)
            index = rng.randrange(len(copy))
            copy[index] = (b" " * rng.randrange(1, 4)) + copy[index].lstrip(b" ") \
                if rng.random() < 0.5 else copy[index].lstrip(b" ")
            out.append(b"".join(copy))
        elif choice == 5:  # values swapped between lines
            copy = list(lines)
            a, b = rng.randrange(len(copy)), rng.randrange(len(copy))
            ka, _, va = copy[a].partition(b": ")
            kb, _, vb = copy[b].partition(b": ")
            if va and vb:
                copy[a], copy[b] = ka + b": " + vb, kb + b": " + va
            out.append(b"".join(copy))
        else:  # random bytes
            out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
    return out


def _assert_only_problems(raw: bytes) -> None:
    loaded = load_bytes(raw, "fuzz.yaml", "fuzz-case")  # must not raise
    lines = raw.count(b"\n") + raw.count(b"\r") + 2
    assert (loaded.briefing is None) == any(p.is_error for p in loaded.problems)
    for problem in loaded.problems:
        assert isinstance(problem, Problem)
        assert problem.path == "fuzz.yaml"
        assert 1 <= problem.line <= lines and problem.column >= 1, problem
        assert problem.message and "\n" not in problem.message and "\r" not in problem.message
        assert not PYTHON_WORDS.search(problem.message), problem.message


@pytest.mark.parametrize(
    ("source", "seed"),
    [(CASES / "good" / "full.yaml", 1), (CASES / "good" / "minimal.yaml", 2)]
    + [(path, 3) for path in sorted((REPO / "briefings").rglob("*.yaml"))[:1]],
    ids=lambda v: v.name if isinstance(v, Path) else str(v),
)
def test_mutated_briefings_give_problems_never_tracebacks(source: Path, seed: int) -> None:
    raw = source.read_bytes()
    for mutated in _mutations(raw, random.Random(seed), 400):
        _assert_only_problems(mutated)


def _plain(node: object) -> object:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return None if node is None else str(node)


def _places(node: object, loc: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [loc]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _places(value, (*loc, index))
    return found


def test_values_of_the_wrong_kind_anywhere_give_problems_never_tracebacks() -> None:
    """Well-formed YAML with the wrong thing in any place: lists for text, records for ids..."""
    parsed = parse(FULL, "full.yaml").data
    base = _plain(parsed)
    places = [loc for loc in _places(base) if loc]
    wrong: list[object] = [None, [], {}, [None], {"a": "1"}, "", "Bad Id", "TODO x", "5",
                           "port-notice", "2025-13-01", [["nested"]], {"id": None}, "dockworkers"]
    rng = random.Random(5)
    for _ in range(150):
        data = copy.deepcopy(base)
        for _ in range(rng.randrange(1, 4)):
            loc = rng.choice(places)
            node: object = data
            try:
                for part in loc[:-1]:
                    node = node[part]  # type: ignore[index]
                node[loc[-1]] = copy.deepcopy(rng.choice(wrong))  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                pass  # an earlier change removed this place
        _assert_only_problems(yaml.safe_dump(data, allow_unicode=True).encode())


def test_every_bad_case_gives_clean_single_line_messages() -> None:
    for path in sorted((CASES / "bad").rglob("*.y*ml")):
        _assert_only_problems(path.read_bytes())


# --- the corpus -------------------------------------------------------------------------------


def test_same_actor_id_across_briefings_is_one_actor() -> None:
    checked = gather([CASES / "good" / "related"])
    assert checked.ok, [p.gnu() for p in checked.problems]
    corpus = checked.corpus
    assert [b.id for b in corpus.briefings] == ["2025-03-05-port-strike-update",
                                                 "2025-03-02-port-strike"]
    entry = corpus.actors["harbourtown-dockworkers-union"]
    assert len(corpus.actors) == 1
    assert [a.briefing.id for a in entry.appearances] == [b.id for b in corpus.briefings]
    assert entry.name == "Harbourtown Dockworkers' Union"
    assert corpus.superseded_by == {"2025-03-02-port-strike": "2025-03-05-port-strike-update"}
    assert corpus.countries["no"].name == "Norway"
    assert corpus.files["2025-03-02-port-strike"].path.endswith("2025-03-02-port-strike.yaml")


def test_corpus_of_the_repository_briefings_is_clean() -> None:
    checked = gather([REPO / "briefings"])
    assert checked.ok, [p.gnu() for p in checked.problems]
    assert len(checked.corpus.briefings) == len(checked.loaded) > 0


def test_invalid_file_still_answers_references_to_it() -> None:
    """One bad file is reported once; a reference to it is not a second, misleading problem."""
    checked = gather([CASES / "bad" / "one-bad-one-good"])
    assert [p.path.rsplit("/", 1)[-1] for p in checked.problems] == ["2025-03-01-bad.yaml"]
    assert [b.id for b in checked.corpus.briefings] == ["2025-03-02-good"]


def test_loader_keeps_plain_marker_internal() -> None:
    b = valid(MINIMAL)
    for value in (b.title, b.summary, *b.authors, *b.countries, b.actors[0].role):
        assert type(value) is str and not isinstance(value, PlainStr)


def test_braces_in_the_analysts_text_are_quoted_back_unchanged() -> None:
    problems = load(with_line("status: published", 'status: "{value} {allowed} {}"')).problems
    assert [p.message for p in problems] == [
        "status: '{value} {allowed} {}' is not one of: draft, review, published"
    ]


def test_long_or_multi_line_values_are_quoted_back_on_one_short_line() -> None:
    problems = load(with_line("status: published", "status: |\n  final\n  " + "x" * 100)).problems
    assert [p.message for p in problems] == [
        "status: 'final " + "x" * 51 + "...' is not one of: draft, review, published"
    ]


def test_a_source_published_in_a_month_reads_as_that_month() -> None:
    """`published: 2025-03` (the day unknown) is accepted like a timeline date, and printed as
    the month, on the site and in the PDF (both use the `date` filter)."""
    from sitroom.render import format_date

    loaded = load_file(CASES / "good" / "source-published-month.yaml")
    assert loaded.briefing is not None and loaded.problems == []
    published = loaded.briefing.sources[0].published
    assert published == EventDate(2025, 3)
    assert format_date(published) == "March 2025"
    assert format_date(EventDate(2025, 3, 2)) == "2 March 2025"
