"""`sitroom new --slug` and what the skeleton offers beyond the required fields."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from conftest import REPO

Run = Callable[..., Result]


def test_slug_names_the_file(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("new", "Port strike halts container traffic at Harbourtown", "--date",
                     "2025-03-02", "--slug", "harbourtown-strike", "--templates",
                     REPO / "templates", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "briefings/2025/2025-03-02-harbourtown-strike.yaml\n"


def test_a_slug_that_is_not_one_is_a_usage_error(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("new", "Port strike", "--slug", "Port Strike!", "--templates",
                     REPO / "templates", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--slug': 'Port Strike!' is not a slug: lower-case letters "
        "a-z, digits and single hyphens, at most 80 characters (e.g. port-strike)\n")
    assert not (tmp_path / "briefings").exists()


def test_the_skeleton_shows_ids_and_references(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("new", "Port strike", "--date", "2025-03-02", "--templates",
                     REPO / "templates", cwd=tmp_path)
    text = (tmp_path / result.stdout.strip()).read_text(encoding="utf-8")
    assert "  - id: TODO-actor-id" in text
    assert "    # accessed: 2025-03-02\n" in text
    assert "#     actors: [actor-id]\n#     sources: [source-id]\n" in text
