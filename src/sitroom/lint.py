"""Tradecraft lint: warnings about how a briefing judges, not whether it is well formed.

Each finding is a warning (an error under `sitroom check --strict`) at the word it is about,
ending with the rule's name in brackets so an analyst can look it up or silence it with
`x_lint_ignore: [{rule: NAME, reason: ...}]`. The rules follow ICD 203: the likelihood word
carries the probability, confidence is said apart from it, judgments rest on sources, and a
change of judgment is explained (standard 7).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import vocab
from .matching import match_judgments, match_risks
from .models import Briefing
from .problems import Loc, Problem, format_loc, shown
from .yamlsource import SourceMap, parse

# Words and phrases that state a probability outside the ICD 203 scale. Longest first, so
# "highly likely" is one finding, not "likely" left over.
_ESTIMATIVE = sorted([
    "may", "might", "could", "possibly", "probably", "probable", "perhaps", "maybe",
    "conceivably", "presumably", "highly likely", "highly unlikely", "highly probable",
    "most likely", "more likely than not", "in all likelihood", "fairly likely", "quite likely",
    "somewhat likely", "a good chance", "a real possibility",
], key=len, reverse=True)
ESTIMATIVE_RE = re.compile(
    r"\b(" + "|".join(w.replace(" ", r"\s+") for w in _ESTIMATIVE) + r")\b", re.IGNORECASE)
_LIKELIHOOD_TALK = re.compile(
    r"\b(likely|unlikely|likelihood|probably|probable|probability|chance|almost\s+certain(ly)?)\b",
    re.IGNORECASE)
_CONFIDENCE_TALK = re.compile(r"\b(confident|confidently|confidence)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
# "in May", "5 May", "May 2024": the month, not the modal verb.
_MONTH = re.compile(r"(\d\s*|\b(in|of|early|late|mid|since|until|by|from|to|and)\s+)$",
                    re.IGNORECASE)

WEAK_RELIABILITY = frozenset("EF")
WEAK_CREDIBILITY = frozenset({5, 6})


@dataclass(frozen=True)
class Finding:
    loc: Loc
    rule: str
    message: str  # what is wrong; the fix follows after a semicolon
    offset: int | None = None  # where the word starts in the field's text
    length: int = 0


def _is_month(text: str, start: int, word: str) -> bool:
    if word != "May":
        return False
    before = text[:start]
    at_sentence_start = not before.strip() or before.rstrip().endswith((".", "!", "?", ":"))
    after = text[start + 3:]
    return not at_sentence_start or bool(re.match(r"\s+\d|['’]s\b", after)) \
        or bool(_MONTH.search(before))


def _past_inability(text: str, m: re.Match[str]) -> bool:
    """"Rescuers could not reach the site" reports a fact, not a probability."""
    return m[0].lower() == "could" and bool(re.match(r"\s+not\b", text[m.end():]))


def _texts(b: Briefing) -> Iterator[tuple[Loc, str]]:
    for i, j in enumerate(b.key_judgments):
        yield ("key_judgments", i, "statement"), j.statement
    for i, r in enumerate(b.risks):
        yield ("risks", i, "title"), r.title
        if r.description:
            yield ("risks", i, "description"), r.description


def _wording(b: Briefing) -> Iterator[Finding]:
    for loc, text in _texts(b):
        for m in ESTIMATIVE_RE.finditer(text):
            if _is_month(text, m.start(), m[0]) or _past_inability(text, m):
                continue
            word = " ".join(m[0].split())
            yield Finding(loc, "estimative-language",
                          f"{shown(word)} is estimative language outside ICD 203; state the "
                          f"judgment plainly and let 'likelihood' carry the probability",
                          m.start(), len(m[0]))
        for sentence in _SENTENCE.finditer(text):
            said = _CONFIDENCE_TALK.search(sentence[0])
            if said and _LIKELIHOOD_TALK.search(sentence[0]):
                yield Finding(loc, "likelihood-confidence-mix",
                              f"{shown(said[0])} mixes confidence with likelihood in one "
                              "sentence; give the probability in 'likelihood' and the "
                              "confidence in 'confidence', not in the text",
                              sentence.start() + said.start(), len(said[0]))


def _grounding(b: Briefing) -> Iterator[Finding]:
    for i, j in enumerate(b.key_judgments):
        if not j.sources:
            yield Finding(("key_judgments", i), "unsourced",
                          "this key judgment cites no source; list the ids of the sources it "
                          "rests on under 'sources'")
            continue
        graded = [b.source(s) for s in j.sources]
        if j.confidence == "high" and all(
            s is not None and (s.reliability in WEAK_RELIABILITY
                               or s.credibility in WEAK_CREDIBILITY) for s in graded
        ):
            grades = ", ".join(f"{s.id} {s.grade}" for s in graded if s is not None)
            yield Finding(("key_judgments", i, "confidence"), "weak-sources-high-confidence",
                          f"high confidence rests only on sources graded E/F or 5/6 ({grades}); "
                          "lower the confidence or cite a better-graded source")
    for i, r in enumerate(b.risks):
        if not r.sources:
            yield Finding(("risks", i), "unsourced",
                          "this risk cites no source; list the ids of the sources it rests on "
                          "under 'sources'")
        if r.likelihood_info.rank >= vocab.LIKELIHOOD_BY_WORD["likely"].rank and not r.indicators:
            yield Finding(("risks", i, "likelihood"), "risk-without-indicators",
                          f"a risk rated {shown(r.likelihood)} lists no indicators; add what to "
                          "watch for under 'indicators'")


def findings(b: Briefing) -> list[Finding]:
    """Every tradecraft finding in one briefing, except those its x_lint_ignore silences."""
    silenced = {entry.rule for entry in b.x_lint_ignore}
    return [f for f in (*_wording(b), *_grounding(b)) if f.rule not in silenced]


# --- positions: at the word, where the YAML allows ---------------------------------------------


class Positions:
    """Line and column of a word inside a field's text, found in the file's own text."""

    def __init__(self, text: str, source_map: SourceMap):
        self.text = text
        self.smap = source_map
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.starts = sorted({*source_map.values.values(), *source_map.keys.values()})

    def _offset(self, line: int, column: int) -> int:
        return self.line_starts[line - 1] + column - 1

    def _line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def at(self, loc: Loc, value: str | None = None, offset: int | None = None,
           length: int = 0) -> tuple[int, int]:
        start = self.smap.value(loc)
        if value is None or offset is None or loc not in self.smap.values:
            return start
        # The same word, as often before it, in the file text between this value's start and
        # the next key or value: folding, quoting and line breaks only change the spaces.
        word = value[offset:offset + length]
        pattern = re.compile(r"\b" + r"\s+".join(map(re.escape, word.split())) + r"\b",
                             re.IGNORECASE)
        nth = len(pattern.findall(value[:offset]))
        following = bisect.bisect_right(self.starts, start)
        end = self._offset(*self.starts[following]) if following < len(self.starts) \
            else len(self.text)
        for index, found in enumerate(pattern.finditer(self.text, self._offset(*start), end)):
            if index == nth:
                return self._line_col(found.start())
        return start


def _value(b: Briefing, loc: Loc) -> str | None:
    node: object = b
    for part in loc:
        node = node[part] if isinstance(part, int) else getattr(node, part)  # type: ignore[index]
    return node if isinstance(node, str) else None


def problem(path: str, positions: Positions, b: Briefing, f: Finding) -> Problem:
    line, column = positions.at(f.loc, _value(b, f.loc), f.offset, f.length)
    return Problem(path, line, column, f"{format_loc(f.loc)}: {f.message} [{f.rule}]",
                   severity="warning")


def lint(b: Briefing, path: str, text: str, source_map: SourceMap) -> list[Problem]:
    """The tradecraft warnings of one valid briefing, at path:line:column."""
    found = findings(b)
    if not found:
        return []
    positions = Positions(text, source_map)
    return [problem(path, positions, b, f) for f in found]


# --- across versions: a change of judgment is logged (ICD 203 standard 7) ----------------------


def change_findings(new: Briefing, old: Briefing) -> list[Finding]:
    """Judgments and risks whose likelihood or confidence moved since `old` with no `changes`
    entry dated on or after `new`'s date."""
    if not new.published or "change-not-logged" in {e.rule for e in new.x_lint_ignore}:
        return []
    if any(c.date >= new.date for c in new.changes):
        return []
    out = []
    fix = (f"add a 'changes' entry dated {new.date.isoformat()} or later that says why "
           "(ICD 203 standard 7)")
    for m in match_judgments(old.key_judgments, new.key_judgments):
        if m.old is None or m.new is None:
            continue
        i = next(k for k, j in enumerate(new.key_judgments) if j is m.new)
        for name in ("likelihood", "confidence"):
            before, after = getattr(m.old, name), getattr(m.new, name)
            if before != after:
                out.append(Finding(("key_judgments", i, name), "change-not-logged",
                                   f"the judgment {shown(m.new.statement, 50)} moved from "
                                   f"{shown(before)} to {shown(after)} since {shown(old.id)}; "
                                   + fix))
    for m in match_risks(old.risks, new.risks):
        if m.old is None or m.new is None or m.old.likelihood == m.new.likelihood:
            continue
        i = next(k for k, r in enumerate(new.risks) if r is m.new)
        out.append(Finding(("risks", i, "likelihood"), "change-not-logged",
                           f"the risk {shown(m.new.title, 50)} moved from "
                           f"{shown(m.old.likelihood)} to {shown(m.new.likelihood)} since "
                           f"{shown(old.id)}; " + fix))
    return out


def change_problems(path: str, new: Briefing, old: Briefing) -> list[Problem]:
    found = change_findings(new, old)
    if not found:
        return []
    # Rare, so the file is read again for its positions rather than every file's positions
    # being kept (and sent between processes) for the chance of this warning.
    try:
        raw = Path(path).read_bytes()
    except OSError:
        raw = b""
    parsed = parse(raw, path)
    positions = Positions(raw.decode("utf-8", "replace"), parsed.source_map)
    return [problem(path, positions, new, f) for f in found]
