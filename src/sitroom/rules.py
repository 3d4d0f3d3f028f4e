"""Rules that span fields of one briefing: unique ids, resolved references, coherent dates.

Pydantic validates one field at a time; these rules report every breach across fields, each at
the location an analyst must edit. They also run on a partial briefing (see `load`): one whose
invalid records and fields are None, so a bad enum does not hide an unknown reference until the
next run. Whatever depends on an invalid value is left alone rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from .models import Briefing
from .problems import Loc, suggest

Finding = tuple[Loc, str]


def _unique(items: Sequence[object], list_name: str, what: str) -> Iterator[Finding]:
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item is None:
            continue
        ident = item.id  # type: ignore[attr-defined]
        if ident in first:
            yield (
                (list_name, index, "id"),
                f"{what} id '{ident}' is already used by {list_name}[{first[ident]}]; "
                "give each a different id",
            )
        else:
            first[ident] = index


def _ids(items: Sequence[object]) -> set[str] | None:
    """The ids a list defines, or None when an invalid record makes them uncertain."""
    if any(item is None for item in items):
        return None
    return {item.id for item in items}  # type: ignore[attr-defined]


def _refs(loc: Loc, ids: Iterable[str | None], known: set[str] | None,
          what: str) -> Iterator[Finding]:
    if known is None:
        return
    for index, ident in enumerate(ids):
        if ident is not None and ident not in known:
            yield (*loc, index), unknown_id(what, ident, known)


def unknown_id(what: str, ident: str, known: Iterable[str]) -> str:
    return f"unknown {what} id '{ident}'{suggest(ident, known)}"


def check_briefing(b: Briefing) -> list[Finding]:
    findings: list[Finding] = []
    findings += _unique(b.actors, "actors", "actor")
    findings += _unique(b.risks, "risks", "risk")
    findings += _unique(b.locations, "locations", "location")
    findings += _unique(b.sources, "sources", "source")
    findings += _unique([j if j is not None and j.id else None for j in b.key_judgments],
                        "key_judgments", "judgment")

    sources, actors, locations = _ids(b.sources), _ids(b.actors), _ids(b.locations)
    for i, judgment in enumerate(b.key_judgments):
        if judgment is not None:
            findings += _refs(("key_judgments", i, "sources"), judgment.sources, sources,
                              "source")
    for i, figure in enumerate(b.key_figures):
        source = figure.source if figure is not None else None
        if source is not None and sources is not None and source not in sources:
            findings.append((("key_figures", i, "source"), unknown_id("source", source, sources)))
    for i, risk in enumerate(b.risks):
        if risk is not None:
            findings += _refs(("risks", i, "actors"), risk.actors, actors, "actor")
            findings += _refs(("risks", i, "sources"), risk.sources, sources, "source")
    for i, event in enumerate(b.timeline):
        if event is None:
            continue
        if event.location is not None and locations is not None \
                and event.location not in locations:
            findings.append((("timeline", i, "location"),
                             unknown_id("location", event.location, locations)))
        findings += _refs(("timeline", i, "actors"), event.actors, actors, "actor")
        findings += _refs(("timeline", i, "sources"), event.sources, sources, "source")

    if b.as_of is not None and b.date is not None:
        # A date-time counts on its own clock: 23:00-05:00 on the 6th is still the 6th there.
        cutoff = b.as_of.date() if isinstance(b.as_of, datetime) else b.as_of
        if cutoff > b.date:
            findings.append((("as_of",), f"{b.as_of.isoformat()} is after the briefing's date, "
                                         f"{b.date.isoformat()}; the information cut-off "
                                         "cannot come after publication"))
    if b.next_update is not None and b.date is not None and b.next_update <= b.date:
        findings.append((("next_update",), f"{b.next_update.isoformat()} must be after the "
                                           f"briefing's date, {b.date.isoformat()}"))
    if b.period is not None and b.period.end < b.period.start:
        findings.append((("period", "end"), f"{b.period.end.isoformat()} is before the period's "
                                            f"start, {b.period.start.isoformat()}"))
    if b.id is not None:
        if b.supersedes == b.id:
            findings.append((("supersedes",), "a briefing cannot supersede itself"))
        for i, ident in enumerate(b.related):
            if ident == b.id:
                findings.append((("related", i), "a briefing cannot be related to itself"))
    return findings
