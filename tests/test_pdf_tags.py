"""The tagged (PDF/UA-1) variant read as a screen reader would, and text extraction as poppler
does it: /Lang on native names, one header per facts value, an /IDTree for the header IDs, the
matrix's text alternative by cell, and right-to-left ligatures extracted in reading order."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from sitroom import pdf
from sitroom.corpus import Corpus
from sitroom.pdfbuild import links_for
from sitroom.printopts import PrintOptions
from test_pdf_support import (  # noqa: F401 - the fixture is used by every test here
    BRIEFINGS,
    EXAMPLE_ID,
    OPTIONS,
    TEMPLATES,
    corpus_of,
    no_weasyprint_warnings,
    reader_of,
)

NATIVE = {"جمهوری اسلامی ایران": "fa", "מדינת ישראל": "he", "حزب الله": "ar",
          "أنصار الله": "ar", "دولة قطر": "ar"}


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return corpus_of(BRIEFINGS)


@pytest.fixture(scope="module")
def tagged(corpus: Corpus) -> bytes:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    return pdf.render_briefing(briefing, links_for(corpus, briefing),
                               PrintOptions.at(TEMPLATES, variant="pdf/ua-1"))


def elements(reader: PdfReader) -> Iterator[DictionaryObject]:
    """Every structure element, depth first."""
    stack: list[Any] = [reader.trailer["/Root"]["/StructTreeRoot"]]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if hasattr(node, "idnum"):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
        node = node.get_object()
        if isinstance(node, DictionaryObject):
            if node.get("/Type") == "/StructElem":
                yield node
            kids = node.get("/K")
            if isinstance(kids, ArrayObject):
                stack.extend(reversed(kids))
            elif kids is not None and not isinstance(kids, int):
                stack.append(kids)


def test_native_names_carry_their_language(tagged: bytes) -> None:
    spans = [(str(e.get("/ActualText", "")), str(e["/Lang"])) for e in elements(reader_of(tagged))
             if "/Lang" in e]
    for name, lang in NATIVE.items():
        # The text alternative is the name in reading order, whatever the glyphs' mapping.
        assert (name, lang) in spans, name


def test_each_facts_value_has_one_header_and_ids_have_a_tree(tagged: bytes) -> None:
    reader = reader_of(tagged)
    found = list(elements(reader))
    cells = [e for e in found if e["/S"] == "/TD"]
    assert cells
    for cell in cells:
        headers = cell.get("/A", {}).get("/Headers", [])
        assert len(headers) <= 1, headers  # a row header or a column header, never both
    ids = {str(e["/ID"]) for e in found if "/ID" in e}
    assert ids
    tree = reader.trailer["/Root"]["/StructTreeRoot"]["/IDTree"].get_object()
    names = tree["/Names"]
    keys = [str(k) for k in names[::2]]
    assert keys == sorted(keys) and set(keys) == ids
    for key, ref in zip(names[::2], names[1::2], strict=True):
        assert str(ref.get_object()["/ID"]) == str(key)


def test_the_matrix_alternative_lists_risks_by_cell(tagged: bytes, corpus: Corpus) -> None:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    figures = [str(e.get("/Alt", "")) for e in elements(reader_of(tagged)) if e["/S"] == "/Figure"]
    alt = next(a for a in figures if a.startswith("Risk matrix"))
    # Each risk's number in its own cell's entry ("likely, major impact: risks 1, 3; ..."),
    # as a whole number: "1" must not pass for being part of "12".
    for n, risk in enumerate(briefing.risks_by_score, start=1):
        cell = rf"{re.escape(str(risk.likelihood))}, {risk.impact} impact: risks? [^;.]*"
        assert re.search(rf"{cell}\b{n}\b", alt), (n, alt)


@pytest.mark.parametrize("variant", [None, "pdf/ua-1"])
def test_right_to_left_ligatures_extract_in_reading_order(variant: str | None, corpus: Corpus,
                                                           tagged: bytes, tmp_path: Path) -> None:
    """`اسلامی` has a lam-alef ligature: poppler must extract it as written, not `اسالمی`."""
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    data = tagged if variant else pdf.render_briefing(briefing, links_for(corpus, briefing),
                                                      OPTIONS)
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    for name in NATIVE:
        assert name in text, name
    assert "الإسلامية" in text and "اإلسالمية" not in text
    assert "اسالمی" not in text
