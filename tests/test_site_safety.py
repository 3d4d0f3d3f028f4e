"""Untrusted briefing text on the site: shown as text everywhere, never run, never fetched.

One briefing puts script tags, event handlers, `javascript:` links, Jinja syntax and tag-closing
strings into every field that takes free text. The built site is then read statically (every
page's tags and attributes) and in Chromium (nothing runs, no dialog, the text shows as typed).
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import briefing_data, build_site_cli, write_briefings

SCRIPT = '<script>window.__pwned="script"</script>'
IMG = "<img src=x onerror=\"window.__pwned='img'\">"
CLOSE = "</textarea></title></style></script><svg onload=\"window.__pwned='svg'\">"
JINJA = "{{ 7*7 }}{% if true %}jinja-ran{% endif %}"
JS_LINK = "[click me](javascript:window.__pwned='link')"
TITLE = f"{SCRIPT} {IMG} {JINJA} & \"quotes\" 'single'"
NASTY = f"{SCRIPT} {IMG} {CLOSE} {JINJA}"
BRIEFING = "xss-briefing"


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xss")
    markdown = (f"Raw HTML: {SCRIPT} and {IMG}.\n\n{JS_LINK} and "
                f"[data](data:text/html,<script>window.__pwned=1</script>) and "
                f"![alt {IMG}](https://tracker.example/pixel.png) and "
                f"[ok](https://example.org/ \"title\\\" onmouseover=\\\"window.__pwned=2\")."
                f"\n\n{JINJA}\n\n<div onclick=\"window.__pwned='div'\">div</div>")
    data = briefing_data(
        BRIEFING,
        title=TITLE,
        summary=markdown,
        regions=[f"Region {NASTY}"],
        authors=[f"Author {NASTY}"],
        reviewers=[f"Reviewer {NASTY}"],
        countries=["NO"],
        tags=["xss-tag"],
        key_judgments=[{"statement": markdown, "likelihood": "likely", "confidence": "high",
                        "sources": ["src"]}],
        key_figures=[{"label": f"Label {NASTY}", "value": f"Value {NASTY}",
                      "unit": f"Unit {NASTY}", "source": "src"}],
        actors=[{"id": "xss-actor", "name": f"Actor {NASTY}", "native_name": f"حزب {NASTY}",
                 "aliases": [f"Alias {NASTY}"], "kind": "other",
                 "affiliation": f"Affiliation {NASTY}", "role": f"Role {NASTY}"}],
        risks=[{"title": f"Risk {NASTY}", "description": markdown, "likelihood": "likely",
                "impact": "major", "horizon": f"Horizon {NASTY}",
                "indicators": [f"Indicator {NASTY}"], "actors": ["xss-actor"],
                "sources": ["src"]}],
        timeline=[{"date": "2024-08", "event": markdown, "location": "xss-place",
                   "actors": ["xss-actor"], "sources": ["src"]}],
        locations=[{"id": "xss-place", "name": f"Place {NASTY}", "lat": 1, "lon": 2}],
        sources=[{"id": "src", "title": f"Source {NASTY}", "publisher": f"Publisher {NASTY}",
                  "url": "https://example.org/?q=\"><script>window.__pwned='url'</script>",
                  "reliability": "B", "credibility": "2"}],
        assumptions=[f"Assumption {NASTY}"],
        gaps=[f"Gap {NASTY}"],
        changes=[{"date": "2024-08-06", "note": f"Note {NASTY}"}],
        x_team_note=NASTY,
    )
    briefings = write_briefings(root / "briefings", [data])
    site = root / "site"
    build_site_cli(site, "--no-pdf", briefings=briefings)
    return site


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_no_page_contains_markup_from_the_briefing(xss_site: Path) -> None:
    pages = sorted(xss_site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        page = parse(path)
        for tag, attrs in page.tags:
            handlers = [a for a in attrs if a.startswith("on")]
            assert not handlers, f"{path}: <{tag} {handlers}>"
            assert tag not in ("iframe", "object", "embed"), f"{path}: <{tag}>"
            if tag == "img":  # only the documentation's own pictures
                assert (path.parent / attrs.get("src", "")).resolve().is_file(), attrs
            for name in ("href", "src", "action", "formaction", "xlink:href"):
                value = re.sub(r"\s", "", attrs.get(name, "")).lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), \
                    f"{path}: {name}={attrs[name]}"
        assert not any("__pwned" in script for script in page.scripts), path


def test_the_briefing_shows_every_string_as_typed(xss_site: Path) -> None:
    path = xss_site / "briefings" / BRIEFING / "index.html"
    raw = path.read_text(encoding="utf-8")
    text = " ".join(" ".join(parse(path).text).split())
    for shown in (TITLE, f"Actor {NASTY}", f"Alias {NASTY}", f"Source {NASTY}",
                  f"Place {NASTY}", f"Indicator {NASTY}", f"Region {NASTY}", f"Gap {NASTY}",
                  f"Value {NASTY}", f"Note {NASTY}", f"حزب {NASTY}", "click me"):
        assert " ".join(shown.split()) in text, shown
    assert "jinja-ran" not in text.replace(JINJA, "")  # Jinja in data is never evaluated
    assert "49" not in text
    # The title in <title> and the header is escaped once (not raw, not twice).
    title = re.search(r"<title>(.*?)</title>", raw, re.S)
    assert title and "&lt;script&gt;" in title.group(1) and "&amp;lt;" not in title.group(1)
    # Links: the javascript: one is plain text, the https one keeps no injected attribute.
    assert "javascript:" not in raw.replace("javascript:window.__pwned=&#39;", "")
    assert '<span>click me</span>' in raw
    assert "tracker.example" not in raw
    assert 'href="https://example.org/?q=%22%3E%3Cscript' in raw or \
        'href="https://example.org/?q=&#34;&gt;&lt;script' in raw or \
        'href="https://example.org/?q=&quot;&gt;&lt;script' in raw


def test_search_index_and_feeds_hold_text_not_markup(xss_site: Path) -> None:
    # Pagefind keeps the pages' text as typed (markup characters included); the header search
    # prints titles and metadata as text and keeps only <mark> of an excerpt (see
    # test_nothing_runs_in_the_browser).
    fragments = [json.loads(gzip.decompress(p.read_bytes()).removeprefix(b"pagefind_dcd"))
                 for p in (xss_site / "pagefind" / "fragment").glob("*.pf_fragment")]
    brief = next(f for f in fragments if f["url"] == f"/briefings/{BRIEFING}/")
    assert brief["meta"]["title"] == TITLE
    assert brief["meta"]["tlp"] == "TLP:CLEAR"
    assert brief["filters"]["region"] == [f"Region {NASTY}"]
    assert "Indicator <script>window.__pwned" in brief["content"]
    atom = ET.parse(xss_site / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = atom.find("a:entry", ns)
    assert entry is not None
    assert entry.findtext("a:title", namespaces=ns) == TITLE
    content = entry.findtext("a:content", namespaces=ns) or ""
    assert "<script" not in content and "&lt;script&gt;" in content
    feed = json.loads((xss_site / "feed.json").read_text())
    assert feed["items"][0]["title"] == TITLE
    assert "<script" not in feed["items"][0]["content_html"]


def test_nothing_runs_in_the_browser(xss_site: Path, http_root: Any, browser: Any) -> None:
    base = http_root(xss_site)
    context = browser.new_context()
    outside: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(base):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    paths = [p.relative_to(xss_site).parent.as_posix() for p in xss_site.rglob("index.html")]
    for rel in sorted(paths):
        page.goto(base + ("" if rel == "." else rel + "/"), wait_until="load")
        page.wait_for_timeout(150)  # let the theme's scripts run over the page
        # Hover everything so that any smuggled mouse handler would fire too.
        page.evaluate("""() => document.querySelectorAll('body *').forEach(el =>
            ['mouseover', 'click', 'focus'].forEach(t => el.dispatchEvent(new Event(t))))""")
        assert page.evaluate("window.__pwned") is None, rel
    page.goto(f"{base}briefings/{BRIEFING}/")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("h1.briefing-title") == TITLE
    assert page.title().startswith(TITLE)
    # Search results come from the index: they must stay text too.
    search = page.locator(".sitroom-search .md-search__input")
    search.click()
    search.press_sequentially("Indicator", delay=20)
    page.wait_for_selector(f'.md-search-result__item a[href*="{BRIEFING}"]', timeout=15000)
    page.wait_for_timeout(300)
    found = page.locator(".md-search-result__item", has=page.locator(f'a[href*="{BRIEFING}"]'))
    assert found.locator("h1").inner_text() == TITLE
    excerpt = found.locator(".sitroom-search__excerpt")
    assert excerpt.evaluate("e => [...e.querySelectorAll('*')].every(c => c.tagName === 'MARK')")
    assert 'Indicator <script>window.__pwned="script"</script>' in excerpt.inner_text()
    assert page.evaluate("window.__pwned") is None
    assert dialogs == [] and outside == [] and errors == []
    context.close()
