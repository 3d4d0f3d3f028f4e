"""What changed between two versions of a briefing, in analytic terms rather than YAML lines.

A reviewer needs "likelihood likely -> very likely" and "risk dropped", not line 140 of a
300-line diff. Key judgments and risks are matched across versions by id, else by their text
(normalised, then close enough), so a reordered list or a reworded judgment is still one change.
Pure: it compares models; reading files and git is `diff_paths` / `diff_git`, thin and apart.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import vocab
from .load import discover, display_path, is_briefing_name, load_bytes
from .matching import Matched, match_judgments, match_risks
from .models import Briefing, Source
from .problems import Problem
from .yamlsource import MAX_BYTES

# --- the comparison, as data ------------------------------------------------------------------


@dataclass
class Move:
    """A rated field that changed: likelihood, confidence, impact, trend, grade, marking..."""

    field: str
    old: str | None
    new: str | None
    old_range: str | None = None  # a likelihood's ICD 203 range, e.g. "55-80 %"
    new_range: str | None = None


@dataclass
class ItemChange:
    change: Literal["added", "removed", "changed"]
    text: str  # the judgment's statement or the risk's title (the new one when both)
    id: str | None = None
    matched_by: str = ""
    moves: list[Move] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)  # other fields that changed, by name
    rating: dict[str, str | None] = field(default_factory=dict)  # an added/removed item's


@dataclass
class NamedChange:
    """A source or an actor added, removed or changed."""

    change: Literal["added", "removed", "changed"]
    id: str
    name: str
    moves: list[Move] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)


Change = Literal["added", "removed", "renamed", "changed", "unchanged", "unreadable"]


@dataclass
class BriefingDiff:
    change: Change
    old_path: str | None
    new_path: str | None
    id: str | None = None
    title: str | None = None
    tlp: str | None = None  # the more restrictive of the two versions' markings
    hidden: bool = False  # above the ceiling: only the change and the marking are shown
    moves: list[Move] = field(default_factory=list)  # marking and status
    key_judgments: list[ItemChange] = field(default_factory=list)
    risks: list[ItemChange] = field(default_factory=list)
    sources: list[NamedChange] = field(default_factory=list)
    actors: list[NamedChange] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # other top-level fields that changed

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


def _range(word: str | None) -> str | None:
    info = vocab.LIKELIHOOD_BY_WORD.get(word or "")
    return info.range if info else None


def _move(moves: list[Move], name: str, old: object, new: object) -> None:
    if old != new:
        moves.append(Move(name, None if old is None else str(old),
                          None if new is None else str(new)))
        if name == "likelihood":
            moves[-1].old_range, moves[-1].new_range = _range(str(old)), _range(str(new))


def _rating(likelihood: str, **more: str | None) -> dict[str, str | None]:
    return {"likelihood": likelihood, "likelihood_range": _range(likelihood), **more}


def _edited(old: Any, new: Any, names: Iterable[str]) -> list[str]:
    out = [n for n in names if getattr(old, n) != getattr(new, n)]
    if old.x_ != new.x_:
        out += sorted(k for k in {*old.x_, *new.x_} if old.x_.get(k) != new.x_.get(k))
    return out


def _item_changes(pairs: list[Matched], text: str, rated: tuple[str, ...],
                  fields: tuple[str, ...]) -> list[ItemChange]:
    """Key judgments or risks: `text` names them, `rated` fields (likelihood first) move."""
    out = []
    for m in pairs:
        if m.old is None or m.new is None:
            item = m.new or m.old
            more = {name: getattr(item, name) for name in rated[1:]}
            out.append(ItemChange("added" if m.new else "removed", getattr(item, text), item.id,
                                  rating=_rating(item.likelihood, **more)))
            continue
        moves: list[Move] = []
        for name in rated:
            _move(moves, name, getattr(m.old, name), getattr(m.new, name))
        edited = _edited(m.old, m.new, (text, *fields))
        if moves or edited:
            out.append(ItemChange("changed", getattr(m.new, text), m.new.id, m.by, moves, edited))
    return out


def _named_changes(old: Sequence[Any], new: Sequence[Any], name: Callable[[Any], str],
                   compare: Callable[[Any, Any, list[Move]], None],
                   fields: tuple[str, ...]) -> list[NamedChange]:
    old_by_id = {item.id: item for item in old}
    new_ids = {item.id for item in new}
    out = []
    for item in new:
        before = old_by_id.get(item.id)
        if before is None:
            out.append(NamedChange("added", item.id, name(item)))
            continue
        moves: list[Move] = []
        compare(before, item, moves)
        edited = _edited(before, item, fields)
        if moves or edited:
            out.append(NamedChange("changed", item.id, name(item), moves, edited))
    out += [NamedChange("removed", item.id, name(item)) for item in old if item.id not in new_ids]
    return out


def _source_name(s: Source) -> str:
    return f"{s.title} ({s.grade})"


def _grade(old: Source, new: Source, moves: list[Move]) -> None:
    _move(moves, "grade", old.grade, new.grade)


_SOURCE_FIELDS = ("title", "publisher", "url", "published", "accessed")
_ACTOR_FIELDS = ("name", "native_name", "aliases", "kind", "affiliation", "country", "role")
# Shown in analytic terms above; every other field is named when it changed.
_COMPARED = {"id", "tlp", "status", "key_judgments", "risks", "sources", "actors"}


def compare(old: Briefing | None, new: Briefing | None, old_path: str | None,
            new_path: str | None, max_tlp: vocab.TLP = vocab.TLP.CLEAR) -> BriefingDiff:
    if old is None and new is None:
        raise ValueError("nothing to compare")
    both = [b for b in (old, new) if b is not None]
    marking = max(b.tlp for b in both)
    change: Change
    if old is None:
        change = "added"
    elif new is None:
        change = "removed"
    else:
        change = "renamed" if old_path != new_path else "changed"
    latest = new or old
    assert latest is not None
    out = BriefingDiff(change, old_path, new_path, latest.id, latest.title, marking.label)
    if marking > max_tlp:
        # Above the ceiling nothing of the briefing is shown: not its title, not its id.
        out.hidden, out.id, out.title = True, None, None
        return out
    if old is None or new is None:
        return out
    _move(out.moves, "marking", old.tlp.label, new.tlp.label)
    _move(out.moves, "status", old.status, new.status)
    _move(out.moves, "id", old.id, new.id)
    out.key_judgments = _item_changes(match_judgments(old.key_judgments, new.key_judgments),
                                      "statement", ("likelihood", "confidence"),
                                      ("sources", "id"))
    out.risks = _item_changes(match_risks(old.risks, new.risks), "title",
                              ("likelihood", "impact", "trend"),
                              ("id", "description", "horizon", "indicators", "actors", "sources"))
    out.sources = _named_changes(old.sources, new.sources, _source_name, _grade, _SOURCE_FIELDS)
    out.actors = _named_changes(old.actors, new.actors, lambda a: a.name,
                                lambda _o, _n, _m: None, _ACTOR_FIELDS)
    out.fields = [name for name in Briefing.model_fields
                  if name not in _COMPARED and name != "x_"
                  and getattr(old, name) != getattr(new, name)]
    out.fields += sorted(k for k in {*old.x_, *new.x_} if old.x_.get(k) != new.x_.get(k))
    if change == "changed" and not (out.moves or out.key_judgments or out.risks or out.sources
                                    or out.actors or out.fields):
        out.change = "unchanged"
    return out


# --- reading the two sides ---------------------------------------------------------------------


class DiffUsageError(Exception):
    """The command line asks for something that cannot be compared (exit status 2)."""


@dataclass
class Side:
    path: str  # as shown: relative to the folder compared, or the repository path
    raw: bytes


@dataclass
class Report:
    diffs: list[BriefingDiff]
    problems: list[Problem]


def _is_briefing(name: str) -> bool:
    return is_briefing_name(Path(name))  # `.YAML` too, as check and build read them


def _read_bounded(path: Path) -> bytes:
    # One byte past the limit is enough for the loader to refuse the file as too large.
    with path.open("rb") as file:
        return file.read(MAX_BYTES + 1)


def _read_folder(folder: Path) -> dict[str, Side]:
    # The files check and build would read: links out of the folder are never followed.
    files, _ = discover([folder])
    return {p.relative_to(folder).as_posix(): Side(p.relative_to(folder).as_posix(),
                                                     _read_bounded(p)) for p in files}


def _load(side: Side | None, shown_as: str, problems: list[Problem]) -> Briefing | None:
    if side is None:
        return None
    loaded = load_bytes(side.raw, shown_as, default_id=Path(side.path).stem)
    problems += [p for p in loaded.problems if p.is_error]
    return loaded.briefing


def _pair(old: dict[str, Side], new: dict[str, Side],
          renamed: dict[str, str]) -> list[tuple[Side | None, Side | None]]:
    """Old and new files: git's renames first, then the same path, then the same briefing id
    (a file moved to another folder), the rest added or removed."""
    pairs: list[tuple[Side | None, Side | None]] = []
    old_left = dict(old)
    new_left = dict(new)
    for before, after in renamed.items():
        if before in old_left and after in new_left:
            pairs.append((old_left.pop(before), new_left.pop(after)))
    for path in list(new_left):
        if path in old_left:
            pairs.append((old_left.pop(path), new_left.pop(path)))

    def ident(side: Side) -> str:
        found = re.search(rb"(?m)^id:[ \t]*['\"]?([a-z0-9][a-z0-9-]*)", side.raw)
        return found[1].decode() if found else Path(side.path).stem

    old_ids: dict[str, str] = {}
    for path, side in old_left.items():
        old_ids.setdefault(ident(side), path)
    for path in list(new_left):
        was = old_ids.get(ident(new_left[path]))
        if was is not None and was in old_left:
            pairs.append((old_left.pop(was), new_left.pop(path)))
    pairs += [(None, side) for side in new_left.values()]
    pairs += [(side, None) for side in old_left.values()]
    return sorted(pairs, key=lambda p: (p[1] or p[0]).path)  # type: ignore[union-attr]


def _compare_all(pairs: list[tuple[Side | None, Side | None]], old_label: Callable[[str], str],
                 new_label: Callable[[str], str], max_tlp: vocab.TLP) -> Report:
    problems: list[Problem] = []
    diffs = []
    for old_side, new_side in pairs:
        old = _load(old_side, old_label(old_side.path), problems) if old_side else None
        new = _load(new_side, new_label(new_side.path), problems) if new_side else None
        old_path = old_side.path if old_side else None
        new_path = new_side.path if new_side else None
        if (old_side and old is None) or (new_side and new is None):
            diffs.append(BriefingDiff("unreadable", old_path, new_path))
            continue
        diffs.append(compare(old, new, old_path, new_path, max_tlp))
    return Report([d for d in diffs if d.change != "unchanged"], problems)


def diff_paths(old: Path, new: Path, max_tlp: vocab.TLP = vocab.TLP.CLEAR) -> Report:
    """Two files, or two folders of briefings."""
    for path in (old, new):
        if not path.exists():
            raise DiffUsageError(f"{path}: no such file or folder")
    if old.is_dir() != new.is_dir():
        raise DiffUsageError("compare two files or two folders, not a file with a folder")
    if old.is_dir():
        pairs = _pair(_read_folder(old), _read_folder(new), {})
        return _compare_all(pairs, lambda p: display_path(old / p),
                            lambda p: display_path(new / p), max_tlp)
    # Two files named are two versions of one briefing: the same default id, whatever the
    # file names, and a change rather than a rename.
    sides = [Side(new.name, _read_bounded(p)) for p in (old, new)]
    report = _compare_all([(sides[0], sides[1])], lambda _: display_path(old),
                          lambda _: display_path(new), max_tlp)
    for d in report.diffs:
        d.old_path, d.new_path = old.as_posix(), new.as_posix()
        if d.change == "renamed":
            d.change = "changed"
    return report


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffUsageError("git is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffUsageError(f"git {args[0]} failed: {message[-1] if message else 'no output'}")
    return done.stdout


def diff_git(base: str, paths: list[Path], max_tlp: vocab.TLP = vocab.TLP.CLEAR,
             cwd: Path | None = None) -> Report:
    """The briefings changed between the commit `base` and the working tree (untracked files
    included), added, removed and renamed ones too."""
    cwd = cwd or Path.cwd()
    if base.startswith("-"):
        raise DiffUsageError(f"{base!r} is not a commit")
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd)
    specs = []
    for path in paths:
        try:
            specs.append((cwd / path).resolve().relative_to(top.resolve()).as_posix())
        except ValueError:
            raise DiffUsageError(f"{path} is outside the git repository {top}") from None
    specs = specs or ["."]
    listing = _git(["diff", "--name-status", "-z", "-M", "--no-color", base, "--", *specs], top)
    untracked = _git(["ls-files", "-z", "--others", "--exclude-standard", "--", *specs], top)
    old: dict[str, Side] = {}
    new: dict[str, Side] = {}
    renamed: dict[str, str] = {}
    fields = listing.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[0] in "RC":
            before, after = fields[i + 1], fields[i + 2]
            i += 3
        else:
            before = after = fields[i + 1]
            i += 2
        if status[0] == "R":
            renamed[before] = after
        if status[0] in "MRDT" and _is_briefing(before):
            old[before] = Side(before, _git(["show", f"{base}:{before}"], top))
        if status[0] in "AMRCT" and _is_briefing(after):
            new[after] = Side(after, _read_bounded(top / after))
    for name in untracked.decode("utf-8", "surrogateescape").split("\0"):
        if name and _is_briefing(name):
            new[name] = Side(name, _read_bounded(top / name))
    return _compare_all(_pair(old, new, renamed), lambda p: f"{base}:{p}", str, max_tlp)


# --- output -------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>~])")


def md_text(text: str, limit: int = 120) -> str:
    """Analyst text on one line of a comment: Markdown and HTML inert, mentions not pinged."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    flat = _MD_SPECIAL.sub(r"\\\1", flat.replace("&", "&amp;"))
    return flat.replace("@", "@\u200b")


def _value(word: str | None, span: str | None) -> str:
    return md_text(word or "none") + (f" ({span})" if span else "")


def _moves(moves: list[Move]) -> str:
    return "; ".join(f"{m.field} {_value(m.old, m.old_range)} → {_value(m.new, m.new_range)}"
                     for m in moves)


def _item_line(item: ItemChange) -> str:
    head = f"- **{item.change.capitalize()}**: “{md_text(item.text)}”"
    if item.change != "changed":
        rating = [f"{k} {_value(v, item.rating['likelihood_range'] if k == 'likelihood' else None)}"
                  for k, v in item.rating.items() if v and k != "likelihood_range"]
        return head + (" — " + "; ".join(rating) if rating else "")
    parts = [_moves(item.moves)] if item.moves else []
    if item.edited:
        reworded = item.matched_by == "text" and ({"statement", "title"} & set(item.edited))
        parts.append("edited: " + ", ".join(item.edited)
                     + (" (matched by its earlier text)" if reworded else ""))
    return head + " — " + "; ".join(parts)


def _named_line(item: NamedChange) -> str:
    head = f"- **{item.change.capitalize()}**: {md_text(item.name)}"
    parts = [_moves(item.moves)] if item.moves else []
    if item.edited:
        parts.append("edited: " + ", ".join(item.edited))
    return head + (" — " + "; ".join(parts) if parts else "")


_WHAT = {"added": "added", "removed": "removed", "renamed": "renamed", "changed": "changed",
         "unreadable": "could not be read"}


def _where(d: BriefingDiff) -> str:
    if d.change == "renamed":
        return f"`{d.old_path}` → `{d.new_path}`"
    return f"`{d.path}`"


def to_markdown(report: Report, max_tlp: vocab.TLP = vocab.TLP.CLEAR) -> str:
    lines = ["## Analytic changes", ""]
    if not report.diffs:
        lines.append("No briefing changed.")
        return "\n".join(lines) + "\n"
    counts = {c: n for c in _WHAT if (n := sum(d.change == c for d in report.diffs))}
    total = len(report.diffs)
    lines.append(f"{total} briefing{'s' if total != 1 else ''}: "
                 + ", ".join(f"{n} {_WHAT[c]}" for c, n in counts.items())
                 + f". Content is shown up to {max_tlp.label}.")
    for d in report.diffs:
        lines.append("")
        if d.change == "unreadable":
            lines.append(f"- {_where(d)}: could not be read; run `sitroom check` on it")
            continue
        if d.hidden:
            lines.append(f"- {_where(d)}: {d.change} ({d.tlp}): not shown here")
            continue
        lines.append(f"### {md_text(d.title or '', 200)}")
        lines.append("")
        lines.append(f"{_where(d)} · {d.change} · {d.tlp}")
        if d.change in ("added", "removed"):
            continue
        for m in d.moves:
            lines += ["", f"**{m.field.capitalize()}**: {md_text(m.old or 'none')} → "
                          f"{md_text(m.new or 'none')}"]
        for title, items in (("Key judgments", d.key_judgments), ("Risks", d.risks)):
            if items:
                lines += ["", f"**{title}**", "", *(_item_line(i) for i in items)]
        for title, named in (("Sources", d.sources), ("Actors", d.actors)):
            if named:
                lines += ["", f"**{title}**", "", *(_named_line(i) for i in named)]
        if d.fields:
            lines += ["", "**Other fields changed**: " + ", ".join(d.fields)]
    return "\n".join(lines) + "\n"


def to_json(report: Report) -> str:
    data = {
        "briefings": [_json_diff(d) for d in report.diffs],
        "problems": [p.gnu() for p in report.problems],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _json_diff(d: BriefingDiff) -> dict[str, Any]:
    data = asdict(d)
    if d.hidden or d.change == "unreadable":
        keep = ("change", "old_path", "new_path", "tlp", "hidden")
        return {k: v for k, v in data.items() if k in keep}
    return data
