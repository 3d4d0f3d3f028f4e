"""A briefing names only briefings it may: none marked higher than itself, no drafts."""

from __future__ import annotations

from pathlib import Path

from conftest import briefing_data, write_briefings
from sitroom.corpus import gather, region_slug
from sitroom.pdfbuild import links_for
from sitroom.resources import TemplateChain
from sitroom.site import briefing_path, render_pages
from sitroom.vocab import TLP

ROOT = Path(__file__).resolve().parent.parent


def test_clear_briefing_does_not_name_an_amber_or_draft_one(tmp_path: Path) -> None:
    folder = write_briefings(tmp_path / "b", [
        briefing_data("open-one", related=["secret-one", "draft-one", "open-two"]),
        briefing_data("open-two"),
        briefing_data("secret-one", tlp="AMBER", title="Amberword title",
                      supersedes="open-one"),
        briefing_data("draft-one", status="draft", title="Draftword title"),
    ])
    corpus = gather([folder]).corpus
    assert corpus.get("secret-one") is not None  # present, yet never named by open-one
    site = corpus.select(TLP.AMBER, drafts=True)
    chain = TemplateChain.for_project(ROOT / "templates")
    pages = {p.path: p.markdown for p in render_pages(site, chain)}
    page = pages[briefing_path("open-one")]
    assert "Briefing open-two" in page
    assert "Amberword" not in page and "secret-one" not in page
    assert "Draftword" not in page and "draft-one" not in page
    assert "Briefing open-one" in pages[briefing_path("secret-one")]  # AMBER may name CLEAR

    links = links_for(site, corpus.get("open-one"))
    assert [r.id for r in links.related] == ["open-two"]
    assert links.superseded_by is None


def test_regions_without_latin_letters_keep_their_own_pages() -> None:
    assert region_slug("中东") != region_slug("Ближний Восток")
    assert region_slug("中东").startswith("region-")
    assert region_slug("Middle East") == "middle-east"


def test_an_actor_page_naming_an_amber_entry_is_marked_amber(tmp_path: Path) -> None:
    # One actor under two ids (a name in common): each page names the other. A page whose own
    # briefings are CLEAR but that names an entry known only from an AMBER one is AMBER.
    folder = write_briefings(tmp_path / "b", [
        briefing_data("open-one", actors=[{"id": "iran-gov", "name": "Iran", "kind": "state",
                                           "role": "Acts."}]),
        briefing_data("secret-one", tlp="AMBER", actors=[
            {"id": "iran", "name": "Iran", "aliases": ["Amberword"], "kind": "state",
             "role": "Acts."}]),
    ])
    chain = TemplateChain.for_project(ROOT / "templates")
    site = gather([folder]).corpus.select(TLP.AMBER)
    pages = {p.path: p for p in render_pages(site, chain)}
    page = pages["actors/iran-gov/index.md"]
    assert "(iran)" in page.markdown  # names the AMBER entry
    assert page.tlp is TLP.AMBER
    assert 'class="tlp tlp-amber"' in page.markdown
    clear = {p.path: p for p in render_pages(gather([folder]).corpus.select(), chain)}
    assert clear["actors/iran-gov/index.md"].tlp is TLP.CLEAR
    assert "(iran)" not in clear["actors/iran-gov/index.md"].markdown
