"""The PDF situation report of the example briefing, checked by its content with pypdf: text per
page, the TLP marking on every page, metadata, bookmarks, fonts, reproducibility, variants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from sitroom import pdf
from sitroom.corpus import Corpus
from sitroom.pdfbuild import build_pdf, links_for
from sitroom.printopts import PrintOptions
from sitroom.vocab import TLP, TLP_MEANING
from test_pdf_support import (  # noqa: F401 - the fixture is used by every test here
    BRIEFINGS,
    EXAMPLE_ID,
    OPTIONS,
    SHIPPED_FONTS,
    TEMPLATES,
    TLP_RGB,
    Shown,
    corpus_of,
    example_data,
    flat,
    font_names,
    image_objects,
    no_weasyprint_warnings,
    outline_titles,
    page_texts,
    reader_of,
    shown_text,
    standalone,
    write_briefing,
)

MM = 72 / 25.4


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return corpus_of(BRIEFINGS)


@pytest.fixture(scope="module")
def example_pdf(corpus: Corpus) -> bytes:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    return pdf.render_briefing(briefing, links_for(corpus, briefing), OPTIONS)


@pytest.fixture(scope="module")
def reader(example_pdf: bytes) -> PdfReader:
    return reader_of(example_pdf)


@pytest.fixture(scope="module")
def texts(reader: PdfReader) -> list[str]:
    return page_texts(reader)


def marks(page: object, label: str) -> list[Shown]:
    return [s for s in shown_text(page) if s.text.strip() == label]


# --- layout and content --------------------------------------------------------------------


def test_a4_and_several_pages_none_blank(reader: PdfReader, texts: list[str]) -> None:
    assert len(reader.pages) >= 3
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    for number, text in enumerate(texts, start=1):
        # Header and footer alone are about a hundred characters: a page carries content.
        body = flat(text).replace("TLP:CLEAR", "")
        assert len(body) > 400, f"page {number} is nearly blank: {body!r}"


def test_page_one_has_the_bottom_line_up_front(texts: list[str], corpus: Corpus) -> None:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    first = flat(texts[0])
    for expected in [
        "Rocket attack on Ain al-Asad wounds US personnel as the region waits for Iran's",
        "SITUATION REPORT",
        "6 August 2024",  # date
        "6 August 2024, 09:00 UTC+03:00",  # as of
        "13 August 2024",  # next update
        "Deteriorating",
        "Middle East",
        "Middle East desk",
        "Duty editor",
        EXAMPLE_ID,
        "BOTTOM LINE UP FRONT",
        "Rockets fired at Ain al-Asad air base",
        "KEY JUDGMENTS",
        "very likely (80–95 %)",
        "unlikely (20–45 %)",
        "Moderate",
        "KEY FIGURES",
        "2,500 troops",
        "several",
    ]:
        assert expected in first, expected
    # Bottom line up front, then judgments, then figures.
    assert first.index("BOTTOM LINE UP FRONT") < first.index("KEY JUDGMENTS") \
        < first.index("KEY FIGURES")
    assert first.index("Bottom line: an Iranian or Hezbollah strike") < first.index("KEY JUDG")


def test_sections_in_order(texts: list[str]) -> None:
    whole = flat(" ".join(texts))
    position = 0
    for title in ["BOTTOM LINE UP FRONT", "KEY JUDGMENTS", "KEY FIGURES", "ACTORS", "RISKS",
                  "TIMELINE", "LOCATIONS", "SOURCES", "KEY ASSUMPTIONS", "INTELLIGENCE GAPS",
                  "REVISION HISTORY", "TAGS", "READING THIS REPORT"]:
        position = whole.index(title, position)


def test_actors_risks_sources_and_the_rest(texts: list[str]) -> None:
    whole = flat(" ".join(texts))
    for expected in [
        "Islamic Resistance in Iraq", "Non-state armed group", "Iran-aligned",
        "Also: Ansar Allah, Ansarallah",
        # risks: likelihood with its range, impact, indicators, the matrix axis labels
        "roughly even chance (45–55 %)", "severe", "INDICATORS TO WATCH",
        "Airlines suspending flights to Beirut, Tehran or Tel Aviv; NOTAMs closing airspace",
        "almost certain", "almost no chance", "minimal", "impact",
        # timeline, in date order, dates as everywhere else, a month after its exact dates
        "October 2023 Iran-aligned militias begin", "30 July 2024 Hezbollah commander Fuad Shukr",
        # locations, with unambiguous coordinates
        "Ain al-Asad Air Base Iraq 33.8° N, 42.44° E",
        # sources with Admiralty grades and their meaning
        "C3 fairly reliable; possibly true", "B2 usually reliable; probably true",
        "Eulerpool News", "U.S. Department of Defense",
        "Iran and Hezbollah want to retaliate", "Which militia carried out the 5 August attack",
        "First issue.",
        "iraq, iran, israel, hezbollah",  # tags
    ]:
        assert expected in whole, expected
    assert whole.index("7 October 2023 Hamas-led attack") < whole.index("5 August 2024 Suspected")
    assert whole.index("7 October 2023 Hamas-led attack") < whole.index("October 2023 Iran-align")


def test_native_names_are_marked_with_direction_and_language(corpus: Corpus) -> None:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    html = pdf.print_html(briefing, links_for(corpus, briefing), OPTIONS)
    # First strong character sets the direction; FSI ... PDI isolate the name from its
    # surroundings (WeasyPrint has neither dir="auto" nor unicode-bidi).
    for name, lang in [("جمهوری اسلامی ایران", "fa"), ("מדינת ישראל", "he"), ("حزب الله", "ar")]:
        assert f'<span class="native" dir="rtl" lang="{lang}">&#x2068;{name}&#x2069;' in html


# --- the TLP marking -----------------------------------------------------------------------


def test_marking_in_header_and_footer_of_every_page(reader: PdfReader, texts: list[str]) -> None:
    width = float(reader.pages[0].mediabox.width)
    height = float(reader.pages[0].mediabox.height)
    for number, (page, text) in enumerate(zip(reader.pages, texts, strict=True), start=1):
        assert text.count("TLP:CLEAR") >= 2, number
        found = marks(page, "TLP:CLEAR")
        head = [m for m in found if m.y > height - 25 * MM]
        foot = [m for m in found if m.y < 20 * MM]
        assert len(head) == 1 and len(foot) == 1, (number, found)
        for mark in head + foot:
            assert mark.size >= 12, mark  # TLP 2.0: 12 pt or larger
            assert mark.fill == TLP_RGB["CLEAR"], mark
            assert mark.font == "Sitroom-Sans-Bold"
            # On black, right-aligned to the text block's right edge (16 mm margin).
            assert mark.box is not None, mark
            assert mark.box[2] == pytest.approx(width - 16 * MM, abs=0.5)
            assert mark.box[0] < mark.x and mark.x > width * 0.7


def test_page_n_of_m_and_title_and_id_on_every_page(texts: list[str]) -> None:
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text
        assert EXAMPLE_ID in text
        assert "Rocket attack on Ain al-Asad wounds US personnel" in text


@pytest.mark.parametrize("level", ["AMBER+STRICT", "RED"])
def test_marking_colours(tmp_path: Path, level: str) -> None:
    data = standalone(example_data())
    data["tlp"] = level
    corpus = corpus_of(write_briefing(tmp_path, data, "marked-briefing"))
    briefing = corpus.get("marked-briefing")
    assert briefing is not None
    reader = reader_of(pdf.render_briefing(briefing, links_for(corpus, briefing),
                                           OPTIONS))
    label = f"TLP:{level}"
    for page in reader.pages:
        found = [m for m in marks(page, label) if m.box is not None]  # not the body text
        assert len(found) == 2
        assert all(m.fill == TLP_RGB[level] and m.size >= 12 for m in found)
    # The handling line is the vocabulary's TLP 2.0 wording, the same as the site's.
    assert flat(TLP_MEANING[TLP.parse(level)]) in flat(page_texts(reader)[0])


def test_template_colours_come_from_the_vocabulary(corpus: Corpus) -> None:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    for level in TLP:
        html = pdf.print_html(briefing.model_copy(update={"tlp": level}),
                              links_for(corpus, briefing), OPTIONS)
        assert html.count(f'style="color: {level.colour}">{level.label}</span>') == 2


# --- document structure --------------------------------------------------------------------


def test_metadata_from_the_briefing(reader: PdfReader) -> None:
    meta = reader.metadata
    assert meta is not None
    assert meta.title == ("Rocket attack on Ain al-Asad wounds US personnel as the region "
                          "waits for Iran's retaliation")
    assert meta.author == "Middle East desk"
    assert meta.subject == "Situation report, TLP:CLEAR: Middle East, 6 August 2024"
    keywords = [k.strip() for k in str(meta["/Keywords"]).split(",")]
    assert {"TLP:CLEAR", "Middle East", "Iraq", "Palestine", "hezbollah"} <= set(keywords)
    assert meta["/CreationDate"] == "D:20240806"  # the briefing's date, not the clock
    assert meta["/ModDate"] == "D:20240806"  # its last revision
    assert meta.creator.startswith("Sitroom ")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_bookmarks(reader: PdfReader) -> None:
    titles = outline_titles(reader)
    assert titles[0] == (0, "Rocket attack on Ain al-Asad wounds US personnel as the region "
                            "waits for Iran's retaliation")
    sections = [t for depth, t in titles if depth == 1]
    assert sections == ["Bottom line up front", "Key judgments", "Key figures", "Actors", "Risks",
                        "Timeline", "Locations", "Sources", "Key assumptions",
                        "Intelligence gaps", "Revision history", "Tags", "Reading this report"]
    risks = [t for depth, t in titles if depth == 2]
    assert len(risks) == 5 and risks[0].startswith("1 ")


def test_only_shipped_fonts_embedded(reader: PdfReader, example_pdf: bytes) -> None:
    names = font_names(reader)
    assert names and names <= SHIPPED_FONTS, names
    # Every font is embedded (as a subset), none merely named.
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            descendant = ref.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]


def test_the_risk_matrix_is_vector_and_fits(reader: PdfReader, texts: list[str]) -> None:
    """The shared SVG macro is drawn by WeasyPrint as vectors (no image): its labels are form
    XObjects, every one inside the text block of the page, and big enough to read."""
    assert image_objects(reader) == []
    number = next(i for i, t in enumerate(texts) if "almost no chance" in t and "minimal" in t)
    page = reader.pages[number]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    forms = page["/Resources"]["/XObject"]
    drawn: list[tuple[float, float, float, float, float]] = []

    def before(op: bytes, args: list[object], cm: list[float], tm: list[float]) -> None:
        if op == b"Do":
            x0, y0, x1, y1 = (float(v) for v in forms[args[0]].get_object()["/BBox"])
            xs = [cm[0] * x + cm[2] * y + cm[4] for x, y in ((x0, y0), (x1, y1))]
            ys = [cm[1] * x + cm[3] * y + cm[5] for x, y in ((x0, y0), (x1, y1))]
            drawn.append((min(xs), min(ys), max(xs), max(ys), abs(cm[0])))

    page.extract_text(visitor_operand_before=before)
    assert len(drawn) >= 7 + 5  # likelihood and impact labels, the risk numbers
    for x0, y0, x1, y1, scale in drawn:
        assert x0 >= 16 * MM - 0.5 and x1 <= width - 16 * MM + 0.5
        assert y0 >= 19 * MM and y1 <= height - 23 * MM
        assert 11 * scale >= 7  # the SVG's 11-unit labels print at 7 pt or more


def test_no_attachments(reader: PdfReader) -> None:
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})


def test_same_input_same_bytes(corpus: Corpus, example_pdf: bytes, reader: PdfReader) -> None:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    again = pdf.render_briefing(briefing, links_for(corpus, briefing), OPTIONS)
    assert again == example_pdf
    file_id = [str(part) for part in reader.trailer["/ID"]]
    assert re.fullmatch("[0-9a-f]{32}", file_id[0])  # a digest of the content, not random


def test_long_tables_break_with_their_header_and_no_blank_page(tmp_path: Path) -> None:
    data = standalone(example_data())
    data["timeline"] = [
        {"date": f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}",
         "event": f"Event number {i:03d}: a patrol reported movement along the border road, "
                  "with a second sighting later the same day.",
         "location": "beirut", "actors": ["israel", "hezbollah"],
         "sources": ["eulerpool-2024-08-06"]}
        for i in range(90)
    ]
    corpus = corpus_of(write_briefing(tmp_path, data, "long-timeline"))
    briefing = corpus.briefings[0]
    reader = reader_of(pdf.render_briefing(briefing, links_for(corpus, briefing),
                                           OPTIONS))
    texts = page_texts(reader)
    with_rows = [i for i, t in enumerate(texts) if re.search(r"Event number \d{3}", t)]
    assert len(with_rows) >= 3  # the table spans pages
    for i in with_rows:
        text = flat(texts[i])
        first_row = text.index("Event number")
        assert "DATE EVENT LOCATION ACTORS SOURCES" in text[:first_row], f"page {i + 1}"
    found = [int(n) for n in re.findall(r"Event number (\d{3})", " ".join(texts))]
    assert found == list(range(90))  # every row once, in order: none lost at a break
    for number, text in enumerate(texts, start=1):
        assert len(flat(text)) > 400, f"page {number} is nearly blank"


def test_a_weasyprint_warning_fails_the_render(request: pytest.FixtureRequest) -> None:
    """A template mistake WeasyPrint only warns about (here an unknown property) must not
    publish a degraded PDF."""
    request.node.expects_weasyprint_warnings = True
    html = "<html><body><p style='colour: red'>x</p></body></html>"
    with pytest.raises(pdf.PdfRenderError, match=r"WeasyPrint: .*colour"):
        pdf.render_pdf(html, OPTIONS)


# --- related briefings, letter paper and the archival and accessible variants --------------


def test_related_and_superseded_print_by_title(tmp_path: Path, corpus: Corpus) -> None:
    follow_up = next(b for b in corpus.briefings
                     if b.related or b.supersedes or b.id in corpus.superseded_by)
    out = build_pdf(corpus, follow_up.id, tmp_path / "out.pdf",
                    PrintOptions.at(TEMPLATES, paper="Letter"))
    reader = PdfReader(out)
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    whole = flat(" ".join(page_texts(reader)))
    links = links_for(corpus, follow_up)
    names = [*links.related, links.supersedes, links.superseded_by]
    for ref in filter(None, names):
        assert flat(ref.title) in whole, ref
    # Only briefings of this publication: the same briefing alone names none of them.
    alone = corpus_of(write_briefing(tmp_path / "alone", standalone(
        {**example_data(), "id": "alone-briefing"}), "alone-briefing"))
    assert links_for(alone, alone.briefings[0]).related == ()


def test_pdf_a_3u(corpus: Corpus) -> None:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    reader = reader_of(pdf.render_briefing(briefing, links_for(corpus, briefing),
                                           PrintOptions.at(TEMPLATES, variant="pdf/a-3u")))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part="3"', xmp) and re.search(r'pdfaid:conformance="U"', xmp)
    assert "<xmp:CreateDate>2024-08-06</xmp:CreateDate>" in xmp
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert reader.metadata is not None and reader.metadata.title.startswith("Rocket attack")
    assert font_names(reader) <= SHIPPED_FONTS


def test_pdf_ua_1(corpus: Corpus) -> None:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    reader = reader_of(pdf.render_briefing(briefing, links_for(corpus, briefing),
                                           PrintOptions.at(TEMPLATES, variant="pdf/ua-1")))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    # The marking is still on every page.
    assert all(t.count("TLP:CLEAR") >= 2 for t in page_texts(reader))


def test_unknown_options_are_refused(corpus: Corpus) -> None:
    briefing = corpus.get(EXAMPLE_ID)
    assert briefing is not None
    with pytest.raises(ValueError, match="paper"):
        PrintOptions.at(TEMPLATES, paper="A3")
    with pytest.raises(ValueError, match="variant"):
        PrintOptions.at(TEMPLATES, variant="pdf/x-4")
