"""How each key judgment and risk moved across the versions a briefing supersedes.

ICD 203 standard 7: readers see how and when a judgment changed. The versions are followed
back through `supersedes` only while the reader of this briefing may see them (the rule of
`Corpus.named_by`: no more restrictive marking, no draft behind a published briefing), and the
walk stops at the first one they may not: a hidden version is never named, not even skipped
over. Items are matched from version to version as the analytic diff matches them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from . import vocab
from .matching import Matched, match_judgments, match_risks
from .models import Briefing, Judgment, Risk

if TYPE_CHECKING:
    from .corpus import Corpus


@dataclass(frozen=True)
class Version:
    id: str
    title: str
    date: date


@dataclass(frozen=True)
class Estimate:
    likelihood: str
    range: str
    confidence: str | None = None  # judgments
    impact: str | None = None  # risks
    moved: bool = False  # differs from the version before


@dataclass(frozen=True)
class Row:
    kind: str  # "judgment" or "risk"
    text: str  # the statement or title, as last written
    estimates: tuple[Estimate | None, ...]  # one per version, oldest first; None: not in it

    @property
    def dropped(self) -> bool:
        return self.estimates[-1] is None


@dataclass(frozen=True)
class History:
    versions: tuple[Version, ...]  # oldest first; the last is the briefing itself
    rows: tuple[Row, ...]

    def as_data(self) -> dict[str, Any]:
        """Plain data, for the PDF cache key."""
        data = asdict(self)
        for version in data["versions"]:
            version["date"] = version["date"].isoformat()
        return data


def versions(corpus: Corpus, briefing: Briefing) -> list[Briefing]:
    """The briefing and those it supersedes that its reader may see, newest first."""
    chain = [briefing]
    current = briefing
    while current.supersedes:
        older = corpus.named_by(briefing, current.supersedes)
        if older is None or any(older is seen for seen in chain):
            break
        chain.append(older)
        current = older
    return chain


def _estimate(item: Judgment | Risk) -> Estimate:
    info = vocab.LIKELIHOOD_BY_WORD[item.likelihood]
    if isinstance(item, Judgment):
        return Estimate(info.word, info.range, confidence=item.confidence)
    return Estimate(info.word, info.range, impact=item.impact)


def _rows(kind: str, lists: list[Sequence[Any]],
          matcher: Callable[[Sequence[Any], Sequence[Any]], list[Matched]],
          text: Callable[[Any], str]) -> list[Row]:
    """`lists`: the items of each version, oldest first. Each item of a newer version is
    traced back through its matches; items that were dropped start their own row."""
    older_of: list[dict[int, Any]] = [{}]  # per version: id(item) -> its match one version back
    newer_known: list[set[int]] = []  # per version: ids of items a newer version carried on
    for before, after in pairwise(lists):
        kept = [m for m in matcher(before, after) if m.old is not None and m.new is not None]
        older_of.append({id(m.new): m.old for m in kept})
        newer_known.append({id(m.old) for m in kept})
    newer_known.append(set())
    rows = []
    for last in range(len(lists) - 1, -1, -1):
        for item in lists[last]:
            if id(item) in newer_known[last]:
                continue  # shown in the row of a newer version
            cells: list[Estimate | None] = [None] * len(lists)
            node, index = item, last
            while node is not None and index >= 0:
                cells[index] = _estimate(node)
                node = older_of[index].get(id(node))
                index -= 1
            moved = [
                None if cell is None else Estimate(
                    cell.likelihood, cell.range, cell.confidence, cell.impact,
                    moved=i > 0 and cells[i - 1] is not None and cells[i - 1] != cell)
                for i, cell in enumerate(cells)
            ]
            rows.append(Row(kind, text(item), tuple(moved)))
    return rows


def judgment_history(corpus: Corpus, briefing: Briefing) -> History | None:
    """The history of each judgment and risk, or None when no earlier version may be shown."""
    chain = list(reversed(versions(corpus, briefing)))
    if len(chain) < 2:
        return None
    rows = _rows("judgment", [b.key_judgments for b in chain], match_judgments,
                 lambda j: j.statement)
    rows += _rows("risk", [b.risks for b in chain], match_risks, lambda r: r.title)
    return History(tuple(Version(b.id, b.title, b.date) for b in chain), tuple(rows))
