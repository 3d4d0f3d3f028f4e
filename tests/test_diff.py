"""`sitroom diff`: pairs of briefing versions, with the output pinned exactly.

`tests/cases/diff/folders/old` and `.../new` hold one of each change: a briefing changed (its
judgments reordered, one reworded and so matched by its text, risks, sources and actors added,
removed and re-rated), one renamed into another folder, one added, one removed and one marked
AMBER. The `.md` and `.json` files beside them are what the command prints; after changing the
output on purpose, `SITROOM_UPDATE_CASES=1 pytest tests/test_diff.py` rewrites them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from conftest import CASES, REPO
from sitroom.diff import md_text

DIFF = CASES / "diff"
OLD = (DIFF / "folders" / "old").relative_to(REPO)
NEW = (DIFF / "folders" / "new").relative_to(REPO)
UPDATE = os.environ.get("SITROOM_UPDATE_CASES") == "1"
Run = Callable[..., Result]


def _pinned(name: str, result: Result) -> None:
    expected = DIFF / name
    if UPDATE:
        expected.write_text(result.stdout, encoding="utf-8")
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    assert result.stdout == expected.read_text(encoding="utf-8")


def test_markdown(sitroom: Run) -> None:
    _pinned("folders.md", sitroom("diff", OLD, NEW))


def test_json(sitroom: Run) -> None:
    result = sitroom("diff", "--format", "json", OLD, NEW)
    _pinned("folders.json", result)
    data = json.loads(result.stdout)
    changed = next(b for b in data["briefings"] if b["id"] == "port-strike")
    reworded = changed["key_judgments"][0]
    assert reworded["matched_by"] == "text" and reworded["edited"] == ["statement"]


def test_above_the_ceiling_nothing_but_the_change_and_marking(sitroom: Run) -> None:
    for fmt in ("markdown", "json"):
        out = sitroom("diff", "--format", fmt, OLD, NEW).stdout
        assert "Union plans" not in out and "national strike" not in out
        assert '"union-plans"' not in out  # the id only in the file name, never as the id
    markdown = sitroom("diff", OLD, NEW).stdout
    assert "- `union-plans.yaml`: changed (TLP:AMBER): not shown here\n" in markdown


def test_a_higher_ceiling_shows_amber(sitroom: Run) -> None:
    _pinned("folders-amber.md", sitroom("diff", "--max-tlp", "AMBER", OLD, NEW))


def test_reordered_lists_are_no_change(sitroom: Run, tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / NEW / "port-strike.yaml").read_text(encoding="utf-8"))
    for key in ("key_judgments", "risks", "sources", "actors"):
        data[key].reverse()
    reordered = tmp_path / "port-strike.yaml"
    reordered.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = sitroom("diff", REPO / NEW / "port-strike.yaml", reordered)
    assert (result.exit_code, result.stdout) == (0, "## Analytic changes\n\nNo briefing changed.\n")


def test_two_files_are_two_versions_of_one_briefing(sitroom: Run) -> None:
    result = sitroom("diff", OLD / "2024" / "ferry.yaml", NEW / "2025" / "ferry.yaml")
    assert result.exit_code == 0
    assert result.stdout == (
        "## Analytic changes\n\n1 briefing: 1 changed. Content is shown up to TLP:CLEAR.\n\n"
        "### Ferry cancellations strand islanders\n\n"
        f"`{NEW}/2025/ferry.yaml` · changed · TLP:CLEAR\n\n**Other fields changed**: gaps\n"
    )


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Desk", "-c", "user.email=desk@example.invalid",
                    *args], cwd=repo, check=True, capture_output=True)


def test_git_base_and_working_tree(sitroom: Run, tmp_path: Path) -> None:
    """Renamed (by git), removed, modified and added (untracked) briefings since a commit."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / OLD, repo / "briefings")
    (repo / "README.md").write_text("not a briefing\n", encoding="utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "old")
    shutil.rmtree(repo / "briefings")
    shutil.copytree(REPO / NEW, repo / "briefings")
    _git(repo, "add", "-u")  # the new file stays untracked
    (repo / "README.md").write_text("edited\n", encoding="utf-8")
    _pinned("folders-git.md", sitroom("diff", "--git", "HEAD", cwd=repo))
    # From a sub-folder, with the folder named: the same briefings.
    again = sitroom("diff", "--git", "HEAD", ".", cwd=repo / "briefings")
    assert again.stdout == (DIFF / "folders-git.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give two files or folders to compare (OLD NEW), or --git BASE"),
        ((str(OLD),), "give two files or folders to compare (OLD NEW), or --git BASE"),
        ((str(OLD), str(NEW / "port-strike.yaml")),
         "compare two files or two folders, not a file with a folder"),
        ((str(OLD), "nowhere"), "nowhere: no such file or folder"),
        (("--git", "no-such-commit"), "git rev-parse failed: "),
        (("--git", "--help-me"), "'--help-me' is not a commit"),
        (("--max-tlp", "RED", str(OLD), str(NEW)), "RED"),
    ],
)
def test_usage_errors(args: tuple[str, ...], message: str, sitroom: Run) -> None:
    result = sitroom("diff", *args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_git_with_a_folder_outside_the_repository(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("diff", "--git", "HEAD", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path} is outside the git repository" in result.stderr


def test_git_outside_a_repository(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("diff", "--git", "HEAD", cwd=tmp_path)
    assert result.exit_code == 2
    assert "git rev-parse failed: fatal: not a git repository" in result.stderr


def test_a_bad_briefing_is_reported_not_compared(sitroom: Run, tmp_path: Path) -> None:
    shutil.copytree(REPO / NEW, tmp_path / "new")
    bad = tmp_path / "new" / "port-strike.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("tlp: CLEAR", "tlp: WHITE"),
                   encoding="utf-8")
    result = sitroom("diff", REPO / OLD, tmp_path / "new", cwd=tmp_path)
    assert result.exit_code == 1
    assert "- `port-strike.yaml`: could not be read; run `sitroom check` on it\n" in result.stdout
    assert "Port strike halts" not in result.stdout
    assert result.stderr == (
        "new/port-strike.yaml:5:6: tlp: 'WHITE' is not a TLP 2.0 marking; use one of: CLEAR, "
        "GREEN, AMBER, AMBER+STRICT, RED (TLP 2.0 replaced WHITE with CLEAR)\n"
    )


def test_analyst_text_is_inert_in_a_comment() -> None:
    assert md_text("**Bold** <img src=x> [link](http://x) @team & `code`") == (
        "\\*\\*Bold\\*\\* \\<img src=x\\> \\[link\\](http://x) @\u200bteam &amp; \\`code\\`"
    )
    assert md_text("word " * 40) == ("word " * 24).strip()[:119].rstrip() + "…"
