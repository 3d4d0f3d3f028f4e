"""TLP 2.0 handling: nothing above the site's maximum, and nothing unpublished, reaches any file.

One briefing per marking and status, each carrying its own marker word in every place a word
can go (title, summary, actor names and aliases, source, tag, region, risk, place, timeline...).
The whole output tree is then searched for the markers and ids of the excluded ones: every file's
bytes and name, every gzip file decompressed (the sitemap, and every file of Pagefind's search
index: its fragments, word index, filters and metadata are gzip streams behind a
`pagefind_dcd` header once decompressed), and the PDFs' text.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import briefing_data, build_site_cli, write_briefings

MARKINGS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
STATUSES = ("draft", "review", "published")
# Distinct countries, so a country page only exists if an included briefing names it.
COUNTRIES = ("AD", "AG", "AL", "AM", "AO", "AR", "AT", "AU", "AZ", "BA", "BB", "BD", "BE", "BF",
             "BG")
CASES = [(m, s) for m in MARKINGS for s in STATUSES]


def marker(marking: str, status: str) -> str:
    return f"mk{CASES.index((marking, status)):02d}zz"


def ident(marking: str, status: str) -> str:
    return f"h-{marker(marking, status)}"


def handling_briefing(marking: str, status: str) -> dict[str, object]:
    m = marker(marking, status)
    n = CASES.index((marking, status))
    data = briefing_data(
        ident(marking, status),
        title=f"Briefing {m}title",
        date=f"2024-01-{n + 1:02d}",
        status=status,
        tlp=marking,
        authors=[f"Author {m}author"],
        reviewers=[f"Reviewer {m}reviewer"],
        regions=[f"Region {m}region"],
        countries=[COUNTRIES[n]],
        tags=[f"{m}tag"],
        summary=f"Summary {m}summary with **emphasis**.",
        key_judgments=[{"statement": f"Judgment {m}judgment", "likelihood": "likely",
                        "confidence": "moderate", "sources": ["src"]}],
        key_figures=[{"label": f"Figure {m}figure", "value": 12, "source": "src"}],
        actors=[
            {"id": f"actor-{m}", "name": f"Actor {m}actor", "native_name": f"حزب {m}native",
             "aliases": [f"{m}alias"], "kind": "non-state-armed-group",
             "affiliation": f"{m}affiliation", "role": f"Role {m}ownrole"},
            {"id": "shared-actor", "name": "Shared Actor", "kind": "state",
             "role": f"Shared role {m}sharedrole"},
        ],
        risks=[{"title": f"Risk {m}risk", "description": f"Risk text {m}riskdesc",
                "likelihood": "likely", "impact": "major", "indicators": [f"{m}indicator"],
                "actors": [f"actor-{m}"], "sources": ["src"]}],
        timeline=[{"date": "2023-12", "event": f"Event {m}event", "location": "place"}],
        locations=[{"id": "place", "name": f"Place {m}place", "lat": 1.5, "lon": 2.5}],
        sources=[{"id": "src", "title": f"Source {m}source", "publisher": f"{m}publisher",
                  "url": f"https://example.org/{m}url", "reliability": "B",
                  "credibility": "2"}],
        assumptions=[f"Assumption {m}assumption"],
        gaps=[f"Gap {m}gap"],
        changes=[{"date": f"2024-01-{n + 1:02d}", "note": f"Note {m}change"}],
    )
    if (marking, status) == ("CLEAR", "published"):
        # Cross references from a published CLEAR briefing to every other one.
        data["related"] = [ident(*c) for c in CASES if c != (marking, status)]
        data["supersedes"] = ident("RED", "published")
    if (marking, status) == ("AMBER+STRICT", "published"):
        data["supersedes"] = ident("GREEN", "published")  # an excluded newer version
    return data


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("handling") / "briefings"
    return write_briefings(folder, [handling_briefing(m, s) for m, s in CASES])


def _texts(site: Path) -> list[tuple[str, str]]:
    """(where, text) for everything a reader or a crawler could get from the site."""
    out: list[tuple[str, str]] = []
    for path in sorted(site.rglob("*")):
        rel = str(path.relative_to(site))
        out.append((f"{rel} (name)", rel))
        if not path.is_file():
            continue
        raw = path.read_bytes()
        out.append((rel, raw.decode("utf-8", "replace")))
        if raw.startswith(GZIP_MAGIC):  # whatever the name: Pagefind's files are .pf_*
            out.append((f"{rel} (gunzipped)", gzip.decompress(raw).decode("utf-8", "replace")))
        if path.suffix == ".pdf":
            text = "".join(page.extract_text() for page in PdfReader(path).pages)
            out.append((f"{rel} (text)", "".join(text.split())))
    return out


GZIP_MAGIC = b"\x1f\x8b"


def _assert_only(site: Path, included: list[tuple[str, str]]) -> None:
    texts = _texts(site)
    assert len(texts) > 100
    # The search index is there, and read decompressed.
    search = "\n".join(text for where, text in texts
                       if where.startswith("pagefind/") and where.endswith("(gunzipped)"))
    assert "pagefind_dcd" in search
    for c in included:
        m = marker(*c)
        for word in (f"{m}title", f"{m}summary", f"{m}alias", f"{m}native", f"{m}place"):
            assert word in search, word
    assert not (site / "search" / "search_index.json").exists()
    excluded = [c for c in CASES if c not in included]
    leaks = [(where, word) for c in excluded for word in (marker(*c), ident(*c))
             for where, text in texts if word in text]
    assert leaks == []
    # The test can see what it looks for: every included briefing's words are there.
    everything = "\n".join(text for _, text in texts)
    for c in included:
        m = marker(*c)
        for word in (f"{m}title", f"{m}summary", f"{m}alias", f"{m}native", f"{m}source",
                     f"{m}tag", f"{m}region", f"{m}sharedrole", f"{m}place", f"{m}gap"):
            assert word in everything, word


def test_an_amber_site_holds_clear_green_and_amber_published_only(corpus_dir: Path,
                                                                  tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build_site_cli(site, "--max-tlp", "amber", briefings=corpus_dir)
    included = [("CLEAR", "published"), ("GREEN", "published"), ("AMBER", "published")]
    assert "3 published briefings up to TLP:AMBER, 3 PDFs" in result.stderr
    _assert_only(site, included)
    assert sorted(p.name for p in (site / "pdf").glob("*.pdf")) == sorted(
        f"{ident(*c)}.pdf" for c in included)
    pdf_text = "".join(
        "".join(page.extract_text().split())
        for page in PdfReader(site / "pdf" / f"{ident('AMBER', 'published')}.pdf").pages)
    assert "TLP:AMBER" in pdf_text and f"{marker('AMBER', 'published')}title" in pdf_text
    # Countries, tags, regions and actors of excluded briefings have no page at all.
    assert sorted(p.name for p in (site / "countries").iterdir() if p.is_dir()) == sorted(
        COUNTRIES[CASES.index(c)].lower() for c in included)
    # Listings carry the highest marking they show.
    home = (site / "index.html").read_text()
    assert 'class="tlp-bar tlp-amber"' in home
    # The GREEN briefing's newer version is AMBER+STRICT: no banner may point to it.
    green = (site / "briefings" / ident("GREEN", "published") / "index.html").read_text()
    assert "superseded-banner" not in green


def test_a_draft_preview_holds_clear_briefings_of_every_status(corpus_dir: Path,
                                                               tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site_cli(site, "--drafts", "--no-pdf", briefings=corpus_dir)
    included = [("CLEAR", s) for s in STATUSES]
    _assert_only(site, included)
    draft = (site / "briefings" / ident("CLEAR", "draft") / "index.html").read_text()
    assert "draft-banner" in draft and "not a finished product" in draft


def test_the_default_is_a_public_site(corpus_dir: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site_cli(site, "--no-pdf", briefings=corpus_dir)
    _assert_only(site, [("CLEAR", "published")])
    shared = (site / "actors" / "shared-actor" / "index.html").read_text()
    assert f"{marker('CLEAR', 'published')}sharedrole" in shared
