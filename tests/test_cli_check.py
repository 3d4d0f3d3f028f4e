"""`sitroom check`, `sitroom new` and `sitroom schema` as analysts and CI use them."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from conftest import CASES, REPO
from sitroom.newbriefing import render_new
from sitroom.resources import TemplateChain

Run = Callable[..., Result]


# --- check: exit status and output --------------------------------------------------------------


def test_repository_briefings_pass_by_default(sitroom: Run) -> None:
    result = sitroom("check")
    count = len(list((REPO / "briefings").rglob("*.yaml")))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"{count} briefings checked, no problems\n"


def test_a_problem_exits_1(sitroom: Run) -> None:
    result = sitroom("check", "tests/cases/bad/enum-status.yaml")
    assert result.exit_code == 1
    assert result.stdout == (
        "tests/cases/bad/enum-status.yaml:3:9: status: 'final' is not one of: draft, review, "
        "published\n"
    )
    assert result.stderr == "1 problem in 1 file (1 briefing checked)\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["check", "no/such/folder"], "Path 'no/such/folder' does not exist"),
        (["check", "--format", "json"], "'json' is not one of 'gnu', 'github'"),
        (["check", "--verbose"], "No such option '--verbose'"),
    ],
)
def test_usage_errors_exit_2(sitroom: Run, args: list[str], error: str) -> None:
    result = sitroom(*args)
    assert result.exit_code == 2
    assert error in result.stderr
    assert result.stdout == ""


def test_no_briefings_folder_is_a_usage_error(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("check", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no briefings/ folder here" in result.stderr


def test_folder_without_briefings_is_a_usage_error(sitroom: Run, tmp_path: Path) -> None:
    (tmp_path / "briefings").mkdir()
    (tmp_path / "briefings" / "notes.txt").write_text("not a briefing\n")
    result = sitroom("check", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no briefing files (*.yaml, *.yml) in briefings" in result.stderr


def test_github_annotations_exact(sitroom: Run) -> None:
    result = sitroom("check", "--format", "github", "tests/cases/bad/required-list-empty.yaml",
                     "tests/cases/bad/duplicate-key.yaml")
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=tests/cases/bad/duplicate-key.yaml,line=6,col=1,title=sitroom check::"
        "duplicate key 'authors' (first given on line 5); only one value can be kept, so merge "
        "them\n"
        "::error file=tests/cases/bad/required-list-empty.yaml,line=5,col=10,"
        "title=sitroom check::authors: needs at least 1 item\n"
        "::error file=tests/cases/bad/required-list-empty.yaml,line=6,col=9,"
        "title=sitroom check::regions: needs at least 1 item\n"
    )
    assert result.stderr == "3 problems in 2 files (2 briefings checked)\n"


def test_one_bad_file_is_reported_and_the_others_still_checked(sitroom: Run) -> None:
    result = sitroom("check", "tests/cases/bad/one-bad-one-good")
    assert result.exit_code == 1
    assert result.stdout == (CASES / "bad" / "one-bad-one-good.expected").read_text()
    assert result.stderr == "1 problem in 1 file (2 briefings checked)\n"


def test_every_file_reports_all_its_problems_in_one_run(sitroom: Run, tmp_path: Path) -> None:
    folder = tmp_path / "briefings" / "2025"
    folder.mkdir(parents=True)
    names = ["missing-nested", "enum-actor-kind", "not-utf8", "alias-bomb", "python-tag"]
    for name in names:
        shutil.copy(CASES / "bad" / f"{name}.yaml", folder / f"{name}.yaml")
    shutil.copy(CASES / "good" / "full.yaml", folder / "full.yaml")
    result = sitroom("check", cwd=tmp_path)
    assert result.exit_code == 1
    expected = "".join(
        (CASES / "bad" / f"{name}.expected").read_text().replace(
            f"tests/cases/bad/{name}.yaml", f"briefings/2025/{name}.yaml")
        for name in sorted(names)
    )
    assert result.stdout == expected
    assert result.stderr == "25 problems in 5 files (6 briefings checked)\n"


def test_yml_suffix_and_nested_folders_are_found(sitroom: Run, tmp_path: Path) -> None:
    deep = tmp_path / "briefings" / "2025" / "ports"
    deep.mkdir(parents=True)
    shutil.copy(CASES / "good" / "minimal.yaml", deep / "port-strike.yml")
    (deep / "README.md").write_text("not a briefing\n")
    result = sitroom("check", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (0, "1 briefing checked, no problems\n")


# --- new ---------------------------------------------------------------------------------------

# What each kind of placeholder is filled with; anything else gets plain text.
FILL = {
    "tlp": "CLEAR", "likelihood": "likely", "confidence": "moderate", "kind": "state",
    "impact": "major", "reliability": "B", "credibility": "2", "id": "port-notice",
    "sources": "port-notice",
}


def fill_placeholders(text: str) -> str:
    """What an analyst does after `sitroom new`: replace every TODO with a real value."""
    out, key = [], ""
    for line in text.splitlines(keepends=True):
        match = re.match(r"^\s*(?:- )?([a-z_]+):", line)
        if match and not line.lstrip().startswith("#"):
            key = match[1]
        if "TODO" in line and not line.lstrip().startswith("#"):
            line = re.sub(r"TODO[^\]\n]*", FILL.get(key, "Filled in by the analyst."), line)
        out.append(line)
    return "".join(out)


def test_new_writes_a_skeleton_that_fails_until_filled(sitroom: Run, tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    result = sitroom("new", "Port strike halts container traffic at Harbourtown", "--date",
                     "2025-03-02", "--templates", REPO / "templates", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    relative = "briefings/2025/2025-03-02-port-strike-halts-container-traffic-at-harbourtown.yaml"
    assert result.stdout == relative + "\n"
    written = tmp_path / relative
    text = written.read_text(encoding="utf-8")
    # No modeline: editors map the schema to every file under briefings/ (.vscode/settings.json).
    assert "yaml-language-server" not in text

    # Unfilled: every placeholder is pointed at, exactly as in the committed case.
    before = sitroom("check", cwd=tmp_path)
    assert before.exit_code == 1
    expected = (CASES / "bad" / "new-placeholders.expected").read_text(encoding="utf-8")
    assert before.stdout == expected.replace("tests/cases/bad/new-placeholders.yaml", relative)

    # Filled: it passes as it stands.
    written.write_text(fill_placeholders(text), encoding="utf-8")
    after = sitroom("check", cwd=tmp_path)
    assert (after.exit_code, after.stdout) == (0, ""), after.stdout
    assert "TODO" not in written.read_text(encoding="utf-8").replace("# Replace every TODO", "")


def test_new_never_overwrites(sitroom: Run, tmp_path: Path) -> None:
    args = ("new", "Port strike", "--date", "2025-03-02", "--templates", REPO / "templates")
    assert sitroom(*args, cwd=tmp_path).exit_code == 0
    path = tmp_path / "briefings" / "2025" / "2025-03-02-port-strike.yaml"
    path.write_text("analyst's work\n")
    again = sitroom(*args, cwd=tmp_path)
    assert again.exit_code == 1
    assert again.stderr == f"Error: {Path('briefings/2025/2025-03-02-port-strike.yaml')} already " \
                           "exists; choose another title\n"
    assert path.read_text() == "analyst's work\n"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary left


def test_new_defaults_to_today_and_the_given_folder(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("new", "Ceasefire talks: round 3", "--dir", "desk/briefings",
                     "--templates", REPO / "templates", cwd=tmp_path)
    today = date.today()
    path = Path(f"desk/briefings/{today.year}/{today.isoformat()}-ceasefire-talks-round-3.yaml")
    assert (result.exit_code, result.stdout) == (0, f"{path}\n")
    text = (tmp_path / path).read_text(encoding="utf-8")
    assert 'title: "Ceasefire talks: round 3"\n' in text
    assert f"date: {today.isoformat()}\n" in text


@pytest.mark.parametrize(
    ("title", "error"),
    [("!!!", "the title needs at least one letter or digit"),
     ("x" * 201, "the title is 201 characters long; a briefing title has at most 200")],
)
def test_new_refuses_unusable_titles(sitroom: Run, tmp_path: Path, title: str, error: str) -> None:
    result = sitroom("new", title, "--templates", REPO / "templates", cwd=tmp_path)
    assert result.exit_code == 2
    assert error in result.stderr
    assert not (tmp_path / "briefings").exists()


def test_new_without_templates_uses_the_packaged_skeleton(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("new", "Port strike", "--date", "2025-03-02", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    written = (tmp_path / result.stdout.strip()).read_text(encoding="utf-8")
    assert written == render_new("Port strike", date(2025, 3, 2),
                                 TemplateChain.for_project(REPO / "templates"))


def test_placeholder_case_is_what_new_writes_today() -> None:
    case = CASES / "bad" / "new-placeholders.yaml"
    rendered = render_new("Port strike halts container traffic at Harbourtown", date(2025, 3, 2),
                          TemplateChain.for_project(REPO / "templates"))
    assert case.read_text(encoding="utf-8") == rendered, "copy the new skeleton into the case"


# --- schema ------------------------------------------------------------------------------------


def test_schema_command_prints_the_committed_schema(sitroom: Run) -> None:
    result = sitroom("schema")
    assert result.exit_code == 0
    assert result.stdout == (REPO / "schema" / "briefing.schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout)["title"] == "Sitroom briefing (format v1)"


# --- for analysts: pre-commit and CI -----------------------------------------------------------


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "sitroom-check")
    assert hook["entry"] == "sitroom check --against briefings"
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    assert files.search("briefings/2024/2024-08-06-ain-al-asad-rocket-attack.yaml")
    assert files.search("briefings/x.yml")
    assert not files.search("docs/briefings/x.yaml") and not files.search("briefings/x.md")
    # The committed files, checked against the whole folder (tests/test_check_against.py).
    assert hook["pass_filenames"] is True


def test_pull_request_workflow_runs_check_with_annotations() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "check.yml").read_text())
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert str(python["with"]["python-version"]) == "3.11"
    commands = "\n".join(s.get("run", "") for s in steps)
    assert "pip install -c constraints.txt '.[site]'" in commands
    assert "sitroom check --format github" in commands
    assert "sitroom build --no-pdf --strict" in commands


def test_warning_format_and_summary() -> None:
    from sitroom.cli import summary
    from sitroom.corpus import Checked, index
    from sitroom.problems import Problem

    warning = Problem("b.yaml", 3, 5, "a note", "warning")
    error = Problem("b.yaml", 4, 1, "a fault")
    assert warning.gnu() == "b.yaml:3:5: warning: a note"
    assert warning.github() == "::warning file=b.yaml,line=3,col=5,title=sitroom check::a note"
    assert error.github().startswith("::error ")
    only_warning = Checked(index([], {}), [], [warning])
    assert only_warning.ok
    assert summary(only_warning) == "0 briefings checked, 1 warning"
    assert summary(only_warning, strict=True) == "1 problem in 1 file (0 briefings checked)"
    both = Checked(index([], {}), [], [warning, error])
    assert not both.ok
    assert summary(both) == "1 problem in 1 file and 1 warning (0 briefings checked)"
