"""The pure core of the site: corpus -> (path, markdown) pages, without MkDocs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import markdown
import pytest

from conftest import REPO, briefing_data, write_briefings
from sitroom.corpus import Corpus, gather
from sitroom.resources import TemplateChain
from sitroom.site import Links as SiteLinks
from sitroom.site import (
    SiteError,
    SiteOptions,
    briefing_path,
    current_briefings,
    native_lang,
    page_url,
    render_pages,
    risk_register,
)
from sitroom.vocab import TLP

TEMPLATES = REPO / "templates"
CHAIN = TemplateChain.for_project(TEMPLATES)
AIN = "2024-08-06-ain-al-asad-rocket-attack"


def corpus_of(folder: Path, max_tlp: TLP = TLP.CLEAR, drafts: bool = False) -> Corpus:
    checked = gather([folder])
    assert checked.ok, [p.gnu() for p in checked.problems]
    return checked.corpus.select(max_tlp, drafts)


@pytest.fixture(scope="module")
def example() -> Corpus:
    return corpus_of(REPO / "briefings")


@pytest.fixture(scope="module")
def pages(example: Corpus) -> dict[str, str]:
    return {p.path: p.markdown for p in render_pages(example, CHAIN)}


def body(page: str) -> str:
    """The page without its front matter."""
    assert page.startswith("---\n")
    return page.split("\n---\n", 1)[1]


def test_page_addresses_are_the_documented_ones(example: Corpus, pages: dict[str, str]) -> None:
    for b in example.briefings:
        assert f"briefings/{b.id}/index.md" in pages
    for path in ("index.md", "archive/index.md", "briefings/index.md", "risks/index.md",
                 "actors/index.md", "regions/index.md", "countries/index.md", "tags/index.md",
                 "actors/hezbollah/index.md", "regions/middle-east/index.md",
                 "countries/iq/index.md", "countries/no/index.md", "tags/iran/index.md"):
        assert path in pages
    # The GREEN example is not in a CLEAR site, under any address.
    assert not [p for p in pages if "follow-up" in p]
    assert all(not p.startswith("pdf/") for p in pages)


def test_links_are_relative_and_follow_use_directory_urls() -> None:
    here = briefing_path("a-b-c")
    links = SiteLinks(here, directory_urls=True)
    assert links.actor("hezbollah") == "../../actors/hezbollah/"
    assert links.pdf("a-b-c") == "../../pdf/a-b-c.pdf"
    assert links.home() == "../../"
    assert links.briefing("a-b-c") == "./"
    assert links.country("IQ") == "../../countries/iq/"
    flat = SiteLinks(here, directory_urls=False)
    assert flat.actor("hezbollah") == "../../actors/hezbollah/index.html"
    assert flat.home() == "../../index.html"
    assert flat.pdf("a-b-c") == "../../pdf/a-b-c.pdf"
    home = SiteLinks("index.md", directory_urls=True)
    assert home.briefing("x-y-z") == "briefings/x-y-z/"
    assert home.home() == "./"
    assert page_url("index.md") == ""
    assert page_url("actors/x/index.md", directory_urls=False) == "actors/x/index.html"


def test_briefing_page_starts_with_its_marking(pages: dict[str, str]) -> None:
    text = body(pages[briefing_path(AIN)])
    text = text.lstrip()
    assert text.startswith("<header")
    # The marking comes before anything else the page says.
    bar = text.index('class="tlp-bar tlp-clear"')
    label = text.index('<span class="tlp tlp-clear"')
    assert bar < label < text.index("TLP:CLEAR</span>") < text.index("briefing-kicker")


def test_briefing_page_shows_the_analytic_content(pages: dict[str, str]) -> None:
    text = body(pages[briefing_path(AIN)])
    # Headings stay Markdown so MkDocs builds the table of contents.
    for heading in ("Summary", "Key judgments", "Key figures", "Actors", "Risks", "Timeline",
                    "Locations", "Sources", "Key assumptions", "Intelligence gaps",
                    "Revision history"):
        assert f"\n## {heading}\n" in text
    # ICD 203 words with their range, and confidence.
    assert '<span class="likelihood lk-6">very likely</span> <span class="range">(80–95 %)' \
        in text
    assert "moderate confidence" in text
    # Dates, kind, status, trend, places by name, people.
    assert "6 August 2024, 09:00 UTC+03:00" in text
    assert "13 August 2024" in text
    assert "↘ deteriorating" in text and "sitrep" in text
    assert '>Iraq</a>' in text and '>Israel</a>' in text and ">IQ<" not in text
    assert 'href="../../regions/middle-east/"' in text
    assert 'href="../../tags/hezbollah/"' in text
    assert "Middle East desk" in text and "Duty editor" in text
    # Admiralty grade with its meaning; the matrix; indicators.
    assert 'title="B2: source usually reliable, information probably true">B2</abbr>' in text
    assert '<svg class="risk-matrix"' in text
    assert "Indicators to watch" in text
    assert "2,500" in text  # key figure, formatted
    # Coordinates and a plain OpenStreetMap link (no embedded map).
    assert "33.8° N, 42.44° E" in text
    assert 'href="https://www.openstreetmap.org/?mlat=33.8&amp;mlon=42.44' in text
    assert "<iframe" not in text


def test_actors_native_names_are_marked_for_direction_and_language(
        pages: dict[str, str]) -> None:
    text = body(pages[briefing_path(AIN)])
    assert '<span class="native-name" lang="ar" dir="auto">حزب الله</span>' in text
    assert '<span class="native-name" lang="fa" dir="auto">جمهوری اسلامی ایران</span>' in text
    assert '<span class="native-name" lang="he" dir="auto">מדינת ישראל</span>' in text
    assert 'href="../../actors/hezbollah/"' in text
    assert "Also: Hizballah, Hizbullah" in text


def test_native_language_guess_is_conservative(example: Corpus) -> None:
    iran = example.actors["iran"].latest
    assert native_lang(iran) == "fa"
    latin = iran.model_copy(update={"native_name": "Iran"})
    assert native_lang(latin) == ""
    unknown = iran.model_copy(update={"native_name": "ⴰⵎⴰⵣⵉⵖ"})  # Tifinagh: no guess
    assert native_lang(unknown) == ""


def test_timeline_is_sorted_and_partial_dates_show_the_month(pages: dict[str, str]) -> None:
    text = body(pages[briefing_path(AIN)])
    timeline = text.split("\n## Timeline\n", 1)[1].split("\n## ", 1)[0]
    stamps = re.findall(r'<time class="timeline__date" datetime="([0-9-]+)">([^<]+)</time>',
                        timeline)
    keys = [s for s, _ in stamps]
    # A month without its day follows the exact dates of that month.
    assert keys == sorted(keys, key=lambda s: (s + "-32")[:10])
    shown = dict(stamps)
    assert shown["2023-10"] == "October 2023"
    assert shown["2023-10-07"] == "7 October 2023"


def test_markdown_fields_become_html_blocks_python_markdown_passes_through(
        pages: dict[str, str]) -> None:
    text = body(pages[briefing_path(AIN)])
    assert "\n\n<div class=\"bluf\">\n<p>Rockets fired at <strong>Ain al-Asad air base</strong>" \
        in text
    html = markdown.markdown(text, extensions=["toc"])
    # The block arrives whole: no paragraph wrapped around it, no Markdown applied inside.
    assert '<div class="bluf">\n<p>Rockets fired at <strong>' in html
    assert "<p><div" not in html and "<p><header" not in html
    assert '<h2 id="key-judgments">Key judgments</h2>' in html


def test_pdf_link_only_when_pdfs_are_built(example: Corpus) -> None:
    def page(pdf: bool) -> str:
        found = [p for p in render_pages(example, CHAIN, SiteOptions(pdf=pdf))
                 if p.path == briefing_path(AIN)]
        return found[0].markdown

    assert f'href="../../pdf/{AIN}.pdf"' in page(True)
    assert ".pdf" not in page(False)


def test_front_matter_sets_escaped_title_and_search_boosts(pages: dict[str, str]) -> None:
    import yaml

    def meta(path: str) -> dict[str, object]:
        return yaml.safe_load(pages[path].split("\n---\n", 1)[0].removeprefix("---\n"))

    brief = meta(briefing_path(AIN))
    assert brief["title"] == ("Rocket attack on Ain al-Asad wounds US personnel as the region "
                              "waits for Iran&#39;s retaliation")
    assert brief["search"] == {"boost": 2.0}
    assert brief["hide"] == ["navigation"]
    for listing in ("actors/hezbollah/index.md", "index.md", "archive/index.md",
                    "regions/middle-east/index.md", "tags/iran/index.md", "risks/index.md",
                    "actors/index.md"):
        assert meta(listing)["search"] == {"boost": 0.5}


def test_home_lists_latest_first_with_summary_opening(example: Corpus,
                                                      pages: dict[str, str]) -> None:
    text = body(pages["index.md"])
    positions = [text.index(f'href="briefings/{b.id}/"') for b in example.briefings]
    assert positions == sorted(positions)
    assert "Rockets fired at <strong>Ain al-Asad air base</strong>" in text
    # Only the first paragraph of each summary; the rest is on the briefing page.
    assert "Bottom line:" not in text


def test_archive_groups_by_month_newest_first(pages: dict[str, str]) -> None:
    text = body(pages["archive/index.md"])
    months = re.findall(r"^## (\w+ \d{4})$", text, re.M)
    assert months == ["November 2024", "September 2024", "August 2024"]


def test_actor_page_lists_every_briefing_with_its_role_newest_first(
        example: Corpus, pages: dict[str, str]) -> None:
    entry = example.actors["houthis"]
    assert len(entry.appearances) >= 2
    text = body(pages["actors/houthis/index.md"])
    positions = [text.index(f'href="../../briefings/{a.briefing.id}/"')
                 for a in entry.appearances]
    assert positions == sorted(positions)
    for appearance in entry.appearances:
        assert "Role: " + appearance.actor.role.replace("'", "&#39;") in text
    assert 'lang="ar" dir="auto">أنصار الله</span>' in text
    assert "Ansar Allah" in text


def _register_corpus(tmp_path: Path) -> Corpus:
    risk = {"likelihood": "likely", "impact": "major", "sources": ["src"]}
    write_briefings(tmp_path, [
        briefing_data("old-one", date="2024-01-01", risks=[
            {**risk, "title": "Old risk superseded", "likelihood": "almost certain",
             "impact": "severe"}]),
        briefing_data("new-one", date="2024-03-01", supersedes="old-one", risks=[
            {**risk, "title": "Middling risk"},
            {**risk, "title": "Top risk", "likelihood": "very likely", "impact": "severe"},
            {**risk, "title": "Low risk", "likelihood": "unlikely", "impact": "minor"}]),
        briefing_data("other-one", date="2024-02-15", risks=[
            {**risk, "title": "Second risk", "likelihood": "almost certain",
             "impact": "major"}]),
        briefing_data("stale-one", date="2023-06-01", risks=[
            {**risk, "title": "Stale risk", "likelihood": "almost certain",
             "impact": "severe"}]),
    ])
    return corpus_of(tmp_path)


def test_risk_register_orders_current_risks_by_score(tmp_path: Path) -> None:
    corpus = _register_corpus(tmp_path)
    current = current_briefings(corpus)
    # Current: not superseded, however old (no risk vanishes because its desk is quiet).
    assert [b.id for b in current] == ["new-one", "other-one", "stale-one"]
    titles = [row.risk.title for row in risk_register(current)]
    assert titles == ["Stale risk", "Top risk", "Second risk", "Middling risk", "Low risk"]
    assert [b.id for b in current_briefings(corpus, window_days=90)] == ["new-one", "other-one"]
    pages = {p.path: p.markdown for p in render_pages(corpus, CHAIN)}
    text = body(pages["risks/index.md"])
    current_part, earlier_part = text.split("## Earlier risks")
    assert current_part.index("Top risk") < current_part.index("Second risk") \
        < current_part.index("Low risk")
    assert "Stale risk" in current_part
    assert "no newer briefing supersedes" in current_part  # the rule is stated
    assert "#earlier-risks" in current_part
    # A superseded briefing's risk stays reachable, marked as such, under Earlier risks.
    assert "Old risk superseded" not in current_part
    assert "Old risk superseded" in earlier_part and "superseded-flag" in earlier_part
    assert 'href="../briefings/new-one/#risk-top-risk"' in text
    # The anchor exists on the briefing page.
    assert 'id="risk-top-risk"' in pages[briefing_path("new-one")]
    # A window, when a desk asks for one, moves older briefings' risks to Earlier risks.
    windowed = {p.path: p.markdown for p in render_pages(
        corpus, CHAIN, SiteOptions(risk_window_days=90))}
    current_part, earlier_part = body(windowed["risks/index.md"]).split("## Earlier risks")
    assert "Stale risk" in earlier_part and "within 90 days" in current_part


def test_register_shows_every_example_region(pages: dict[str, str]) -> None:
    current = body(pages["risks/index.md"]).split("## Earlier risks")[0]
    for title in ("Red Sea", "US forces drawn directly into the fighting", "El Fasher",
                  "cable"):
        assert title in current, title


def test_superseded_banner_and_related_only_within_the_site(tmp_path: Path) -> None:
    write_briefings(tmp_path, [
        briefing_data("first-issue", date="2024-01-01"),
        briefing_data("second-issue", date="2024-01-05", tlp="GREEN", supersedes="first-issue",
                      title="Second issue SECRETWORD"),
        briefing_data("third-issue", date="2024-01-09", related=["second-issue", "first-issue"]),
    ])
    clear = {p.path: p.markdown for p in render_pages(corpus_of(tmp_path, TLP.CLEAR), CHAIN)}
    assert not any("second-issue" in text or "SECRETWORD" in text for text in clear.values())
    assert "Superseded" not in clear[briefing_path("first-issue")]
    assert 'href="../first-issue/"' in clear[briefing_path("third-issue")]

    green = {p.path: p.markdown for p in render_pages(corpus_of(tmp_path, TLP.GREEN), CHAIN)}
    first = green[briefing_path("first-issue")]
    # A CLEAR page never names a GREEN briefing, even on a site that publishes both; it only
    # says that a more restrictive one replaces it.
    assert "second-issue" not in first and "SECRETWORD" not in first
    assert "superseded-banner" in first and "more restrictive marking" in first
    assert "Superseded by this briefing" in green[briefing_path("second-issue")]
    assert green[briefing_path("second-issue")].count("tlp-green") >= 2  # top and bottom


def test_listing_pages_carry_the_highest_marking_they_show(tmp_path: Path) -> None:
    write_briefings(tmp_path, [
        briefing_data("clear-one", regions=["Alpha"]),
        briefing_data("amber-one", tlp="AMBER", regions=["Beta"]),
    ])
    pages = {p.path: p for p in render_pages(corpus_of(tmp_path, TLP.AMBER), CHAIN)}
    assert pages["index.md"].tlp is TLP.AMBER
    assert pages["regions/alpha/index.md"].tlp is TLP.CLEAR
    assert pages["regions/beta/index.md"].tlp is TLP.AMBER
    assert 'class="tlp-bar tlp-amber"' in pages["index.md"].markdown
    assert 'class="tlp-bar tlp-clear"' in pages["regions/alpha/index.md"].markdown


def test_team_extension_keys_reach_templates(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    page = templates / "site" / "briefing.md.j2"
    page.write_text(page.read_text() + '\n<p class="desk">{{ b.x_.x_desk }}</p>\n')
    write_briefings(tmp_path / "b", [briefing_data("ext-one", x_desk="<Ops & Intel>")])
    out = render_pages(corpus_of(tmp_path / "b"), TemplateChain.for_project(templates))
    text = next(p.markdown for p in out if p.path == briefing_path("ext-one"))
    assert '<p class="desk">&lt;Ops &amp; Intel&gt;</p>' in text


def test_a_template_error_names_the_template_and_line(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    page = templates / "site" / "archive.md.j2"
    lines = page.read_text().splitlines()
    lines.insert(3, "{{ no_such_variable }}")
    page.write_text("\n".join(lines) + "\n")
    write_briefings(tmp_path / "b", [briefing_data("tmpl-one")])
    with pytest.raises(SiteError, match=r"archive\.md\.j2:4: template error: 'no_such_variable'"):
        render_pages(corpus_of(tmp_path / "b"), TemplateChain.for_project(templates))
    page.write_text("{% if %}\n")
    with pytest.raises(SiteError, match=r"archive\.md\.j2:1: template error"):
        render_pages(corpus_of(tmp_path / "b"), TemplateChain.for_project(templates))


def test_printed_values_cannot_start_markdown(tmp_path: Path) -> None:
    """A generated page's only Markdown is the templates' own headings: no value a template
    prints may add a line, or open one with `#` (the plugin passes the rest around Markdown)."""
    from sitroom.site import HEADING_LINE, make_site_env

    (tmp_path / "t.md.j2").write_text("<p>{{ a }}</p>\n{{ b }}\n<pre>{{ c }}</pre>\n")
    env = make_site_env(TemplateChain.only(tmp_path))
    out = env.get_template("t.md.j2").render(
        a="x\n## [evil](javascript:alert(1))", b="# heading?", c="line 1\nline 2"
    )
    assert not any(HEADING_LINE.match(line) for line in out.splitlines())
    assert out.count("\n") == 3
    assert "<pre>line 1&#10;line 2</pre>" in out


def _two_ids_for_one_actor(folder: Path) -> Path:
    us = {"id": "united-states", "name": "United States", "aliases": ["US", "USA"],
          "kind": "state", "role": "Acts."}
    return write_briefings(folder, [
        briefing_data("first-brief", date="2024-01-01", actors=[us]),
        briefing_data("second-brief", date="2024-02-01", actors=[
            {"id": "usa", "name": "U.S.", "aliases": ["usa"], "kind": "state",
             "role": "Acts too."}]),
        briefing_data("third-brief", date="2024-03-01", actors=[
            {**us, "id": "us-government", "name": "united  states", "aliases": []}]),
    ])


def test_check_warns_when_two_actor_ids_share_a_name(tmp_path: Path, sitroom: Any) -> None:
    folder = _two_ids_for_one_actor(tmp_path / "briefings")
    result = sitroom("check", "briefings", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout  # a warning: the build goes on
    assert result.stdout.splitlines() == [
        "briefings/second-brief.yaml:15:5: warning: actors[0].aliases[0]: actor 'usa' shares "
        "the alias 'usa' with actor 'united-states' at briefings/first-brief.yaml:16:5; use "
        "one id for one actor in every briefing",
        "briefings/third-brief.yaml:13:9: warning: actors[0].name: actor 'us-government' "
        "shares the name 'united states' with actor 'united-states' at "
        "briefings/first-brief.yaml:13:9; use one id for one actor in every briefing",
    ]
    assert sitroom("check", "--strict", "briefings", cwd=tmp_path).exit_code == 1
    github = sitroom("check", "--format", "github", "briefings", cwd=tmp_path).stdout
    assert github.startswith("::warning file=briefings/second-brief.yaml,line=15,col=5,")
    assert folder.is_dir()


def test_actor_index_shows_one_row_per_actor(tmp_path: Path) -> None:
    corpus = corpus_of(_two_ids_for_one_actor(tmp_path / "b"))
    pages = {p.path: p.markdown for p in render_pages(corpus, CHAIN)}
    index = body(pages["actors/index.md"])
    rows = re.findall(r"<tr>.*?</tr>", index.replace("&#10;", "\n"), flags=re.S)
    assert len(rows) == 2, rows  # the header row and one actor
    row = rows[1]
    assert 'href="united-states/">United States</a>' in row
    assert 'href="usa/">U.S.</a>' in row and 'href="us-government/">united  states' in row
    assert "<td>3</td>" in row  # briefings naming it under any id
    assert "1 actor named" in index
    # Each page of the actor points to its other ids.
    usa = body(pages["actors/usa/index.md"])
    assert "Also listed as" in usa and 'href="../united-states/"' in usa
