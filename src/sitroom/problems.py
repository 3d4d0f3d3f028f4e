"""Problems found in briefings, reported the way compilers do so editors and CI can jump to them."""

from __future__ import annotations

from dataclasses import dataclass

# A path into a loaded document: keys and list indexes, e.g. ("risks", 2, "likelihood").
Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int  # 1-based
    column: int  # 1-based
    message: str

    def gnu(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def github(self) -> str:
        # GitHub workflow commands need %, CR and LF escaped in both properties and message.
        def esc(text: str, props: bool = False) -> str:
            text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            if props:
                text = text.replace(":", "%3A").replace(",", "%2C")
            return text

        return (
            f"::error file={esc(self.path, True)},line={self.line},col={self.column},"
            f"title=sitroom check::{esc(self.message)}"
        )


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
