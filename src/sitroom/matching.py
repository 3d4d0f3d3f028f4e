"""Which key judgment or risk of one version is which of another: by id, else by text.

Shared by the analytic diff, the judgment history and the change-log rule, so all three agree
on what counts as the same judgment.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from .models import Judgment, Risk

# Two texts at least this similar (difflib ratio of their normalised forms) are one item,
# reworded. Below it, a reworded judgment reads as one removed and one added, which is the
# honest report when the wording changed that much.
MATCH_THRESHOLD = 0.6

T = TypeVar("T")


def normalise(text: str) -> str:
    """Case, Markdown emphasis, punctuation and spacing do not make a different judgment."""
    text = re.sub(r"[*_`~\[\]()>#|]", " ", text.casefold())
    text = re.sub(r"[^\w\s%-]", " ", text)
    return " ".join(text.split())


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b), autojunk=False).ratio()


@dataclass(frozen=True)
class Matched:
    old: Any
    new: Any
    by: Literal["id", "text", ""]  # how the pair was found; "" for an added or removed item


def match(old: Sequence[T], new: Sequence[T], ident: Callable[[T], str | None],
          text: Callable[[T], str]) -> list[Matched]:
    """Pair old and new items: by id, then by equal normalised text, then by the most similar
    text above MATCH_THRESHOLD. New order first (with what each replaces), then the removed."""
    pairs: dict[int, tuple[int, str]] = {}  # new index -> (old index, how)
    used: set[int] = set()
    old_ids = {ident(item): i for i, item in reversed(list(enumerate(old))) if ident(item)}
    for j, item in enumerate(new):
        i = old_ids.get(ident(item)) if ident(item) else None
        if i is not None and i not in used:
            pairs[j] = (i, "id")
            used.add(i)
    old_texts: dict[str, list[int]] = {}
    for i, item in enumerate(old):
        if i not in used:
            old_texts.setdefault(normalise(text(item)), []).append(i)
    for j, item in enumerate(new):
        if j in pairs:
            continue
        free = [i for i in old_texts.get(normalise(text(item)), []) if i not in used]
        if free:
            pairs[j] = (free[0], "text")
            used.add(free[0])
    scored = sorted(
        ((similarity(text(old[i]), text(new[j])), -j, -i, i, j)
         for j in range(len(new)) if j not in pairs
         for i in range(len(old)) if i not in used),
        reverse=True,
    )
    for score, _, _, i, j in scored:
        if score < MATCH_THRESHOLD:
            break
        if j not in pairs and i not in used:
            pairs[j] = (i, "text")
            used.add(i)
    out = [Matched(old[pairs[j][0]] if j in pairs else None, item,
                   pairs[j][1] if j in pairs else "")  # type: ignore[arg-type]
           for j, item in enumerate(new)]
    out += [Matched(item, None, "") for i, item in enumerate(old) if i not in used]
    return out


def match_judgments(old: Sequence[Judgment], new: Sequence[Judgment]) -> list[Matched]:
    return match(old, new, lambda j: j.id, lambda j: j.statement)


def match_risks(old: Sequence[Risk], new: Sequence[Risk]) -> list[Matched]:
    return match(old, new, lambda r: r.id, lambda r: r.title)


