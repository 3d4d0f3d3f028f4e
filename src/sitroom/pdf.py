"""One briefing -> one PDF situation report. The only module that imports WeasyPrint.

Layout lives in `templates/pdf/` (a Jinja template and a paged-media stylesheet), looked up
through the template chain (a team's own `templates/` first, the package's defaults second);
this module adds what a template cannot promise by itself:

- Closed: WeasyPrint reads only files under `pdf/` and `shared/` of the template chain
  (symlinks and `..` resolved) and `data:` URIs. Any other URL is refused and fails the
  render, so no template or briefing can make a build read `/etc/passwd` or call a server.
  Attachments are dropped whatever the HTML says.
- Same fonts everywhere: WeasyPrint gets a font configuration holding only the fonts shipped
  in `templates/pdf/fonts/` (and the @font-face copies print.css makes of them), never the
  machine's fonts, so nothing can fall back to a system font; a character the shipped fonts
  lack is reported with the briefing field it came from before anything is laid out, and a
  font that is not byte for byte a shipped file fails the render.
- Strict: a WeasyPrint warning or error (bad CSS, a missing glyph, an unreadable asset) fails
  the render; a degraded PDF is never published. Notices about the machine rather than the
  content (`ENVIRONMENT_NOTICES`, e.g. fontTools subsetting fonts when HarfBuzz-Subset is
  missing) are logged, not failures: the PDF they come with is complete.
- Reproducible: no clock and no randomness reach the file. Dates in the metadata come from the
  briefing and the PDF /ID is a digest of the content, so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import cffi
import jinja2
import pydyf
from fontTools.ttLib import TTFont
from pydantic import BaseModel
from weasyprint import HTML
from weasyprint import draw as wp_draw
from weasyprint.pdf import tags as wp_tags
from weasyprint.text.ffi import ffi as wp_ffi
from weasyprint.text.ffi import fontconfig, gobject, pangoft2
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse, path2url

from . import __version__
from .glyphs import needs_glyph
from .load import display_path
from .models import Briefing
from .printopts import ASSET_DIRS, PAPERS, PrintOptions
from .problems import Loc
from .render import Markup, make_env
from .resources import TemplateChain

if TYPE_CHECKING:
    from .pdfbuild import PrintLinks

TEMPLATE = "pdf/briefing.html.j2"
STYLESHEET_DIR = "pdf"  # base of relative URLs in the template: print.css, fonts/
FONT_DIR = "pdf/fonts"
FONT_SUFFIXES = (".ttf", ".otf")
# WeasyPrint warnings about the machine, not the briefing or the templates: the PDF is whole.
ENVIRONMENT_NOTICES = (re.compile(r"Using fontTools instead of HarfBuzz-Subset"),)

log = logging.getLogger(__name__)


class PdfRenderError(Exception):
    """The PDF of one briefing cannot be made. `loc` points into the briefing when the cause is
    a field of it (e.g. a character no shipped font has)."""

    def __init__(self, message: str, loc: Loc | None = None):
        super().__init__(message, loc)
        self.message = message
        self.loc = loc

    def __str__(self) -> str:
        return self.message


# --- print HTML --------------------------------------------------------------------------------

_env_lock = threading.Lock()


@lru_cache(maxsize=8)
def _env(templates: TemplateChain) -> jinja2.Environment:
    env = make_env(templates)
    # The print template sees pdf/ and shared/ only: the folders the PDF cache key covers.
    env.loader = jinja2.PrefixLoader({name: templates.loader(name) for name in ASSET_DIRS})
    env.filters.update(keyword=as_keyword, svg_font=svg_font)
    return env


def print_html(briefing: Briefing, links: PrintLinks, options: PrintOptions) -> str:
    """The print HTML of a briefing: what WeasyPrint lays out, as a string."""
    with _env_lock:
        env = _env(options.templates)
    modified = max([briefing.date, *(change.date for change in briefing.changes)])
    return env.get_template(TEMPLATE).render(
        b=briefing,
        links=links,
        numbered_risks=list(enumerate(briefing.risks_by_score, start=1)),
        source_no={source.id: n for n, source in enumerate(briefing.sources, start=1)},
        page_size=PAPERS[options.paper],
        modified=modified,
        version=__version__,
    )


def svg_font(svg: Markup, family: str) -> Markup:
    """Give an inline SVG of the templates a font family. WeasyPrint's SVG text does not
    inherit the page's CSS and would ask for `sans-serif`, which fontconfig resolves by the
    machine's rules; an attribute on the root element is inherited by every text in it."""
    if '"' in family or "<" in family:
        raise ValueError(f"not a font family name: {family!r}")
    return Markup(str(svg).replace("<svg ", f'<svg font-family="{family}" ', 1))


def as_keyword(text: str) -> str:
    """A PDF keyword: readers split Keywords at commas, so `Palestine, State of` becomes
    `State of Palestine`."""
    head, sep, tail = text.partition(", ")
    text = f"{tail} {head}" if sep else text
    return " ".join(text.replace(",", " ").split())


# --- fonts -------------------------------------------------------------------------------------


def font_files(templates: TemplateChain) -> list[Path]:
    """The PDF fonts: pdf/fonts/ of the template chain, a team's file replacing the default of
    the same name."""
    return [path for _, path in templates.files(FONT_DIR)
            if path.suffix.lower() in FONT_SUFFIXES]


def font_dirs(templates: TemplateChain) -> str:
    return " and ".join(display_path(d) for d in templates.dirs(FONT_DIR)) or FONT_DIR


@lru_cache(maxsize=32)
def _cmap(path: str, _mtime_ns: int, _size: int) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=32)
def _file_digest(path: str, _mtime_ns: int, _size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


def covered_codepoints(templates: TemplateChain) -> frozenset[int]:
    """Every character some shipped font has a glyph for."""
    covered: set[int] = set()
    for path in font_files(templates):
        covered |= _cmap(*_stat_key(path))
    return frozenset(covered)


class _VisibleText(HTMLParser):
    """The text a reader sees: everything in <body>, nothing from <head>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "style", "script"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _strings(node: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every text value of a briefing with its place, `x_` extensions included."""
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name == "x_":
                for key, value in node.x_.items():  # type: ignore[attr-defined]
                    yield from _strings(value, (*loc, key))
            else:
                yield from _strings(getattr(node, name), (*loc, name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*loc, str(key)))
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _strings(value, (*loc, index))
    elif isinstance(node, str):
        yield loc, node


def check_glyphs(briefing: Briefing, html: str, templates: TemplateChain) -> None:
    """Fail, naming the field, when the page would need a glyph no shipped font has."""
    covered = covered_codepoints(templates)
    missing = sorted({c for c in visible_text(html) if needs_glyph(c) and ord(c) not in covered})
    if not missing:
        return
    where: dict[str, Loc] = {}
    for loc, text in _strings(briefing, ()):
        for char in set(text).intersection(missing):
            where.setdefault(char, loc)
    shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing[:8])
    if len(missing) > 8:
        shown += f" and {len(missing) - 8} more"
    first = next((where[c] for c in missing if c in where), None)
    raise PdfRenderError(
        f"{len(missing)} character{'s' if len(missing) != 1 else ''} {shown} "
        f"{'are' if len(missing) != 1 else 'is'} in none of the PDF fonts "
        f"({font_dirs(templates)}); write the text in another script, or add a "
        "font that has them to that folder and to print.css",
        first,
    )


class _FcConfig:
    """`FcConfigCreate`, which WeasyPrint does not declare: an empty fontconfig configuration,
    with no system font folders and no substitution rules."""

    _lock = threading.Lock()
    _lib: Any = None
    _ffi = cffi.FFI()
    _ffi.cdef("typedef struct _FcConfig FcConfig; FcConfig * FcConfigCreate (void);")
    _NAMES = ("libfontconfig.so.1", "libfontconfig-1", "fontconfig-1", "fontconfig",
              "libfontconfig.1.dylib", "libfontconfig-1.dll")

    @classmethod
    def create(cls) -> Any:
        with cls._lock:
            if cls._lib is None:
                errors = []
                for name in cls._NAMES:
                    try:
                        cls._lib = cls._ffi.dlopen(name)
                        break
                    except OSError as exc:
                        errors.append(str(exc))
                else:
                    raise PdfRenderError("cannot load fontconfig: " + "; ".join(errors))
        raw = cls._lib.FcConfigCreate()
        if raw == cls._ffi.NULL:
            raise PdfRenderError("fontconfig could not create a configuration")
        return wp_ffi.cast("FcConfig *", int(cls._ffi.cast("uintptr_t", raw)))


class ShippedFontsOnly(FontConfiguration):
    """A WeasyPrint font configuration holding the shipped fonts and nothing else: no system
    font, so Pango has nothing else to fall back to. Fonts the stylesheet loads with @font-face
    join them; the shipped files are added up front so that layout never meets an empty
    configuration (Pango crashes on one), whatever a template does."""

    def __init__(self, files: list[Path]) -> None:
        if not files:
            raise PdfRenderError("no fonts to render with: the PDF fonts folder is empty")
        # Mirrors FontConfiguration.__init__ (WeasyPrint 68-70) with an empty configuration in
        # place of the system one (FcInitLoadConfigAndFonts).
        self._folder = None
        self._config = _FcConfig.create()
        for path in files:
            if not fontconfig.FcConfigAppFontAddFile(self._config, str(path).encode()):
                fontconfig.FcConfigDestroy(self._config)
                raise PdfRenderError(f"{path} is not a font file fontconfig can read")
        self.font_map = wp_ffi.gc(pangoft2.pango_ft2_font_map_new(), gobject.g_object_unref)
        pangoft2.pango_fc_font_map_set_config(
            wp_ffi.cast("PangoFcFontMap *", self.font_map), self._config)
        fontconfig.FcConfigDestroy(self._config)  # the font map keeps its own reference
        self.strut_layouts: dict[Any, Any] = {}
        self.font_features: dict[Any, Any] = {}

    def loaded_files(self) -> tuple[int, list[str]]:
        """(number of system fonts, files of every font it holds: the shipped ones and the
        @font-face copies WeasyPrint made)."""
        system = fontconfig.FcConfigGetFonts(self._config, 0)  # FcSetSystem
        added = fontconfig.FcConfigGetFonts(self._config, 1)  # FcSetApplication
        files = []
        if added != wp_ffi.NULL:
            value = wp_ffi.new("FcChar8 **")
            for i in range(added.nfont):
                if fontconfig.FcPatternGetString(added.fonts[i], b"file", 0, value) == 0:
                    files.append(wp_ffi.string(value[0]).decode())
        return (0 if system == wp_ffi.NULL else system.nfont), files


# --- resources ---------------------------------------------------------------------------------


def asset_roots(templates: TemplateChain) -> list[Path]:
    return [folder / name for folder in templates.folders for name in ASSET_DIRS]


class AssetFetcher(URLFetcher):
    """WeasyPrint's only way to read anything: project assets and data: URIs, nothing else.

    A refusal is fatal (fail_on_errors), and remembered so the caller can name the URL."""

    def __init__(self, templates: TemplateChain):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=True)
        self._templates = templates
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = self._templates.resolve_asset(url2pathname(parts.path), ASSET_DIRS)
            if path is not None:
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})
        self.refused.append(url)
        raise PermissionError(f"not a project asset: {url}")


# --- WeasyPrint --------------------------------------------------------------------------------


class _ThreadRecords(logging.Handler):
    def __init__(self, thread: int):
        super().__init__(logging.WARNING)
        self.thread = thread
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.records.append(record)


@contextmanager
def _weasyprint_problems() -> Iterator[list[logging.LogRecord]]:
    """Collect WeasyPrint's warnings and errors in this thread: they are failures for us."""
    handler = _ThreadRecords(threading.get_ident())
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def _finish(document: Any, pdf: pydyf.PDF) -> None:
    # Viewers show the briefing title, not the file name (required by PDF/UA, right for all).
    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": b"true"})
    _add_id_tree(pdf)


# --- tagged PDF and text extraction ------------------------------------------------------------
# WeasyPrint 70 (pinned) leaves out what PDF/UA readers and text extraction rely on; these hooks
# around two of its functions add it (tests/test_pdf_tags.py fails if they stop taking effect):
# - /Lang on structure elements: only the document's language reaches the PDF, so a Persian
#   name would be read in the English voice. Every element whose HTML element has `lang` gets
#   /Lang, and, for right-to-left text, an /ActualText with the text in reading order.
# - /IDTree: WeasyPrint gives table header cells an /ID (for /Headers) without the ID tree
#   PDF/UA requires; `_add_id_tree` builds it.
# - Ligatures in right-to-left text: WeasyPrint maps a lam-alef ligature glyph to its two
#   letters in reading order; poppler and pdf.js reverse right-to-left text character by
#   character and so extract `اسلامی` as `اسالمی`. Such a glyph is mapped in visual order
#   instead, which they turn into the right text. (A content-stream /ActualText span does not
#   help: poppler 22 reverses the whole replacement text of a right-to-left run.)

_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                        "\u2066\u2067\u2068\u2069"))


def _needs_visual_order(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _all_rtl(text: str) -> bool:
    return all(unicodedata.bidirectional(c) in ("R", "AL", "NSM") for c in text)


def _with_lang(build: Any) -> Any:
    def build_box_tree(box: Any, parent: Any, *args: Any) -> Iterator[Any]:
        for element in build(box, parent, *args):
            node: Any = getattr(box, "element", None)
            lang = node.get("lang") if node is not None and hasattr(node, "get") else None
            if lang and "Lang" not in element and box.element_tag not in ("html", "body"):
                element["Lang"] = pydyf.String(lang)
                text = "".join(node.itertext()).translate(_BIDI_CONTROLS)
                if _needs_visual_order(text):
                    element["ActualText"] = pydyf.String(text)
            yield element
    build_box_tree.sitroom_hook = True  # type: ignore[attr-defined]
    return build_box_tree


def _with_visual_ligatures(draw: Any) -> Any:
    def draw_text(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        result = draw(stream, textbox, *args, **kwargs)
        if _needs_visual_order(textbox.text):
            for font in getattr(stream, "_fonts", {}).values():
                done = font.__dict__.setdefault("sitroom_visual", set())
                for glyph, text in list(font.to_unicode.items()):
                    if glyph not in done and len(text) > 1 and _all_rtl(text):
                        font.to_unicode[glyph] = text[::-1]
                    done.add(glyph)
        return result
    draw_text.sitroom_hook = True  # type: ignore[attr-defined]
    return draw_text


def _install_hooks() -> None:
    if not getattr(wp_tags._build_box_tree, "sitroom_hook", False):
        wp_tags._build_box_tree = _with_lang(wp_tags._build_box_tree)
    if not getattr(wp_draw.draw_text, "sitroom_hook", False):
        wp_draw.draw_text = _with_visual_ligatures(wp_draw.draw_text)


_install_hooks()


def _add_id_tree(pdf: pydyf.PDF) -> None:
    """An /IDTree for the structure elements that have an /ID (PDF 1.7, 14.7.2)."""
    root = next((o for o in pdf.objects if isinstance(o, pydyf.Dictionary)
                 and o.get("Type") == "/StructTreeRoot"), None)
    if root is None:
        return
    ids = sorted(((o["ID"].string, o) for o in pdf.objects
                  if isinstance(o, pydyf.Dictionary) and o.get("Type") == "/StructElem"
                  and isinstance(o.get("ID"), pydyf.String)), key=lambda pair: pair[0])
    if not ids:
        return
    names = pydyf.Array()
    for key, element in ids:
        names.extend([pydyf.String(key), element.reference])
    tree = pydyf.Dictionary({"Names": names})
    pdf.add_object(tree)
    root["IDTree"] = tree.reference


def render_pdf(html: str, options: PrintOptions) -> bytes:
    """Lay out print HTML (from `print_html`) and return the PDF bytes."""
    templates, variant = options.templates, options.variant
    fetcher = AssetFetcher(templates)
    fonts = ShippedFontsOnly(font_files(templates))
    settings: dict[str, Any] = {
        "pdf_variant": variant,
        "pdf_tags": variant == "pdf/ua-1",
        "pdf_identifier": True,  # md5 of the content: stable, unlike a random id
        "attachments": [],
    }
    with _weasyprint_problems() as captured:
        try:
            document = HTML(
                string=html,
                # Relative URLs resolve here and are then looked up through the chain.
                base_url=path2url(str(templates.folders[0] / STYLESHEET_DIR) + "/"),
                url_fetcher=fetcher,
            ).render(font_config=fonts, **settings)
            # <link rel=attachment> cannot come from a briefing (its HTML is escaped); this
            # makes sure no template can add one either.
            document.metadata.attachments = []
            pdf = document.write_pdf(finisher=_finish, **settings)
        except FatalURLFetchingError as exc:
            refused = fetcher.refused[-1] if fetcher.refused else str(exc)
            raise PdfRenderError(
                f"the print template asked for {refused}; the PDF may only use files under "
                f"{' and '.join(display_path(r) for r in asset_roots(templates))} and data: URIs"
            ) from None
    problems = []
    for record in captured:
        message = record.getMessage()
        if any(notice.match(message) for notice in ENVIRONMENT_NOTICES):
            log.info("WeasyPrint: %s", message)
        else:
            problems.append(message)
    if fetcher.refused:
        problems += [f"refused to load {url}" for url in fetcher.refused]
    if problems:
        raise PdfRenderError("WeasyPrint: " + "; ".join(dict.fromkeys(problems)))
    _check_fonts(fonts, templates)
    assert isinstance(pdf, bytes)
    return pdf


def _check_fonts(fonts: ShippedFontsOnly, templates: TemplateChain) -> None:
    """The configuration the PDF was laid out with held no system font, and every font in it
    is, byte for byte, a file of templates/pdf/fonts/."""
    shipped = {_file_digest(*_stat_key(p)) for p in font_files(templates)}
    system, loaded = fonts.loaded_files()
    if system:
        raise PdfRenderError(f"the PDF renderer saw {system} system fonts; it must see none")
    for path in loaded:
        if _file_digest(*_stat_key(Path(path))) not in shipped:
            raise PdfRenderError(
                "the print stylesheet loads a font that is not in "
                f"{font_dirs(templates)}")


def render_briefing(briefing: Briefing, links: PrintLinks, options: PrintOptions) -> bytes:
    """The PDF of one briefing, as bytes."""
    html = print_html(briefing, links, options)
    check_glyphs(briefing, html, options.templates)
    return render_pdf(html, options)
