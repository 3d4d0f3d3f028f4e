"""The tradecraft lint, as YAML cases run through the real `sitroom check`.

`tests/cases/lint/bad/NAME.yaml` (or a folder, for the rules that compare versions) breaks one
rule; `NAME.expected` holds exactly what `sitroom check --strict` prints. Without --strict the
same lines come out and the check passes, since they are warnings (a case whose expected output
holds an error fails both ways). Every file and folder in `tests/cases/lint/good/` passes
`--strict`. After changing a message on purpose: `SITROOM_UPDATE_CASES=1 pytest
tests/test_lint.py`, then read the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import CASES, REPO
from sitroom import vocab

LINT = CASES / "lint"
UPDATE = os.environ.get("SITROOM_UPDATE_CASES") == "1"
Run = Callable[..., Result]


def _cases(kind: str) -> list[Path]:
    return sorted(p for p in (LINT / kind).iterdir() if p.is_dir() or p.suffix == ".yaml")


def _expected(case: Path) -> Path:
    return case.parent / f"{case.name if case.is_dir() else case.stem}.expected"


@pytest.mark.parametrize("case", _cases("bad"), ids=lambda p: p.name)
def test_bad_case(case: Path, sitroom: Run) -> None:
    strict = sitroom("check", "--strict", case.relative_to(REPO))
    expected = _expected(case)
    if UPDATE:
        expected.write_text(strict.stdout, encoding="utf-8")
    assert strict.exit_code == 1, strict.stderr
    assert strict.stdout == expected.read_text(encoding="utf-8")

    lenient = sitroom("check", case.relative_to(REPO))
    assert lenient.stdout == strict.stdout
    only_warnings = all(": warning: " in line for line in strict.stdout.splitlines())
    assert lenient.exit_code == (0 if only_warnings else 1), lenient.stderr


@pytest.mark.parametrize("case", _cases("good"), ids=lambda p: p.name)
def test_good_case(case: Path, sitroom: Run) -> None:
    result = sitroom("check", "--strict", case.relative_to(REPO))
    assert (result.exit_code, result.stdout) == (0, ""), result.stdout
    assert result.stderr.endswith("checked, no problems\n")


def test_every_rule_has_a_bad_case_and_is_silenced_in_a_good_one() -> None:
    said = "".join(_expected(case).read_text(encoding="utf-8") for case in _cases("bad"))
    silenced = "".join(p.read_text(encoding="utf-8") for p in (LINT / "good").rglob("*.yaml"))
    for rule in vocab.LINT_RULES:
        assert f"[{rule}]\n" in said, rule
        if rule != "change-not-logged":  # its good case logs the change instead
            assert f"rule: {rule}\n" in silenced, rule


def test_every_expected_file_has_its_case() -> None:
    cases = {_expected(case) for case in _cases("bad")}
    assert sorted(p for p in (LINT / "bad").glob("*.expected") if p not in cases) == []


def test_github_format_prints_warnings(sitroom: Run) -> None:
    case = (LINT / "bad" / "weak-sources-high-confidence.yaml").relative_to(REPO)
    result = sitroom("check", "--format", "github", case)
    assert result.exit_code == 0
    assert result.stdout == (
        f"::warning file={case},line=31,col=17,title=sitroom check::key_judgments[0].confidence: "
        "high confidence rests only on sources graded E/F or 5/6 (rumour F3, strike-committee "
        "B5); lower the confidence or cite a better-graded source "
        "[weak-sources-high-confidence]\n"
    )
    assert result.stderr == "1 briefing checked, 1 warning\n"


def test_a_draft_is_not_held_to_the_change_log(sitroom: Run, tmp_path: Path) -> None:
    for name in ("v1.yaml", "v2.yaml"):
        text = (LINT / "bad" / "change-not-logged" / name).read_text(encoding="utf-8")
        if name == "v2.yaml":
            text = text.replace("status: published", "status: draft")
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = sitroom("check", "--strict", tmp_path)
    assert (result.exit_code, result.stdout) == (0, ""), result.stdout


def test_the_repository_briefings_pass_strict(sitroom: Run) -> None:
    result = sitroom("check", "--strict", "briefings")
    assert (result.exit_code, result.stdout) == (0, ""), result.stdout
