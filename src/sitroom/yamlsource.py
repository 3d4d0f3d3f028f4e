"""YAML text -> plain data plus the line and column of every node.

PyYAML's constructors lose positions, keep the last of two duplicate keys, read `NO` as false and
expand aliases without limit, and its C composer recurses without a limit (a deeply nested file
crashes the interpreter). So libyaml only parses (fast, iterative, and it keeps marks) and we
build the data from its event stream ourselves: every scalar stays the exact text the analyst
wrote, so the models decide what a value means, and each hazard becomes a Problem at the right
line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from .problems import Loc, Problem, shown

try:  # libyaml is in PyYAML's wheels; the pure-Python parser is the slow fallback
    _Parser: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Parser = yaml.SafeLoader

YAML_TAG = "tag:yaml.org,2002:"
STR_TAG = YAML_TAG + "str"
SEQ_TAG = YAML_TAG + "seq"
MAP_TAG = YAML_TAG + "map"
NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})

# Far beyond any real briefing (the largest we have seen holds a few thousand values), far below
# what it takes to exhaust memory or CI time.
MAX_ALIAS_EXPANSION = 10_000
MAX_DEPTH = 64
MAX_BYTES = 5_000_000

EMPTY_HINT = "a briefing is a mapping of keys such as 'title' and 'date'"


class PlainStr(str):
    """An unquoted scalar. Only fields that accept numbers look at the difference."""

    __slots__ = ()


@dataclass
class SourceMap:
    """Where each value and key of one document starts (1-based line and column)."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def value(self, loc: Loc) -> tuple[int, int]:
        # Values inside an alias have no place of their own: the alias is where to look.
        while loc not in self.values and loc:
            loc = loc[:-1]
        return self.values.get(loc, (1, 1))

    def key(self, loc: Loc) -> tuple[int, int]:
        return self.keys.get(loc) or self.value(loc)

    def only(self, top_keys: frozenset[str]) -> SourceMap:
        """The places under these top-level keys (and the root): all a later check can need."""
        def keep(loc: Loc) -> bool:
            return not loc or loc[0] in top_keys

        return SourceMap({k: v for k, v in self.values.items() if keep(k)},
                         {k: v for k, v in self.keys.items() if keep(k)})


@dataclass
class Parsed:
    data: dict[str, object] | None
    source_map: SourceMap
    problems: list[Problem]
    # Text left as `sitroom new` wrote it ("TODO ..."): where, and its first line.
    placeholders: dict[Loc, str] = field(default_factory=dict)


PLACEHOLDER = "TODO"


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _Fail(Exception):
    """A problem that makes the rest of the document meaningless: reported alone."""

    def __init__(self, at: tuple[int, int], message: str):
        super().__init__(message)
        self.at, self.message = at, message


def _pos(event: Event) -> tuple[int, int]:
    mark = event.start_mark  # the parser marks every event; the type allows none
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(YAML_TAG):] if tag.startswith(YAML_TAG) else tag


def _check_tag(event: Event, allowed: str) -> None:
    tag = event.tag  # type: ignore[attr-defined]
    if tag is None or tag == "!" or tag == allowed:
        return
    if tag.startswith(YAML_TAG + "python/"):
        raise _Fail(_pos(event), f"Python tags are not allowed: '{_shown_tag(tag)}'; remove it")
    raise _Fail(_pos(event), f"the tag '{_shown_tag(tag)}' is not supported; remove it")


@dataclass
class _Anchor:
    value: object
    size: int  # values it holds, itself included: what each alias to it adds
    done: bool = False


class _Builder:
    """Turns one document's events into dicts, lists and strings, recording positions."""

    def __init__(self, next_event: Callable[[], Event], smap: SourceMap, text: str):
        self.next_event = next_event
        self.smap = smap
        self.text = text
        self.lines: list[str] | None = None
        self.anchors: dict[str, _Anchor] = {}
        self.placeholders: dict[Loc, str] = {}
        self.expanded = 0
        self.problems: list[tuple[tuple[int, int], str]] = []

    def node(self, event: Event, loc: Loc) -> tuple[object, int]:
        """The value that starts with `event`, and how many values it holds."""
        at = _pos(event)
        if isinstance(event, ScalarEvent) and event.style in ("|", ">") and event.value.strip():
            at = self._block_text(at)
        self.smap.values.setdefault(loc, at)
        if isinstance(event, AliasEvent):
            return self._alias(event)
        if len(loc) >= MAX_DEPTH:
            raise _Fail(at, f"the document nests deeper than {MAX_DEPTH} levels")
        anchor_name = event.anchor  # type: ignore[attr-defined]
        anchor = None
        if anchor_name is not None:
            anchor = self.anchors[anchor_name] = _Anchor(None, 0)
        if isinstance(event, ScalarEvent):
            value, size = self._scalar(event), 1
            if isinstance(value, str) and value.lstrip().startswith(PLACEHOLDER):
                self.placeholders[loc] = value.strip().splitlines()[0]
        elif isinstance(event, SequenceStartEvent):
            _check_tag(event, SEQ_TAG)
            items: list[object] = []
            if anchor is not None:
                anchor.value = items
            value, size = items, 1 + self._sequence(items, loc)
        elif isinstance(event, MappingStartEvent):
            _check_tag(event, MAP_TAG)
            mapping: dict[str, object] = {}
            if anchor is not None:
                anchor.value = mapping
            value, size = mapping, 1 + self._mapping(mapping, loc)
        else:  # the parser only yields node events here; anything else is a parser bug
            raise _Fail(at, "unexpected YAML structure")
        if anchor is not None:
            anchor.value, anchor.size, anchor.done = value, size, True
        return value, size

    def _block_text(self, at: tuple[int, int]) -> tuple[int, int]:
        """A `|` or `>` block starts on the line below its indicator: point at its text."""
        if self.lines is None:
            self.lines = self.text.splitlines()
        for number in range(at[0], len(self.lines)):  # 0-based: the line after the indicator
            line = self.lines[number]
            if line.strip():
                return number + 1, len(line) - len(line.lstrip()) + 1
        return at

    def _alias(self, event: AliasEvent) -> tuple[object, int]:
        at = _pos(event)
        anchor = self.anchors.get(event.anchor or "")
        if anchor is None:
            raise _Fail(at, f"the alias '*{event.anchor}' refers to no anchor '&{event.anchor}' "
                            "above it")
        if not anchor.done:
            raise _Fail(at, f"the alias '*{event.anchor}' refers to a value that contains it")
        # Counted, not expanded: a "billion laughs" file fails here in microseconds.
        self.expanded += anchor.size
        if self.expanded > MAX_ALIAS_EXPANSION:
            raise _Fail(at, f"anchors and aliases expand to more than {MAX_ALIAS_EXPANSION:,} "
                            "values; write the values out instead")
        return anchor.value, anchor.size

    def _scalar(self, event: ScalarEvent) -> object:
        control = _CONTROL.search(event.value)
        if control:
            # Only an escape in a quoted string gets here (libyaml refuses raw ones): such a
            # character shows as nothing on a page and breaks XML feeds and PDF text.
            raise _Fail(_pos(event), f"the text holds the control character "
                                     f"U+{ord(control[0]):04X}; remove it")
        tag = event.tag
        if tag is None and event.implicit[0]:
            return None if event.value in NULL_WORDS else PlainStr(event.value)
        _check_tag(event, STR_TAG)
        return event.value  # quoted, or tagged `!` / `!!str`: text, whatever it looks like

    def _sequence(self, items: list[object], loc: Loc) -> int:
        size = 0
        while True:
            event = self.next_event()
            if isinstance(event, SequenceEndEvent):
                return size
            value, n = self.node(event, (*loc, len(items)))
            items.append(value)
            size += n

    def _mapping(self, out: dict[str, object], loc: Loc) -> int:
        size = 0
        first_seen: dict[str, int] = {}
        while True:
            event = self.next_event()
            if isinstance(event, MappingEndEvent):
                return size
            name = self._key(event)
            at = _pos(event)
            value_event = self.next_event()
            if name == "<<":
                raise _Fail(at, "merge keys ('<<') are not supported; write the keys out")
            if not name.strip():
                self.problems.append((at, "a key is missing before ':'"))
                self._skip(value_event, (*loc, ""))
                continue
            if name in first_seen:
                self.problems.append((at, f"duplicate key {shown(name)} (first given on line "
                                          f"{first_seen[name]}); only one value can be kept, "
                                          "so merge them"))
                self._skip(value_event, (*loc, name, "(duplicate)"))
                continue
            first_seen[name] = at[0]
            self.smap.keys[(*loc, name)] = at
            out[name], n = self.node(value_event, (*loc, name))
            size += n

    def _skip(self, event: Event, loc: Loc) -> None:
        """Read a value that is already reported and will not be kept."""
        self.node(event, loc)
        for place in [p for p in self.placeholders if p[: len(loc)] == loc]:
            del self.placeholders[place]

    def _key(self, event: Event) -> str:
        if isinstance(event, ScalarEvent):
            _check_tag(event, STR_TAG)
            return "" if event.implicit[0] and event.value in NULL_WORDS else event.value
        raise _Fail(_pos(event), "a key must be plain text, not a list, a mapping or an alias")


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    before = raw[:offset]
    start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[start:].decode("utf-8", "replace")) + 1


def _decode(raw: bytes, path: str) -> str | Problem:
    boms = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
    if raw.startswith(boms):
        return Problem(path, 1, 1, "the file starts with a byte order mark (BOM); save it as "
                                   "UTF-8 without BOM")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem(path, *_line_col(raw, exc.start),
                       f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8")


_OPENERS = {
    "quoted scalar": "the quoted text",
    "flow sequence": "the '[' list",
    "flow mapping": "the '{' mapping",
}


def _quoted_example(line: str) -> str:
    """`  role: a: b` -> ` (role: "a: b")`: the line as it should be written, when short."""
    key, _, value = line.strip().removeprefix("- ").partition(": ")
    value = value.strip()
    if not key or not value or len(key) + len(value) > 70 or '"' in value or "\\" in value:
        return ""
    return f', e.g. {key}: "{value}"'


def _syntax_problem(exc: yaml.MarkedYAMLError, path: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or "invalid YAML"
    # The two traps analysts meet most, in their words rather than the parser's.
    source_line = text.split("\n")[line - 1] if mark and line <= text.count("\n") + 1 else ""
    if "\t" in source_line[: column] and not source_line[: column - 1].strip(" \t"):
        return Problem(path, line, column, "YAML syntax error: a tab is used for indentation "
                                           "here; indent with spaces")
    if "mapping values are not allowed" in what:
        return Problem(path, line, column, "YAML syntax error: ': ' inside unquoted text starts "
                       "a new key; put the text in quotes" + _quoted_example(source_line))
    if "end of stream" in what and exc.context_mark is not None:
        # The end of the file is where the parser gave up, not what the analyst must fix: point
        # at what was left open (a quote, a bracket) instead.
        start = exc.context_mark
        assert start is not None  # tested just above
        context = exc.context or ""
        opened = next((name for key, name in _OPENERS.items() if key in context), "something")
        return Problem(path, start.line + 1, start.column + 1,
                       f"YAML syntax error: {opened} that starts here is never closed")
    if exc.context:
        where = exc.context_mark
        if where is None or where.line + 1 == line:
            what += f" ({exc.context})"
        else:
            what += f" ({exc.context} on line {where.line + 1})"
    return Problem(path, line, column, f"YAML syntax error: {what}")


def _reader_problem(exc: yaml.reader.ReaderError, raw: bytes, path: str) -> Problem:
    # libyaml reads the UTF-8 bytes, so its position is a byte offset into `raw`.
    line, column = _line_col(raw, exc.position)
    char = exc.character
    code = f"U+{char:04X}" if isinstance(char, int) else "here"
    return Problem(path, line, column,
                   f"the character {code} (a control character) is not allowed in YAML; remove it")


# YAML 1.1 (libyaml) reads these as line breaks, editors mostly do not: every line number after
# one would be wrong, and a PDF font has no glyph for them. Word processors paste them.
_ODD_BREAKS = re.compile("[\u2028\u2029\x85]")
_BREAK_NAMES = {"\u2028": "U+2028 LINE SEPARATOR", "\u2029": "U+2029 PARAGRAPH SEPARATOR",
                "\x85": "U+0085 NEXT LINE"}


def _odd_breaks(text: str, path: str) -> list[Problem]:
    problems: list[Problem] = []
    if _ODD_BREAKS.search(text) is None:
        return problems
    for number, line in enumerate(text.split("\n"), start=1):
        for match in _ODD_BREAKS.finditer(line):
            problems.append(Problem(path, number, match.start() + 1, (
                f"the text holds {_BREAK_NAMES[match[0]]}, a line break most editors do not "
                "show; replace it with an ordinary line break or a space")))
    return problems


def too_large() -> str:
    return f"the file is larger than {MAX_BYTES:,} bytes"


def parse(raw: bytes, path: str) -> Parsed:
    """Parse one briefing file's bytes. Never raises for bad input: problems are returned."""
    smap = SourceMap()

    def alone(line: int, column: int, message: str) -> Parsed:
        return Parsed(None, smap, [Problem(path, line, column, message)])

    if len(raw) > MAX_BYTES:
        return alone(1, 1, too_large())
    text = _decode(raw, path)
    if isinstance(text, Problem):
        return Parsed(None, smap, [text])
    breaks = _odd_breaks(text, path)
    if breaks:
        return Parsed(None, smap, breaks)
    try:
        parser = _Parser(text)
    except yaml.reader.ReaderError as exc:
        return Parsed(None, smap, [_reader_problem(exc, raw, path)])
    builder = _Builder(parser.get_event, smap, text)
    try:
        try:
            parser.get_event()  # stream start
            event = parser.get_event()
            if isinstance(event, StreamEndEvent):
                what = "is empty" if not text.strip() else "holds only comments"
                return alone(1, 1, f"the file {what}; {EMPTY_HINT}")
            assert isinstance(event, DocumentStartEvent)
            root_event = parser.get_event()
            if isinstance(root_event, ScalarEvent) and root_event.tag is None \
                    and root_event.implicit[0] and root_event.value in NULL_WORDS:
                return alone(*_pos(root_event), f"the document is empty; {EMPTY_HINT}")
            if not isinstance(root_event, MappingStartEvent):
                what = "a list" if isinstance(root_event, SequenceStartEvent) else "a single value"
                return alone(*_pos(root_event),
                             f"the top level must be a mapping of keys, not {what}")
            data, _ = builder.node(root_event, ())
            parser.get_event()  # document end
            event = parser.get_event()
            if isinstance(event, DocumentStartEvent):
                return alone(*_pos(event), "a second YAML document starts here; a briefing "
                                           "file holds one document (remove the '---')")
        finally:
            parser.dispose()
    except _Fail as fail:
        return alone(*fail.at, fail.message)
    except yaml.reader.ReaderError as exc:
        return Parsed(None, smap, [_reader_problem(exc, raw, path)])
    except yaml.MarkedYAMLError as exc:
        return Parsed(None, smap, [_syntax_problem(exc, path, text)])
    except yaml.YAMLError:  # pragma: no cover - libyaml reports everything with a mark
        return alone(1, 1, "YAML syntax error")
    assert isinstance(data, dict)
    problems = [Problem(path, line, col, msg) for (line, col), msg in builder.problems]
    return Parsed(data, smap, problems, builder.placeholders)
