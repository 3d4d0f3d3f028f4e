"""The Jinja environment shared by the site pages and the print HTML.

Autoescape is on for every template (whatever its extension) and undefined variables are errors,
so a template typo fails the build instead of printing an empty string into a briefing.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import markdown, vocab
from .models import EventDate


def format_date(value: date | datetime | EventDate | None, with_time: bool = True) -> str:
    """`6 August 2024`, and `6 August 2024, 09:00 UTC+03:00` for a date-time: unambiguous in
    every English-speaking country, unlike 08/06."""
    if value is None:
        return ""
    if isinstance(value, EventDate):  # a source's `published` may be a month: `March 2025`
        if value.day is None:
            return f"{value.first_day:%B %Y}"
        value = value.first_day
    text = f"{value.day} {value:%B %Y}"
    if isinstance(value, datetime) and with_time:
        offset = value.strftime("%z")
        zone = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
        text += f", {value:%H:%M} {zone}"
    return text


def make_env(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        markdown=markdown.render,
        markdown_inline=markdown.render_inline,
        safe_href=markdown.safe_href,
        country_name=vocab.country_name,
        date=format_date,
        isodate=lambda d: d.isoformat() if d is not None else "",
    )
    env.globals.update(
        vocab=vocab,
        TLP=vocab.TLP,
        LIKELIHOODS=vocab.LIKELIHOODS,
        IMPACTS=vocab.IMPACTS,
        RELIABILITY=vocab.RELIABILITY,
        CREDIBILITY=vocab.CREDIBILITY,
    )
    return env


__all__ = ["Markup", "format_date", "make_env"]
