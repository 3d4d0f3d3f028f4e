"""All briefings together: unique ids, resolved cross references, indexes for listings.

Pure: it reads files through `load` and otherwise only computes. The site and the PDFs are built
from a Corpus that has already been checked in full, so nothing is written from half the data.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import vocab
from .load import LoadCache, Loaded, load_paths
from .models import Actor, Briefing, slugify
from .problems import Problem, shown
from .rules import unknown_id


@dataclass
class Appearance:
    briefing: Briefing
    actor: Actor


@dataclass
class ActorEntry:
    """One actor across briefings: the same id means the same actor."""

    id: str
    appearances: list[Appearance] = field(default_factory=list)  # newest briefing first

    @property
    def latest(self) -> Actor:
        return self.appearances[0].actor

    @property
    def name(self) -> str:
        return self.latest.name

    @property
    def aliases(self) -> list[str]:
        return distinct(alias for a in self.appearances for alias in a.actor.aliases)


def distinct(values: Iterable[str | None]) -> list[str]:
    """The values that are set, first occurrence first."""
    return list(dict.fromkeys(v for v in values if v))


@dataclass
class Group:
    """A region, country or tag page: a key for the URL, a name for people, its briefings."""

    slug: str
    name: str
    briefings: list[Briefing] = field(default_factory=list)


@dataclass
class Corpus:
    briefings: list[Briefing]  # newest first
    files: dict[str, Loaded]  # briefing id -> where it came from
    actors: dict[str, ActorEntry]
    regions: dict[str, Group]
    countries: dict[str, Group]
    tags: dict[str, Group]
    superseded_by: dict[str, str]

    def __post_init__(self) -> None:
        self.by_id = {b.id: b for b in self.briefings}

    def get(self, briefing_id: str) -> Briefing | None:
        return self.by_id.get(briefing_id)

    def named_by(self, briefing: Briefing, other_id: str | None) -> Briefing | None:
        """The briefing `other_id` if `briefing` may name it: a page or PDF marked CLEAR must
        not print the title of an AMBER briefing, even on a site that publishes both, and a
        published briefing must not print a draft's."""
        other = self.by_id.get(other_id) if other_id else None
        if other is None or other.tlp > briefing.tlp:
            return None
        if briefing.published and not other.published:
            return None
        return other

    def select(self, max_tlp: vocab.TLP = vocab.TLP.CLEAR, drafts: bool = False) -> Corpus:
        """The briefings a site may show. Everything derived is rebuilt from them alone, so an
        excluded briefing cannot leak through an actor page, a listing or a cross reference."""
        kept = [
            b for b in self.briefings
            if b.tlp <= max_tlp and (drafts or b.published)
        ]
        return index(kept, {b.id: self.files[b.id] for b in kept if b.id in self.files})


def name_key(name: str) -> str:
    """What makes two actor names the same to a reader: letter case, compatibility forms and
    spacing and invisible format characters aside (as the look-alike check sees them)."""
    return " ".join(_name_key(name).casefold().split())


def actor_names(actor: Actor) -> list[tuple[str, str]]:
    """(field, name) for the name and each alias: the words a reader knows the actor by."""
    return [("name", actor.name), *(("aliases", alias) for alias in actor.aliases)]


def actor_groups(entries: Iterable[ActorEntry]) -> list[list[ActorEntry]]:
    """Actors that share a name or an alias, together: briefings that gave one actor two ids.
    Each group's first entry is the one named in most briefings (then the newest); groups come
    in the order of their first entries' names."""
    entries = list(entries)
    parent = {e.id: e.id for e in entries}

    def root(ident: str) -> str:
        while parent[ident] != ident:
            parent[ident] = parent[parent[ident]]
            ident = parent[ident]
        return ident

    owner: dict[str, str] = {}
    for entry in entries:
        for ap in entry.appearances:
            for _, name in actor_names(ap.actor):
                other = owner.setdefault(name_key(name), entry.id)
                parent[root(entry.id)] = root(other)
    groups: dict[str, list[ActorEntry]] = {}
    for entry in entries:
        groups.setdefault(root(entry.id), []).append(entry)
    ordered = [sorted(g, key=lambda e: (-len(e.appearances), -_sort_rank(e), e.id))
               for g in groups.values()]
    return sorted(ordered, key=lambda g: (g[0].name.lower(), g[0].id))


def _sort_rank(entry: ActorEntry) -> int:
    return entry.appearances[0].briefing.date.toordinal()


def actor_clashes(corpus: Corpus) -> list[Problem]:
    """Warnings where two actor ids share a name or an alias: the site would list one actor
    twice and its briefings apart. Each names both places."""
    first: dict[str, tuple[str, Problem]] = {}  # name key -> (actor id, where it was first seen)
    warned: set[tuple[str, str, str]] = set()
    problems = []
    for b in reversed(corpus.briefings):  # oldest first: the later id is the one to question
        item = corpus.files.get(b.id)
        if item is None:
            continue
        for i, actor in enumerate(b.actors):
            for n, (field_name, name) in enumerate(actor_names(actor)):
                loc: tuple[str | int, ...] = ("actors", i, field_name)
                if field_name == "aliases":
                    loc = (*loc, n - 1)
                here = item.at(loc, "")
                seen = first.setdefault(name_key(name), (actor.id, here))
                other_id, there = seen
                if other_id == actor.id or (name_key(name), other_id, actor.id) in warned:
                    continue
                warned.add((name_key(name), other_id, actor.id))
                what = "name" if field_name == "name" else "alias"
                message = (f"actor '{actor.id}' shares the {what} {shown(name)} with actor "
                           f"'{other_id}' at {there.path}:{there.line}:{there.column}; "
                           "use one id for one actor in every briefing")
                problems.append(dataclasses.replace(item.at(loc, message), severity="warning"))
    return problems


def region_slug(name: str) -> str:
    """The URL key of a region. A name with no Latin letters or digits gets a stable key from
    its text, so two such regions never share a page."""
    return slugify(name) or "region-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def _sort_key(b: Briefing) -> tuple[str, str, str]:
    return (b.date.isoformat(), b.as_of_value.isoformat(), b.id)


def index(briefings: Iterable[Briefing], files: dict[str, Loaded]) -> Corpus:
    ordered = sorted(briefings, key=_sort_key, reverse=True)
    present = {b.id for b in ordered}
    actors: dict[str, ActorEntry] = {}
    regions: dict[str, Group] = {}
    countries: dict[str, Group] = {}
    tags: dict[str, Group] = {}
    superseded_by: dict[str, str] = {}
    for b in ordered:
        for actor in b.actors:
            actors.setdefault(actor.id, ActorEntry(actor.id)).appearances.append(
                Appearance(b, actor)
            )
        for region in dict.fromkeys(b.regions):
            slug = region_slug(region)
            regions.setdefault(slug, Group(slug, region)).briefings.append(b)
        for code in dict.fromkeys(b.countries):
            countries.setdefault(code.lower(), Group(code.lower(), vocab.country_name(code))) \
                .briefings.append(b)
        for tag in dict.fromkeys(b.tags):
            tags.setdefault(tag, Group(tag, tag)).briefings.append(b)
        if b.supersedes in present and b.supersedes not in superseded_by:
            superseded_by[b.supersedes] = b.id
    return Corpus(
        briefings=ordered,
        files=files,
        actors=dict(sorted(actors.items(), key=lambda kv: kv[1].name.lower())),
        regions=dict(sorted(regions.items(), key=lambda kv: kv[1].name.lower())),
        countries=dict(sorted(countries.items(), key=lambda kv: kv[1].name.lower())),
        tags=dict(sorted(tags.items())),
        superseded_by=superseded_by,
    )


def build(loaded: list[Loaded]) -> tuple[Corpus, list[Problem]]:
    """Check what spans files, and index the briefings that are valid."""
    problems: list[Problem] = []
    owners: dict[str, list[Loaded]] = defaultdict(list)
    for item in loaded:
        if item.claimed_id:
            owners[item.claimed_id].append(item)
    for ident, items in owners.items():
        for item in items:
            others = ", ".join(o.path for o in items if o is not item)
            if others:
                # Without an `id` key the clash comes from the file name: say so.
                origin = "" if ("id",) in item.source_map.keys else " (from the file name)"
                problems.append(item.at(("id",), f"briefing id '{ident}'{origin} is also used "
                                                 f"by {others}; each briefing needs its own id"))

    known = set(owners)
    # Invalid files are read as far as they go, so their references are checked in this run too.
    readable = [
        (item, b) for item in loaded
        if (b := item.briefing or item.partial) is not None
        and len(owners[item.claimed_id or ""]) == 1
    ]
    for item, b in readable:
        for i, ident in enumerate(b.related):
            if ident is not None and ident not in known:
                problems.append(item.at(("related", i), unknown_id("briefing", ident, known)))
        if b.supersedes is not None and b.supersedes not in known:
            problems.append(item.at(("supersedes",), unknown_id("briefing", b.supersedes, known)))
    problems += _supersede_cycles(readable)
    problems += _lookalike_names(readable)
    troubled = {p.path for p in problems}
    good = [item for item, _ in readable if item.briefing is not None and item.path not in troubled]
    corpus = index((item.briefing for item in good if item.briefing),
                   {item.briefing.id: item for item in good if item.briefing})
    return corpus, problems


def _supersede_cycles(readable: list[tuple[Loaded, Briefing]]) -> list[Problem]:
    parent = {b.id: (item, b) for item, b in readable if b.id is not None and b.supersedes}
    problems = []
    for start, (item, b) in parent.items():
        chain = [start]
        current = b.supersedes
        while current in parent and current not in chain:
            chain.append(current)
            current = parent[current][1].supersedes
        if current == start:
            problems.append(item.at(("supersedes",), "forms a cycle: "
                                    + " -> ".join([*chain, start])))
    return problems


def changes_not_logged(corpus: Corpus) -> list[Problem]:
    """ICD 203 standard 7 across versions: see lint.change_findings."""
    from .lint import change_problems

    return [p for b in corpus.briefings
            if (old := corpus.get(b.supersedes or "")) is not None and b.id in corpus.files
            for p in change_problems(corpus.files[b.id].path, b, old)]


@functools.lru_cache(maxsize=1 << 14)
def _name_key(name: str) -> str:
    """What a reader sees of a name: compatibility forms folded (NFKC), invisible format
    characters gone. Remembered: the same few hundred names recur in every briefing."""
    folded = unicodedata.normalize("NFKC", name)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def _lookalike_names(readable: list[tuple[Loaded, Briefing]]) -> list[Problem]:
    """Actor names that look the same but are different text ('Café' composed and decomposed,
    a joiner inside): one actor would show under two spellings, or two under one name."""
    seen: dict[str, tuple[str, Loaded, int]] = {}
    problems = []
    for item, b in readable:
        for index, actor in enumerate(b.actors):
            if actor is None:
                continue
            key = _name_key(actor.name)
            first = seen.setdefault(key, (actor.name, item, index))
            if first[0] == actor.name:
                continue
            name, other, other_index = first
            line = other.source_map.value(("actors", other_index, "name"))[0]
            problems.append(item.at(
                ("actors", index, "name"),
                f"{shown(actor.name)} looks the same as {shown(name)} (actors[{other_index}] "
                f"in {other.path}:{line}) but is written with other Unicode characters; type "
                "the name again so both are the same text"))
    return problems


@dataclass
class Checked:
    corpus: Corpus
    loaded: list[Loaded]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        """Nothing stops a build; warnings may remain."""
        return not self.errors


def gather(paths: Iterable[Path], cache: LoadCache | None = None) -> Checked:
    """Load and check every briefing under `paths`; all problems of all files, in file order.
    With a `cache`, unchanged files are not loaded again (see `LoadCache`); the checks across
    files always run."""
    # Loading allocates hundreds of thousands of small dicts that all live on; the cyclic
    # collector rescanning them doubled the time of a 1,000-briefing check. They hold no cycles.
    # The same holds for the checks across files that follow, which allocate as they go.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        loaded, problems = load_paths(paths, cache=cache)
        for item in loaded:
            problems += item.problems
        corpus, cross = build(loaded)
        problems += cross
        problems += actor_clashes(corpus)
        problems += changes_not_logged(corpus)
    finally:
        if was_enabled:
            gc.enable()
    return Checked(corpus, loaded, sorted(set(problems)))
