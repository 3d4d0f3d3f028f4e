"""The Jinja environment shared by the site pages and the print HTML.

Autoescape is on for every template (whatever its extension) and undefined variables are errors,
so a template typo fails the build instead of printing an empty string into a briefing.

The filters here are the one way dates, numbers, coordinates and languages are written, on the
site and in the PDF alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

from . import markdown, vocab
from .history import judgment_history
from .models import EventDate
from .resources import TemplateChain

if TYPE_CHECKING:
    from .models import Actor, EventDate, Location, Risk


def format_date(value: date | datetime | EventDate | None, with_time: bool = True) -> str:
    """`6 August 2024`, and `6 August 2024, 09:00 UTC+03:00` for a date-time: unambiguous in
    every English-speaking country, unlike 08/06."""
    if value is None:
        return ""
    if isinstance(value, EventDate):  # a source's `published` may be a month: `March 2025`
        if value.day is None:
            return f"{value.first_day:%B %Y}"
        value = value.first_day
    text = f"{value.day} {value:%B %Y}"
    if isinstance(value, datetime) and with_time:
        offset = value.strftime("%z")
        zone = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
        text += f", {value:%H:%M} {zone}"
    return text


def format_event_date(value: EventDate) -> str:
    """A timeline date as every other date reads: `6 August 2024`, or `October 2023` when the
    analyst gave the month only."""
    if value.day is None:
        return f"{value.first_day:%B %Y}"
    return f"{value.day} {value.first_day:%B %Y}"


def format_number(value: object) -> str:
    """Key figure values: 2500 -> `2,500`, 3.0 -> `3`, 2.5 -> `2.5`; text stays as written."""
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def format_coordinate(value: float, positive: str, negative: str) -> str:
    """33.8, "N", "S" -> `33.8° N`: as precise as the analyst wrote, no trailing zeros."""
    text = f"{abs(value):.5f}".rstrip("0").rstrip(".")
    return f"{text}\u00b0 {positive if value >= 0 else negative}"


def format_coordinates(location: Location) -> str:
    """33.8, 42.44 -> `33.8° N, 42.44° E`: unambiguous on paper, unlike a signed pair."""
    if location.lat is None or location.lon is None:
        return ""
    return (f"{format_coordinate(location.lat, 'N', 'S')}, "
            f"{format_coordinate(location.lon, 'E', 'W')}")


def citation_numbers(ids: list[str], numbers: dict[str, int]) -> list[int]:
    """Source ids -> their numbers in the source list, ascending and once each: `[1, 5]`."""
    return sorted({numbers[i] for i in ids if i in numbers})


def native_lang(value: Actor | str | None, country: str | None = None) -> str:
    """The BCP 47 tag of a native name (an actor's or any text): from its letters, then from the
    actor's country where the letters are shared by several languages."""
    if isinstance(value, str) or value is None:
        return vocab.script_language(value or "", country)
    return vocab.script_language(value.native_name or "", country or value.country)


# --- the risk matrix ---------------------------------------------------------------------------

# Geometry of templates/shared/risk_matrix.svg.j2, in SVG user units. Numbers are set in a bold
# 12-unit face; widths are estimated on the wide side (DejaVu Sans Bold digits are 0.70 em, a
# comma 0.38 em, a space 0.35 em) so that what the layout keeps always fits the cell.
MATRIX = {"cell_w": 88, "cell_h": 34, "left": 150, "top": 10, "font": 12, "line": 13.5,
          "pad_x": 5, "pad_y": 3}
_DIGIT_EM, _COMMA_EM, _SPACE_EM, _LETTER_EM = 0.72, 0.42, 0.36, 0.72


@dataclass
class MatrixCell:
    likelihood: vocab.Likelihood
    impact: str
    row: int  # 0 = top (almost certain)
    col: int  # 0 = minimal
    numbers: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what the cell prints, one string a line
    counted: bool = False  # the numbers did not fit: the cell shows their count

    @property
    def score(self) -> int:
        return self.likelihood.rank * (self.col + 1)

    def x(self) -> float:
        return MATRIX["left"] + self.col * MATRIX["cell_w"]

    def y(self) -> float:
        return MATRIX["top"] + self.row * MATRIX["cell_h"]

    def baselines(self) -> list[float]:
        """The y of each printed line, the block centred in the cell."""
        line, font = MATRIX["line"], MATRIX["font"]
        first = self.y() + MATRIX["cell_h"] / 2 - (len(self.lines) - 1) * line / 2 + font * 0.36
        return [round(first + i * line, 2) for i in range(len(self.lines))]

    def placed(self) -> list[tuple[str, float]]:
        return list(zip(self.lines, self.baselines(), strict=True))


def _token_width(text: str) -> float:
    font = MATRIX["font"]
    return sum((_DIGIT_EM if c.isdigit() else _COMMA_EM if c == "," else
                _SPACE_EM if c == " " else _LETTER_EM) * font for c in text)


def _wrap_numbers(numbers: list[int]) -> list[str] | None:
    """The numbers as comma-separated lines within the cell, or None when they do not fit."""
    width = MATRIX["cell_w"] - 2 * MATRIX["pad_x"]
    most = int((MATRIX["cell_h"] - 2 * MATRIX["pad_y"]) // MATRIX["line"])
    lines: list[str] = []
    for i, n in enumerate(numbers):
        token = f"{n}," if i < len(numbers) - 1 else str(n)
        if lines and _token_width(lines[-1] + " " + token) <= width:
            lines[-1] += " " + token
        elif _token_width(token) <= width:
            lines.append(token)
        else:
            return None
        if len(lines) > most:  # no need to lay out the rest of a full cell
            return None
    return lines


@dataclass
class MatrixLayout:
    cells: list[MatrixCell]

    @property
    def crowded(self) -> list[MatrixCell]:
        """Cells showing a count: their numbers are listed in the caption."""
        return [c for c in self.cells if c.counted]

    @property
    def description(self) -> str:
        """The matrix in words, cell by cell, for screen readers and the PDF's /Alt."""
        parts = [f"{c.likelihood.word}, {c.impact} impact: risk"
                 f"{'s' if len(c.numbers) > 1 else ''} {', '.join(map(str, c.numbers))}"
                 for c in self.cells if c.numbers]
        if not parts:
            return "No risks."
        return "; ".join(parts) + "."


def matrix_layout(numbered: list[tuple[int, Risk]]) -> MatrixLayout:
    """Where each risk number of the shared matrix goes: every number that fits its cell, in
    rows, and a count (`12 risks`) in a cell whose numbers do not all fit."""
    # One pass over the risks: the register's matrix holds thousands of them.
    by_cell: dict[tuple[str, str], list[int]] = {}
    for n, r in numbered:
        by_cell.setdefault((r.likelihood, r.impact), []).append(n)
    cells = []
    for row, lk in enumerate(reversed(vocab.LIKELIHOODS)):
        for col, impact in enumerate(vocab.IMPACTS):
            numbers = by_cell.get((lk.word, impact), [])
            cell = MatrixCell(lk, impact, row, col, sorted(numbers))
            if numbers:
                lines = _wrap_numbers(cell.numbers)
                cell.counted = lines is None
                cell.lines = lines or [f"{len(numbers)} risks"]
            cells.append(cell)
    return MatrixLayout(cells)


def make_env(templates: TemplateChain) -> jinja2.Environment:
    """Templates are looked up through the chain: a team's folder first, the defaults second."""
    env = jinja2.Environment(
        loader=templates.loader(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        markdown=markdown.render,
        markdown_inline=markdown.render_inline,
        safe_href=markdown.safe_href,
        country_name=vocab.country_name,
        date=format_date,
        isodate=lambda d: d.isoformat() if d is not None else "",
        event_date=format_event_date,
        number=format_number,
        figure=format_number,
        coordinate=format_coordinate,
        coordinates=format_coordinates,
        native_lang=native_lang,
        script_lang=native_lang,
        citation_numbers=citation_numbers,
        text_dir=vocab.text_direction,
    )
    env.globals.update(
        matrix_layout=matrix_layout,
        MATRIX=MATRIX,
        TLP_MEANING=vocab.TLP_MEANING,
        RISK_ORDER_TEXT=vocab.RISK_ORDER_TEXT,
        judgment_history=judgment_history,
        vocab=vocab,
        TLP=vocab.TLP,
        LIKELIHOODS=vocab.LIKELIHOODS,
        IMPACTS=vocab.IMPACTS,
        RELIABILITY=vocab.RELIABILITY,
        CREDIBILITY=vocab.CREDIBILITY,
    )
    return env


__all__ = ["Markup", "format_coordinate", "format_coordinates", "format_date",
           "format_event_date", "format_number", "make_env", "matrix_layout", "native_lang"]
