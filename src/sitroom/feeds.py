"""Atom (RFC 4287) and JSON Feed 1.1 of the latest briefings, with the standard library alone.

Pure: the corpus (already filtered for the site) and absolute URLs in, bytes/text out. Output is
deterministic (no build time inside), so rebuilding an unchanged corpus gives identical feeds and
feed readers do not see phantom updates.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from markupsafe import Markup, escape

from . import __version__
from .corpus import Corpus
from .markdown import render
from .models import Briefing
from .site import TLP_MEANING, plain_text
from .vocab import TLP

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
DEFAULT_SIZE = 50
TLP_SCHEME = "https://www.first.org/tlp/"

# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the feed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    briefing: Briefing
    url: str
    pdf_url: str | None

    @property
    def title(self) -> str:
        # A feed reader's list is the subject line: restricted markings go in front of it.
        b = self.briefing
        return b.title if b.tlp is TLP.CLEAR else f"[{b.tlp.label}] {b.title}"

    @property
    def updated(self) -> datetime:
        b = self.briefing
        latest = max([b.date, *(c.date for c in b.changes)])
        return _instant(latest)

    @property
    def published(self) -> datetime:
        return _instant(self.briefing.date)

    @property
    def content_html(self) -> str:
        b = self.briefing
        parts = [
            Markup('<p><strong>{}</strong> — {}</p>').format(b.tlp.label, TLP_MEANING[b.tlp]),
            render(b.summary),
        ]
        if self.pdf_url:
            parts.append(Markup('<p><a href="{}">PDF situation report</a></p>')
                         .format(self.pdf_url))
        return str(Markup("\n").join(parts))

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys([*self.briefing.regions, *self.briefing.tags]))


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def entries(corpus: Corpus, url_of: Callable[[Briefing], str],
            pdf_url_of: Callable[[Briefing], str] | None = None,
            size: int = DEFAULT_SIZE) -> list[Entry]:
    """The newest `size` briefings of the (filtered) corpus, newest first."""
    return [Entry(b, url_of(b), pdf_url_of(b) if pdf_url_of else None)
            for b in corpus.briefings[:size]]


def atom(items: list[Entry], *, title: str, site_url: str, feed_url: str) -> bytes:
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _xml_text(v) for k, v in
                                                            attrs.items()})
        if text is not None:
            el.text = _xml_text(text)
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", feed_url)
    sub(feed, "title", title, type="text")
    updated = max((e.updated for e in items), default=_instant(date(1970, 1, 1)))
    sub(feed, "updated", _rfc3339(updated))
    sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=site_url)
    sub(feed, "generator", "Sitroom", version=__version__)
    for item in items:
        b = item.briefing
        entry = sub(feed, "entry")
        sub(entry, "id", item.url)
        sub(entry, "title", item.title, type="text")
        sub(entry, "link", rel="alternate", type="text/html", href=item.url)
        if item.pdf_url:
            sub(entry, "link", rel="enclosure", type="application/pdf", href=item.pdf_url)
        sub(entry, "published", _rfc3339(item.published))
        sub(entry, "updated", _rfc3339(item.updated))
        for name in b.authors:
            sub(sub(entry, "author"), "name", name)
        sub(entry, "category", term=b.tlp.label, scheme=TLP_SCHEME, label=b.tlp.label)
        for term in item.categories:
            sub(entry, "category", term=term)
        # Said to be HTML, and escaped as HTML: a reader that renders summaries as HTML
        # whatever their type shows `<script>` written in a briefing as text all the same.
        sub(entry, "summary", str(escape(plain_text(b.summary, 400))), type="html")
        sub(entry, "content", item.content_html, type="html")
    ET.indent(feed)
    data: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def json_feed(items: list[Entry], *, title: str, site_url: str, feed_url: str) -> str:
    feed = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": site_url,
        "feed_url": feed_url,
        "language": "en",
        "items": [
            {
                "id": item.url,
                "url": item.url,
                "title": item.title,
                # Both forms, each in its own field, so no reader has to guess which it got.
                "content_html": item.content_html,
                "content_text": plain_text(item.briefing.summary),
                "summary": plain_text(item.briefing.summary, 400),
                "date_published": _rfc3339(item.published),
                "date_modified": _rfc3339(item.updated),
                "authors": [{"name": name} for name in item.briefing.authors],
                "tags": item.categories,
                **({"attachments": [{"url": item.pdf_url, "mime_type": "application/pdf",
                                     "title": "PDF situation report"}]}
                   if item.pdf_url else {}),
                # JSON Feed extensions start with an underscore.
                "_sitroom": {
                    "tlp": item.briefing.tlp.label,
                    "kind": item.briefing.kind,
                    "status": item.briefing.status,
                    "regions": item.briefing.regions,
                    "countries": item.briefing.countries,
                },
            }
            for item in items
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


__all__ = ["Entry", "atom", "entries", "json_feed"]
