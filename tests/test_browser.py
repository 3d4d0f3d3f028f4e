"""The published site as a reader meets it: headless Chromium over HTTP on 127.0.0.1.

Every request is routed: anything not for the local server is recorded and refused, and the
tests fail if there was one. Console errors and page errors fail them too.

Screenshots of the home and a briefing page are written to the test's temporary folder; with
SITROOM_SCREENSHOTS=1 they also replace docs/images/site-home.png and site-briefing.png.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from conftest import REPO

AIN = "2024-08-06-ain-al-asad-rocket-attack"
AIN_TITLE = "Rocket attack on Ain al-Asad wounds US personnel"
RED_SEA = "2024-08-20-red-sea-shipping-disruption"
EL_FASHER = "2024-09-02-sudan-el-fasher-humanitarian"


@dataclass
class Visit:
    base: str
    page: Any
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str = "", settle: bool = True) -> None:
        self.page.goto(self.base + path)
        if settle:  # until the theme's scripts have fetched what they need
            self.page.wait_for_load_state("networkidle")

    def search(self, query: str, expect_href: str) -> list[str]:
        """Type a query into the header search as a reader does (Pagefind behind Material's
        dialog); the result pages, in order, once `expect_href` is among them."""
        box = self.page.locator(".sitroom-search .md-search__input")
        box.click()
        box.fill("")
        box.press_sequentially(query, delay=20)
        self.page.wait_for_selector(f'.md-search-result__item a[href*="{expect_href}"]',
                                    timeout=20000)
        hrefs = self.page.eval_on_selector_all(
            ".md-search-result__item > a", "links => links.map(a => a.href)")
        # Pages in result order, as paths from the site root.
        return list(dict.fromkeys(h.removeprefix(self.base).split("?")[0] for h in hrefs))

    def assert_clean(self) -> None:
        assert self.outside == [], "requests left localhost"
        assert self.errors == [], "console or page errors"


@pytest.fixture
def visit(repo_site: Path, http_root: Any, browser: Any) -> Iterator[Visit]:
    base = http_root(repo_site)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    visit = Visit(base, None)

    def route(r: Any) -> None:
        if r.request.url.startswith(base):
            r.continue_()
        else:
            visit.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    visit.page = context.new_page()
    visit.page.on("pageerror", lambda e: visit.errors.append(str(e)))
    visit.page.on("console",
                  lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    yield visit
    context.close()


def test_home_lists_the_example_briefing(visit: Visit) -> None:
    visit.open()
    link = visit.page.locator(f'.briefing-card a[href="briefings/{AIN}/"]')
    assert AIN_TITLE in link.inner_text()
    cards = visit.page.locator(".briefing-card")
    assert cards.count() == 4
    assert "TLP:CLEAR" in cards.first.inner_text()
    assert visit.page.locator(".tlp-bar").first.is_visible()
    visit.assert_clean()


@pytest.mark.parametrize(("query", "expected"), [
    (AIN_TITLE, AIN),                                  # a title
    ("حزب الله", AIN),                                 # a native name (Arabic)
    ("جمهوری اسلامی ایران", RED_SEA),                  # Persian
    ("מדינת ישראל", RED_SEA),                          # Hebrew
    ("Ain al-Asad", AIN),                              # a place
    ("El Fasher", EL_FASHER),                          # a place in another briefing
    ("Hizbullah", AIN),                                # an alias
    ("Eulerpool", AIN),                                # a source's publisher
])
def test_search_finds_the_right_briefing_first(visit: Visit, query: str, expected: str) -> None:
    visit.open("archive/")
    pages = visit.search(query, f"briefings/{expected}/")
    assert pages[0] == f"briefings/{expected}/", pages
    visit.assert_clean()


def test_search_results_show_title_date_marking_and_excerpt(visit: Visit) -> None:
    visit.open()
    visit.search("Ain al-Asad", f"briefings/{AIN}/")
    first = visit.page.locator(".md-search-result__item").first
    assert AIN_TITLE in first.locator("h1").inner_text()
    assert first.locator(".tlp.tlp-clear").inner_text() == "TLP:CLEAR"
    assert first.locator(".sitroom-search__date").inner_text() == "6 August 2024"
    excerpt = first.locator(".sitroom-search__excerpt")
    assert "Ain" in excerpt.locator("mark").first.inner_text()
    assert excerpt.evaluate("e => [...e.children].every(c => c.tagName === 'MARK')")
    visit.assert_clean()


def test_actors_are_found_by_name_native_name_and_alias(visit: Visit) -> None:
    visit.open()
    for query in ("Hezbollah", "حزب الله", "Hizballah"):
        pages = visit.search(query, "actors/hezbollah/")
        assert "actors/hezbollah/" in pages[:3], (query, pages)
    visit.assert_clean()


def test_search_filters_and_sorts(visit: Visit) -> None:
    visit.open()
    visit.search("attack", "briefings/")
    visit.page.click(".sitroom-search__filters summary")
    region = visit.page.locator('select[data-filter="region"]')
    visit.page.wait_for_selector('select[data-filter="region"] option[value="Horn of Africa"]',
                                 state="attached")
    region.select_option("Middle East")
    visit.page.wait_for_function(
        "() => [...document.querySelectorAll('.md-search-result__item a')]"
        ".every(a => !a.href.includes('sudan'))")
    visit.page.select_option("select[data-sort]", "asc")
    visit.page.wait_for_function(
        f"() => document.querySelector('.md-search-result__item a').href.endsWith('{AIN}/')")
    visit.page.select_option("select[data-sort]", "desc")
    visit.page.wait_for_function(
        f"() => !document.querySelector('.md-search-result__item a').href.endsWith('{AIN}/')")
    visit.assert_clean()


def test_search_loads_no_lunr_index(visit: Visit) -> None:
    requested: list[str] = []
    visit.page.on("request", lambda r: requested.append(r.url))
    visit.open()
    visit.search("Houthis", "briefings/")
    assert not any("search_index.json" in u or "/workers/search" in u for u in requested)
    assert any("/pagefind/" in u for u in requested)
    visit.assert_clean()


def test_briefing_page_shows_the_marking_and_its_pdf_downloads(visit: Visit,
                                                               tmp_path: Path) -> None:
    visit.open(f"briefings/{AIN}/")
    label = visit.page.locator(".briefing-head .tlp").first
    assert label.inner_text() == "TLP:CLEAR"
    style = label.evaluate("el => [getComputedStyle(el).backgroundColor, "
                           "getComputedStyle(el).color]")
    assert style == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]  # TLP 2.0: colour on black
    box = label.bounding_box()
    assert box is not None and box["y"] < 250  # at the top of the page
    assert AIN_TITLE in visit.page.inner_text("h1")

    with visit.page.expect_download() as info:
        visit.page.click(".pdf-download a")
    download = info.value
    assert download.suggested_filename == f"{AIN}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(saved).pages)
    assert "TLP:CLEAR" in text and "Ain al-Asad" in text
    visit.assert_clean()


def test_native_names_run_right_to_left(visit: Visit) -> None:
    visit.open(f"briefings/{AIN}/")
    names = visit.page.eval_on_selector_all(
        ".native-name",
        "els => els.map(e => [e.textContent, e.lang, getComputedStyle(e).direction])")
    found = {text: (lang, direction) for text, lang, direction in names}
    assert found["حزب الله"] == ("ar", "rtl")
    assert found["מדינת ישראל"] == ("he", "rtl")
    assert found["جمهوری اسلامی ایران"] == ("fa", "rtl")
    visit.assert_clean()


def test_every_kind_of_page_loads_cleanly(visit: Visit, repo_site: Path) -> None:
    """Every briefing and one page of every other kind: no console error, no request beyond
    localhost, and the page marking at the top of each generated page."""
    pages = [p.parent.relative_to(repo_site).as_posix() + "/"
             for p in sorted((repo_site / "briefings").glob("*/index.html"))]
    pages += ["", "archive/", "briefings/", "risks/", "actors/", "actors/hezbollah/", "regions/",
              "regions/middle-east/", "countries/", "countries/iq/", "tags/", "tags/iran/"]
    for path in pages:
        visit.open(path, settle=False)
        assert visit.page.locator(".tlp-bar .tlp").first.inner_text() == "TLP:CLEAR", path
    for path in ("writing-briefings/", "publishing/", "urls/", "404.html"):
        visit.open(path, settle=False)
    visit.page.wait_for_load_state("networkidle")
    visit.assert_clean()


def _shoot(visit: Visit, path: str, out: Path, size: tuple[int, int], scheme: str) -> Path:
    visit.page.set_viewport_size({"width": size[0], "height": size[1]})
    visit.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    visit.open(path)
    visit.page.wait_for_timeout(500)  # the tabs fade in
    visit.page.screenshot(path=str(out))
    return out


# docs/images/<name>: (page, viewport, colour scheme). 390 x 844 is a common phone's screen.
SCREENSHOTS = {
    "site-home.png": ("", (1280, 1100), "light"),
    "site-briefing.png": (f"briefings/{AIN}/", (1280, 1400), "light"),
    "site-home-dark.png": ("", (1280, 1100), "dark"),
    "site-briefing-dark.png": (f"briefings/{AIN}/", (1280, 1400), "dark"),
    "site-briefing-phone.png": (f"briefings/{AIN}/", (390, 844), "light"),
    "site-risks-phone-dark.png": ("risks/", (390, 844), "dark"),
}


def test_screenshots(visit: Visit, tmp_path: Path) -> None:
    from PIL import Image

    shots = {name: _shoot(visit, path, tmp_path / name, size, scheme)
             for name, (path, size, scheme) in SCREENSHOTS.items()}
    for name, shot in shots.items():
        with Image.open(shot) as image:
            assert image.size == SCREENSHOTS[name][1]
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is not None and len(colours) > 50  # a page, not a blank
            # The scheme asked for: a light page is mostly light, a dark one mostly dark.
            grey = image.convert("L").resize((64, 64))
            light = sum(grey.get_flattened_data()) / (64 * 64) > 128
            assert light == (SCREENSHOTS[name][2] == "light"), name
    if os.environ.get("SITROOM_SCREENSHOTS"):
        for name, shot in shots.items():
            shutil.copyfile(shot, REPO / "docs" / "images" / name)
    visit.assert_clean()
