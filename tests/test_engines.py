"""Both engines build the same site: the example site (briefings/, mkdocs.yml) with MkDocs and with
Zensical has every briefing, actor, region, country and tag page, the feeds, the PDFs and the
Pagefind index; and the handling corpus of tests/test_handling.py leaks nothing above the ceiling
or unpublished through either engine."""

from __future__ import annotations

import gzip
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, build_site_cli
from test_handling import CASES, _assert_only, _texts, handling_briefing, ident, marker

# `make test` installs the zensical extra: a missing engine fails here, never skips.
importlib.import_module("zensical")

ENGINES = ("mkdocs", "zensical")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _published_clear() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((REPO / "briefings").rglob("*.yaml")):
        # Every scalar as written (YAML 1.1 would read the country NO as false).
        data = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
        if data["status"] == "published" and data["tlp"] == "CLEAR":
            out.append((path.stem, data))
    return out


def _pages(site: Path) -> set[str]:
    return {str(p.parent.relative_to(site)) for p in site.rglob("index.html")}


def test_the_example_site_builds_alike_with_both_engines(tmp_path: Path) -> None:
    cache = tmp_path / "cache"  # shared: the PDFs render once, for the first engine
    sites = {engine: tmp_path / engine for engine in ENGINES}
    for engine, site in sites.items():
        result = build_site_cli(site, "--engine", engine, "--cache-dir", cache, "--jobs", "2")
        published = _published_clear()
        assert f"{len(published)} published briefings up to TLP:CLEAR, " \
               f"{len(published)} PDFs: {site}" in result.stderr

    expected = {".", "briefings", "actors", "regions", "countries", "tags", "archive", "risks"}
    for ident_, data in _published_clear():
        expected.add(f"briefings/{ident_}")
        expected.update(f"actors/{a['id']}" for a in data["actors"])
        expected.update(f"regions/{_slug(r)}" for r in data["regions"])
        expected.update(f"countries/{c.lower()}" for c in data["countries"])
        expected.update(f"tags/{_slug(t)}" for t in data["tags"])
    pages = {engine: _pages(site) for engine, site in sites.items()}
    assert expected - pages["mkdocs"] == set()
    assert pages["zensical"] == pages["mkdocs"]

    mkdocs, zensical = sites["mkdocs"], sites["zensical"]
    for feed in ("feed.xml", "feed.json"):  # Sitroom writes them, whichever engine
        assert (zensical / feed).read_bytes() == (mkdocs / feed).read_bytes()
    pdfs = {engine: sorted(p.name for p in (site / "pdf").glob("*.pdf"))
            for engine, site in sites.items()}
    assert pdfs["mkdocs"] == sorted(f"{i}.pdf" for i, _ in _published_clear())
    assert pdfs["zensical"] == pdfs["mkdocs"]
    for site in sites.values():
        assert (site / "pagefind" / "pagefind.js").is_file()
        index = "\n".join(gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
                          for p in (site / "pagefind").rglob("*.pf_fragment"))
        for _, data in _published_clear():
            assert str(data["title"]).split(":")[0] in index
        # The 404 page is marked like every other page, although Zensical runs no plugin.
        assert 'class="tlp-bar tlp-clear"' in (site / "404.html").read_text()


@pytest.mark.parametrize("engine", ENGINES)
def test_nothing_above_the_ceiling_or_unpublished_reaches_either_engines_site(
        engine: str, tmp_path: Path) -> None:
    from conftest import write_briefings

    briefings = write_briefings(tmp_path / "briefings",
                                [handling_briefing(m, s) for m, s in CASES])
    site = tmp_path / "site"
    build_site_cli(site, "--engine", engine, "--no-pdf", "--cache-dir", tmp_path / "cache",
                   briefings=briefings)
    _assert_only(site, [("CLEAR", "published")])
    # The canaries of a GREEN, an AMBER and a draft briefing, once more by name.
    texts = _texts(site)
    for case in (("GREEN", "published"), ("AMBER", "published"), ("CLEAR", "draft")):
        for word in (marker(*case), ident(*case)):
            assert [where for where, text in texts if word in text] == []
