"""Sitroom as a team installs it: a wheel built from this checkout, installed (not editable)
into a fresh virtual environment, used in an empty folder with no templates/ of its own.

Slow (a wheel build and a pip install; pip's cache keeps repeats quick): marked `slow`, so
`make test-fast` leaves it out, while `make test` and CI run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO
from test_cli_check import fill_placeholders
from test_plugin_build import LOADING_RELS, _is_remote, html_pages, tags_of

SOURCES = ("src", "templates", "schema", "pyproject.toml", "setup.py", "MANIFEST.in",
           "README.md")


def run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the checkout's sources, so the build leaves nothing in it."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy(src, source / name)
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, source,
        cwd=source, env=dict(os.environ))
    (found,) = out.glob("sitroom-*.whl")
    return found


def test_the_wheel_carries_the_defaults(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (REPO / "templates").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = path.relative_to(REPO).as_posix()
            assert f"sitroom/_data/{rel}" in names, rel
    assert "sitroom/_data/schema/briefing.schema.json" in names
    assert "sitroom/_data/templates/site/theme/stylesheets/sitroom.css" in names
    assert "sitroom/_data/templates/pdf/fonts/LICENSE-OFL-1.1" in names
    assert "sitroom/pdf-font-coverage.txt" in names


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh environment with the wheel and its pinned site and PDF extras."""
    root = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", root, cwd=root, env=dict(os.environ))
    env = {**os.environ, "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "VIRTUAL_ENV": str(root), "NO_MKDOCS_2_WARNING": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    run(root / "bin" / "python", "-m", "pip", "install", "-q", "-c", REPO / "constraints.txt",
        f"sitroom[all] @ {wheel.as_uri()}", cwd=root, env=env)
    return env


def test_a_team_repository_from_the_installed_wheel(venv: dict[str, str], tmp_path: Path) -> None:
    bin_dir = Path(venv["VIRTUAL_ENV"]) / "bin"
    sitroom = bin_dir / "sitroom"
    # The installed package, not this checkout.
    where = run(bin_dir / "python", "-c",
                "import sitroom.resources as r; print(r.defaults_root())", cwd=tmp_path,
                env=venv).stdout.strip()
    assert Path(where).is_relative_to(Path(venv["VIRTUAL_ENV"])), where

    repo = tmp_path / "desk"
    repo.mkdir()
    run(sitroom, "init", cwd=repo, env=venv)
    assert not (repo / "templates").exists()
    run(sitroom, "check", cwd=repo, env=venv)
    new = run(sitroom, "new", "Ferry service suspended after storm", "--date", "2025-02-01",
              cwd=repo, env=venv).stdout.strip()
    draft = repo / new
    draft.write_text(fill_placeholders(draft.read_text(encoding="utf-8")).replace(
        "status: draft", "status: published"), encoding="utf-8")
    run(sitroom, "check", cwd=repo, env=venv)

    run(sitroom, "build", cwd=repo, env=venv)
    site = repo / "site"
    assert sorted(p.name for p in (site / "pdf").iterdir()) == [
        "2025-01-15-example-port-strike.pdf", "2025-02-01-ferry-service-suspended-after-storm.pdf"]
    # The TLP label is styled: the shipped stylesheet is linked and holds the label rules.
    page = (site / "briefings" / "2025-01-15-example-port-strike" / "index.html").read_text()
    assert 'href="../../stylesheets/sitroom.css"' in page and 'class="tlp-bar tlp-clear"' in page
    css = (site / "stylesheets" / "sitroom.css").read_text()
    assert ".md-typeset .tlp-bar" in css and ".md-typeset .tlp-clear" in css
    assert third_party_loads(site) == []

    out = tmp_path / "one.pdf"
    run(sitroom, "pdf", "briefings/2025/2025-01-15-example-port-strike.yaml", "-o", out,
        cwd=repo, env=venv)
    assert out.read_bytes().startswith(b"%PDF-")

    run(bin_dir / "mkdocs", "build", "--strict", "-d", tmp_path / "mkdocs-site", cwd=repo,
        env=venv)
    assert third_party_loads(tmp_path / "mkdocs-site") == []


def third_party_loads(site: Path) -> list[tuple[Path, str]]:
    """Every URL a page or stylesheet would load from another host."""
    found = []
    for page in html_pages(site):
        for tag, attrs in tags_of(page):
            loads = [attrs.get(a, "") for a in ("src", "poster", "data", "background")]
            rels = set(attrs.get("rel", "").lower().split())
            if tag == "link" and rels & LOADING_RELS:
                loads.append(attrs.get("href", ""))
            found += [(page, url) for url in loads if url and _is_remote(url)]
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        found += [(css, url) for url in _css_urls(text) if _is_remote(url)]
    return found


def _css_urls(text: str) -> list[str]:
    import re

    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
    urls += re.findall(r"@import\s+['\"]([^'\"]+)", text)
    return [u for u in urls if not u.startswith("data:")]
