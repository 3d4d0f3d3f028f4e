"""What a PDF is made with besides the briefing: the bottom of the PDF modules (`pdf` lays out,
`pdfbuild` schedules and caches; both import this, neither imports the other at load time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .resources import TemplateChain

PAPERS = {"A4": "A4", "Letter": "letter"}  # option value -> CSS page size
VARIANTS = ("pdf/a-3u", "pdf/ua-1")
# The only template folders the print template (and WeasyPrint) may read, and so the folders
# the PDF cache key covers.
ASSET_DIRS = ("pdf", "shared")


@dataclass(frozen=True)
class PrintOptions:
    """Templates, paper and PDF variant: one value, checked once, hashable (a cache key part)."""

    templates: TemplateChain
    paper: str = "A4"
    variant: str | None = None  # None, `pdf/a-3u` (archival) or `pdf/ua-1` (tagged)

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {self.paper!r}")
        if self.variant is not None and self.variant not in VARIANTS:
            raise ValueError(
                f"variant must be one of {', '.join(VARIANTS)}, not {self.variant!r}")

    @classmethod
    def at(cls, templates: Path, paper: str = "A4", variant: str | None = None) -> PrintOptions:
        """Options over a project's templates folder (with the package's defaults behind it)."""
        return cls(TemplateChain.for_project(templates), paper, variant)
