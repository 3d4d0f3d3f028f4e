"""The W3C Nu HTML checker (npm `vnu-jar`, pinned in package.json) over every page of a built site.

Markup from the project's templates (templates/site/, the theme overrides, briefing text rendered
through them) must have no error. Material's own markup has a few known errors; MATERIAL lists
each exactly (message and the element it is reported on), with the reason it is not ours, so
that nothing of ours can hide behind the list.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, build_site_cli

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AIN = "2024-08-06-ain-al-asad-rocket-attack"

# (message, the start tag it is reported on): errors in mkdocs-material 9.x's own templates.
MATERIAL: list[tuple[str, re.Pattern[str]]] = [
    # base.html: the drawer and search toggles are checkboxes with autocomplete="off" (Firefox
    # would otherwise restore their state on reload); HTML allows autocomplete on text inputs.
    ("Attribute “autocomplete” is only allowed when the input type is",
     re.compile(r'<input class="md-toggle" data-md-toggle="(drawer|search)" type="checkbox" '
                r'id="__(drawer|search)" autocomplete="off">')),
    # partials/toc.html: the table of contents' title is a label for the __toc toggle, which
    # Material leaves out on pages whose front matter hides the table of contents.
    ("The value of the “for” attribute of the “label” element must be the ID of a non-hidden "
     "form control.",
     re.compile(r'<label class="md-nav__title" for="__toc">')),
    # partials/nav-item.html: section labels get tabindex="" when navigation.sections is off.
    ("Bad value “” for attribute “tabindex” on element “label”",
     re.compile(r'<label class="md-nav__link" for="__nav_\d+" id="__nav_\d+_label" '
                r'tabindex="">')),
]


def is_material(message: dict[str, Any]) -> bool:
    text, extract = message.get("message", ""), message.get("extract", "")
    return any(text.startswith(m) and pattern.search(extract) for m, pattern in MATERIAL)


def nu_errors(site: Path) -> list[dict[str, Any]]:
    if not VNU.exists():
        pytest.fail(f"{VNU} is missing: run `make node_modules/.installed-stamp` (npm ci)")
    pages = sorted(str(p) for p in site.rglob("*.html"))
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--errors-only", *pages],
                         capture_output=True, text=True, timeout=600)
    report = json.loads(run.stderr)  # vnu writes its JSON report to stderr
    return [m for m in report["messages"] if m["type"] in ("error", "non-document-error")]


def readable(errors: list[dict[str, Any]], site: Path) -> list[str]:
    return [f"{m.get('url', '').removeprefix('file:' + str(site) + '/')}:{m.get('lastLine')}: "
            f"{m['message']} in {m.get('extract', '')!r}" for m in errors]


@pytest.fixture(scope="module")
def varied_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples plus what they lack: a briefing that supersedes another, a source address
    with characters a URL may not hold as written, an actor under a second id, a draft."""
    root = tmp_path_factory.mktemp("varied")
    briefings = root / "briefings"
    shutil.copytree(REPO / "briefings", briefings)
    data = yaml.safe_load((briefings / "2024" / f"{AIN}.yaml").read_text(encoding="utf-8"))
    data.update(id="ain-al-asad-update", date="2024-08-07", supersedes=AIN,
                title="Update <b>bold</b> & \"quoted\"")
    data["sources"][0]["url"] = 'https://example.org/search?q=<script>&x="y"|{}`^'
    data["actors"].append({"id": "usa", "name": "USA", "kind": "state", "role": "Same one."})
    (briefings / "update.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                           encoding="utf-8")
    draft = dict(data, id="ain-al-asad-draft", status="draft", supersedes=None)
    draft.pop("supersedes")
    (briefings / "draft.yaml").write_text(yaml.safe_dump(draft, allow_unicode=True),
                                          encoding="utf-8")
    site = root / "site"
    build_site_cli(site, "--no-pdf", "--drafts", briefings=briefings)
    return site


def test_material_errors_are_only_material_markup() -> None:
    """The list cannot swallow an error of ours: the same messages on our own elements stay."""
    ours = [
        {"message": "Bad value “” for attribute “tabindex” on element “label”: The empty "
                    "string is not a valid integer.",
         "extract": '<label class="table-sources" for="x" tabindex="">'},
        {"message": "Attribute “autocomplete” is only allowed when the input type is “color”",
         "extract": '<input class="sitroom" type="checkbox" autocomplete="off">'},
    ]
    assert not any(map(is_material, ours))


@pytest.mark.parametrize("which", ["examples", "varied"])
def test_no_markup_error_from_our_templates(which: str, repo_site: Path,
                                            varied_site: Path) -> None:
    site = repo_site if which == "examples" else varied_site
    errors = nu_errors(site)
    assert readable([m for m in errors if not is_material(m)], site) == []
    if which == "varied":  # the hostile address reached a page, encoded
        page = (site / "briefings" / "ain-al-asad-update" / "index.html").read_text()
        assert 'href="https://example.org/search?q=%3Cscript%3E&amp;x=%22y%22%7C%7B%7D%60%5E"' \
            in page
