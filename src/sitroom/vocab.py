"""The analysts' controlled vocabulary: ICD 203, Admiralty grading, TLP 2.0, impact and trend.

Kept apart from the models so templates, the site and the PDF share one definition of every
word, range and colour.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from functools import cache

import pycountry


@dataclass(frozen=True)
class Likelihood:
    word: str
    low: int
    high: int
    rank: int  # 1..7, used for ordering and the risk matrix

    @property
    def range(self) -> str:
        return f"{self.low}\u2013{self.high} %"


# ICD 203 estimative language, exactly as the directive words it.
LIKELIHOODS: tuple[Likelihood, ...] = (
    Likelihood("almost no chance", 1, 5, 1),
    Likelihood("very unlikely", 5, 20, 2),
    Likelihood("unlikely", 20, 45, 3),
    Likelihood("roughly even chance", 45, 55, 4),
    Likelihood("likely", 55, 80, 5),
    Likelihood("very likely", 80, 95, 6),
    Likelihood("almost certain", 95, 99, 7),
)
LIKELIHOOD_BY_WORD = {item.word: item for item in LIKELIHOODS}

CONFIDENCE = ("low", "moderate", "high")

IMPACTS = ("minimal", "minor", "moderate", "major", "severe")  # 1..5
IMPACT_RANK = {word: rank for rank, word in enumerate(IMPACTS, start=1)}

KINDS = ("flash", "sitrep", "assessment")
STATUSES = ("draft", "review", "published")
TRENDS = ("deteriorating", "unchanged", "improving")
RISK_TRENDS = ("rising", "stable", "falling")
# Ties in a risk list are broken by impact, then likelihood, then trend (rising before stable,
# stable before falling, no trend last), then title: the documented order of every risk list.
RISK_TREND_RANK = {"rising": 3, "stable": 2, "falling": 1}
RISK_ORDER_TEXT = ("most serious first: likelihood \u00d7 impact, ties by impact, then "
                   "likelihood, then trend (rising first)")
ACTOR_KINDS = (
    "state",
    "government",
    "military",
    "non-state-armed-group",
    "political",
    "international-organisation",
    "civil-society",
    "company",
    "individual",
    "other",
)

# The tradecraft rules of `sitroom check` (lint.py), by the names a briefing's x_lint_ignore uses.
LINT_RULES = (
    "estimative-language",
    "likelihood-confidence-mix",
    "unsourced",
    "weak-sources-high-confidence",
    "risk-without-indicators",
    "change-not-logged",
)

RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "cannot be judged",
}


class TLP(IntEnum):
    """TLP 2.0 markings, ordered from least to most restrictive."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def word(self) -> str:
        # `_name_`, not `name`: enum's `name` property costs a descriptor call, and listings
        # print a marking for every row.
        return self._name_.replace("_", "+")

    @property
    def label(self) -> str:
        return f"TLP:{self.word}"

    @property
    def colour(self) -> str:
        # TLP 2.0 gives one colour per marking; AMBER+STRICT shares AMBER's.
        return TLP_COLOURS[self]

    @property
    def css_class(self) -> str:
        return "tlp-" + self._name_.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> TLP:
        """Accept `amber+strict`, `TLP:Amber+Strict` and so on; raise ValueError otherwise."""
        word = text.strip().upper()
        if word.startswith("TLP:"):
            word = word[4:]
        try:
            return cls[word.replace("+", "_")]
        except KeyError:
            raise ValueError(text) from None


# TLP 2.0 (FIRST) definitions: the one wording of the site's bars, the feeds and the PDF.
TLP_MEANING: dict[TLP, str] = {
    TLP.CLEAR: "Recipients can spread this to the world; there is no limit on disclosure.",
    TLP.GREEN: "Limited disclosure: recipients can spread this within their community.",
    TLP.AMBER: "Limited disclosure: recipients can only spread this on a need-to-know basis "
    "within their organization and its clients.",
    TLP.AMBER_STRICT: "Limited disclosure: restricted to participants' organization only.",
    TLP.RED: "For the eyes and ears of individual recipients only; no further disclosure.",
}

TLP_COLOURS = {
    TLP.CLEAR: "#FFFFFF",
    TLP.GREEN: "#33FF00",
    TLP.AMBER: "#FFC000",
    TLP.AMBER_STRICT: "#FFC000",
    TLP.RED: "#FF2B2B",
}
TLP_WORDS = tuple(level.word for level in TLP)


# Where ISO's short name reads as an index entry, the name a briefing's reader expects.
_COUNTRY_NAMES = {
    "CD": "DR Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "VG": "British Virgin Islands",
    "VI": "US Virgin Islands",
    "FK": "Falkland Islands",
    "VA": "Vatican City",
}


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> the short name readers know (Iran, not 'Iran, Islamic ...')."""
    names = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names.update(_COUNTRY_NAMES)
    return names


def country_name(code: str) -> str:
    return country_names().get(code, code)


@cache
def _alpha3() -> dict[str, str]:
    return {c.alpha_3: c.alpha_2 for c in pycountry.countries}


def alpha2_of(alpha3: str) -> str | None:
    """`USA` -> `US`: the ISO 3166-1 alpha-2 code of an alpha-3 code, if it is one."""
    return _alpha3().get(alpha3)


# --- scripts and languages ---------------------------------------------------------------------

# A name's letters say which language it is in as far as letters can: the same rule for the
# site's `lang` and the PDF's (shaping and PDF/UA /Lang). Where a script serves several
# languages, letters only one of them uses decide; otherwise the script's most common language.
# A script not listed here gets no tag (and a reader's voice falls back to the page language).
_SCRIPT_LANG: dict[str, str] = {
    "HEBREW": "he",
    "GREEK": "el",
    "ARMENIAN": "hy",
    "GEORGIAN": "ka",
    "THAI": "th",
    "HANGUL": "ko",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "CJK": "zh",
    "ETHIOPIC": "am",
    "BENGALI": "bn",
    "DEVANAGARI": "hi",
    "KHMER": "km",
    "MYANMAR": "my",
    "SINHALA": "si",
    "TAMIL": "ta",
    "ARABIC": "ar",
    "CYRILLIC": "ru",
}
# (script, letters only this language uses in it, language), checked in order.
_LETTERS_LANG: tuple[tuple[str, frozenset[str], str], ...] = (
    ("ARABIC", frozenset("\u0679\u0688\u0691\u06ba\u06be\u06c1\u06d2"), "ur"),  # ٹ ڈ ڑ ں ھ ہ ے
    ("ARABIC", frozenset("\u067e\u0686\u0698\u06af\u06a9\u06cc"), "fa"),  # پ چ ژ گ ک ی
    ("CYRILLIC", frozenset("\u0454\u0457\u0491\u0404\u0407\u0490"), "uk"),  # є ї ґ
    ("CYRILLIC", frozenset("\u045e\u040e"), "be"),  # ў
    ("CYRILLIC", frozenset("\u04d9\u0493\u049b\u04a3\u04e9\u04b1\u04af\u04bb"), "kk"),
    ("CYRILLIC", frozenset("\u0452\u045b\u0402\u040b"), "sr"),  # ђ ћ
    ("CYRILLIC", frozenset("\u0453\u045c\u0455\u0403\u040c\u0405"), "mk"),  # ѓ ќ ѕ
)


def _script_of(char: str) -> str | None:
    name = unicodedata.name(char, "")
    if name.startswith("CJK"):
        return "CJK"
    return name.split(" ", 1)[0] or None


def scripts(text: str) -> list[str]:
    """The scripts of the letters of `text`, in order of first use (LATIN included)."""
    found: dict[str, None] = {}
    for char in text:
        if char.isalpha():
            script = _script_of(char)
            if script:
                found.setdefault(script, None)
    return list(found)


# Where a script's letters do not tell its languages apart (Bulgarian and Russian share every
# letter; 日本国 is Han alone), the country the name belongs to does.
_COUNTRY_LANG: dict[str, dict[str, str]] = {
    "ARABIC": {"IR": "fa", "AF": "fa", "PK": "ur"},
    "CYRILLIC": {"RU": "ru", "BY": "be", "UA": "uk", "BG": "bg", "RS": "sr", "MK": "mk",
                 "KZ": "kk", "KG": "ky", "MN": "mn", "TJ": "tg", "ME": "sr", "BA": "sr"},
    "CJK": {"JP": "ja", "KR": "ko"},
    "DEVANAGARI": {"NP": "ne"},
}


def script_language(text: str, country: str | None = None) -> str:
    """A BCP 47 tag for a name from its letters, or "" when it is Latin, mixed with Latin, or in
    a script we cannot name a language for. `جمهوری اسلامی ایران` -> fa, `حزب الله` -> ar.

    Letters that belong to one language decide first; then `country` (ISO 3166 alpha-2) where
    the letters are shared (`България`, BG -> bg); then the script's most common language."""
    found = scripts(text)
    if not found or "LATIN" in found:
        return ""
    if "HIRAGANA" in found or "KATAKANA" in found:
        return "ja"
    if "HANGUL" in found:
        return "ko"
    script = found[0]
    letters = set(text)
    for name, only, lang in _LETTERS_LANG:
        if name == script and letters & only:
            return lang
    by_country = _COUNTRY_LANG.get(script, {}).get((country or "").upper())
    return by_country or _SCRIPT_LANG.get(script, "")


def text_direction(text: str) -> str:
    """`rtl` or `ltr` from the first strong character (the HTML dir="auto" rule), else ''."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return ""
