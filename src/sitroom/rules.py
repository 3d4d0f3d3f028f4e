"""Rules that span fields of one briefing: unique ids, resolved references, coherent dates.

Pydantic validates one field at a time and stops a record at its first model-level error; these
rules run on a valid briefing and report every breach, each at the location an analyst must edit.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from .models import Briefing
from .problems import Loc

Finding = tuple[Loc, str]


def suggest(name: str, known: Iterable[str]) -> str:
    """`(did you mean 'summary'?)` or nothing: one good guess beats a list of every key."""
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _unique(items: Sequence[object], list_name: str, what: str) -> Iterator[Finding]:
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        ident = item.id  # type: ignore[attr-defined]
        if ident in first:
            yield (
                (list_name, index, "id"),
                f"{what} id '{ident}' is already used by {list_name}[{first[ident]}]; "
                "give each a different id",
            )
        else:
            first[ident] = index


def _refs(loc: Loc, ids: Iterable[str], known: set[str], what: str) -> Iterator[Finding]:
    for index, ident in enumerate(ids):
        if ident not in known:
            yield (*loc, index), unknown_id(what, ident, known)


def unknown_id(what: str, ident: str, known: Iterable[str]) -> str:
    hint = suggest(ident, known)
    return f"unknown {what} id '{ident}'{hint or ''}"


def check_briefing(b: Briefing) -> list[Finding]:
    findings: list[Finding] = []
    findings += _unique(b.actors, "actors", "actor")
    findings += _unique(b.risks, "risks", "risk")
    findings += _unique(b.locations, "locations", "location")
    findings += _unique(b.sources, "sources", "source")

    sources = {s.id for s in b.sources}
    actors = {a.id for a in b.actors}
    locations = {loc.id for loc in b.locations}

    for i, judgment in enumerate(b.key_judgments):
        findings += _refs(("key_judgments", i, "sources"), judgment.sources, sources, "source")
    for i, figure in enumerate(b.key_figures):
        if figure.source is not None and figure.source not in sources:
            findings.append((("key_figures", i, "source"), unknown_id("source", figure.source,
                                                                      sources)))
    for i, risk in enumerate(b.risks):
        findings += _refs(("risks", i, "actors"), risk.actors, actors, "actor")
        findings += _refs(("risks", i, "sources"), risk.sources, sources, "source")
    for i, event in enumerate(b.timeline):
        if event.location is not None and event.location not in locations:
            findings.append((("timeline", i, "location"),
                             unknown_id("location", event.location, locations)))
        findings += _refs(("timeline", i, "actors"), event.actors, actors, "actor")
        findings += _refs(("timeline", i, "sources"), event.sources, sources, "source")

    if b.as_of is not None:
        # A date-time counts on its own clock: 23:00-05:00 on the 6th is still the 6th there.
        cutoff = b.as_of.date() if isinstance(b.as_of, datetime) else b.as_of
        if cutoff > b.date:
            findings.append((("as_of",), f"as_of ({b.as_of.isoformat()}) is after the "
                                         f"briefing's date ({b.date.isoformat()})"))
    if b.next_update is not None and b.next_update <= b.date:
        findings.append((("next_update",), f"next_update ({b.next_update.isoformat()}) must be "
                                           f"after the briefing's date ({b.date.isoformat()})"))
    if b.supersedes == b.id:
        findings.append((("supersedes",), "a briefing cannot supersede itself"))
    for i, ident in enumerate(b.related):
        if ident == b.id:
            findings.append((("related", i), "a briefing cannot be related to itself"))
    return findings
