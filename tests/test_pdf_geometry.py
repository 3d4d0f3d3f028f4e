"""The PDF checked by where its words are printed (`pdftotext -bbox`, poppler), not only by what
they say: nothing outside the page margins, no two words printed over each other, every risk
number inside its own cell of the matrix, the key figures on page one.

One synthetic briefing per marking and paper size (each with one crowded matrix cell of 1, 6, 12
or 40 risks), plus the example briefings on A4: thirteen renders in all."""

from __future__ import annotations

import html
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from sitroom import pdf, vocab
from sitroom.corpus import Corpus
from sitroom.models import Briefing
from sitroom.pdfbuild import links_for
from sitroom.printopts import PrintOptions
from sitroom.render import matrix_layout
from test_pdf_support import (  # noqa: F401 - the fixture is used by every test here
    BRIEFINGS,
    OPTIONS,
    TEMPLATES,
    corpus_of,
    example_data,
    no_weasyprint_warnings,
    reader_of,
    shown_text,
    standalone,
    write_briefing,
)

MM = 72 / 25.4
SIDE_MARGIN = 16 * MM  # print.css: the text block's left and right edges
EDGE = 8 * MM  # header and footer words stay this far from the top and bottom paper edges
TOLERANCE = 0.6  # points: rounding in poppler's boxes

# `make test` installs poppler-utils (scripts/install-system-deps test): without pdftotext these
# tests fail rather than skip, so CI never passes having checked nothing.


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float  # from the top of the page, as poppler gives it
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]

    def text(self) -> str:
        return " ".join(w.text for w in self.words)


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">'
                   r"(.*?)</word>", re.S)


def pages_of(data: bytes, tmp: Path) -> list[Page]:
    path = tmp / "out.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    pages = []
    for number, (width, height, body) in enumerate(_PAGE.findall(out), start=1):
        words = [Word(html.unescape(t), float(a), float(b), float(c), float(d))
                 for a, b, c, d, t in _WORD.findall(body)]
        pages.append(Page(number, float(width), float(height), words))
    return pages


# --- the checks --------------------------------------------------------------------------------


def outside_margins(page: Page) -> list[Word]:
    return [w for w in page.words
            if w.x0 < SIDE_MARGIN - TOLERANCE or w.x1 > page.width - SIDE_MARGIN + TOLERANCE
            or w.y0 < EDGE or w.y1 > page.height - EDGE]


def overprinted(page: Page) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes overlap by more than a sliver (a fifth of the smaller one):
    text painted over text. Neighbours on a line or in adjacent lines only touch."""
    found = []
    words = sorted(page.words, key=lambda w: w.x0)
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b.x0 >= a.x1:
                break
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            if w <= 0 or h <= 0:
                continue
            smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
            if w * h > 0.2 * smaller:
                found.append((a, b))
    return found


@dataclass
class Grid:
    """The matrix's cells on the page, found from its axis labels: columns centred on the
    impact words, rows on the likelihood words."""

    columns: list[float]
    rows: list[float]

    def cell(self, row: int, col: int) -> tuple[float, float, float, float]:
        dx = (self.columns[-1] - self.columns[0]) / 4 / 2
        dy = (self.rows[-1] - self.rows[0]) / 6 / 2
        return (self.columns[col] - dx, self.rows[row] - dy,
                self.columns[col] + dx, self.rows[row] + dy)

    def inside(self, word: Word) -> bool:
        x0, y0, _, _ = self.cell(0, 0)
        _, _, x1, y1 = self.cell(6, 4)
        return x0 <= word.cx <= x1 and y0 <= word.cy <= y1


LABEL_ENDS = ("certain", "likely", "likely", "chance", "unlikely", "unlikely", "chance")


def matrix_grid(page: Page) -> Grid | None:
    by_line: dict[int, list[Word]] = {}
    for w in page.words:
        if w.text in vocab.IMPACTS:
            by_line.setdefault(round(w.y0), []).append(w)
    axis = next((sorted(ws, key=lambda w: w.x0) for ws in by_line.values()
                 if [w.text for w in sorted(ws, key=lambda w: w.x0)] == list(vocab.IMPACTS)),
                None)
    if axis is None:
        return None
    columns = [w.cx for w in axis]
    first_left = columns[0] - (columns[1] - columns[0]) / 2
    ends = sorted((w for w in page.words
                   if w.text in LABEL_ENDS and w.y1 < axis[0].y0
                   and first_left - (columns[1] - columns[0]) < w.x1 < first_left),
                  key=lambda w: w.y0)[-7:]
    assert [w.text for w in ends] == list(LABEL_ENDS), [w.text for w in ends]
    return Grid(columns, [w.cy for w in ends])


def check_matrix(page: Page, briefing: Briefing) -> None:
    """Every risk number is inside its own cell; a counted cell shows `N risks` inside it and
    its numbers nowhere in the matrix; nothing else is printed in the cells."""
    grid = matrix_grid(page)
    assert grid is not None, f"no matrix on page {page.number}"
    numbered = list(enumerate(briefing.risks_by_score, start=1))
    layout = matrix_layout(numbered)
    where = {(c.row, c.col): c for c in layout.cells}
    in_cells = [w for w in page.words if grid.inside(w)]
    seen: list[int] = []
    for w in in_cells:
        cell = next(((r, c) for r in range(7) for c in range(5)
                     if _within(w, grid.cell(r, c))), None)
        assert cell is not None, f"{w} straddles two cells"
        expected = where[cell]
        if expected.counted:
            assert w.text in (str(len(expected.numbers)), "risks"), (w, cell)
            continue
        number = int(w.text.rstrip(","))
        assert number in expected.numbers, f"risk {number} printed in cell {cell}: {w}"
        seen.append(number)
    listed = sorted(n for c in layout.cells if not c.counted for n in c.numbers)
    assert sorted(seen) == listed
    counted = [c for c in layout.cells if c.counted]
    shown = " ".join(w.text for w in in_cells)
    for c in counted:
        assert f"{len(c.numbers)} risks" in shown


def _within(w: Word, box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = box
    return x0 - TOLERANCE <= w.x0 and w.x1 <= x1 + TOLERANCE and \
        y0 - TOLERANCE <= w.y0 and w.y1 <= y1 + TOLERANCE


def check_page_geometry(pages: list[Page], label: str) -> None:
    for page in pages:
        assert not outside_margins(page), (page.number, outside_margins(page)[:5])
        assert not overprinted(page), (page.number, overprinted(page)[:5])
        heads = [w for w in page.words if w.text == label and w.y1 < 25 * MM]
        foots = [w for w in page.words if w.text == label and w.y0 > page.height - 20 * MM]
        assert len(heads) == 1 and len(foots) == 1, (page.number, heads, foots)
        # Header and footer labels end at the same right edge.
        assert abs(heads[0].x1 - foots[0].x1) < 1, (heads, foots)


# --- synthetic briefings: every marking on A4 and Letter, matrices crowded 1, 6, 12 and 40 ------

CASES = [("CLEAR", "A4", 40), ("GREEN", "A4", 12), ("AMBER", "A4", 6), ("AMBER+STRICT", "A4", 1),
         ("CLEAR", "Letter", 1), ("GREEN", "Letter", 6), ("AMBER", "Letter", 12),
         ("AMBER+STRICT", "Letter", 40)]


def crowded(level: str, crowd: int) -> dict[str, Any]:
    """The example briefing, marked `level`, with `crowd` risks in one cell (very likely x
    severe) and single risks spread over other cells, ties among them."""
    data = standalone(example_data())
    data["tlp"] = level
    data["risks"] = [
        {"title": f"Crowded risk {i:02d} of the same cell", "likelihood": "very likely",
         "impact": "severe"} for i in range(crowd)
    ] + [
        {"title": f"Spread risk {i} {lk} {impact}", "likelihood": lk, "impact": impact,
         "trend": "rising" if i % 2 else "falling"}
        for i, (lk, impact) in enumerate([("almost certain", "minimal"), ("likely", "major"),
                                          ("very unlikely", "moderate"), ("unlikely", "severe"),
                                          ("almost no chance", "minor"), ("likely", "major")])
    ]
    return data


def _render(level: str, paper: str, crowd: int, folder: Path) -> tuple[bytes, Briefing]:
    corpus = corpus_of(write_briefing(folder, crowded(level, crowd), "geometry-case"))
    briefing = corpus.briefings[0]
    return pdf.render_briefing(briefing, links_for(corpus, briefing),
                               PrintOptions.at(TEMPLATES, paper=paper)), briefing


@pytest.mark.parametrize(("level", "paper", "crowd"), CASES,
                         ids=[f"{lv}-{p}-{c}" for lv, p, c in CASES])
def test_marking_paper_and_crowded_matrix(level: str, paper: str, crowd: int,
                                          tmp_path: Path) -> None:
    data, briefing = _render(level, paper, crowd, tmp_path)
    pages = pages_of(data, tmp_path)
    size = {"A4": (595, 842), "Letter": (612, 792)}[paper]
    assert all((round(p.width), round(p.height)) == size for p in pages)
    check_page_geometry(pages, f"TLP:{level}")
    matrix_pages = [p for p in pages if matrix_grid(p) is not None]
    assert len(matrix_pages) == 1
    check_matrix(matrix_pages[0], briefing)
    text = " ".join(p.text() for p in pages)
    if crowd >= 12:
        assert f"{crowd} risks" in matrix_pages[0].text()
        # ... and the caption names them.
        assert "Counted cells: very likely × severe, risks 1, 2, 3," in " ".join(text.split())
    # The list names every risk.
    assert text.count("Crowded risk") == crowd


# --- the example briefings on A4 -----------------------------------------------------------------


@pytest.fixture(scope="module")
def examples() -> Corpus:
    return corpus_of(BRIEFINGS)


def example_ids() -> Iterator[str]:
    yield from sorted(p.stem for p in (BRIEFINGS / "2024").glob("*.yaml"))


@pytest.mark.parametrize("briefing_id", list(example_ids()))
def test_example_on_a4(briefing_id: str, examples: Corpus, tmp_path: Path) -> None:
    briefing = examples.get(briefing_id)
    assert briefing is not None
    data = pdf.render_briefing(briefing, links_for(examples, briefing), OPTIONS)
    pages = pages_of(data, tmp_path)
    check_page_geometry(pages, briefing.tlp.label)
    check_matrix(next(p for p in pages if matrix_grid(p) is not None), briefing)
    # Labels and notes 7 pt or more; body text (the bottom line, judgments, actors' roles,
    # risks' descriptions, timeline events) 9 pt or more.
    shown = []
    for page in reader_of(data).pages:
        texts = shown_text(page)
        assert min(t.size for t in texts) >= 6.99, min(texts, key=lambda t: t.size)
        top = float(page.mediabox.height) - 17 * MM  # below the running head
        shown += [t for t in texts if 19 * MM < t.y < top]
    body = [briefing.key_judgments[0].statement, briefing.actors[0].role,
            *(r.description for r in briefing.risks if r.description),
            *(e.event for e in briefing.timeline)]
    for text in body:
        words = text.split()
        pairs = [f"{a} {b}" for a, b in pairwise(words)
                 if a.isalpha() and b.isalpha() and len(a + b) > 8]
        # The first pair printed on one line (a line break may fall inside the others).
        pair, sizes = next((p, found) for p in pairs
                           if (found := {round(t.size, 2) for t in shown if p in t.text}))
        assert min(sizes) >= 9, (pair, sizes)
    first = pages[0].text()
    # Page one: facts, bottom line, key judgments and key figures (the first row at least).
    for heading in ["BOTTOM LINE UP FRONT", "KEY JUDGMENTS", "KEY FIGURES"]:
        assert heading in first, heading
    assert briefing.key_figures, "every example shows key figures"
    assert briefing.key_figures[0].label.split()[0] in first
    # The title is printed once on page one: as its heading, not also in the running head.
    assert " ".join(first.split()).count(" ".join(briefing.title.split()[:6])) == 1
    # No page holds the reading key alone: the last page has body text above it.
    last = pages[-1]
    heading = next(w for w in last.words if w.text == "READING")
    above = [w for w in last.words if w.y0 > 25 * MM and w.y1 < heading.y0]
    assert len(above) >= 3, above


def test_no_table_row_alone_at_a_page_foot_or_head(tmp_path: Path) -> None:
    """15 timeline rows on the example's pages would leave one row alone on the next page: the
    table breaks earlier, so each page of it holds two rows or more."""
    data = standalone(example_data())
    data["timeline"] = [
        {"date": f"2024-01-{1 + i:02d}", "sources": ["eulerpool-2024-08-06"],
         "event": f"Event number {i:03d}: a patrol reported movement along the border road."}
        for i in range(15)
    ]
    corpus = corpus_of(write_briefing(tmp_path, data, "rows-case"))
    briefing = corpus.briefings[0]
    pages = pages_of(pdf.render_briefing(briefing, links_for(corpus, briefing),
                                         OPTIONS), tmp_path)
    rows = [p.text().count("Event number") for p in pages]
    assert sum(rows) == 15 and len([r for r in rows if r]) == 2, rows
    assert all(r == 0 or r >= 2 for r in rows), rows
