"""Read briefing files into models, turning every problem into `path:line:column: message`."""

from __future__ import annotations

import hashlib
import os
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .models import BRIEFING_ID_RE, Briefing, Record, describe, known_keys
from .problems import Loc, Problem, format_loc
from .rules import check_briefing, suggest
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
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Loaded(shown, "", None, SourceMap(), [Problem(shown, 1, 1, exc.strerror or str(exc))])
    return load_bytes(raw, shown, default_id=path.stem)


def load_bytes(raw: bytes, shown: str, default_id: str) -> Loaded:
    digest = hashlib.sha256(raw).hexdigest()
    parsed = parse(raw, shown)
    loaded = Loaded(shown, digest, None, parsed.source_map, list(parsed.problems))
    if parsed.data is None:
        return loaded
    data = parsed.data
    raw_id = data.get("id")
    loaded.claimed_id = raw_id if isinstance(raw_id, str) else default_id
    if raw_id is None and not BRIEFING_ID_RE.match(default_id):
        loaded.problems.append(Problem(
            shown, 1, 1, f"the file name gives the id '{default_id}', which is not a valid "
            "briefing id (3-100 lower-case letters, digits and hyphens); rename the file or "
            "add an 'id' key"))
    todo = dict(_placeholders(data, ()))
    loaded.problems += [loaded.at(loc, f"fill in the placeholder '{text}'")
                        for loc, text in todo.items()]
    try:
        briefing = Briefing.model_validate(data, context={"default_id": default_id})
    except ValidationError as exc:
        for err in exc.errors():
            loc = _data_loc(data, err["loc"])
            if (raw_id is None and loc[:1] == ("id",)) or any(loc[: len(t)] == t for t in todo):
                continue  # already said: the file name, or a placeholder at this place
            loaded.problems.append(_translate(loaded, data, err))
    else:
        loaded.problems += [loaded.at(loc, msg) for loc, msg in check_briefing(briefing)]
        if not loaded.problems:
            loaded.briefing = briefing
    loaded.problems.sort(key=lambda p: (p.line, p.column))
    return loaded


def load_paths(paths: Iterable[Path]) -> tuple[list[Loaded], list[Problem]]:
    files, problems = discover(paths)
    return [load_file(f) for f in files], problems


def _placeholders(node: object, loc: Loc) -> Iterable[tuple[Loc, str]]:
    """`sitroom new` writes TODO where an analyst must decide; none may be published."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _placeholders(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _placeholders(value, (*loc, index))
    elif isinstance(node, str) and node.lstrip().startswith("TODO"):
        first = node.strip().splitlines()[0]
        yield loc, first if len(first) <= 60 else first[:57] + "..."


# --- pydantic errors -> analyst messages --------------------------------------------------------


def _data_loc(data: Any, loc: tuple[Any, ...]) -> Loc:
    """Pydantic's error locations name union members and validators too; keep the data path."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and isinstance(part, str) and part in node) or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part not in node:
            out.append(part)  # a missing or unknown key: it has no node of its own
            node = None
        # anything else is a pydantic internal step, not a place in the file
    return tuple(out)


def _model_at(loc: Loc) -> type[Record] | None:
    """The record type that holds the key at `loc` (the last step), for key suggestions."""
    model: Any = Briefing
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(part)
        if field_info is None:
            return None
        model = _record_in(field_info.annotation)
        if model is None:
            return None
    return model


def _record_in(annotation: Any) -> type[Record] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation  # type: ignore[return-value]
    for arg in typing.get_args(annotation):
        found = _record_in(arg)
        if found is not None:
            return found
    return None


def _translate(loaded: Loaded, data: dict[str, Any], err: Any) -> Problem:
    kind = err["type"]
    loc = _data_loc(data, err["loc"])
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        model = _model_at(loc)
        name = str(loc[-1])
        hint = suggest(name, known_keys(model)) if model else ""
        line, column = loaded.source_map.key(loc)
        return Problem(loaded.path, line, column,
                       _prefixed(loc[:-1], f"unknown key '{name}'{hint}"))
    if kind == "missing":
        return loaded.at(loc[:-1], f"missing required key '{loc[-1]}'")
    value = err.get("input")
    messages = {
        "list_type": f"expected a list, got {describe(value)}",
        "model_type": f"expected a mapping of keys, got {describe(value)}",
        "model_attributes_type": f"expected a mapping of keys, got {describe(value)}",
        "dict_type": f"expected a mapping of keys, got {describe(value)}",
        "too_short": f"needs at least {ctx.get('min_length', 1)} item"
        + ("s" if ctx.get("min_length", 1) != 1 else ""),
    }
    return loaded.at(loc, messages.get(kind, err["msg"]))


def _prefixed(loc: Loc, message: str) -> str:
    return f"{format_loc(loc)}: {message}" if loc else message
