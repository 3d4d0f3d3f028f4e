"""Briefing Markdown -> safe HTML, shared by the site and the PDF.

Briefings arrive by pull request, so every Markdown field is untrusted. Python-Markdown passes raw
HTML through; we remove the two processors that do so, which makes any tag plain text that the
serializer escapes. Links keep only http, https and mailto targets, and images become their alt
text: a briefing must not make a reader's browser (or WeasyPrint) fetch anything.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


# ASCII that a URL may not hold as is (WHATWG URL: not a URL code point), e.g. `<`, `"` and
# spaces, and a `%` that starts no escape. Letters beyond ASCII are left: an href may hold them.
_NOT_URL = re.compile(r"[\x00-\x20\"<>\\^`{|}\x7f]|%(?![0-9A-Fa-f]{2})")
_NOT_URL_AFTER_HOST = re.compile(r"[\[\]]")


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode())


def safe_href(url: str) -> str | None:
    """The URL if a reader may follow it, else None (javascript:, data:, file:, relative...);
    characters a URL may not contain as written are percent-encoded (browsers do the same when
    they follow it), so the attribute is a valid URL."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SAFE_SCHEMES:
        return None
    if scheme in ("http", "https") and not parts.netloc:
        return None
    # Brackets belong only around an IPv6 host.
    head = len(parts.scheme) + (3 + len(parts.netloc) if parts.netloc else 1)
    return (_NOT_URL.sub(_percent, url[:head])
            + _NOT_URL_AFTER_HOST.sub(_percent, _NOT_URL.sub(_percent, url[head:])))


class _Sanitise(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "img":
                    # Keep what the analyst meant to say, drop the fetch.
                    span = etree.Element("span", {"class": "image-alt"})
                    span.text = child.get("alt") or ""
                    span.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, span)
                elif child.tag == "a":
                    href = safe_href(child.get("href", ""))
                    title = child.get("title")
                    child.attrib.clear()
                    if href is None:
                        child.tag = "span"
                    else:
                        child.set("href", href)
                        child.set("rel", "noopener noreferrer")
                        if title:
                            child.set("title", title)


class _SafeExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Sanitise(md), "sitroom_sanitise", 0)


_local = threading.local()


def _converter() -> markdown.Markdown:
    # A Markdown instance is not thread-safe and costs ~1 ms to build: one per thread, reset.
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["sane_lists", "smarty", _SafeExtension()],
            output_format="html",
        )
        _local.md = md
    return md


def render(text: str | None) -> Markup:
    """Markdown to HTML in which every tag came from Markdown syntax, none from the text."""
    if not text:
        return Markup("")
    md = _converter()
    try:
        return Markup(md.convert(text))
    finally:
        md.reset()


def render_inline(text: str | None) -> Markup:
    """For one-line fields shown inside a table cell or list item: no wrapping <p>."""
    html = str(render(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)
