"""The one vocabulary of the site and the PDF: formatting filters, language from letters, the
risk matrix layout, the order of risks and of timeline dates, and the OCHA-style fields."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sitroom import pdf, render, vocab
from sitroom.corpus import gather
from sitroom.models import EventDate, Risk
from sitroom.pdfbuild import links_for
from sitroom.printopts import PrintOptions
from sitroom.resources import TemplateChain
from sitroom.site import render_pages

ROOT = Path(__file__).resolve().parents[1]
SUDAN = "2024-09-02-sudan-el-fasher-humanitarian"


@pytest.mark.parametrize(("text", "lang"), [
    ("جمهوری اسلامی ایران", "fa"), ("حزب الله", "ar"), ("پاکستان پیپلز پارٹی", "ur"),
    ("מדינת ישראל", "he"), ("Україна", "uk"), ("Россия", "ru"), ("Беларусь", "ru"),
    ("Савет Міністраў", "be"), ("中华人民共和国", "zh"), ("日本国", "zh"), ("にほん", "ja"),
    ("대한민국", "ko"), ("ኢትዮጵያ", "am"), ("Ελλάδα", "el"), ("Iran", ""), ("ⴰⵎⴰⵣⵉⵖ", ""),
    ("Hezbollah حزب الله", ""), ("", ""),
])
def test_language_comes_from_the_letters(text: str, lang: str) -> None:
    assert vocab.script_language(text) == lang
    assert render.native_lang(text) == lang


@pytest.mark.parametrize(("text", "country", "lang"), [
    ("България", "BG", "bg"), ("Србија", "RS", "sr"), ("Кыргызстан", "KG", "ky"),
    ("日本国", "JP", "ja"), ("नेपाल", "NP", "ne"), ("中华人民共和国", "CN", "zh"),
    # Letters of one language outrank the country: Persian letters stay Persian anywhere.
    ("جمهوری اسلامی ایران", "IQ", "fa"), ("Україна", "RU", "uk"), ("Iran", "IR", ""),
])
def test_the_country_decides_where_the_letters_cannot(text: str, country: str,
                                                      lang: str) -> None:
    assert vocab.script_language(text, country) == lang
    assert render.native_lang(text, country) == lang


def test_formatting_reads_alike_everywhere() -> None:
    assert vocab.LIKELIHOOD_BY_WORD["very likely"].range == "80–95 %"
    assert render.format_number(2500) == "2,500"
    assert render.format_number(3.0) == "3"
    assert render.format_number(10.7) == "10.7"
    assert render.format_number("about 2,500") == "about 2,500"
    assert render.format_coordinate(33.8, "N", "S") == "33.8° N"
    assert render.format_coordinate(-0.12345, "E", "W") == "0.12345° W"
    assert render.format_event_date(EventDate(2023, 10)) == "October 2023"
    assert render.format_event_date(EventDate(2024, 8, 6)) == "6 August 2024"
    assert render.format_date(date(2024, 8, 6)) == "6 August 2024"
    assert render.citation_numbers(["b", "a", "b"], {"a": 5, "b": 1}) == [1, 5]


def test_month_only_dates_follow_the_exact_dates_of_their_month() -> None:
    dates = [EventDate(2023, 10), EventDate(2023, 10, 31), EventDate(2023, 9, 30),
             EventDate(2023, 11, 1), EventDate(2023, 10, 7)]
    ordered = sorted(dates, key=lambda d: d.sort_key)
    assert [str(d) for d in ordered] == ["2023-09-30", "2023-10-07", "2023-10-31", "2023-10",
                                         "2023-11-01"]


def _risk(title: str, likelihood: str, impact: str, trend: str | None = None) -> Risk:
    return Risk.model_validate({"title": title, "likelihood": likelihood, "impact": impact,
                                "trend": trend})


def test_ties_are_ordered_by_impact_then_likelihood_then_trend() -> None:
    risks = [
        _risk("A major likely", "likely", "major"),  # 5 x 4 = 20
        _risk("B severe even", "roughly even chance", "severe"),  # 4 x 5 = 20
        _risk("C severe even rising", "roughly even chance", "severe", "rising"),
        _risk("D severe even falling", "roughly even chance", "severe", "falling"),
        _risk("E top", "almost certain", "severe"),
    ]
    ordered = [r.title for r in sorted(risks, key=lambda r: r.order_key)]
    # A risk without a trend comes after the falling one: the documented order.
    assert ordered == ["E top", "C severe even rising", "D severe even falling",
                       "B severe even", "A major likely"]
    assert "ties by impact, then likelihood, then trend" in vocab.RISK_ORDER_TEXT


@pytest.mark.parametrize(("crowd", "counted"), [(1, False), (6, False), (12, True), (40, True)])
def test_matrix_cells_show_the_numbers_that_fit_or_a_count(crowd: int, counted: bool) -> None:
    numbered = [(n, _risk(f"R{n}", "very likely", "severe")) for n in range(1, crowd + 1)]
    numbered.append((crowd + 1, _risk("Other", "unlikely", "minor")))
    layout = render.matrix_layout(numbered)
    cell = next(c for c in layout.cells if c.numbers and c.likelihood.word == "very likely")
    assert (cell.row, cell.col) == (1, 4)
    assert cell.counted is counted
    if counted:
        assert cell.lines == [f"{crowd} risks"]
        assert layout.crowded == [cell]
    else:
        assert ", ".join(cell.lines).replace(",,", ",") == ", ".join(map(str, range(1, crowd + 1)))
        # Every line fits the cell by the conservative width estimate, within its height.
        m = render.MATRIX
        for line, y in cell.placed():
            assert render._token_width(line) <= m["cell_w"] - 2 * m["pad_x"]
            assert cell.y() < y - m["font"] * 0.72 and y < cell.y() + m["cell_h"]
    assert "unlikely, minor impact: risk " + str(crowd + 1) in layout.description


def test_ocha_fields_on_page_one_and_on_the_site() -> None:
    checked = gather([ROOT / "briefings"])
    assert checked.ok
    corpus = checked.corpus
    sudan = corpus.get(SUDAN)
    assert sudan is not None and sudan.number == 14 and sudan.period is not None
    assert len(sudan.highlights) == 3 and sudan.contacts[0].email == "africa-desk@example.org"
    html = pdf.print_html(sudan, links_for(corpus, sudan), PrintOptions.at(ROOT / "templates"))
    page_one = html.split('id="key-judgments"')[0]
    for expected in ["Situation report No. 14", "19 August 2024 to 1 September 2024",
                     "Famine confirmed in Zamzam camp", "africa-desk@example.org",
                     '<th scope="row">Contact</th>']:
        assert expected in page_one, expected
    page = next(p for p in render_pages(corpus, TemplateChain.for_project(ROOT / "templates"))
                if p.path.startswith("briefings/") and SUDAN in p.path)
    text = str(page.markdown)
    for expected in ["sitrep No. 14", "19 August 2024</time> to <time", "<li>Famine confirmed",
                     'href="mailto:africa-desk@example.org"']:
        assert expected in text, expected
