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


def _build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "sitroom"), "build", "--no-pdf", *args],
        cwd=project, capture_output=True, text=True, timeout=300,
    )


def test_a_linked_site_folder_keeps_publishing_through_its_link(project: Path,
                                                                 tmp_path: Path) -> None:
    served = tmp_path / "srv" / "www"
    served.mkdir(parents=True)
    link = project / "linked-site"
    link.symlink_to(served)
    assert _build(project, "--site-dir", "linked-site").returncode == 0
    page = served / "briefings" / "2024-08-06-ain-al-asad-rocket-attack" / "index.html"
    assert page.is_file()

    # Re-marked CLEAR -> GREEN: withdrawn from what is actually served.
    source = project / "briefings" / "2024" / "2024-08-06-ain-al-asad-rocket-attack.yaml"
    text = source.read_text()
    source.write_text(text.replace("tlp: CLEAR", "tlp: GREEN", 1))
    try:
        done = _build(project, "--site-dir", "linked-site")
    finally:
        source.write_text(text)
    assert done.returncode == 0, done.stderr
    assert "TLP:GREEN briefing" in done.stderr
    assert link.is_symlink() and link.resolve() == served.resolve()
    assert not page.exists()
    assert "ain-al-asad-rocket-attack" not in (served / "sitemap.xml").read_text()
    assert not [p for p in project.iterdir() if p.name.startswith(".linked-site")]
    assert sorted(p.name for p in served.parent.iterdir()) == [".www.lock", "www"]


def test_a_build_clears_what_killed_builds_left_and_waits_for_no_one(project: Path) -> None:
    site = project / "cleared-site"
    assert _build(project, "--site-dir", "cleared-site").returncode == 0
    (project / ".cleared-site.new-k1ll3d").mkdir()
    (project / ".cleared-site.new-k1ll3d" / "index.html").write_text("partial")
    site.rename(project / ".cleared-site.old-k1ll3d")  # killed between the two renames
    done = _build(project, "--site-dir", "cleared-site")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in project.iterdir() if "cleared-site" in p.name) == \
        [".cleared-site.lock", "cleared-site"]

    import fcntl

    with open(project / ".cleared-site.lock") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = _build(project, "--site-dir", "cleared-site")
    assert busy.returncode == 1
    assert "another sitroom build is publishing here" in busy.stderr
    assert "Traceback" not in busy.stderr
