"""Problems found in briefings, reported the way compilers do so editors and CI can jump to them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# A path into a loaded document: keys and list indexes, e.g. ("risks", 2, "likelihood").
Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int  # 1-based
    column: int  # 1-based
    message: str
    # "error" stops a build and fails `sitroom check`; "warning" is reported and fails only
    # `sitroom check --strict`. Last, so problems still sort by place.
    severity: Literal["error", "warning"] = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def gnu(self) -> str:
        # Compilers' convention: errors bare, warnings say so, so editors colour them apart.
        label = "" if self.is_error else "warning: "
        return f"{self.path}:{self.line}:{self.column}: {label}{self.message}"

    def github(self) -> str:
        # GitHub workflow commands need %, CR and LF escaped in both properties and message.
        def esc(text: str, props: bool = False) -> str:
            text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            if props:
                text = text.replace(":", "%3A").replace(",", "%2C")
            return text

        return (
            f"::{self.severity} file={esc(self.path, True)},line={self.line},col={self.column},"
            f"title=sitroom check::{esc(self.message)}"
        )


def shown(text: object, limit: int = 60) -> str:
    """An analyst's text quoted back on one line: a message is one line, and short."""
    flat = " ".join(str(text).split()) if str(text).strip() else str(text)
    return f"'{flat}'" if len(flat) <= limit else f"'{flat[: limit - 3]}...'"


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known word `name` most likely misspells, if any is close enough."""
    options = list(known)
    same_case = [k for k in options if k.lower() == name.strip().lower()]
    match = same_case or difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return match[0] if match else None


def suggest(name: str, known: Iterable[str]) -> str:
    """`(did you mean 'summary'?)` or nothing: one good guess beats a list of every key."""
    match = closest(name, known)
    return f" (did you mean '{match}'?)" if match else ""


def format_loc(loc: Loc) -> str:
    """("risks", 2, "likelihood") -> "risks[2].likelihood"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class BriefingError(Exception):
    """Raised with every problem found, so callers report them all at once."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(p.gnu() for p in problems))
        self.problems = problems
