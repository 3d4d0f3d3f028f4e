"""Every rule of the briefing format, as small YAML cases run through the real `sitroom check`.

`tests/cases/bad/NAME.yaml` (or a folder `bad/NAME/` for rules that span files) is checked on
its own; `bad/NAME.expected` beside it holds exactly what `sitroom check` prints. Every file and
folder in `tests/cases/good/` must pass. After changing a message on purpose, rewrite the
expected files with `SITROOM_UPDATE_CASES=1 pytest tests/test_check_cases.py` and read the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import CASES, REPO

SUFFIXES = (".yaml", ".yml")
UPDATE = os.environ.get("SITROOM_UPDATE_CASES") == "1"


def _cases(kind: str) -> list[Path]:
    folder = CASES / kind
    return sorted(p for p in folder.iterdir() if p.is_dir() or p.suffix in SUFFIXES)


def _expected_path(case: Path) -> Path:
    name = case.name if case.is_dir() else case.stem
    return case.parent / f"{name}.expected"


BAD = _cases("bad")
GOOD = _cases("good")


@pytest.mark.parametrize("case", BAD, ids=lambda p: p.name)
def test_bad_case(case: Path, sitroom: Callable[..., Result]) -> None:
    result = sitroom("check", case.relative_to(REPO))
    expected = _expected_path(case)
    if UPDATE:
        expected.write_text(result.stdout, encoding="utf-8")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == expected.read_text(encoding="utf-8")
    assert "problem" in result.stderr and "checked" in result.stderr


@pytest.mark.parametrize("case", GOOD, ids=lambda p: p.name)
def test_good_case(case: Path, sitroom: Callable[..., Result]) -> None:
    result = sitroom("check", case.relative_to(REPO))
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert result.stderr.endswith("checked, no problems\n")


def test_every_expected_file_has_its_case() -> None:
    cases = {_expected_path(case) for case in BAD}
    orphans = sorted(p.name for p in (CASES / "bad").glob("*.expected") if p not in cases)
    assert not orphans, f"expected output without a case: {orphans}"


def test_good_cases_hold_no_expected_output() -> None:
    assert not list((CASES / "good").rglob("*.expected"))


def test_every_bad_case_fails_for_one_reason_per_line() -> None:
    """Each expected line is one `path:line:column: message` naming the case's own file."""
    for case in BAD:
        for line in _expected_path(case).read_text(encoding="utf-8").splitlines():
            path, line_no, column, message = line.split(":", 3)
            assert Path(REPO / path).is_relative_to(case) or REPO / path == case, line
            assert int(line_no) >= 1 and int(column) >= 1, line
            assert message.startswith(" ") and message.strip(), line


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("not-utf8.yaml", lambda raw: b"\xf8" in raw and not _is_utf8(raw)),
        ("bom.yaml", lambda raw: raw.startswith(b"\xef\xbb\xbf")),
        ("control-character.yaml", lambda raw: b"\x07" in raw),
        ("empty.yaml", lambda raw: raw == b""),
    ],
)
def test_byte_level_cases_still_hold_their_bytes(name: str, check: Callable[[bytes], bool]) -> None:
    """An editor or a tidy-up could "repair" these files and leave the cases testing nothing."""
    assert check((CASES / "bad" / name).read_bytes())


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_cases_cover_every_rule_of_the_format() -> None:
    """A guard against dropping a case: the rules of briefing-format.md, by case name."""
    names = {case.stem if case.is_file() else case.name for case in BAD}
    required = {
        "missing-everything", "missing-nested", "enum-kind", "enum-status", "enum-tlp",
        "enum-tlp-white", "enum-trend", "enum-likelihood", "enum-confidence", "enum-impact",
        "enum-risk-trend", "enum-actor-kind", "enum-reliability", "enum-credibility",
        "id-pattern", "actor-id-pattern", "tag-pattern", "title-too-long", "date-not-a-date",
        "date-not-real", "date-month-only", "event-date-not-real-month", "as-of-no-zone",
        "as-of-after-date", "next-update-not-after-date", "country-lower-case",
        "country-unknown", "url-javascript", "url-file", "url-ftp", "lat-out-of-range",
        "lon-out-of-range", "unknown-key", "unknown-key-nested", "duplicate-key",
        "alias-bomb", "alias-recursive", "python-tag", "not-utf8", "bom", "empty",
        "comments-only", "top-level-list", "top-level-scalar", "multiple-documents",
        "syntax-error", "unknown-source-ref", "unknown-actor-ref", "unknown-location-ref",
        "unknown-figure-source", "duplicate-actor-id", "duplicate-risk-id",
        "duplicate-location-id", "duplicate-source-id", "duplicate-briefing-id",
        "related-unresolved", "supersedes-unresolved", "supersedes-cycle", "self-reference",
        "Port_Strike", "required-list-empty", "new-placeholders", "one-bad-one-good",
        "all-problems-in-one-run", "invalid-record-no-cascade",
        # the traps analysts meet, and what check must refuse because the build would
        "trap-tab-indent", "trap-colon-unquoted", "trap-source-grade", "trap-near-miss-words",
        "trap-comma-list", "syntax-error-other-files", "name-bidi-control", "name-invisible",
        "name-lookalike", "unprintable-script", "line-separators", "limit-list-items",
        "limit-text-length",
    }
    assert required <= names, sorted(required - names)
