"""Helpers shared by the PDF tests (no tests here): briefings written to disk and loaded through
the real pipeline, and readers of PDF content with pypdf. PDFs are always checked by what they
contain, never compared with a stored file."""

from __future__ import annotations

import copy
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from sitroom.corpus import Corpus, gather
from sitroom.printopts import PrintOptions

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
BRIEFINGS = ROOT / "briefings"
EXAMPLE = BRIEFINGS / "2024" / "2024-08-06-ain-al-asad-rocket-attack.yaml"
EXAMPLE_ID = EXAMPLE.stem
FONT_DIR = TEMPLATES / "pdf" / "fonts"
OPTIONS = PrintOptions.at(TEMPLATES)
# BaseFont names WeasyPrint gives the shipped faces ("Sitroom ..." families of print.css).
SHIPPED_FONTS = {"Sitroom-Sans", "Sitroom-Sans-Bold", "Sitroom-Sans-Italic",
                 "Sitroom-Sans-Bold-Italic", "Sitroom-Mono", "Sitroom-CJK", "Sitroom-Ethiopic",
                 "Sitroom-Devanagari", "Sitroom-Bengali", "Sitroom-Thai", "Sitroom-Myanmar"}
TLP_RGB = {"CLEAR": (1.0, 1.0, 1.0), "GREEN": (0.2, 1.0, 0.0), "AMBER": (1.0, 0.752941, 0.0),
           "AMBER+STRICT": (1.0, 0.752941, 0.0), "RED": (1.0, 0.168627, 0.168627)}


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(request: pytest.FixtureRequest) -> Iterator[None]:
    """Any WeasyPrint warning or error during a test fails it (the renderer also refuses
    them; this checks it from outside). A test that provokes one on purpose sets
    `request.node.expects_weasyprint_warnings`."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if not getattr(request.node, "expects_weasyprint_warnings", False):
        from sitroom.pdf import ENVIRONMENT_NOTICES

        messages = [r.getMessage() for r in records]
        assert not [m for m in messages if not any(n.match(m) for n in ENVIRONMENT_NOTICES)]


# --- briefings -----------------------------------------------------------------------------


@cache
def _example_data() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def example_data() -> dict[str, Any]:
    """The example briefing as plain data, to change and write back."""
    return copy.deepcopy(_example_data())


def write_briefing(folder: Path, data: dict[str, Any], name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000),
                    encoding="utf-8")
    return path


def corpus_of(*paths: Path) -> Corpus:
    checked = gather(list(paths))
    assert checked.ok, [p.gnu() for p in checked.problems]
    return checked.corpus


def standalone(data: dict[str, Any]) -> dict[str, Any]:
    """Drop the references to other briefings, so the briefing checks on its own."""
    data.pop("related", None)
    data.pop("supersedes", None)
    return data


# --- reading PDFs --------------------------------------------------------------------------


def reader_of(data: bytes) -> PdfReader:
    import io

    return PdfReader(io.BytesIO(data))


def page_texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Shown:
    """A piece of text as drawn: where (PDF points, origin bottom left), how big, what colour."""

    text: str
    x: float
    y: float
    size: float
    fill: tuple[float, ...] | None
    font: str
    box: tuple[float, float, float, float] | None  # the last filled rectangle before it


def _mul(a: list[float], b: list[float]) -> list[float]:
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def shown_text(page: Any) -> list[Shown]:
    """Every text run of a page with its position, size in points, fill colour and font."""
    state: dict[str, Any] = {"fill": None, "rect": None, "box": None}
    out: list[Shown] = []

    def before(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op in (b"rg", b"sc", b"scn") and len(args) == 3:
            state["fill"] = tuple(round(float(a), 6) for a in args)
        elif op == b"g" and args:
            state["fill"] = (round(float(args[0]), 6),) * 3
        elif op == b"re":
            x, y, w, h = (float(a) for a in args)
            x0, y0 = cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]
            x1, y1 = (cm[0] * (x + w) + cm[2] * (y + h) + cm[4],
                      cm[1] * (x + w) + cm[3] * (y + h) + cm[5])
            state["rect"] = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        elif op in (b"f", b"F", b"f*") and state["rect"] is not None:
            state["box"] = (state["rect"], state["fill"])
            state["rect"] = None

    def text(t: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not t.strip():
            return
        m = _mul(tm, cm)
        scale = math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))
        name = str(font.get("/BaseFont", "")) if font else ""
        box = state["box"]
        out.append(Shown(t, m[4], m[5], size * scale, state["fill"],
                         re.sub(r"^/?[A-Z]{6}\+", "", name),
                         box[0] if box and box[1] == (0.0, 0.0, 0.0) else None))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return out


def font_names(reader: PdfReader) -> set[str]:
    """BaseFont of every font in the document (pages, forms and their resources)."""
    names: set[str] = set()
    seen: set[int] = set()

    def visit(node: Any) -> None:
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                return
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if node.get("/Type") == "/Font" and "/BaseFont" in node:
                names.add(re.sub(r"^[A-Z]{6}\+", "", str(node["/BaseFont"]).lstrip("/")))
            for key, value in node.items():
                if key not in ("/Parent", "/P", "/Pg"):
                    visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for page in reader.pages:
        visit(page.get("/Resources"))
    return names


def all_objects(reader: PdfReader) -> Iterator[Any]:
    """Every object of the file, read from its cross-reference tables."""
    for generation, numbers in reader.xref.items():
        for number in numbers:
            yield reader.get_object(IndirectObject(number, generation, reader))
    for number in getattr(reader, "xref_objStm", {}):
        yield reader.get_object(IndirectObject(number, 0, reader))


def image_objects(reader: PdfReader) -> list[Any]:
    return [o for o in all_objects(reader)
            if isinstance(o, DictionaryObject) and o.get("/Subtype") == "/Image"]


def outline_titles(reader: PdfReader) -> list[tuple[int, str]]:
    """(depth, title) of every bookmark, in order."""
    out: list[tuple[int, str]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title))

    walk(reader.outline, 0)
    return out
