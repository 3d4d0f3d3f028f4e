"""`sitroom build` replaces its target whole, so it must refuse a target that is not a site."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    for name in ("docs", "templates", "briefings"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("images"))
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return root


@pytest.mark.parametrize("target", [".", "..", "docs", "briefings", "templates", "notes"])
def test_build_refuses_a_target_it_would_destroy(project: Path, target: str) -> None:
    notes = project / "notes"
    notes.mkdir(exist_ok=True)
    (notes / "keep.txt").write_text("an analyst's notes")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "sitroom"), "build", "--no-pdf", "--site-dir", target],
        cwd=project, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "replace" in proc.stderr and "nothing was changed" in proc.stderr
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before
