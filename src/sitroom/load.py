"""Read briefing files into models, turning every problem into `path:line:column: message`."""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from .models import (
    BRIEFING_ID_RE,
    DERIVED_ID,
    Briefing,
    Record,
    describe,
    is_list,
    known_keys,
    record_in,
    shown,
)
from .problems import Loc, Problem, closest, format_loc, suggest
from .rules import check_briefing
from .yamlsource import SourceMap, parse

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


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Files named, and *.yaml/*.yml below folders named, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(display_path(path), 1, 1, "no such file or folder"))
    return files, problems


def load_file(path: Path) -> Loaded:
    where = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = Problem(where, 1, 1, f"cannot read the file: {exc.strerror or exc}")
        return Loaded(where, "", None, SourceMap(), [problem])
    return load_bytes(raw, where, default_id=path.stem)


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
            problem = _translate(loaded, data, err)
            if problem is not None:
                loaded.problems.append(problem)
        loaded.partial = partial_briefing(data, default_id)
        loaded.problems += [loaded.at(loc, msg) for loc, msg in check_briefing(loaded.partial)
                            if not any(loc[: len(t)] == t for t in todo)]
    else:
        loaded.problems += [loaded.at(loc, msg) for loc, msg in check_briefing(briefing)]
        if not loaded.problems:
            loaded.briefing = briefing
    loaded.problems.sort(key=lambda p: (p.line, p.column))
    return loaded


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


def load_paths(
    paths: Iterable[Path], jobs: int | None = None
) -> tuple[list[Loaded], list[Problem]]:
    """Load every briefing under `paths`, in file order, across `jobs` processes when the corpus
    is large enough for it to pay (parsing is CPU-bound Python; threads would not help)."""
    files, problems = discover(paths)
    jobs = jobs or os.cpu_count() or 1
    # fork is what makes workers cheap (no re-import); it is only safe in a single-threaded
    # process, so `mkdocs serve` (which runs a server thread) loads in-process.
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs < 2 or len(files) < PARALLEL_MIN_FILES or not can_fork or \
            threading.active_count() > 1:
        return [load_file(f) for f in files], problems
    size = -(-len(files) // (jobs * 4))  # a few chunks per process evens out slow files
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        loaded = [item for chunk in pool.map(_load_chunk, chunks) for item in chunk]
    return loaded, problems


# --- what an invalid briefing still tells ------------------------------------------------------

# The fields the cross-field rules read.
_RULE_FIELDS = ("id", "date", "as_of", "next_update", "supersedes", "related", "key_judgments",
                "key_figures", "actors", "risks", "timeline", "locations", "sources")
_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(name: str) -> TypeAdapter[Any]:
    """Validates one field of Briefing (one item, for lists). Built once, on first need."""
    if name not in _ADAPTERS:
        annotation = Briefing.model_fields[name].annotation
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
    return found


def _at_loc(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def _model_at(loc: Loc) -> type[Record] | None:
    """The record type that holds the key at `loc` (the last step), for key suggestions."""
    model: Any = Briefing
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(part)
        if field_info is None:
            return None
        model = record_in(field_info.annotation)
        if model is None:
            return None
    return model


def _translate(loaded: Loaded, data: dict[str, Any], err: Any) -> Problem | None:
    kind = err["type"]
    loc = _data_loc(data, err["loc"])
    ctx = err.get("ctx") or {}
    if kind == "sitroom":  # our own validators already speak the analyst's language
        return loaded.at(loc, err["msg"])
    if kind == "extra_forbidden" and loc:
        model = _model_at(loc)
        name = str(loc[-1])
        hint = suggest(name, known_keys(model)) if model else ""
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
    messages = {
        "list_type": f"expected a list, got {describe(value)}",
        "model_type": f"expected a mapping of keys, got {describe(value)}",
        "model_attributes_type": f"expected a mapping of keys, got {describe(value)}",
        "dict_type": f"expected a mapping of keys, got {describe(value)}",
        "too_short": f"needs at least {min_length} item{'s' if min_length != 1 else ''}",
    }
    # Pydantic's own wording ("Input should be ...") is not for analysts; anything not foreseen
    # above still gets a plain message at the right place.
    return loaded.at(loc, messages.get(kind, f"{describe(value)} is not valid here"))


def _prefixed(loc: Loc, message: str) -> str:
    return f"{format_loc(loc)}: {message}" if loc else message
