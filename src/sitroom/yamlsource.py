"""YAML text -> plain data plus the line and column of every node.

PyYAML's constructors lose positions, keep the last of two duplicate keys, read `NO` as false and
expand aliases without limit. We let libyaml compose the node graph (fast, and it keeps marks) and
build the data ourselves: every scalar stays the exact text the analyst wrote, so the models decide
what a value means, and each hazard becomes a Problem at the right line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .problems import Loc, Problem

try:  # libyaml is in PyYAML's wheels; the pure-Python parser is the slow fallback
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

PLAIN_TAG = "tag:sitroom:plain"
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})

# Far beyond any real briefing (the largest we have seen composes to a few thousand nodes),
# far below what it takes to exhaust memory or CI time.
MAX_ALIAS_EXPANSION = 10_000
MAX_DEPTH = 64
MAX_BYTES = 5_000_000


class PlainStr(str):
    """An unquoted scalar. Only fields that accept numbers look at the difference."""

    __slots__ = ()


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Resolves no implicit types: `NO`, `yes`, `0800` and `1.10` all stay text."""

    def resolve(self, kind: type[Node], value: object, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return PLAIN_TAG if implicit[0] else STR_TAG
        return SEQ_TAG if kind is SequenceNode else MAP_TAG


@dataclass
class SourceMap:
    """Where each value and key of one document starts (1-based line and column)."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def value(self, loc: Loc) -> tuple[int, int]:
        while loc not in self.values and loc:
            loc = loc[:-1]
        return self.values.get(loc, (1, 1))

    def key(self, loc: Loc) -> tuple[int, int]:
        return self.keys.get(loc) or self.value(loc)


@dataclass
class Parsed:
    data: dict[str, object] | None
    source_map: SourceMap
    problems: list[Problem]


class _Fail(Exception):
    def __init__(self, line: int, column: int, message: str):
        self.line, self.column, self.message = line, column, message


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, smap: SourceMap):
        self.smap = smap
        self.seen: set[int] = set()
        self.active: set[int] = set()
        self.expanded = 0
        self.problems: list[tuple[int, int, str]] = []

    def build(self, node: Node, loc: Loc, in_alias: bool = False) -> object:
        if len(loc) > MAX_DEPTH:
            raise _Fail(*_pos(node), f"nesting deeper than {MAX_DEPTH} levels")
        key = id(node)
        if key in self.active:
            raise _Fail(*_pos(node), "an alias refers to a node that contains it")
        # Reuse of an already built node is an alias; count what it expands to.
        in_alias = in_alias or key in self.seen
        if in_alias:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise _Fail(
                    *_pos(node),
                    f"anchors and aliases expand to more than {MAX_ALIAS_EXPANSION:,} values; "
                    "write the values out instead",
                )
        self.seen.add(key)
        self.smap.values.setdefault(loc, _pos(node))
        tag = node.tag or ""
        if tag.startswith("tag:yaml.org,2002:python/"):
            raise _Fail(*_pos(node), f"Python tags are not allowed: '{tag.split(':', 2)[-1]}'")
        if isinstance(node, ScalarNode):
            if tag == PLAIN_TAG:
                return None if node.value in NULL_WORDS else PlainStr(node.value)
            if tag == STR_TAG:
                return node.value
            raise _Fail(*_pos(node), f"tag '{tag}' is not supported; remove it")
        if tag not in (SEQ_TAG, MAP_TAG):
            raise _Fail(*_pos(node), f"tag '{tag}' is not supported; remove it")
        self.active.add(key)
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*loc, i), in_alias) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            return self._mapping(node, loc, in_alias)
        finally:
            self.active.discard(key)

    def _mapping(self, node: MappingNode, loc: Loc, in_alias: bool) -> dict[str, object]:
        out: dict[str, object] = {}
        first_seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag not in (PLAIN_TAG, STR_TAG):
                raise _Fail(*_pos(key_node), "a key must be plain text")
            name = key_node.value
            if name == "<<":
                raise _Fail(*_pos(key_node), "merge keys ('<<') are not supported")
            if name in first_seen:
                line, _ = first_seen[name]
                self.problems.append(
                    (*_pos(key_node),
                     f"duplicate key '{name}' (first given on line {line}); "
                     "only one value can be kept, so merge them")
                )
                continue
            first_seen[name] = _pos(key_node)
            self.smap.keys[(*loc, name)] = _pos(key_node)
            out[name] = self.build(value_node, (*loc, name), in_alias)
        return out


def _decode(raw: bytes, path: str) -> str | Problem:
    boms = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
    if raw.startswith(boms):
        return Problem(path, 1, 1, "file starts with a byte order mark (BOM); save it as UTF-8 "
                                   "without BOM")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return Problem(path, line, column,
                       f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8")


def parse(raw: bytes, path: str) -> Parsed:
    """Parse one briefing file's bytes. Never raises for bad input: problems are returned."""
    smap = SourceMap()
    if len(raw) > MAX_BYTES:
        return Parsed(None, smap, [Problem(path, 1, 1, f"file is larger than {MAX_BYTES:,} bytes")])
    text = _decode(raw, path)
    if isinstance(text, Problem):
        return Parsed(None, smap, [text])
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if "expected a single document" in (exc.context or ""):
            what = "more than one YAML document in the file; a briefing is one document"
        return Parsed(None, smap, [Problem(path, line, column, f"YAML syntax error: {what}")])
    except yaml.YAMLError as exc:  # e.g. control characters the reader refuses
        return Parsed(None, smap, [Problem(path, 1, 1, f"YAML error: {exc}")])
    if root is None:
        return Parsed(None, smap, [Problem(path, 1, 1, "file is empty; a briefing is a mapping "
                                                       "of keys such as 'title' and 'date'")])
    if not isinstance(root, MappingNode):
        what = "a list" if isinstance(root, SequenceNode) else "a single value"
        return Parsed(None, smap, [Problem(path, *_pos(root),
                                           f"the top level must be a mapping of keys, not {what}")])
    builder = _Builder(smap)
    try:
        data = builder.build(root, ())
    except _Fail as fail:
        return Parsed(None, smap, [Problem(path, fail.line, fail.column, fail.message)])
    except RecursionError:
        return Parsed(None, smap, [Problem(path, 1, 1, "the document nests too deeply")])
    problems = [Problem(path, line, col, msg) for line, col, msg in builder.problems]
    assert isinstance(data, dict)
    return Parsed(data, smap, problems)
