"""Accessibility and small screens, measured in Chromium as readers meet the site.

axe-core (npm, pinned in package.json) runs inside the page on one page of each kind, at a
desktop and a phone width, in the light and the dark scheme: no serious or critical violation
may remain. At 360 px, the narrowest common phone, no page may scroll sideways.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import test_browser
from conftest import REPO
from test_browser import AIN, Visit

# test_browser's page fixture (Chromium; requests beyond localhost refused and reported), under
# the name these tests use.
reader = test_browser.visit


AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["", f"briefings/{AIN}/", "actors/hezbollah/", "risks/", "archive/", "404.html"]
PHONE = {"width": 390, "height": 844}
NARROWEST = 360


def axe_violations(reader: Visit) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the open page, WCAG 2.x A and AA and best
    practice rules, as [{id, impact, help, nodes: [selector: summary]}]."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make node_modules/.installed-stamp` (npm ci)")
    reader.page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = reader.page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.map(n => n.target.join(" ") + ": "
                                                    + (n.failureSummary || ""))}));
        }""")
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [{"width": 1280, "height": 900}, PHONE],
                         ids=["1280px", "390px"])
def test_no_serious_axe_violation(reader: Visit, size: dict[str, int], scheme: str) -> None:
    reader.page.set_viewport_size(size)
    reader.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    report = {}
    for path in PAGES:
        reader.open(path)
        if violations := axe_violations(reader):
            report[path or "home"] = violations
    assert report == {}
    reader.assert_clean()


def _every_page(site: Path) -> list[str]:
    pages = sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.rglob("index.html"))
    return [("" if p == "./" else p) for p in pages] + ["404.html"]


def test_no_page_scrolls_sideways_on_a_phone(reader: Visit, repo_site: Path) -> None:
    """Every page of the site at 360 px: wide tables scroll inside their own region, long
    words wrap, cards fit."""
    reader.page.set_viewport_size({"width": NARROWEST, "height": 740})
    wide = {}
    for path in _every_page(repo_site):
        reader.open(path, settle=False)
        width = reader.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width[0] > width[1]:
            wide[path] = width
    assert wide == {}
    reader.assert_clean()


def test_wide_tables_scroll_in_named_focusable_regions(reader: Visit) -> None:
    reader.page.set_viewport_size(PHONE)
    reader.open(f"briefings/{AIN}/")
    scrollers = reader.page.eval_on_selector_all(
        ".md-content *",
        """els => els.filter(e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX)
                                  && e.scrollWidth > e.clientWidth)
                    .map(e => [e.tagName + "." + e.className, e.tabIndex, e.getAttribute("role"),
                               e.getAttribute("aria-label")])""")
    assert scrollers, "no table is wider than a phone: the test no longer tests anything"
    for name, tabindex, role, label in scrollers:
        assert (tabindex, role) == (0, "region") and label, name
    reader.assert_clean()


def test_a_phone_shows_the_summary_on_its_first_screen(reader: Visit, repo_site: Path) -> None:
    reader.page.set_viewport_size(PHONE)
    for page in sorted((repo_site / "briefings").glob("*/index.html")):
        reader.open(f"briefings/{page.parent.name}/", settle=False)
        box = reader.page.locator(".bluf").bounding_box()
        assert box is not None
        # Its opening lines, not only its top edge, are on the first screen.
        assert box["y"] + 80 <= PHONE["height"], (page.parent.name, box)
    reader.assert_clean()


def test_the_risk_matrix_labels_are_readable_on_a_phone(reader: Visit) -> None:
    for path in (f"briefings/{AIN}/", "risks/"):
        reader.page.set_viewport_size(PHONE)
        reader.open(path, settle=False)
        assert not reader.page.locator("svg.risk-matrix").is_visible()
        grid = reader.page.locator("table.matrix-grid")
        assert grid.is_visible()
        sizes = grid.locator("th, td").evaluate_all(
            "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert len(sizes) == 8 * 6 and min(sizes) >= 10, sizes
        clipped = grid.locator("th, td").evaluate_all(
            "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)")
        assert clipped == []
        # Every risk number of the SVG is in the table too.
        numbers = reader.page.locator("ol.risks > li, .table-register td.register-number").count()
        cells = grid.locator("td").evaluate_all(
            "els => els.flatMap(e => e.textContent.split(',').map(s => s.trim()).filter(s => s))")
        assert sorted(map(int, cells)) == list(range(1, numbers + 1))
        reader.page.set_viewport_size({"width": 1280, "height": 900})
        assert reader.page.locator("svg.risk-matrix").is_visible()
        assert not grid.is_visible()
    reader.assert_clean()


TLP_COLOURS = {"tlp-clear": "rgb(255, 255, 255)", "tlp-green": "rgb(51, 255, 0)",
               "tlp-amber": "rgb(255, 192, 0)", "tlp-red": "rgb(255, 43, 43)"}


@pytest.mark.parametrize(("scheme", "palette"), [("light", "default"), ("dark", "slate")])
def test_the_scheme_follows_the_reader_and_tlp_colours_hold(reader: Visit, scheme: str,
                                                            palette: str) -> None:
    reader.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    reader.open(f"briefings/{AIN}/")
    assert reader.page.evaluate("document.body.dataset.mdColorScheme") == palette
    # TLP 2.0: colour on black, in either scheme; every marking is drawn alike.
    for css, colour in TLP_COLOURS.items():
        style = reader.page.evaluate(
            """css => { const el = document.createElement("span");
                        el.className = "tlp " + css;
                        document.querySelector(".md-typeset").append(el);
                        const s = getComputedStyle(el);
                        const seen = [s.backgroundColor, s.color];
                        el.remove();
                        return seen; }""", css)
        assert style == ["rgb(0, 0, 0)", colour], css
    # The toggle cycles light, dark, then the system's setting again, and says what it does.
    steps = [("Switch to light mode", "default"), ("Switch to dark mode", "slate"),
             ("Switch to the system's setting", palette)]
    for title, then in steps:
        toggle = reader.page.locator("form[data-md-component=palette] label:visible")
        # The label shown belongs to the scheme in use; its input's name says what it does.
        said = toggle.evaluate("label => label.previousElementSibling.getAttribute('aria-label')")
        assert said == title
        toggle.click()
        assert reader.page.evaluate("document.body.dataset.mdColorScheme") == then, title
    # The system's setting is read again on the next visit.
    reader.page.emulate_media(color_scheme="dark" if scheme == "light" else "light")
    reader.open("risks/")
    assert reader.page.evaluate("document.body.dataset.mdColorScheme") != palette
    reader.assert_clean()


def test_the_404_page_has_the_marking_and_ways_back(reader: Visit) -> None:
    reader.open("404.html")
    assert reader.page.locator(".tlp-bar .tlp").inner_text() == "TLP:CLEAR"
    reader.page.get_by_role("link", name="Latest briefings").click()
    reader.page.wait_for_load_state()
    assert reader.page.locator(".briefing-card").count() >= 1
    reader.assert_clean()
