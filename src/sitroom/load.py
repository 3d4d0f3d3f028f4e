"""Read briefing files into models, turning every problem into `path:line:column: message`."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import hashlib
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from .glyphs import unprintable
from .lifeline import tie_to_parent
from .lint import lint
from .models import (
    AT_CHAR,
    BRIEFING_ID_RE,
    DERIVED_ID,
    Briefing,
    Record,
    char_name,
    describe,
    grade_hint,
    is_list,
    known_keys,
    record_in,
    shown,
)
from .problems import Loc, Problem, closest, format_loc, suggest
from .rules import check_briefing
from .yamlsource import MAX_BYTES, SourceMap, parse, too_large

SUFFIXES = (".yaml", ".yml")


@dataclass
class Loaded:
    """One file's outcome: a briefing when it is valid, its problems either way."""

    path: str  # as shown in messages: relative to the working directory when possible
    digest: str  # sha256 of the bytes, for caches
    briefing: Briefing | None
    source_map: SourceMap
    problems: list[Problem] = field(default_factory=list)
    # What other files may call this one even when it is invalid, so one bad file does not
    # make every reference to it an error too.
    claimed_id: str | None = None
    # When the briefing is invalid: what of it could be read (None for each invalid record or
    # field), so references are still checked in the same run. Never rendered.
    partial: Briefing | None = None

    def at(self, loc: Loc, message: str) -> Problem:
        line, column = self.source_map.value(loc)
        return Problem(self.path, line, column, _prefixed(loc, message))


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def is_briefing_name(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES  # `.YAML` too: a file is never skipped unsaid


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Files named, and *.yaml/*.yml below folders named, in a stable order. A link below a
    folder is followed only within that folder: one leading out of it, nowhere or round in a
    loop is a problem at the link (a file outside the folder is not the team's to publish)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found, trouble = _walk(path)
            files += found
            problems += trouble
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(display_path(path), 1, 1, "no such file or folder"))
    return files, problems


def _link_problem(link: Path, root: Path) -> str | None:
    """Why a link below `root` may not be followed, or None when it stays inside."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return "the link goes round in a loop; replace it with the file itself"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "the link goes round in a loop; replace it with the file itself"
        return f"the link leads nowhere (to {os.readlink(link)}); remove it or fix its target"
    if not target.is_relative_to(root):
        return (f"the link leads outside {display_path(root)} (to {display_path(target)}) and "
                "is never published; copy the file into the folder instead")
    return None


def _walk(folder: Path) -> tuple[list[Path], list[Problem]]:
    root = folder.resolve()
    files: list[Path] = []
    problems: list[Problem] = []
    def unreadable(exc: OSError) -> None:
        where = display_path(Path(exc.filename)) if exc.filename else display_path(folder)
        problems.append(Problem(where, 1, 1, f"cannot read the folder: {exc.strerror or exc}"))

    # Links to folders are listed, not entered.
    for here, dirs, names in os.walk(folder, onerror=unreadable):
        base = Path(here)
        for name in dirs:
            link = base / name
            if link.is_symlink():
                why = _link_problem(link, root)
                if why is not None:
                    problems.append(Problem(display_path(link), 1, 1, why))
                # A link to a folder inside is already walked through its real path.
        for name in names:
            path = base / name
            if not is_briefing_name(path):
                continue
            if path.is_symlink():
                why = _link_problem(path, root)
                if why is not None:
                    problems.append(Problem(display_path(path), 1, 1, why))
                    continue
            if path.is_file():
                files.append(path)
    return sorted(files), problems


def read_file(path: Path) -> bytes | Loaded:
    """The file's bytes, or what kept them from being read (as a Loaded with that problem)."""
    def alone(message: str) -> Loaded:
        where = display_path(path)
        return Loaded(where, "", None, SourceMap(), [Problem(where, 1, 1, message)])

    try:
        with path.open("rb") as file:
            # The size first, and never more than the limit read: a 2 GB file costs nothing.
            if os.fstat(file.fileno()).st_size > MAX_BYTES:
                return alone(too_large())
            return file.read(MAX_BYTES + 1)  # a file that grows meanwhile is caught by parse
    except OSError as exc:
        return alone(f"cannot read the file: {exc.strerror or exc}")


def with_positions(loaded: Loaded) -> Loaded:
    """`loaded` with the positions of every value of its file, for a message about a field the
    checks across files do not keep (`CROSS_FILE_KEYS`): the file is read again, as such
    messages are rare. If it changed since, `loaded` as it is."""
    try:
        raw = Path(loaded.path).read_bytes()
    except OSError:
        return loaded
    if hashlib.sha256(raw).hexdigest() != loaded.digest:
        return loaded
    return dataclasses.replace(loaded, source_map=parse(raw, loaded.path).source_map)


def load_file(path: Path) -> Loaded:
    raw = read_file(path)
    if isinstance(raw, Loaded):
        return raw
    return load_bytes(raw, display_path(path), default_id=path.stem)


def load_bytes(raw: bytes, path: str, default_id: str) -> Loaded:
    """Load one briefing from its bytes; `path` is how messages name the file. Never raises for
    bad input: every problem comes back in `Loaded.problems`."""
    digest = hashlib.sha256(raw).hexdigest()
    parsed = parse(raw, path)
    loaded = Loaded(path, digest, None, parsed.source_map, list(parsed.problems))
    if parsed.data is None:
        return loaded
    data = parsed.data
    raw_id = data.get("id")
    loaded.claimed_id = raw_id if isinstance(raw_id, str) else default_id
    if raw_id is None and not BRIEFING_ID_RE.fullmatch(default_id):
        loaded.problems.append(Problem(
            path, 1, 1, f"the file name gives the id {shown(default_id)}, which is not a valid "
            "briefing id (3 to 100 lower-case letters a-z, digits and hyphens); rename the file "
            "or add an 'id' key"))
    # `sitroom new` writes TODO where an analyst must decide; none may be published.
    todo = parsed.placeholders
    loaded.problems += [loaded.at(loc, f"fill in the placeholder {shown(text)}")
                        for loc, text in todo.items()]
    locate = _locator(raw, parsed.source_map)
    unprintable_text = _unprintable(loaded, data, locate)
    try:
        briefing = Briefing.model_validate(data, context={"default_id": default_id})
    except ValidationError as exc:
        errors = [(err, _data_loc(data, err["loc"])) for err in exc.errors()]
        said = _misspelt_keys(errors)
        for err, loc in errors:
            if (raw_id is None and loc[:1] == ("id",)) or any(loc[: len(t)] == t for t in todo):
                continue  # already said: the file name, or a placeholder at this place
            if err["type"] == "missing" and loc in said:
                continue  # `summery` for `summary`: the unknown key says it all
            problem = _translate(loaded, data, err, locate)
            if problem is not None:
                loaded.problems.append(problem)
        loaded.partial = partial_briefing(data, default_id)
        loaded.problems += [loaded.at(loc, msg) for loc, msg in check_briefing(loaded.partial)
                            if not any(loc[: len(t)] == t for t in todo)]
    else:
        loaded.problems += [loaded.at(loc, msg) for loc, msg in check_briefing(briefing)]
        if not loaded.problems:
            loaded.briefing = briefing
            loaded.problems += lint(briefing, path, raw.decode("utf-8"), parsed.source_map)
    # A character refused already (an invisible one in a name) is not reported twice.
    said = {(p.line, p.column) for p in loaded.problems}
    unprintable_text = [p for p in unprintable_text if (p.line, p.column) not in said]
    if unprintable_text:
        loaded.problems += unprintable_text
        loaded.briefing = None
    loaded.problems.sort(key=lambda p: (p.line, p.column))
    return loaded


# --- one character inside a value --------------------------------------------------------------

# (where a value is, the value, the index of a character in it) -> that character's line, column
Locate = Callable[[Loc, str, int], tuple[int, int]]


def _locator(raw: bytes, source_map: SourceMap) -> Locate:
    """Finds a character of a value in the file: from where the value starts, the same
    occurrence of that character. A character written as an escape (`"\\u202e"`) is not there
    as itself: the value's own place is the best there is."""
    lines: list[str] = []

    def locate(loc: Loc, value: str, index: int) -> tuple[int, int]:
        line, column = source_map.value(loc)
        if not lines:
            lines.extend(raw.decode("utf-8", "replace").split("\n"))
        char, nth = value[index], value[:index].count(value[index])
        row, start = line - 1, column - 1
        while row < len(lines):
            found = -1
            while nth >= 0:
                found = lines[row].find(char, start)
                if found < 0:
                    break
                nth, start = nth - 1, found + 1
            if nth < 0:
                return row + 1, found + 1
            row, start = row + 1, 0
        return line, column

    return locate


def _strings(node: object, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every text value of the data with its place; `x_` extensions are the templates' own."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not str(key).startswith("x_"):
                yield from _strings(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*loc, index))
    elif isinstance(node, str):
        yield loc, node


def _unprintable(loaded: Loaded, data: dict[str, Any], locate: Locate) -> list[Problem]:
    """Text the PDF fonts cannot draw, at its first such character: the build would refuse it
    (see glyphs)."""
    problems = []
    for loc, text in _strings(data, ()):
        found = unprintable(text)
        if found is None:
            continue
        index, others = found
        more = f" and {others} other character{'s' if others != 1 else ''}" if others else ""
        line, column = locate(loc, text, index)
        problems.append(Problem(loaded.path, line, column, _prefixed(
            loc, f"the PDF fonts cannot draw {char_name(text[index])} ('{text[index]}'){more}; "
                 "write the text in another script (e.g. Latin letters), or add a font that "
                 "has it (see templates/pdf/fonts/)")))
    return problems


# Below this many files a second process costs more than it saves.
PARALLEL_MIN_FILES = 200


# What the checks across files (corpus.build) point at; the rest of a source map has done its
# work once a file is loaded, and sending it between processes cost more than parsing.
CROSS_FILE_KEYS = frozenset({"id", "related", "supersedes", "actors"})


def _load_chunk(files: list[Path]) -> list[Loaded]:
    gc.disable()  # a short-lived worker whose objects all live on: see corpus.gather
    loaded = [load_file(f) for f in files]
    for item in loaded:
        item.source_map = item.source_map.only(CROSS_FILE_KEYS)
    return loaded


class LoadCache:
    """Briefings loaded by earlier builds, one file each, by everything loading depends on: the
    file's bytes, the path messages show and the id it gives by default, and `version` (the
    code and libraries that load and check). Loading is a pure function of those, so a file
    whose bytes did not change is read back, not parsed and checked again: that was 3 of the
    7 seconds of a nothing-changed rebuild of 1,000 briefings. The folder is the build's own;
    an entry that cannot be read is loaded again."""

    def __init__(self, folder: Path, version: str) -> None:
        self.folder = folder
        self.version = version

    def key(self, path: Path, digest: str) -> str:
        """`digest`: the sha256 of the file's bytes, as in `Loaded.digest`."""
        return hashlib.sha256(
            f"{self.version}\0{display_path(path)}\0{path.stem}\0{digest}".encode(
                "utf-8", "surrogateescape")).hexdigest()

    def get(self, key: str) -> Loaded | None:
        try:
            with (self.folder / f"{key}.pickle").open("rb") as file:
                item = pickle.load(file)
        except Exception:  # missing, cut short or from other code: loaded again, never fatal
            return None
        return item if isinstance(item, Loaded) else None

    def put(self, key: str, loaded: Loaded) -> None:
        part = self.folder / f".{key}.{os.getpid()}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            part.write_bytes(pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(part, self.folder / f"{key}.pickle")  # whole or not at all
        except OSError:  # a cache that cannot be written costs time, never the build
            with contextlib.suppress(OSError):  # nor does what is left of a part written
                part.unlink(missing_ok=True)

    def keep_only(self, keys: set[str]) -> None:
        """Forget files no longer loaded (edited, renamed or removed)."""
        try:
            for entry in self.folder.iterdir():
                if entry.name.removesuffix(".pickle") not in keys:
                    entry.unlink(missing_ok=True)
        except OSError:
            pass


def load_paths(
    paths: Iterable[Path], jobs: int | None = None, cache: LoadCache | None = None
) -> tuple[list[Loaded], list[Problem]]:
    """Load every briefing under `paths`, in file order, across `jobs` processes when the corpus
    is large enough for it to pay (parsing is CPU-bound Python; threads would not help).
    With a `cache`, files loaded before with the same bytes come from it, and only what the
    checks across files need of their source maps is kept (as when loaded in processes)."""
    files, problems = discover(paths)
    if cache is None:
        return _load_files(files, jobs), problems
    found: dict[Path, Loaded] = {}
    keys: dict[Path, str] = {}
    for path in files:
        raw = read_file(path)
        if isinstance(raw, Loaded):
            found[path] = raw
            continue
        keys[path] = cache.key(path, hashlib.sha256(raw).hexdigest())
        hit = cache.get(keys[path])
        if hit is not None:
            found[path] = hit
    missing = [path for path in files if path not in found]
    for path, item in zip(missing, _load_files(missing, jobs), strict=True):
        item.source_map = item.source_map.only(CROSS_FILE_KEYS)
        found[path] = item
        if item.digest:  # keyed on the bytes it was loaded from, should the file have changed
            keys[path] = cache.key(path, item.digest)
            cache.put(keys[path], item)
    cache.keep_only(set(keys.values()))
    return [found[path] for path in files], problems


def _load_files(files: list[Path], jobs: int | None) -> list[Loaded]:
    jobs = jobs or os.cpu_count() or 1
    # fork is what makes workers cheap (no re-import); it is only safe in a single-threaded
    # process, so `mkdocs serve` (which runs a server thread) loads in-process.
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs < 2 or len(files) < PARALLEL_MIN_FILES or not can_fork or \
            threading.active_count() > 1:
        return [load_file(f) for f in files]
    size = -(-len(files) // (jobs * 4))  # a few chunks per process evens out slow files
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    context = multiprocessing.get_context("fork")
    # Workers die with this process, however it ends (see lifeline).
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                             initializer=tie_to_parent) as pool:
        return [item for chunk in pool.map(_load_chunk, chunks) for item in chunk]


# --- what an invalid briefing still tells ------------------------------------------------------

# The fields the cross-field rules read.
_RULE_FIELDS = ("id", "date", "as_of", "next_update", "supersedes", "related", "key_judgments",
                "key_figures", "actors", "risks", "timeline", "locations", "sources")
_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(name: str) -> TypeAdapter[Any]:
    """Validates one field of Briefing (one item, for lists). Built once, on first need."""
    if name not in _ADAPTERS:
        annotation: Any = Briefing.model_fields[name].annotation
        if is_list(annotation):
            annotation = get_args(annotation)[0]
        _ADAPTERS[name] = TypeAdapter(annotation)
    return _ADAPTERS[name]


def _valid_or_none(name: str, value: object) -> Any:
    try:
        return _adapter(name).validate_python(value)
    except ValidationError:
        return None


def partial_briefing(data: dict[str, Any], default_id: str) -> Briefing:
    """The valid part of an invalid briefing, for the cross-field rules alone: each invalid
    record or field is None, and a list that is not a list holds one None."""
    values: dict[str, Any] = {}
    for name in _RULE_FIELDS:
        raw = data.get(name)
        if name == "id" and raw is None:
            raw = default_id
        if is_list(Briefing.model_fields[name].annotation):
            items = [] if raw is None else raw if isinstance(raw, list) else [None]
            values[name] = [None if item is None else _valid_or_none(name, item)
                            for item in items]
        else:
            values[name] = _valid_or_none(name, raw)
    return Briefing.model_construct(**values)


# --- pydantic errors -> analyst messages --------------------------------------------------------


def _data_loc(data: Any, loc: tuple[Any, ...]) -> Loc:
    """Pydantic's error locations name union members and validators too; keep the data path."""
    out: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str) and (
            part in node or index == len(loc) - 1  # a missing or unknown key is the last step
        ):
            out.append(part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        # anything else is a pydantic internal step, not a place in the file
    return tuple(out)


def _misspelt_keys(errors: list[tuple[Any, Loc]]) -> set[Loc]:
    """Missing keys that an unknown key beside them is a misspelling of."""
    found: set[Loc] = set()
    for err, loc in errors:
        model = _model_at(loc) if err["type"] == "extra_forbidden" and loc else None
        if model is not None:
            match = closest(str(loc[-1]), known_keys(model))
            if match is not None:
                found.add((*loc[:-1], match))
            value = err.get("input")
            if isinstance(value, str) and grade_hint(value):  # `grade: B2` says both halves
                found |= {(*loc[:-1], "reliability"), (*loc[:-1], "credibility")}
    return found


def _at_loc(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def _model_at(loc: Loc) -> type[Record] | None:
    """The record type that holds the key at `loc` (the last step), for key suggestions."""
    model: type[Record] = Briefing
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(part)
        if field_info is None:
            return None
        inner = record_in(field_info.annotation)
        if inner is None:
            return None
        model = inner
    return model


def _translate(loaded: Loaded, data: dict[str, Any], err: Any,
               locate: Locate | None = None) -> Problem | None:
    kind = err["type"]
    loc = _data_loc(data, err["loc"])
    ctx = err.get("ctx") or {}
    if kind == "sitroom":  # our own validators already speak the analyst's language
        message = err["msg"]
        if message.startswith(AT_CHAR):  # about one character: point at it
            index, _, message = message[1:].partition(AT_CHAR)
            value = _at_loc(data, loc)
            if isinstance(value, str) and locate is not None:
                line, column = locate(loc, value, int(index))
                return Problem(loaded.path, line, column, _prefixed(loc, message))
        return loaded.at(loc, message)
    if kind == "extra_forbidden" and loc:
        model = _model_at(loc)
        name = str(loc[-1])
        value = err.get("input")
        hint = (isinstance(value, str) and grade_hint(value)) or \
            (suggest(name, known_keys(model)) if model else "")
        line, column = loaded.source_map.key(loc)
        return Problem(loaded.path, line, column,
                       _prefixed(loc[:-1], f"unknown key {shown(name)}{hint}"))
    if kind == "missing" and loc:
        model = _model_at(loc)
        source = DERIVED_ID.get(model) if model and loc[-1] == "id" else None
        if source:
            record = _at_loc(data, loc[:-1])
            if not isinstance(record, dict) or not isinstance(record.get(source), str):
                return None  # the missing or invalid name or title is the problem to report
            return loaded.at(loc[:-1], f"missing key 'id': none can be made from the {source} "
                             "(it has no letters a-z or digits), so write one")
        return loaded.at(loc[:-1], f"missing required key '{loc[-1]}'")
    value = err.get("input")
    min_length = ctx.get("min_length", 1)
    if kind == "too_long" and isinstance(value, list):
        # At the first item past the limit: where the analyst starts cutting.
        most = ctx.get("max_length", 0)
        line, column = loaded.source_map.value((*loc, most))
        return Problem(loaded.path, line, column, _prefixed(
            loc, f"has {len(value):,} items; at most {most:,} are allowed: split the briefing "
                 "or keep the most important"))
    messages = {
        "list_type": f"expected a list, got {describe(value)}{_list_hint(value)}",
        "model_type": f"expected a mapping of keys, got {describe(value)}",
        "model_attributes_type": f"expected a mapping of keys, got {describe(value)}",
        "dict_type": f"expected a mapping of keys, got {describe(value)}",
        "too_short": f"needs at least {min_length} item{'s' if min_length != 1 else ''}",
    }
    # Pydantic's own wording ("Input should be ...") is not for analysts; anything not foreseen
    # above still gets a plain message at the right place.
    return loaded.at(loc, messages.get(kind, f"{describe(value)} is not valid here"))


def _list_hint(value: object) -> str:
    """A list written as text: show it as a list (`[a, b]`), the way it should be written."""
    if not isinstance(value, str) or not value.strip() or len(value) > 300:
        return ""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    return f"; write it as a list: [{', '.join(parts)}]"


def _prefixed(loc: Loc, message: str) -> str:
    return f"{format_loc(loc)}: {message}" if loc else message
