"""The feeds say what each text is: plain text as text, HTML as escaped HTML, so a reader never
has to guess (and one that guesses HTML still shows a briefing's markup as text)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from conftest import briefing_data, write_briefings
from sitroom.corpus import gather
from sitroom.feeds import atom, entries, json_feed

HOSTILE = "Strike <script>alert(1)</script> & <img src=x onerror=alert(2)> at the port."
ATOM = "{http://www.w3.org/2005/Atom}"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def _tags(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _items(tmp_path: Path) -> list:  # type: ignore[type-arg]
    write_briefings(tmp_path, [briefing_data("hostile-b", summary=HOSTILE)])
    checked = gather([tmp_path])
    assert checked.ok, checked.problems
    return entries(checked.corpus, lambda b: f"https://x.example/{b.id}/",
                   lambda b: f"https://x.example/pdf/{b.id}.pdf")


def test_json_feed_gives_text_and_html_each_in_its_field(tmp_path: Path) -> None:
    feed = json.loads(json_feed(_items(tmp_path), title="T", site_url="https://x.example/",
                                feed_url="https://x.example/feed.json"))
    item = feed["items"][0]
    assert item["content_text"] == HOSTILE
    assert item["summary"] == HOSTILE
    assert "script" not in _tags(item["content_html"])
    assert "img" not in _tags(item["content_html"])
    assert "&lt;script&gt;" in item["content_html"]


def test_atom_says_the_type_of_every_text(tmp_path: Path) -> None:
    root = ET.fromstring(atom(_items(tmp_path), title="T", site_url="https://x.example/",
                              feed_url="https://x.example/feed.xml"))
    entry = root.find(f"{ATOM}entry")
    assert entry is not None
    assert root.find(f"{ATOM}title").get("type") == "text"  # type: ignore[union-attr]
    assert entry.find(f"{ATOM}title").get("type") == "text"  # type: ignore[union-attr]
    for tag in ("summary", "content"):
        element = entry.find(f"{ATOM}{tag}")
        assert element is not None and element.get("type") == "html", tag
        # Read as HTML (as its type says, or as a guessing reader would), it is text.
        assert _tags(element.text or "") in ([], ["p", "strong", "p", "p", "a"]), tag
        assert "<script>" not in (element.text or ""), tag
    summary = entry.find(f"{ATOM}summary")
    assert summary is not None and summary.text == (
        "Strike &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x "
        "onerror=alert(2)&gt; at the port.")
