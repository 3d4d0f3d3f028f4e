"""The briefing format (contract v1) as typed models: the single source of truth.

The loader hands these models plain text for every scalar (see yamlsource), so each field type
below decides for itself what text it accepts and says so in the analyst's words. The same
annotations generate the JSON Schema, so editors accept what `sitroom check` accepts.
Models do no I/O and know nothing of MkDocs or WeasyPrint.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import date as _date  # `Briefing.date` hides the type inside the class
from typing import TYPE_CHECKING, Annotated, Any, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from . import vocab
from .problems import shown, suggest
from .yamlsource import PlainStr

BRIEFING_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,99}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_DATETIME_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?[ \t]*"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"
)
_LOCAL_TIME_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?$"
)
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT_RE = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?$")


def _fail(message: str, **ctx: Any) -> PydanticCustomError:
    # Formatted here, not by pydantic: its placeholder filling would also rewrite a `{...}` that
    # stands in the analyst's own text.
    return PydanticCustomError("sitroom", message.format(**ctx))


def describe(value: object) -> str:
    """How an analyst would name what they wrote, for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return shown(value)


def _need_text(value: object) -> str:
    if value is None:
        raise _fail("is empty; write a value")
    if not isinstance(value, str):
        raise _fail("expected text, got {what}", what=describe(value))
    return str(value)


def slugify(text: str, limit: int = 100) -> str:
    """`Kata'ib Hezbollah` -> `kataib-hezbollah`: ASCII only, so ids survive URLs and file names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’`]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return slug


# --- scalar field types ------------------------------------------------------------------------
# Each is Annotated with a PlainValidator (our parsing, our message), a serializer where the value
# is not plain text, and a JSON Schema that accepts what the validator accepts. Editors read YAML
# 1.2, where `1984` arrives as a number and `true` as a boolean while `sitroom check` keeps the
# text, so wherever that text is valid the schema also takes the number or boolean.

_TEXTUAL = ["string", "number", "boolean"]

# --- characters that change how text reads without being seen ----------------------------------
# Embeddings, overrides and isolates reorder the text after them: U+202E turns "gnp.exe" into
# "exe.png" on screen. In names (what pages, listings, feeds and PDF metadata show as titles)
# they are refused; in prose they are removed, so they cannot reorder what surrounds them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that show as nothing: two names that differ only by one look the same to a reader
# ("Ha\u200bmas" and "Hamas") but are different text to every program.
INVISIBLE = frozenset(
    "\u200b\u200e\u200f\u061c\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"
    "\u115f\u1160\u3164\uffa0"
)
# Joiners shape Persian, Indic and emoji text, so they are kept between two letters of such a
# script; between Latin letters they only hide a difference.
JOINERS = frozenset("\u200c\u200d")
# Word processors paste these for line and paragraph breaks; they are breaks, so they become
# ones (a PDF font has no glyph for them).
SEPARATORS = {"\u2028": "\n", "\u2029": "\n\n"}
_NOT_IN_NAMES = "".join(sorted(BIDI_CONTROLS | INVISIBLE | JOINERS | set(SEPARATORS)))
# Where a message points inside a value: the loader moves the place to that character.
AT_CHAR = "\x00"


def char_name(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: how a message names a character one cannot see."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def at_char(index: int, message: str) -> str:
    """A message about the character at `index` of the value (see load._translate)."""
    return f"{AT_CHAR}{index}{AT_CHAR}{message}"


def _hidden_in_name(text: str) -> int | None:
    """Where a name holds a character that is invisible or reorders text, if anywhere."""
    for index, char in enumerate(text):
        if char in BIDI_CONTROLS or char in INVISIBLE:
            return index
        if char in JOINERS:
            before, after = text[index - 1 : index], text[index + 1 : index + 2]
            if not (before and after and not before.isascii() and not after.isascii()):
                return index
    return None


def _line_breaks(text: str, markdown: bool) -> str:
    for separator, markdown_break in SEPARATORS.items():
        if separator in text:
            text = text.replace(separator, markdown_break if markdown else " ")
    return text


def text_type(max_len: int | None = None, markdown: bool = False, name: bool = False) -> Any:
    """Text of at most `max_len` characters. A `name` is shown as a title (page titles, lists,
    PDF metadata): it may not hold invisible or reordering characters. Anything else is prose,
    where reordering controls are dropped."""

    def check(value: object) -> str:
        text = _line_breaks(_need_text(value), markdown)
        if not text.strip():
            raise _fail("is empty; write a value")
        if name:
            index = _hidden_in_name(text)
            if index is not None:
                raise _fail(at_char(index, "the text holds {char}, an invisible character that can "
                                           "disguise or reorder text; remove it"),
                            char=char_name(text[index]))
        elif not BIDI_CONTROLS.isdisjoint(text):
            text = "".join(c for c in text if c not in BIDI_CONTROLS)
            if not text.strip():
                raise _fail("is empty; write a value")
        if max_len is not None and len(text) > max_len:
            raise _fail(
                "is {n:,} characters long; at most {limit:,} are allowed", n=len(text),
                limit=max_len
            )
        return text

    schema: dict[str, Any] = {"type": _TEXTUAL, "pattern": r"\S"}
    if name:
        schema["pattern"] = f"^[^{_NOT_IN_NAMES}]*[^{_NOT_IN_NAMES}\\s][^{_NOT_IN_NAMES}]*$"
    if max_len:
        schema["maxLength"] = max_len
    if markdown:
        schema["description"] = "Markdown (raw HTML is shown as text)"
    return Annotated[str, PlainValidator(check), WithJsonSchema(schema)]


# Characters per text field: far beyond a real briefing, far below what makes a PDF of
# thousands of pages (docs/writing-briefings.md, "Limits").
MAX_NAME = 300
MAX_TEXT = 2_000
MAX_MARKDOWN = 20_000
MAX_TITLE = 200

if TYPE_CHECKING:  # plain values to a type checker; the validators are pydantic's
    Name = str
    Text = str
    Markdown = str
    Title = str
else:
    Name = text_type(max_len=MAX_NAME, name=True)
    Text = text_type(max_len=MAX_TEXT)
    Markdown = text_type(max_len=MAX_MARKDOWN, markdown=True)
    Title = text_type(max_len=MAX_TITLE, name=True)


def _slug_type(pattern: re.Pattern[str], what: str, min_number: int) -> Any:
    def check(value: object) -> str:
        text = _need_text(value)
        if not pattern.fullmatch(text):
            hint = slugify(text)
            suggestion = f", e.g. '{hint}'" if hint and pattern.fullmatch(hint) else ""
            raise _fail(
                "{value} is not a valid {what}: use {size}lower-case letters a-z, digits and "
                "hyphens, starting with a letter or digit{suggestion}",
                value=shown(text),
                what=what,
                size="3 to 100 " if pattern is BRIEFING_ID_RE else "",
                suggestion=suggestion,
            )
        return text

    # `2024` and `true` are valid slugs as text; a YAML 1.2 editor hands them over as values.
    schema = {
        "anyOf": [
            {"type": "string", "pattern": pattern.pattern},
            {"type": "integer", "minimum": min_number},
            {"type": "boolean"},
        ]
    }
    return Annotated[str, PlainValidator(check), WithJsonSchema(schema)]


if TYPE_CHECKING:  # plain values to a type checker; the validators are pydantic's
    Slug = str
    Tag = str
    BriefingId = str
else:
    Slug = _slug_type(SLUG_RE, "id", 0)
    Tag = _slug_type(SLUG_RE, "tag", 0)
    BriefingId = _slug_type(BRIEFING_ID_RE, "briefing id", 100)


def choice(values: Iterable[str], hints: dict[str, str] | None = None) -> Any:
    """One of `values`, exactly. `hints` maps common wrong answers to a word of advice."""
    allowed = tuple(values)

    def check(value: object) -> str:
        text = _need_text(value)
        if text not in allowed:
            hint = (hints or {}).get(text.strip().lower()) or suggest(text, allowed)
            raise _fail(
                "{value} is not one of: {allowed}{hint}",
                value=shown(text),
                allowed=", ".join(allowed),
                hint=hint,
            )
        return text

    return Annotated[str, PlainValidator(check), WithJsonSchema({"enum": list(allowed)})]


def _instead(word: str) -> str:
    return f" (did you mean '{word}'?)"


# Words analysts bring from other scales, and the word of ours that means the same.
_LIKELIHOOD_HINTS = {
    "probable": "likely", "probably": "likely", "improbable": "unlikely",
    "highly likely": "very likely", "highly unlikely": "very unlikely",
    "even chance": "roughly even chance", "possible": "roughly even chance",
    "certain": "almost certain", "remote": "almost no chance",
}
_LEVEL_HINTS = {"medium": "moderate", "mid": "moderate"}
_IMPACT_HINTS = {
    "low": "minor", "medium": "moderate", "high": "major", "very high": "severe",
    "critical": "severe", "catastrophic": "severe", "negligible": "minimal",
}
_GRADE_RE = re.compile(r"^\s*([A-Fa-f])\s*[-/ ]?\s*([1-6])\s*$")


def grade_hint(text: str) -> str:
    """`B2` or `B-2` where one half of the grade belongs: say how to write both halves."""
    match = _GRADE_RE.fullmatch(text)
    if not match:
        return ""
    return (f" (an Admiralty grade has two keys: write reliability: {match[1].upper()} and "
            f"credibility: {match[2]})")


if TYPE_CHECKING:  # plain values to a type checker; the validators are pydantic's
    LikelihoodWord = str
    Confidence = str
    Impact = str
    Kind = str
    Status = str
    Trend = str
    RiskTrend = str
    ActorKind = str
    Reliability = str
    LintRule = str
else:
    LikelihoodWord = choice(vocab.LIKELIHOOD_BY_WORD,
                            {k: _instead(v) for k, v in _LIKELIHOOD_HINTS.items()})
    Confidence = choice(vocab.CONFIDENCE, {k: _instead(v) for k, v in _LEVEL_HINTS.items()})
    Impact = choice(
        vocab.IMPACTS,
        {str(rank): f" (write the word: {rank} is '{word}')"
         for word, rank in vocab.IMPACT_RANK.items()}
        | {k: _instead(v) for k, v in _IMPACT_HINTS.items()},
    )
    Kind = choice(vocab.KINDS)
    Status = choice(vocab.STATUSES)
    Trend = choice(vocab.TRENDS)
    RiskTrend = choice(vocab.RISK_TRENDS)
    ActorKind = choice(vocab.ACTOR_KINDS)
    Reliability = choice(vocab.RELIABILITY, {
        f"{r}{sep}{c}".lower(): grade_hint(f"{r}{c}")
        for r in vocab.RELIABILITY for c in "123456" for sep in ("", "-")})
    LintRule = choice(vocab.LINT_RULES)


def _any_case(text: str) -> str:
    """A JSON Schema (ECMA-262) regex has no case-insensitive flag: spell each letter [aA]."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


def _tlp(value: object) -> vocab.TLP:
    if isinstance(value, vocab.TLP):
        return value
    text = _need_text(value)
    word = text.strip().upper().removeprefix("TLP:")
    # Exactly the TLP 2.0 words, in any ASCII letter case: not `AMBER_STRICT`, not `TLP: RED`.
    if text.isascii() and word in vocab.TLP_WORDS:
        return vocab.TLP.parse(text)
    raise _fail(
        "{value} is not a TLP 2.0 marking; use one of: {allowed}{hint}",
        value=shown(text),
        allowed=", ".join(vocab.TLP_WORDS),
        hint=" (TLP 2.0 replaced WHITE with CLEAR)" if word == "WHITE" else "",
    )


TLPMarking = Annotated[
    vocab.TLP,
    PlainValidator(_tlp),
    PlainSerializer(lambda level: level.label, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*(" + _any_case("TLP:") + ")?("
            + "|".join(_any_case(w) for w in sorted(vocab.TLP_WORDS, key=len, reverse=True))
            + r")\s*$",
            "description": "TLP 2.0: CLEAR, GREEN, AMBER, AMBER+STRICT or RED "
            "(optional 'TLP:' prefix, any letter case)",
        }
    ),
]

_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": _DATE_RE.pattern}


def _parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = _need_text(value)
    if not _DATE_RE.fullmatch(text):
        raise _fail("{value} is not a date; write YYYY-MM-DD", value=shown(text))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail("{value} is not a real date", value=shown(text)) from None


IsoDate = Annotated[
    date,
    PlainValidator(_parse_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema(_DATE_SCHEMA),
]


def _parse_as_of(value: object) -> date | datetime:
    if isinstance(value, date):
        return value
    text = _need_text(value)
    if _DATE_RE.fullmatch(text):
        return _parse_date(text)
    if _LOCAL_TIME_RE.fullmatch(text):
        raise _fail(
            "{value} has no time zone; add one, e.g. {example} (or Z for UTC)",
            value=shown(text),
            example=shown(text + "+03:00"),
        )
    if not _DATETIME_RE.fullmatch(text):
        raise _fail(
            "{value} is not a date or a date-time with zone; write YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM+03:00",
            value=shown(text),
        )
    iso = re.sub(r"\s", "", text[:10] + "T" + text[11:]).upper().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        raise _fail("{value} is not a real date-time", value=shown(text)) from None


AsOf = Annotated[
    date | datetime,
    PlainValidator(_parse_as_of),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                _DATE_SCHEMA,
                {"type": "string", "pattern": _DATETIME_RE.pattern},
            ],
            "description": "a date, or a date-time with its time zone",
        }
    ),
]


@dataclass(frozen=True, order=True)
class EventDate:
    """A timeline date: a day, or a month when the day is not known."""

    year: int
    month: int
    day: int | None = None

    def __str__(self) -> str:
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        # A month without its day covers the whole month: it follows the month's exact dates.
        return (self.year, self.month, self.day or 32)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, self.day or 1)


def _parse_event_date(value: object) -> EventDate:
    if isinstance(value, EventDate):
        return value
    text = _need_text(value)
    month = _MONTH_RE.fullmatch(text)
    if month:
        year, mon = int(month[1]), int(month[2])
        if not 1 <= mon <= 12:
            raise _fail("{value} is not a real month", value=shown(text))
        return EventDate(year, mon)
    if not _DATE_RE.fullmatch(text):
        raise _fail(
            "{value} is not a date; write YYYY-MM-DD, or YYYY-MM when the day is unknown",
            value=shown(text),
        )
    day = _parse_date(text)
    return EventDate(day.year, day.month, day.day)


EventDay = Annotated[
    EventDate,
    PlainValidator(_parse_event_date),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                _DATE_SCHEMA,
                {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$"},
            ],
            "description": "YYYY-MM-DD, or YYYY-MM when the day is unknown",
        }
    ),
]


# Codes people reach for that ISO 3166-1 gives to no one, or to someone else.
_COUNTRY_HINTS = {
    "UK": " (the United Kingdom is 'GB')",
    "EL": " (Greece is 'GR')",
}


def _alpha3_hint(text: str) -> str:
    """`USA` -> ` (ISO 3166-1 alpha-2 for 'USA' is 'US')`: three-letter codes are common."""
    code = vocab.alpha2_of(text.strip().upper()) if len(text.strip()) == 3 else None
    return f" (the two-letter code of {shown(text.strip().upper())} is '{code}')" if code else ""


def _parse_country(value: object) -> str:
    text = _need_text(value)
    names = vocab.country_names()
    if text in names:
        return text
    if text.upper() in names:
        hint = f" (did you mean '{text.upper()}'?)"
    else:
        hint = _COUNTRY_HINTS.get(text.upper(), "") or _alpha3_hint(text)
    raise _fail(
        "{value} is not an ISO 3166-1 alpha-2 country code{hint}", value=shown(text), hint=hint
    )


Country = Annotated[
    str,
    PlainValidator(_parse_country),
    WithJsonSchema({"enum": sorted(vocab.country_names())}),
]


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise _fail("expected a number, got {what}", what=describe(value))
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _need_text(value)
        if not _FLOAT_RE.fullmatch(text):
            raise _fail("expected a number, got {value}", value=shown(text))
        number = float(text)
    if not math.isfinite(number):
        raise _fail("expected a number, got {what}", what=describe(value))
    return number


def bounded(low: int, high: int, text_pattern: str) -> Any:
    """A number in low..high; `text_pattern` is that range in decimal notation, for the schema
    (a quoted "33.8" is accepted too, and a schema cannot compare text as a number)."""

    def check(value: object) -> float:
        number = _number(value)
        if not low <= number <= high:
            raise _fail("{value} is outside {low}..{high}", value=value, low=low, high=high)
        return number

    return Annotated[
        float,
        PlainValidator(check),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "number", "minimum": low, "maximum": high},
                    {"type": "string", "pattern": text_pattern},
                ]
            }
        ),
    ]


if TYPE_CHECKING:  # plain values to a type checker; the validators are pydantic's
    Latitude = float
    Longitude = float
else:
    Latitude = bounded(-90, 90, r"^[-+]?(0*90(\.0*)?|0*[0-8]?[0-9](\.[0-9]*)?|\.[0-9]+)$")
    Longitude = bounded(
        -180, 180, r"^[-+]?(0*180(\.0*)?|0*(1[0-7][0-9]|[0-9]?[0-9])(\.[0-9]*)?|\.[0-9]+)$"
    )

_CREDIBILITY = ("1", "2", "3", "4", "5", "6")


def _credibility(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = _need_text(value)
    if text not in _CREDIBILITY:
        raise _fail(
            "{value} is not one of: {allowed}{hint}", value=shown(text),
            allowed=", ".join(_CREDIBILITY), hint=grade_hint(text)
        )
    return int(text)


Credibility = Annotated[
    int,
    PlainValidator(_credibility),
    WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 6}, {"enum": list(_CREDIBILITY)}]}
    ),
]

# Past this many digits a "number" is an identifier (and Python refuses to parse it anyway).
_MAX_DIGITS = 30


def _figure_value(value: object) -> int | float | str:
    """`2500` is a number; `"2500"`, `2,500`, `0800` and `about 2,500` keep the analyst's text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, list | dict):
        raise _fail("expected a number or text, got {what}", what=describe(value))
    text = _need_text(value)
    if isinstance(value, PlainStr) and len(text) <= _MAX_DIGITS:
        if _INT_RE.fullmatch(text):
            return int(text)
        if _FLOAT_RE.fullmatch(text) and not re.match(r"[-+]?0[0-9]", text):
            number = float(text)
            if math.isfinite(number):
                return number
    if not text.strip():
        raise _fail("is empty; write a value")
    return text


FigureValue = Annotated[
    int | float | str,
    PlainValidator(_figure_value),
    WithJsonSchema({"type": _TEXTUAL, "pattern": r"\S"}),
]

_URL_PATTERN = r"^[hH][tT][tT][pP][sS]?://[^\s/?#]+([/?#]\S*)?$"


def _url(value: object) -> str:
    text = _need_text(value)
    try:
        parts = urlsplit(text)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        ok = False
    if not ok or not re.fullmatch(_URL_PATTERN, text):
        raise _fail(
            "{value} is not a web address: write it in full, starting http:// or https://, "
            "without spaces",
            value=shown(text),
        )
    return text


Url = Annotated[
    str,
    PlainValidator(_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": _URL_PATTERN}),
]

def _report_number(value: object) -> int:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) \
        else _need_text(value)
    if not re.fullmatch(r"[1-9][0-9]{0,5}", text):
        raise _fail("{value} is not a report number: write a whole number from 1, e.g. 12",
                    value=shown(text))
    return int(text)


ReportNumber = Annotated[
    int,
    PlainValidator(_report_number),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 999999},
                              {"type": "string", "pattern": r"^[1-9][0-9]{0,5}$"}]}),
]

_EMAIL_PATTERN = r"^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$"


def _email(value: object) -> str:
    text = _need_text(value)
    if not re.fullmatch(_EMAIL_PATTERN, text):
        raise _fail("{value} is not an email address (name@example.org)", value=shown(text))
    return text


Email = Annotated[
    str,
    PlainValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "pattern": _EMAIL_PATTERN}),
]


# --- records -----------------------------------------------------------------------------------
# Attribute docstrings become the schema's descriptions: what an editor shows on hover.


class Record(BaseModel):
    """Unknown keys are errors; `x_` keys are team extensions kept aside for templates."""

    model_config = ConfigDict(
        extra="forbid", validate_default=False, use_attribute_docstrings=True
    )

    x_: dict[str, Any] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _extensions(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        # An `x_` key the model declares (x_lint_ignore) is a field, not a free extension.
        keys = [k for k in data if isinstance(k, str) and k.startswith("x_")
                and k not in cls.model_fields]
        ext = {k: _as_text(data.pop(k)) for k in keys}
        # An empty key (`tags:`) on a list means "none", not an error.
        for name, info in cls.model_fields.items():
            if name in data and data[name] is None and is_list(info.annotation):
                data[name] = []
        data["x_"] = ext
        source = DERIVED_ID.get(cls)
        return _default_id(data, source) if source else data


def _as_text(value: Any) -> Any:
    """Extension values reach templates as written: text, lists and mappings of text."""
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    return str(value) if isinstance(value, str) else value


def is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list


def record_in(annotation: Any) -> type[Record] | None:
    """The record type a field holds (`list[Actor]` -> Actor), if any."""
    if isinstance(annotation, type) and issubclass(annotation, Record):
        return annotation
    for arg in get_args(annotation):
        found = record_in(arg)
        if found is not None:
            return found
    return None


def _default_id(data: Any, source_key: str) -> Any:
    """Fill `id` from a name or title, so analysts only write ids they need to refer to."""
    if isinstance(data, dict) and data.get("id") is None and isinstance(data.get(source_key), str):
        derived = slugify(data[source_key])
        if derived:
            data = {**data, "id": derived}
    return data


class Judgment(Record):
    """A key judgment, in ICD 203 estimative language."""

    id: Slug | None = None
    """Optional: keeps the judgment matched across versions when its wording changes."""
    statement: Markdown
    """What we judge (Markdown)."""
    likelihood: LikelihoodWord
    """ICD 203 likelihood word."""
    confidence: Confidence
    """Analytic confidence: low, moderate or high."""
    sources: Annotated[list[Slug], Field(max_length=100)] = []
    """Ids of the sources this judgment rests on."""

    @property
    def likelihood_info(self) -> vocab.Likelihood:
        return vocab.LIKELIHOOD_BY_WORD[self.likelihood]


class Figure(Record):
    """A key figure (OCHA style)."""

    label: Name
    """What is counted."""
    value: FigureValue
    """A number, or text such as 'about 2,500'."""
    unit: Name | None = None
    as_of: IsoDate | None = None
    """Date the figure refers to (YYYY-MM-DD)."""
    source: Slug | None = None
    """Id of the source of the figure."""


class Actor(Record):
    """A party to the situation. The same id in two briefings means the same actor."""

    id: Slug
    """Default: made from the name."""
    name: Name
    native_name: Name | None = None
    """The name in its own script."""
    aliases: Annotated[list[Name], Field(max_length=50)] = []
    kind: ActorKind
    affiliation: Name | None = None
    """E.g. Iran-aligned."""
    country: Country | None = None
    """ISO 3166-1 alpha-2 code."""
    role: Text
    """What this actor does in this situation."""


class Risk(Record):
    """A risk: likelihood (ICD 203) x impact (1-5)."""

    id: Slug
    """Default: made from the title."""
    title: Name
    description: Markdown | None = None
    likelihood: LikelihoodWord
    """ICD 203 likelihood word."""
    impact: Impact
    """minimal, minor, moderate, major or severe (1-5)."""
    trend: RiskTrend | None = None
    horizon: Text | None = None
    """Free text, e.g. 30 days."""
    indicators: Annotated[list[Text], Field(max_length=100)] = []
    """What to watch."""
    actors: Annotated[list[Slug], Field(max_length=100)] = []
    """Actor ids."""
    sources: Annotated[list[Slug], Field(max_length=100)] = []
    """Source ids."""

    @property
    def likelihood_info(self) -> vocab.Likelihood:
        return vocab.LIKELIHOOD_BY_WORD[self.likelihood]

    @property
    def impact_rank(self) -> int:
        return vocab.IMPACT_RANK[self.impact]

    @property
    def score(self) -> int:
        """Likelihood rank (1-7) x impact (1-5): the order of a risk register."""
        return self.likelihood_info.rank * self.impact_rank

    @property
    def order_key(self) -> tuple[int, int, int, int, str]:
        """Most serious first: score, then impact, then likelihood, then trend (rising first),
        then title (vocab.RISK_ORDER_TEXT says it to readers)."""
        return (-self.score, -self.impact_rank, -self.likelihood_info.rank,
                -vocab.RISK_TREND_RANK.get(self.trend or "", 0), self.title.lower())


class Event(Record):
    """A timeline entry."""

    date: EventDay
    """YYYY-MM-DD, or YYYY-MM when the day is unknown."""
    event: Markdown
    """What happened (Markdown)."""
    location: Slug | None = None
    """Location id."""
    actors: Annotated[list[Slug], Field(max_length=100)] = []
    """Actor ids."""
    sources: Annotated[list[Slug], Field(max_length=100)] = []
    """Source ids."""


class Location(Record):
    """A place, optionally with coordinates."""

    id: Slug
    """Default: made from the name."""
    name: Name
    country: Country | None = None
    """ISO 3166-1 alpha-2 code."""
    lat: Latitude | None = None
    """Latitude, -90..90."""
    lon: Longitude | None = None
    """Longitude, -180..180."""


class Source(Record):
    """A source, graded on the Admiralty scale (e.g. B2)."""

    id: Slug
    """What judgments, risks and events cite."""
    title: Name
    publisher: Name
    url: Url | None = None
    """http or https only."""
    published: EventDay | None = None
    """YYYY-MM-DD, or YYYY-MM when the day is unknown."""
    accessed: IsoDate | None = None
    reliability: Reliability
    """A completely reliable ... E unreliable, F cannot be judged."""
    credibility: Credibility
    """1 confirmed ... 5 improbable, 6 cannot be judged."""

    @property
    def grade(self) -> str:
        """The Admiralty (STANAG 2511) grade, e.g. `B2`."""
        return f"{self.reliability}{self.credibility}"

    @property
    def grade_meaning(self) -> str:
        return (
            f"source {vocab.RELIABILITY[self.reliability]}, "
            f"information {vocab.CREDIBILITY[self.credibility]}"
        )


class Period(Record):
    """The period a report covers (OCHA style)."""

    start: IsoDate
    """First day covered (YYYY-MM-DD)."""
    end: IsoDate
    """Last day covered (YYYY-MM-DD), on or after start."""


class Contact(Record):
    """Whom to ask about this report (OCHA style)."""

    name: Name
    role: Text | None = None
    """E.g. Head of desk."""
    email: Email | None = None


class Change(Record):
    """A revision: corrections are explained here (ICD 203 standard 7)."""

    date: IsoDate
    note: Text


class LintIgnore(Record):
    """A tradecraft rule this briefing silences, and why."""

    rule: LintRule
    """The rule's name, as `sitroom check` prints it in brackets."""
    reason: Text
    """Why the rule does not apply here: reviewers read this."""


class Briefing(Record):
    """One briefing: the format contract, v1."""

    id: BriefingId
    """Default: the file name without .yaml. URLs and PDF names derive from it."""
    title: Title
    """Headline; ideally the bottom line in one sentence."""
    kind: Kind = "sitrep"
    date: IsoDate
    """Publication date of this version."""
    as_of: AsOf | None = None
    """Information cut-off (default: date); a date-time needs its time zone."""
    next_update: IsoDate | None = None
    """When the next issue is expected; after date."""
    status: Status
    """Only published briefings appear on a site unless drafts are asked for."""
    tlp: TLPMarking
    """TLP 2.0: CLEAR, GREEN, AMBER, AMBER+STRICT or RED ('TLP:' prefix, any letter case)."""
    authors: Annotated[list[Name], Field(min_length=1, max_length=50)]
    reviewers: Annotated[list[Name], Field(max_length=50)] = []
    regions: Annotated[list[Name], Field(min_length=1, max_length=50)]
    countries: Annotated[list[Country], Field(max_length=100)] = []
    """ISO 3166-1 alpha-2 codes."""
    tags: Annotated[list[Tag], Field(max_length=50)] = []
    trend: Trend | None = None
    """Overall direction since the previous briefing (CrisisWatch)."""
    number: ReportNumber | None = None
    """The report's number in its series (OCHA style: Situation Report No. 12)."""
    period: Period | None = None
    """The period the report covers: start and end dates."""
    summary: Markdown
    """The bottom line up front, 1-3 short paragraphs (Markdown)."""
    highlights: Annotated[list[Text], Field(max_length=5)] = []
    """3-5 short bullets (OCHA style) on page one, above the bottom line."""
    key_judgments: Annotated[list[Judgment], Field(max_length=100)] = []
    key_figures: Annotated[list[Figure], Field(max_length=100)] = []
    actors: Annotated[list[Actor], Field(min_length=1, max_length=500)]
    risks: Annotated[list[Risk], Field(min_length=1, max_length=200)]
    timeline: Annotated[list[Event], Field(max_length=1_000)] = []
    locations: Annotated[list[Location], Field(max_length=500)] = []
    sources: Annotated[list[Source], Field(min_length=1, max_length=1_000)]
    assumptions: Annotated[list[Text], Field(max_length=100)] = []
    """Key assumptions (ICD 203 standard 3)."""
    gaps: Annotated[list[Text], Field(max_length=100)] = []
    """Intelligence gaps."""
    related: Annotated[list[BriefingId], Field(max_length=200)] = []
    """Ids of related briefings."""
    supersedes: BriefingId | None = None
    """Id of the briefing this one replaces."""
    changes: Annotated[list[Change], Field(max_length=500)] = []
    """Revision history."""
    contacts: Annotated[list[Contact], Field(max_length=20)] = []
    """Whom to ask: name, role, email (OCHA style)."""
    x_lint_ignore: list[LintIgnore] = []
    """Tradecraft rules silenced for this briefing, each with its reason."""

    @model_validator(mode="before")
    @classmethod
    def _default_briefing_id(cls, data: Any, info: ValidationInfo) -> Any:
        default = (info.context or {}).get("default_id")
        if isinstance(data, dict) and data.get("id") is None and default is not None:
            data = {**data, "id": default}
        return data

    @property
    def as_of_value(self) -> _date | datetime:
        """The information cut-off; the format defaults it to the publication date."""
        return self.as_of if self.as_of is not None else self.date

    @property
    def published(self) -> bool:
        return self.status == "published"

    def actor(self, actor_id: str) -> Actor | None:
        return next((a for a in self.actors if a.id == actor_id), None)

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def location(self, location_id: str) -> Location | None:
        return next((loc for loc in self.locations if loc.id == location_id), None)

    @property
    def sorted_timeline(self) -> list[Event]:
        return sorted(self.timeline, key=lambda e: e.date.sort_key)

    @property
    def risks_by_score(self) -> list[Risk]:
        return sorted(self.risks, key=lambda r: r.order_key)


# Records whose `id` is made from another key when the analyst leaves it out.
# Records whose `id` may be left out: it is then the slug of this field.
DERIVED_ID: dict[type[Record], str] = {Actor: "name", Risk: "title", Location: "name"}

FIELD_NAMES: dict[type[Record], tuple[str, ...]] = {}


def known_keys(model: type[Record]) -> tuple[str, ...]:
    """The keys an analyst may write in this record (our internal `x_` bag is not one)."""
    if model not in FIELD_NAMES:
        FIELD_NAMES[model] = tuple(k for k in model.model_fields if k != "x_")
    return FIELD_NAMES[model]
