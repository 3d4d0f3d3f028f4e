"""`sitroom check --against FOLDER FILE...`, as the pre-commit hook runs it: the named files'
problems only, with ids and references resolved across every briefing in the folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result

from conftest import briefing_data, write_briefings

Run = Callable[..., Result]


def folder_with_a_broken_draft(tmp_path: Path) -> Path:
    briefings = tmp_path / "briefings"
    write_briefings(briefings / "2024", [
        briefing_data("base-one"),
        briefing_data("follow-up", related=["base-one"]),
    ])
    # Unfinished, untracked work elsewhere in the folder: not valid YAML at all.
    (briefings / "drafts").mkdir()
    (briefings / "drafts" / "half-written.yaml").write_text("title: [unclosed\n")
    return briefings


def test_a_broken_draft_elsewhere_does_not_block(sitroom: Run, tmp_path: Path) -> None:
    folder_with_a_broken_draft(tmp_path)
    whole = sitroom("check", cwd=tmp_path)
    assert whole.exit_code == 1 and "drafts/half-written.yaml" in whole.stdout

    committed = sitroom("check", "--against", "briefings", "briefings/2024/follow-up.yaml",
                        cwd=tmp_path)
    assert (committed.exit_code, committed.stdout) == (0, "")
    assert committed.stderr == "1 briefing checked, no problems\n"


def test_references_resolve_against_the_folder(sitroom: Run, tmp_path: Path) -> None:
    briefings = folder_with_a_broken_draft(tmp_path)
    path = briefings / "2024" / "follow-up.yaml"
    data = yaml.safe_load(path.read_text())
    data["related"] = ["base-one", "no-such-briefing"]
    path.write_text(yaml.safe_dump(data))
    result = sitroom("check", "--against", "briefings", "briefings/2024/follow-up.yaml",
                     cwd=tmp_path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefings/2024/follow-up.yaml:")
    assert "no-such-briefing" in lines[0]
    assert "half-written" not in result.stdout


def test_against_needs_files(sitroom: Run, tmp_path: Path) -> None:
    folder_with_a_broken_draft(tmp_path)
    result = sitroom("check", "--against", "briefings", cwd=tmp_path)
    assert result.exit_code == 2
    assert "--against needs the files to check" in result.stderr
