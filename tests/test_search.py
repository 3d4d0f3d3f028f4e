"""The search index: Pagefind over the built site, never Material's lunr index.

Read here as files (decompressed fragments: the text, metadata and filters of each indexed
page); tests/test_browser.py searches it as a reader does.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import briefing_data, write_briefings
from sitroom import search
from sitroom.search import SearchError, index_site

AIN = "2024-08-06-ain-al-asad-rocket-attack"
HEADER = b"pagefind_dcd"


def fragments(site: Path) -> dict[str, dict[str, Any]]:
    """Every indexed page's fragment, by URL."""
    out = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(HEADER), path
        data = json.loads(raw.removeprefix(HEADER))
        out[data["url"]] = data
    return out


@pytest.fixture(scope="module")
def indexed(repo_site: Path) -> dict[str, dict[str, Any]]:
    return fragments(repo_site)


def test_no_lunr_index_and_only_the_parts_of_pagefind_used(repo_site: Path) -> None:
    assert not (repo_site / "search").exists()
    assert not list(repo_site.rglob("search_index.json"))
    bundle = repo_site / "pagefind"
    assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-entry.json").is_file()
    assert not list(bundle.glob("pagefind-*ui*")) and not (bundle / "playground").exists()
    # The search box still loads only what the site itself serves.
    page = (repo_site / "index.html").read_text()
    assert "assets/sitroom/search.js" in page and 'data-md-component="search' not in page
    assert 'name="search"' not in page  # would start Material's lunr search


def test_briefings_are_indexed_whole_with_names_and_sources(
        indexed: dict[str, dict[str, Any]]) -> None:
    brief = indexed[f"/briefings/{AIN}/"]
    text = brief["content"]
    for needle in ("Rockets fired at", "Hezbollah", "حزب الله", "Hizballah", "Hizbullah",
                   "מדינת ישראל", "Islamic Resistance in Iraq",
                   "Escalation of Tensions in the Middle East", "U.S. Department of Defense",
                   "Iranian or Hezbollah retaliation triggers"):
        assert needle in text, needle
    # Boilerplate repeated on every briefing is left out, so it does not match everywhere.
    assert "Admiralty system" not in text and "Recipients can spread" not in text
    assert "almost no chance" not in text  # the risk matrix's axis
    assert "¶" not in text  # heading permalinks
    assert brief["meta"]["title"].startswith("Rocket attack on Ain al-Asad")
    assert brief["meta"]["date"] == "6 August 2024"
    assert brief["meta"]["tlp"] == "TLP:CLEAR"
    assert brief["filters"]["region"] == ["Middle East"]
    assert brief["filters"]["kind"] == ["sitrep"]
    assert brief["filters"]["tlp"] == ["TLP:CLEAR"]
    assert "Iraq" in brief["filters"]["country"] and "iran" in brief["filters"]["tag"]


def test_actor_pages_are_found_by_their_names_only(indexed: dict[str, dict[str, Any]]) -> None:
    actor = indexed["/actors/hezbollah/"]
    assert "حزب الله" in actor["content"] and "Hizballah" in actor["content"]
    assert actor["meta"]["title"] == "Hezbollah"
    # Not the briefings it lists: those are found on the briefings themselves.
    assert "Rocket attack" not in actor["content"]


def test_listings_are_not_indexed_and_guides_are(indexed: dict[str, dict[str, Any]]) -> None:
    urls = set(indexed)
    for listing in ("/", "/archive/", "/briefings/", "/risks/", "/actors/", "/regions/",
                    "/regions/middle-east/", "/countries/iq/", "/tags/iran/"):
        assert listing not in urls, listing
    assert "/writing-briefings/" in urls
    briefings = {u for u in urls if u.startswith("/briefings/")}
    assert len(briefings) == 4  # the CLEAR, published ones: not the GREEN follow-up
    assert not any("2024-08-12-ain-al-asad-follow-up" in json.dumps(f)
                   for f in indexed.values())


def test_sorting_by_date_is_indexed(repo_site: Path) -> None:
    meta = next((repo_site / "pagefind").glob("pagefind.*.pf_meta"))
    raw = gzip.decompress(meta.read_bytes())
    assert b"date" in raw and b"2024-08-06" not in raw  # sorted positions, not the dates


def test_index_site_replaces_an_older_index(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "pagefind").mkdir(parents=True)
    (site / "pagefind" / "stale.pf_fragment").write_text("old")
    (site / "index.html").write_text(
        "<html lang='en'><body><main data-pagefind-body><h1>Only page</h1>"
        "<p>Words here.</p></main></body></html>")
    report = index_site(site)
    assert report.pages == 1 and report.bytes > 0
    assert not (site / "pagefind" / "stale.pf_fragment").exists()
    assert list(fragments(site)) == ["/"]


def test_index_site_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(SearchError, match="no such folder"):
        index_site(tmp_path / "missing")


def test_a_run_that_does_not_finish_is_stopped_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for n in range(200):  # enough that Pagefind cannot finish before the limit
        (site / f"p{n}.html").write_text(f"<html lang='en'><body><main>Page {n} words</main>"
                                         "</body></html>")
    (site / ".pagefind-0123456789ab").mkdir()  # what a killed run left
    monkeypatch.setattr(search, "TIMEOUT", 0.001)
    with pytest.raises(SearchError) as raised:
        index_site(site)
    assert str(raised.value) == "Pagefind did not finish within 0.001 s"
    assert sorted(p.name for p in site.iterdir() if not p.name.endswith(".html")) == []
    monkeypatch.setattr(search, "TIMEOUT", 60)
    assert index_site(site).pages == 200
    assert sorted(p.name for p in site.iterdir() if not p.name.endswith(".html")) == [
        "pagefind"]


def test_a_removed_briefing_leaves_the_index(tmp_path: Path) -> None:
    from conftest import build_site_cli

    folder = write_briefings(tmp_path / "b", [briefing_data("keep-one"),
                                              briefing_data("drop-one", title="Dropword")])
    site = tmp_path / "site"
    build_site_cli(site, "--no-pdf", briefings=folder)
    assert "/briefings/drop-one/" in fragments(site)
    (folder / "drop-one.yaml").unlink()
    build_site_cli(site, "--no-pdf", briefings=folder)
    assert set(u for u in fragments(site) if u.startswith("/briefings/")) == {
        "/briefings/keep-one/"}
    assert not any(b"Dropword" in gzip.decompress(p.read_bytes())
                   for p in (site / "pagefind").rglob("*.pf_*"))
