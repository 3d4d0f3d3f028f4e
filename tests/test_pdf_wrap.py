"""A long unbreakable token (a hash, a URL) wraps inside its cell in the PDF: found whole in the
text, and nothing drawn past the page edge."""

from __future__ import annotations

import hashlib
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from sitroom.pdfbuild import build_pdfs
from test_pdf_support import (  # noqa: F401 - the fixture is used by every test here
    OPTIONS,
    TEMPLATES,
    corpus_of,
    example_data,
    no_weasyprint_warnings,
    standalone,
    write_briefing,
)

pytestmark = pytest.mark.pdf


def token(name: str, length: int = 120) -> str:
    """A token of `length` letters and digits that no line break can split, unique per field."""
    out = ""
    while len(out) < length:
        out += hashlib.sha256((name + out).encode()).hexdigest()
    return "Q" + out[: length - 1]


# (field, where it goes in the data, its token): every kind of text and table cell of the PDF.
def _fields(data: dict[str, Any]) -> dict[str, str]:
    tokens: dict[str, str] = {}

    def put(name: str, record: dict[str, Any], key: str, length: int = 120,
            prefix: str = "") -> None:
        value = prefix + token(name, length - len(prefix))
        record[key] = [value] if isinstance(record.get(key), list) else value
        tokens[name] = value

    put("title", data, "title", 120)
    put("summary", data, "summary")
    put("author", data, "authors")
    put("region", data, "regions")
    put("judgment", data["key_judgments"][0], "statement")
    put("figure-label", data["key_figures"][0], "label")
    put("figure-value", data["key_figures"][1], "value")
    put("actor-name", data["actors"][0], "name")
    put("actor-affiliation", data["actors"][1], "affiliation")
    put("actor-role", data["actors"][2], "role")
    put("risk-title", data["risks"][0], "title")
    put("risk-description", data["risks"][1], "description")
    put("risk-indicator", data["risks"][0], "indicators")
    put("risk-horizon", data["risks"][1], "horizon")
    put("event", data["timeline"][0], "event")
    put("location", data["locations"][0], "name")
    put("source-title", data["sources"][0], "title")
    put("source-publisher", data["sources"][1], "publisher")
    put("source-url", data["sources"][0], "url", prefix="https://example.org/")
    put("assumption", data, "assumptions")
    put("gap", data, "gaps")
    put("change", data["changes"][0], "note")
    return tokens


@pytest.fixture(scope="module")
def long_tokens_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("wrap")
    data = standalone(example_data())
    for actor in data["actors"]:
        actor.setdefault("id", actor["name"].lower().replace(" ", "-"))
    tokens = _fields(data)
    write_briefing(folder / "briefings", {**data, "id": "long-tokens"}, "long-tokens")
    corpus = corpus_of(folder / "briefings")
    build_pdfs(corpus, folder / "out", OPTIONS, jobs=1)
    return folder / "out" / "long-tokens.pdf", tokens


def test_every_long_token_is_printed_whole(
        long_tokens_pdf: tuple[Path, dict[str, str]]) -> None:
    pdf, tokens = long_tokens_pdf
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
    missing = [name for name, value in tokens.items() if value not in text]
    assert not missing, f"cut or missing: {missing}"


def test_nothing_is_drawn_past_the_page_edge(
        long_tokens_pdf: tuple[Path, dict[str, str]]) -> None:
    pdf, _ = long_tokens_pdf
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    root = ET.fromstring(html.replace('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 '
                                      'Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/'
                                      'xhtml1-transitional.dtd">', ""))
    ns = "{http://www.w3.org/1999/xhtml}"
    past = []
    for number, page in enumerate(root.iter(f"{ns}page"), start=1):
        width = float(page.get("width", "0"))
        for word in page.iter(f"{ns}word"):
            if float(word.get("xMax", "0")) > width - 1 or float(word.get("xMin", "0")) < 1:
                past.append(f"page {number}: {(word.text or '')[:30]}")
    assert not past, past[:10]
