"""The history of each judgment across superseded versions: the data, its handling, the site
page section and the PDF section."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, briefing_data, write_briefings
from sitroom.corpus import Corpus, gather
from sitroom.history import judgment_history
from sitroom.pdf import print_html
from sitroom.pdfbuild import links_for
from sitroom.printopts import PrintOptions
from sitroom.site import render_pages

TEMPLATES = REPO / "templates"
OPTIONS = PrintOptions.at(TEMPLATES)
CHAIN = OPTIONS.templates


def _versions() -> list[dict[str, Any]]:
    v1 = briefing_data(
        "strike-v1", title="Strike, first issue", date="2024-08-01",
        key_judgments=[
            {"statement": "The strike lasts another week.", "likelihood": "likely",
             "confidence": "moderate", "sources": ["src"]},
            {"statement": "Management offers a pay rise.", "likelihood": "unlikely",
             "confidence": "low", "sources": ["src"]},
        ],
        changes=[{"date": "2024-08-01", "note": "First issue."}],
    )
    v2 = copy.deepcopy(v1)
    v2.update(id="strike-v2", title="Strike, second issue", date="2024-08-08",
              supersedes="strike-v1",
              changes=[{"date": "2024-08-08", "note": "The union's vote lengthens the strike."}])
    v2["key_judgments"] = [
        {"statement": "The strike lasts another week, as the members voted.",
         "likelihood": "very likely", "confidence": "moderate", "sources": ["src"]},
        v1["key_judgments"][1],
    ]
    v3 = copy.deepcopy(v2)
    v3.update(id="strike-v3", title="Strike, third issue", date="2024-08-15",
              supersedes="strike-v2",
              changes=[{"date": "2024-08-15", "note": "Talks resumed; a pay offer is made."}])
    v3["key_judgments"] = [
        {"statement": "The government appoints a mediator.", "likelihood": "likely",
         "confidence": "high", "sources": ["src"]},
        v2["key_judgments"][0],
    ]
    v3["risks"] = [{**v3["risks"][0], "likelihood": "very likely", "impact": "severe"}]
    return [v1, v2, v3]


def _corpus(tmp_path: Path, versions: list[dict[str, Any]]) -> Corpus:
    checked = gather([write_briefings(tmp_path / "briefings", versions)])
    assert checked.ok, [p.gnu() for p in checked.problems]
    assert not checked.warnings, [p.gnu() for p in checked.warnings]
    return checked.corpus


def _table(corpus: Corpus, ident: str) -> list[tuple[str, list[str]]]:
    b = corpus.get(ident)
    assert b is not None
    history = judgment_history(corpus, b)
    assert history is not None
    return [(row.text, ["-" if e is None else
                        f"{e.likelihood}/{e.confidence or e.impact}{'*' if e.moved else ''}"
                        for e in row.estimates]) for row in history.rows]


def test_oldest_to_newest_with_moves_and_drops(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, _versions())
    b = corpus.get("strike-v3")
    assert b is not None
    history = judgment_history(corpus, b)
    assert history is not None
    assert [v.id for v in history.versions] == ["strike-v1", "strike-v2", "strike-v3"]
    assert _table(corpus, "strike-v3") == [
        ("The government appoints a mediator.", ["-", "-", "likely/high"]),
        ("The strike lasts another week, as the members voted.",
         ["likely/moderate", "very likely/moderate*", "very likely/moderate"]),
        ("Management offers a pay rise.", ["unlikely/low", "unlikely/low", "-"]),
        ("Test risk", ["likely/major", "likely/major", "very likely/severe*"]),
    ]
    assert judgment_history(corpus, corpus.get("strike-v1")) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"strike-v2": {"tlp": "AMBER"}, "strike-v3": {"tlp": "AMBER"}},
         ["strike-v1", "strike-v2", "strike-v3"]),
        ({"strike-v2": {"tlp": "AMBER"}}, None),  # never skipped over, never named
        ({"strike-v1": {"tlp": "GREEN"}}, ["strike-v2", "strike-v3"]),
        ({"strike-v1": {"status": "draft"}}, ["strike-v2", "strike-v3"]),
        ({"strike-v2": {"status": "review"}}, None),
    ],
)
def test_only_versions_the_reader_may_see(tmp_path: Path, change: dict[str, Any],
                                          shown: list[str] | None) -> None:
    versions = _versions()
    for data in versions:
        data.update(change.get(str(data["id"]), {}))
    corpus = _corpus(tmp_path, versions)
    history = judgment_history(corpus, corpus.get("strike-v3"))  # type: ignore[arg-type]
    assert (None if history is None else [v.id for v in history.versions]) == shown


def test_the_site_page_section(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, _versions())
    pages = {p.path: p.markdown for p in render_pages(corpus, CHAIN)}
    page = next(text for path, text in pages.items() if "strike-v3" in path)
    assert "\n## How our judgments changed\n" in page
    assert (
        '<thead><tr><th>Key judgment or risk</th> <th><time datetime="2024-08-01"><a href='
        '"../strike-v1/">1 August 2024</a></time></th> <th><time datetime="2024-08-08"><a href='
        '"../strike-v2/">8 August 2024</a></time></th> <th><time datetime="2024-08-15">15 '
        "August 2024 (this briefing)</time></th> </tr></thead>"
    ) in page
    assert (
        '<tr class="history-judgment"><td><span class="history-kind">Judgment:</span> The '
        "strike lasts another week, as the members voted.</td> <td><span class=\"likelihood\">"
        'likely</span> <span class="range">(55–80 %)</span>, moderate confidence</td> <td>'
        '<strong class="history-moved"><span class="likelihood">very likely</span> <span '
        'class="range">(80–95 %)</span>, moderate confidence</strong></td> <td><span class='
        '"likelihood">very likely</span> <span class="range">(80–95 %)</span>, moderate '
        "confidence</td> </tr>"
    ) in page
    first = next(text for path, text in pages.items() if "strike-v1" in path)
    assert "How our judgments changed" not in first


def test_a_clear_page_names_no_amber_version(tmp_path: Path) -> None:
    versions = _versions()
    versions[1]["tlp"] = "AMBER"
    versions[1]["title"] = "Secret second issue"
    corpus = _corpus(tmp_path, versions)
    pages = render_pages(corpus, CHAIN)
    page = next(p.markdown for p in pages if "strike-v3" in p.path)
    assert "How our judgments changed" not in page
    assert "strike-v2" not in page and "Secret second issue" not in page


def test_the_pdf_section(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, _versions())
    b = corpus.get("strike-v3")
    assert b is not None
    html = print_html(b, links_for(corpus, b), OPTIONS)
    assert '<section id="judgment-history">' in html
    assert "<th>15 August 2024 (this report)</th>" in html
    assert ("<td>Risk: Test risk</td>\n<td>likely <span class=\"range\">(55–80 %)</span>, "
            "major impact</td><td>likely") in html
    assert html.index('id="judgment-history"') < html.index('id="revisions"')


@pytest.mark.pdf
def test_the_pdf_prints_it(tmp_path: Path) -> None:
    from pypdf import PdfReader

    from sitroom.pdfbuild import build_pdf

    corpus = _corpus(tmp_path, _versions())
    out = tmp_path / "v3.pdf"
    build_pdf(corpus, "strike-v3", out, OPTIONS)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())
    assert "HOW OUR JUDGMENTS CHANGED" in text.upper()
    assert "Management offers a pay rise." in text
