"""The analysts' controlled vocabulary: ICD 203, Admiralty grading, TLP 2.0, impact and trend.

Kept apart from the models so templates, the site and the PDF share one definition of every
word, range and colour.
"""

from __future__ import annotations

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
        return f"{self.low}-{self.high} %"


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
        return self.name.replace("_", "+")

    @property
    def label(self) -> str:
        return f"TLP:{self.word}"

    @property
    def colour(self) -> str:
        # TLP 2.0 gives one colour per marking; AMBER+STRICT shares AMBER's.
        return TLP_COLOURS[self]

    @property
    def css_class(self) -> str:
        return "tlp-" + self.name.lower().replace("_", "-")

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
