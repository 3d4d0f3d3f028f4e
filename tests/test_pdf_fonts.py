"""Fonts: the PDF uses only the fonts shipped in templates/pdf/fonts/, on every machine. A glyph
can neither fall back to a system font (the renderer has none) nor go missing silently."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from sitroom import pdf
from sitroom.corpus import Corpus, gather
from sitroom.pdfbuild import links_for
from sitroom.printopts import PrintOptions
from sitroom.resources import TemplateChain
from test_pdf_support import (  # noqa: F401 - the fixture is used by every test here
    BRIEFINGS,
    FONT_DIR,
    OPTIONS,
    SHIPPED_FONTS,
    TEMPLATES,
    corpus_of,
    example_data,
    flat,
    font_names,
    no_weasyprint_warnings,
    page_texts,
    reader_of,
    standalone,
    write_briefing,
)

NAMES = {  # native names in scripts analysts meet, with the script's name
    "Chinese": "中华人民共和国",
    "Korean": "대한민국",
    "Japanese": "にっぽん",
    "Amharic": "የኢትዮጵያ ፌዴራላዊ ዴሞክራሲያዊ ሪፐብሊክ",
    "Hindi": "भारत गणराज्य",
    "Bengali": "বাংলাদেশ",
    "Thai": "ราชอาณาจักรไทย",
    "Burmese": "မြန်မာ",
    "Russian": "Российская Федерация",
    "Greek": "Ελληνική Δημοκρατία",
    "Georgian": "საქართველო",
    "Armenian": "Հայաստան",
    "Hebrew": "מדינת ישראל",
    "Persian": "جمهوری اسلامی ایران",
}


def cmap_union() -> set[int]:
    covered: set[int] = set()
    for path in sorted(FONT_DIR.glob("*.ttf")):
        with TTFont(path, lazy=True) as font:
            covered |= set(font.getBestCmap())
    return covered


def text_fields(corpus: Corpus) -> list[tuple[str, str]]:
    out = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")
        elif isinstance(node, str):
            out.append((where, node))

    for briefing in corpus.briefings:
        walk(briefing.model_dump(mode="json"), briefing.id)
    return out


def test_every_character_of_the_examples_is_in_a_shipped_font() -> None:
    covered = cmap_union()
    fields = text_fields(corpus_of(BRIEFINGS))
    assert len(fields) > 500
    missing = {(where, c) for where, text in fields for c in text
               if c.isprintable() and not c.isspace() and ord(c) not in covered}
    assert not missing, sorted(missing)[:10]


def test_the_fonts_are_shipped_with_their_licences() -> None:
    fonts = sorted(FONT_DIR.glob("*.ttf"))
    assert {f.name for f in fonts} >= {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
                                        "DejaVuSans-Oblique.ttf", "DejaVuSansMono.ttf"}
    licence = (FONT_DIR / "LICENSE").read_text()
    for font in fonts:
        assert font.name in licence, font.name
    assert "Bitstream Vera" in licence
    assert "Apache License" in (FONT_DIR / "LICENSE-Apache-2.0").read_text()
    assert "SIL OPEN FONT LICENSE" in (FONT_DIR / "LICENSE-OFL-1.1").read_text().upper()
    css = (TEMPLATES / "pdf" / "print.css").read_text()
    for font in fonts:
        assert f'url("fonts/{font.name}")' in css, font.name


def test_the_renderer_sees_no_system_font() -> None:
    shipped = pdf.font_files(OPTIONS.templates)
    system, loaded = pdf.ShippedFontsOnly(shipped).loaded_files()
    assert system == 0
    assert sorted(loaded) == sorted(str(p) for p in shipped)


def test_a_page_without_the_stylesheet_still_renders_with_shipped_fonts() -> None:
    """No @font-face at all (a broken template): the shipped fonts are there from the start,
    so layout never meets an empty font configuration (which crashes Pango)."""
    html = "<html><body><p>Plain</p><svg width='90' height='20'><text y='15'>svg</text></svg>"
    reader = reader_of(pdf.render_pdf(html + "</body></html>", OPTIONS))
    assert "Plain" in page_texts(reader)[0]
    assert {name.split("-")[0] for name in font_names(reader)} == {"DejaVu"}


def test_a_system_font_named_in_css_is_unreachable(tmp_path: Path) -> None:
    """DejaVu Serif (and often Liberation) is installed; asking for it gets a shipped font."""
    html = ('<html><head><link rel=stylesheet href=print.css></head><body>'
            '<p style="font-family: \'Liberation Serif\', \'DejaVu Serif\', serif">Serif?</p>'
            '<p style="font-family: sans-serif">Sans?</p>'
            '<p style="font-family: monospace">Mono?</p></body></html>')
    reader = reader_of(pdf.render_pdf(html, OPTIONS))
    names = font_names(reader)
    # fonts-dejavu-core (scripts/install-system-deps) installs DejaVu Serif on every machine.
    assert Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf").exists()
    shipped_families = set()
    for path in FONT_DIR.glob("*.ttf"):
        with TTFont(path, lazy=True) as font:
            shipped_families.add(font["name"].getDebugName(1).replace(" ", "-"))
    # A family the stylesheet does not declare gets a shipped file under its own name.
    assert names and all(n in SHIPPED_FONTS or any(n.startswith(f) for f in shipped_families)
                         for n in names), names
    assert not any("Liberation" in n or "Serif" in n for n in names), names
    assert "Serif?" in page_texts(reader)[0]


def test_many_scripts_render_with_shipped_fonts_only(tmp_path: Path) -> None:
    data = standalone(example_data())
    data["actors"] += [
        {"id": f"actor-{i}", "name": f"{script} actor", "native_name": name, "kind": "state",
         "role": f"Named in {script}."}
        for i, (script, name) in enumerate(NAMES.items())
    ]
    corpus = corpus_of(write_briefing(tmp_path, data, "many-scripts"))
    briefing = corpus.briefings[0]
    data = pdf.render_briefing(briefing, links_for(corpus, briefing), OPTIONS)
    reader = reader_of(data)
    names = font_names(reader)
    assert names <= SHIPPED_FONTS, names
    assert {"Sitroom-CJK", "Sitroom-Ethiopic", "Sitroom-Devanagari", "Sitroom-Thai"} <= names
    (tmp_path / "out.pdf").write_bytes(data)
    text = flat(subprocess.run(["pdftotext", str(tmp_path / "out.pdf"), "-"], check=True,
                               capture_output=True, text=True).stdout)
    # Scripts without reordering come out of the PDF as written (read as poppler reads them:
    # right-to-left ligatures are mapped for it, see pdf.py).
    for script in ("Chinese", "Korean", "Japanese", "Amharic", "Russian", "Greek", "Georgian",
                   "Armenian", "Hebrew", "Persian"):
        assert NAMES[script] in text, script


def test_a_character_no_font_has_is_reported_with_its_field(tmp_path: Path) -> None:
    covered = pdf.covered_codepoints(OPTIONS.templates)
    tibetan = "བོད"
    assert not any(ord(c) in covered for c in tibetan)  # else pick another script
    good = standalone(example_data())
    bad = standalone(example_data())
    bad["actors"][2]["native_name"] = tibetan
    folder = tmp_path / "briefings"
    write_briefing(folder, {**good, "id": "good-briefing"}, "good-briefing")
    bad_path = write_briefing(folder, {**bad, "id": "bad-briefing"}, "bad-briefing")
    line = next(n for n, text in enumerate(bad_path.read_text().splitlines(), start=1)
                if tibetan in text)

    # `sitroom check` refuses it already, at the character (see glyphs)...
    checked = gather([folder])
    assert [(Path(p.path).name, p.line) for p in checked.problems] == [("bad-briefing.yaml", line)]
    assert "actors[2].native_name: the PDF fonts cannot draw U+0F56" in checked.problems[0].message

    # ... and the renderer still refuses it on its own, naming the field.
    corpus = corpus_of(folder / "good-briefing.yaml")
    good_briefing = corpus.get("good-briefing")
    assert good_briefing is not None
    actors = [a.model_copy() for a in good_briefing.actors]
    actors[2] = actors[2].model_copy(update={"native_name": tibetan})
    briefing = good_briefing.model_copy(update={"actors": actors})
    with pytest.raises(pdf.PdfRenderError) as caught:
        pdf.render_briefing(briefing, links_for(corpus, briefing), OPTIONS)
    assert caught.value.loc == ("actors", 2, "native_name")
    assert "'བ' (U+0F56)" in str(caught.value)


def test_a_font_from_outside_the_fonts_folder_is_refused(tmp_path: Path) -> None:
    """Only files of templates/pdf/fonts/ may be fonts, byte for byte: one loaded from
    another asset folder fails the render."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "pdf", templates / "pdf")
    shutil.copytree(TEMPLATES / "shared", templates / "shared")
    shutil.copy(Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"), templates / "shared")
    css = templates / "pdf" / "print.css"
    css.write_text('@font-face { font-family: "Other"; src: url("../shared/DejaVuSerif.ttf"); }\n'
                   + css.read_text())
    html = ("<html><head><link rel=stylesheet href=print.css></head>"
            "<body><p style='font-family: Other'>x</p></body></html>")
    with pytest.raises(pdf.PdfRenderError, match="loads a font that is not in"):
        pdf.render_pdf(html, PrintOptions(TemplateChain.only(templates)))
