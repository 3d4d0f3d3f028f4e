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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
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
from .yamlsource import PlainStr

BRIEFING_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,99}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$"
)
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT_RE = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")


def _fail(message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError("sitroom", message, ctx or None)


def describe(value: object) -> str:
    """How an analyst would name what they wrote, for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"


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
# Each is Annotated with a PlainValidator (our message, our parsing), a serializer and its JSON
# Schema, written to accept exactly what the validator accepts.

_TEXTUAL = ["string", "number", "boolean"]  # editors read YAML 1.2: `1984` arrives as a number


def text_type(min_len: int = 1, max_len: int | None = None, markdown: bool = False) -> Any:
    def check(value: object) -> str:
        text = _need_text(value)
        if len(text.strip()) < min_len:
            raise _fail("is empty; write a value")
        if max_len is not None and len(text) > max_len:
            raise _fail(
                "is {n} characters long; at most {limit} are allowed", n=len(text), limit=max_len
            )
        return text

    schema: dict[str, Any] = {"type": _TEXTUAL}
    if max_len:
        schema["maxLength"] = max_len
    if markdown:
        schema["description"] = "Markdown (raw HTML is shown as text)"
    return Annotated[str, PlainValidator(check), WithJsonSchema(schema)]


Text = text_type()
Markdown = text_type(markdown=True)
Title = text_type(max_len=200)


def _slug_check(pattern: re.Pattern[str], what: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _need_text(value)
        if not pattern.match(text):
            hint = slugify(text)
            suggestion = f", e.g. '{hint}'" if hint and pattern.match(hint) else ""
            raise _fail(
                "'{value}' is not a valid {what}: use lower-case letters a-z, digits and hyphens"
                "{suggestion}",
                value=text,
                what=what,
                suggestion=suggestion,
            )
        return text

    return check


Slug = Annotated[
    str,
    PlainValidator(_slug_check(SLUG_RE, "id")),
    WithJsonSchema({"type": "string", "pattern": SLUG_RE.pattern}),
]
Tag = Annotated[
    str,
    PlainValidator(_slug_check(SLUG_RE, "tag")),
    WithJsonSchema({"type": "string", "pattern": SLUG_RE.pattern}),
]
BriefingId = Annotated[
    str,
    PlainValidator(_slug_check(BRIEFING_ID_RE, "briefing id")),
    WithJsonSchema({"type": "string", "pattern": BRIEFING_ID_RE.pattern}),
]


def choice(values: Iterable[str]) -> Any:
    allowed = tuple(values)

    def check(value: object) -> str:
        text = _need_text(value)
        if text not in allowed:
            raise _fail(
                "'{value}' is not one of: {allowed}", value=text, allowed=", ".join(allowed)
            )
        return text

    return Annotated[str, PlainValidator(check), WithJsonSchema({"enum": list(allowed)})]


LikelihoodWord = choice(vocab.LIKELIHOOD_BY_WORD)
Confidence = choice(vocab.CONFIDENCE)
Impact = choice(vocab.IMPACTS)
Kind = choice(vocab.KINDS)
Status = choice(vocab.STATUSES)
Trend = choice(vocab.TRENDS)
RiskTrend = choice(vocab.RISK_TRENDS)
ActorKind = choice(vocab.ACTOR_KINDS)
Reliability = choice(vocab.RELIABILITY)


def _any_case(text: str) -> str:
    """A JSON Schema (ECMA-262) regex has no case-insensitive flag: spell each letter [aA]."""
    return "".join(
        f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c).replace("\\-", "-")
        for c in text
    )


def _tlp(value: object) -> vocab.TLP:
    if isinstance(value, vocab.TLP):
        return value
    text = _need_text(value)
    try:
        return vocab.TLP.parse(text)
    except ValueError:
        raise _fail(
            "'{value}' is not a TLP 2.0 marking; use one of: {allowed}",
            value=text,
            allowed=", ".join(vocab.TLP_WORDS),
        ) from None


TLPMarking = Annotated[
    vocab.TLP,
    PlainValidator(_tlp),
    PlainSerializer(lambda level: level.label, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^(" + _any_case("TLP:") + ")?("
            + "|".join(_any_case(w) for w in sorted(vocab.TLP_WORDS, key=len, reverse=True))
            + ")$",
            "description": "TLP 2.0: CLEAR, GREEN, AMBER, AMBER+STRICT or RED "
            "(optional 'TLP:' prefix, any letter case)",
        }
    ),
]


def _parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = _need_text(value)
    if not _DATE_RE.match(text):
        raise _fail("'{value}' is not a date; write YYYY-MM-DD", value=text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail("'{value}' is not a real date", value=text) from None


IsoDate = Annotated[
    date,
    PlainValidator(_parse_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def _parse_as_of(value: object) -> date | datetime:
    if isinstance(value, date):
        return value
    text = _need_text(value)
    if _DATE_RE.match(text):
        return _parse_date(text)
    if not _DATETIME_RE.match(text):
        raise _fail(
            "'{value}' is not a date or a date-time with zone; write YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM:SS+03:00",
            value=text,
        )
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1).upper().replace("Z", "+00:00"))
    except ValueError:
        raise _fail("'{value}' is not a real date-time", value=text) from None


AsOf = Annotated[
    date | datetime,
    PlainValidator(_parse_as_of),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "pattern": _DATETIME_RE.pattern},
            ]
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
        return (self.year, self.month, self.day or 0)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, self.day or 1)


def _parse_event_date(value: object) -> EventDate:
    if isinstance(value, EventDate):
        return value
    text = _need_text(value)
    month = _MONTH_RE.match(text)
    if month:
        year, mon = int(month[1]), int(month[2])
        if not 1 <= mon <= 12:
            raise _fail("'{value}' is not a real month", value=text)
        return EventDate(year, mon)
    day = _parse_date_or_month_error(text)
    return EventDate(day.year, day.month, day.day)


def _parse_date_or_month_error(text: str) -> date:
    if not _DATE_RE.match(text):
        raise _fail("'{value}' is not a date; write YYYY-MM-DD, or YYYY-MM when the day is "
                    "unknown", value=text)
    return _parse_date(text)


EventDay = Annotated[
    EventDate,
    PlainValidator(_parse_event_date),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "pattern": _MONTH_RE.pattern}]}
    ),
]


def _parse_country(value: object) -> str:
    text = _need_text(value)
    names = vocab.country_names()
    if text in names:
        return text
    hint = f" (did you mean '{text.upper()}'?)" if text.upper() in names else ""
    raise _fail(
        "'{value}' is not an ISO 3166-1 alpha-2 country code{hint}", value=text, hint=hint
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
        return float(value)
    text = _need_text(value)
    if not _FLOAT_RE.match(text.strip()):
        raise _fail("expected a number, got '{value}'", value=text)
    number = float(text)
    if not math.isfinite(number):
        raise _fail("expected a number, got '{value}'", value=text)
    return number


def bounded(low: float, high: float) -> Any:
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
                    {"type": "string", "pattern": _FLOAT_RE.pattern},
                ]
            }
        ),
    ]


Latitude = bounded(-90, 90)
Longitude = bounded(-180, 180)


def _credibility(value: object) -> int:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if text is None:
        text = _need_text(value).strip()
    if text not in {"1", "2", "3", "4", "5", "6"}:
        raise _fail("'{value}' is not one of: 1, 2, 3, 4, 5, 6", value=text)
    return int(text)


Credibility = Annotated[
    int,
    PlainValidator(_credibility),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 6},
                              {"enum": ["1", "2", "3", "4", "5", "6"]}]}),
]


def _figure_value(value: object) -> int | float | str:
    """`2500` is a number, `"2,500"`, `0800` and `about 2,500` keep the analyst's text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = _need_text(value)
    if isinstance(value, PlainStr):
        if _INT_RE.match(text):
            return int(text)
        if _FLOAT_RE.match(text) and not re.match(r"^[-+]?0\d", text):
            return float(text)
    return text


FigureValue = Annotated[
    int | float | str,
    PlainValidator(_figure_value),
    WithJsonSchema({"type": ["number", "string", "boolean"]}),
]


def _url(value: object) -> str:
    text = _need_text(value).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
        raise _fail("'{value}' is not an http or https URL", value=text)
    return text


Url = Annotated[
    str,
    PlainValidator(_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^[hH][tT][tT][pP][sS]?://"}),
]


# --- records -----------------------------------------------------------------------------------


class Record(BaseModel):
    """Unknown keys are errors; `x_` keys are team extensions kept aside for templates."""

    model_config = ConfigDict(extra="forbid", validate_default=False)

    x_: dict[str, Any] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _extensions(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        ext = {k: data.pop(k) for k in list(data) if isinstance(k, str) and k.startswith("x_")}
        # An empty key (`tags:`) on an optional list means "none", not an error.
        for name, info in cls.model_fields.items():
            if name in data and data[name] is None and _is_list(info.annotation):
                data[name] = []
        data["x_"] = ext
        return data


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list


def _default_id(data: Any, source_key: str) -> Any:
    """Fill `id` from a name or title, so analysts only write ids they need to refer to."""
    if isinstance(data, dict) and data.get("id") is None and isinstance(data.get(source_key), str):
        derived = slugify(data[source_key])
        if derived:
            data = {**data, "id": derived}
    return data


class Judgment(Record):
    statement: Markdown
    likelihood: LikelihoodWord
    confidence: Confidence
    sources: list[Slug] = []

    @property
    def likelihood_info(self) -> vocab.Likelihood:
        return vocab.LIKELIHOOD_BY_WORD[self.likelihood]


class Figure(Record):
    label: Text
    value: FigureValue
    unit: Text | None = None
    as_of: IsoDate | None = None
    source: Slug | None = None


class Actor(Record):
    id: Slug
    name: Text
    native_name: Text | None = None
    aliases: list[Text] = []
    kind: ActorKind
    affiliation: Text | None = None
    country: Country | None = None
    role: Text

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        return _default_id(data, "name")


class Risk(Record):
    id: Slug
    title: Text
    description: Markdown | None = None
    likelihood: LikelihoodWord
    impact: Impact
    trend: RiskTrend | None = None
    horizon: Text | None = None
    indicators: list[Text] = []
    actors: list[Slug] = []
    sources: list[Slug] = []

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        return _default_id(data, "title")

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


class Event(Record):
    date: EventDay
    event: Markdown
    location: Slug | None = None
    actors: list[Slug] = []
    sources: list[Slug] = []


class Location(Record):
    id: Slug
    name: Text
    country: Country | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        return _default_id(data, "name")


class Source(Record):
    id: Slug
    title: Text
    publisher: Text
    url: Url | None = None
    published: IsoDate | None = None
    accessed: IsoDate | None = None
    reliability: Reliability
    credibility: Credibility

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


class Change(Record):
    date: IsoDate
    note: Text


class Briefing(Record):
    id: BriefingId
    title: Title
    kind: Kind = "sitrep"
    date: IsoDate
    as_of: AsOf | None = None
    next_update: IsoDate | None = None
    status: Status
    tlp: TLPMarking
    authors: Annotated[list[Text], Field(min_length=1)]
    reviewers: list[Text] = []
    regions: Annotated[list[Text], Field(min_length=1)]
    countries: list[Country] = []
    tags: list[Tag] = []
    trend: Trend | None = None
    summary: Markdown
    key_judgments: list[Judgment] = []
    key_figures: list[Figure] = []
    actors: Annotated[list[Actor], Field(min_length=1)]
    risks: Annotated[list[Risk], Field(min_length=1)]
    timeline: list[Event] = []
    locations: list[Location] = []
    sources: Annotated[list[Source], Field(min_length=1)]
    assumptions: list[Text] = []
    gaps: list[Text] = []
    related: list[BriefingId] = []
    supersedes: BriefingId | None = None
    changes: list[Change] = []

    @model_validator(mode="before")
    @classmethod
    def _default_briefing_id(cls, data: Any, info: ValidationInfo) -> Any:
        default = (info.context or {}).get("default_id")
        if isinstance(data, dict) and data.get("id") is None and default is not None:
            data = {**data, "id": default}
        return data

    @property
    def as_of_value(self) -> date | datetime:
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
        return sorted(self.risks, key=lambda r: (-r.score, r.title))


FIELD_NAMES: dict[type[Record], tuple[str, ...]] = {}


def known_keys(model: type[Record]) -> tuple[str, ...]:
    """The keys an analyst may write in this record (our internal `x_` bag is not one)."""
    if model not in FIELD_NAMES:
        FIELD_NAMES[model] = tuple(k for k in model.model_fields if k != "x_")
    return FIELD_NAMES[model]
