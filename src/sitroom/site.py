"""The site as data: a checked, already filtered corpus -> `(path, markdown)` pages.

Pure: no MkDocs, no file writes. The MkDocs plugin hands these pages to MkDocs as virtual files;
tests read them directly. Every page is rendered through the Jinja templates in
`templates/site/` with the shared environment (autoescape on, undefined variables are errors).

Pages are Markdown made of fixed `##` section headings (so MkDocs builds the table of contents)
and HTML blocks (so briefing text, which is untrusted, is rendered by the project's safe Markdown
renderer and escaped by Jinja, never by MkDocs' permissive one). Links between pages are
computed here as relative URLs, because MkDocs does not rewrite links inside HTML blocks.

Handling: the corpus passed in must already be `Corpus.select(...)`-ed. This module only ever
follows references through that corpus (`corpus.get`), so an excluded briefing cannot leak in
through `related`, `supersedes` or an actor's appearances.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import jinja2
import yaml
from markupsafe import Markup, escape

from . import markdown as safe_markdown
from . import vocab
from .corpus import Corpus, Group, actor_groups, distinct, region_slug
from .models import Briefing, Risk
from .render import make_env, native_lang  # noqa: F401 - native_lang: the site's name for it
from .resources import TemplateChain
from .vocab import TLP

# One wording of the TLP definitions for the site, the feeds and the PDF.
TLP_MEANING = vocab.TLP_MEANING

# Search ranking (Material's front matter `search: boost:`): a reader searching for a name or
# a place wants the briefing itself first, the pages that merely list it after. Actor pages
# count as listings: their short sections would otherwise outrank the briefings they list.
BOOST_BRIEFING = 2.0
BOOST_LISTING = 0.5

# What Pagefind indexes of a page (front matter `search_body`, read by the theme's main.html):
# a briefing whole; of any other generated page only what its template marks
# `data-pagefind-body` (an actor's names), so listings never compete with the briefings they
# list. Hand-written pages (no front matter key) are indexed whole.
SEARCH_PAGE = "page"
SEARCH_MARKED = "marked"

HOME = "index.md"
SECTIONS = {
    "archive": "archive/index.md",
    "briefings": "briefings/index.md",
    "risks": "risks/index.md",
    "actors": "actors/index.md",
    "regions": "regions/index.md",
    "countries": "countries/index.md",
    "tags": "tags/index.md",
}


def briefing_path(briefing_id: str) -> str:
    return f"briefings/{briefing_id}/index.md"


def actor_path(actor_id: str) -> str:
    return f"actors/{actor_id}/index.md"


def region_path(slug: str) -> str:
    return f"regions/{slug}/index.md"


def country_path(code: str) -> str:
    return f"countries/{code.lower()}/index.md"


def tag_path(tag: str) -> str:
    return f"tags/{tag}/index.md"


def pdf_path(briefing_id: str) -> str:
    """Where the PDF of a briefing is published, relative to the site root."""
    return f"pdf/{briefing_id}.pdf"


def page_url(src: str, directory_urls: bool = True) -> str:
    """The URL MkDocs gives the page `src` (every generated page is an `index.md`)."""
    if not src.endswith("index.md"):
        raise ValueError(f"not a generated page path: {src}")
    base = src[: -len("index.md")]
    return base if directory_urls else base + "index.html"


@dataclass(frozen=True)
class SiteOptions:
    site_name: str = "Briefings"
    directory_urls: bool = True
    pdf: bool = True  # link the PDF of each briefing (only when PDFs are built)
    feeds: bool = True  # link feed.xml and feed.json (only when they are built)
    latest: int = 20  # briefings on the home page
    # Risk register: also count a current briefing's risks as earlier once it is older than
    # this many days before the newest briefing. None (the default): only supersession does.
    risk_window_days: int | None = None


@dataclass(frozen=True)
class Page:
    path: str  # MkDocs src_uri, e.g. "briefings/<id>/index.md"
    markdown: str
    in_nav: bool  # section index pages may be in the nav; item pages are reached via listings
    tlp: TLP  # the highest marking of anything shown on the page
    reused: bool = False  # read back from the page cache, unchanged since it was written


class SiteError(Exception):
    """A template failed; the message names the template and line."""


@functools.lru_cache(maxsize=1 << 16)
def _relpath(url: str, start: str) -> str:
    # Listings link thousands of briefings from the same few folders.
    return posixpath.relpath(url, start)


class Links:
    """Relative links from one page, valid whether or not MkDocs uses directory URLs."""

    def __init__(self, here: str, directory_urls: bool) -> None:
        self.here = here
        self.directory_urls = directory_urls
        self._dir = posixpath.dirname(page_url(here, directory_urls)) or "."

    def _to(self, target: str) -> str:
        is_page = target.endswith(".md")
        url = page_url(target, self.directory_urls) if is_page else target
        rel = _relpath(url or ".", self._dir)
        if is_page and self.directory_urls:
            return "./" if rel == "." else rel + "/"
        return rel

    def home(self) -> str:
        return self._to(HOME)

    def section(self, name: str) -> str:
        return self._to(SECTIONS[name])

    def briefing(self, briefing_id: str) -> str:
        return self._to(briefing_path(briefing_id))

    def pdf(self, briefing_id: str) -> str:
        return self._to(pdf_path(briefing_id))

    def file(self, path: str) -> str:
        """Any other file of the site, by its path from the site root (e.g. `feed.xml`)."""
        return self._to(path)

    def actor(self, actor_id: str) -> str:
        return self._to(actor_path(actor_id))

    def region(self, slug: str) -> str:
        return self._to(region_path(slug))

    def country(self, code: str) -> str:
        return self._to(country_path(code))

    def tag(self, tag: str) -> str:
        return self._to(tag_path(tag))


# --- small presentation helpers (also Jinja filters) -------------------------------------------


def label(word: str) -> str:
    """`non-state-armed-group` -> `non-state armed group` (vocabulary words shown to readers)."""
    return word.replace("non-state-", "non\u2011state ").replace("-", " ").replace("\u2011", "-")


def plain_text(markdown_text: str | None, limit: int | None = None) -> str:
    """Markdown -> plain text (for meta descriptions and feeds' summaries)."""
    text = " ".join(Markup(safe_markdown.render(markdown_text)).striptags().split())
    if limit is not None and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def first_paragraph(markdown_text: str) -> str:
    """The first paragraph of a Markdown field: the opening lines a listing shows."""
    for block in re.split(r"\n\s*\n", markdown_text.strip()):
        if block.strip():
            return block
    return ""


# --- the site ----------------------------------------------------------------------------------


class PageCache(Protocol):
    """Pages rendered by an earlier build, by the key of everything they were made from."""

    def get(self, path: str, key: str) -> str | None: ...

    def put(self, path: str, key: str) -> None: ...


@dataclass
class _Site:
    corpus: Corpus
    options: SiteOptions
    env: jinja2.Environment
    pages: list[Page] = field(default_factory=list)
    cache: PageCache | None = None

    def render(self, template: str, path: str, *, title: str, boost: float, in_nav: bool,
               tlp: TLP, description: str | Callable[[], str] | None = None,
               hide: tuple[str, ...] = (), search: str = SEARCH_MARKED, key: str | None = None,
               **context: Any) -> None:
        """Render one page. With a `key` (all the page is made from, the templates aside), an
        earlier rendering with the same key is reused: the key must name everything of the
        corpus the page's template shows (see `shows`). A `description` that costs something
        to make may be given as a function: it is called only when the page is rendered."""
        if key is not None:
            key = hashlib.sha256(f"{key}\0{self.options!r}".encode()).hexdigest()
        if key is not None and self.cache is not None:
            cached = self.cache.get(path, key)
            if cached is not None:
                self.pages.append(Page(path, cached, in_nav, tlp, reused=True))
                return
        if callable(description):
            description = description()
        links = Links(path, self.options.directory_urls)
        try:
            body = self.env.get_template(template).render(
                link=links, site=self.options, corpus=self.corpus, page_tlp=tlp,
                superseded_by=self.superseded_by, **context,
            )
        except jinja2.TemplateError as exc:
            raise SiteError(_template_error(exc)) from None
        # Pages outside the nav have an empty navigation sidebar: give its room to the content.
        hide = (*hide, *(() if in_nav else ("navigation",)))
        self.pages.append(Page(path, _front_matter(title, boost, description, hide, search) + body,
                               in_nav, tlp))
        if key is not None and self.cache is not None:
            self.cache.put(path, key)

    def source_key(self, briefing: Briefing | None) -> str:
        """A briefing as the key of a page that shows it: its file's digest (its id and
        marking decide what may name it), and whatever supersedes it, as shown."""
        if briefing is None:
            return "-"
        loaded = self.corpus.files.get(briefing.id)
        own = loaded.digest if loaded is not None else repr(briefing)
        newer = self.superseded_by(briefing)
        return f"{briefing.id}:{own}:{newer.id if newer else ''}:" \
            f"{briefing.id in self.corpus.superseded_by}"

    def superseded_by(self, briefing: Briefing) -> Briefing | None:
        return self.corpus.named_by(briefing, self.corpus.superseded_by.get(briefing.id))

    def shows(self, briefings: Iterable[Briefing], *more: str) -> str:
        """The key of a listing page that shows `briefings` (and, for each, what supersedes
        it) and the values `more`. Templates are given the whole corpus, but a page template
        must show only what its key names: an item page its own briefings, a section page
        (whose key names every briefing) anything."""
        return "\0".join([*(f"{self.source_key(b)}>{self.source_key(self.superseded_by(b))}"
                             for b in briefings), *more])


def _front_matter(title: str, boost: float, description: str | None,
                  hide: tuple[str, ...], search: str = SEARCH_MARKED) -> str:
    # MkDocs and Material print `title` and `description` into the HTML unescaped (the theme's
    # Jinja has no autoescape), so they go in HTML-escaped; readers see the original text.
    meta: dict[str, Any] = {"title": str(escape(title))}
    if description:
        meta["description"] = str(escape(description))
    meta["search"] = {"boost": boost}
    meta["search_body"] = search
    if hide:
        meta["hide"] = list(hide)
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{dumped}---\n\n"


def _template_error(exc: jinja2.TemplateError) -> str:
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template error: no template {exc.name} in the templates folder"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        return f"{where}: template error: {exc.message}"
    # Jinja rewrites tracebacks so template frames carry the template file and line.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""
    return f"{where}template error: {exc}"


def _max_tlp(briefings: Iterable[Briefing]) -> TLP:
    return max((b.tlp for b in briefings), default=TLP.CLEAR)


HEADING_LINE = re.compile(r"^#{1,6} ")


def single_line(value: Any) -> Markup:
    """Every value a site template prints, escaped, on one line, never opening with `#`.

    So the only Markdown in a generated page is what the templates themselves write (their
    `## Section` lines): the plugin may then hand everything else to MkDocs as raw HTML without
    Markdown re-reading briefing text, which is both a safety property and most of the build
    time. `&#10;` keeps a newline's meaning inside <pre> and in attributes."""
    text = value if isinstance(value, Markup) else escape(value)
    # Most values are one line: then the escaped value is the answer, with no copy made (this
    # runs for every value of every page, 24 times per row of the risk register).
    if "\n" in text or "\r" in text or text.startswith("#"):
        # On plain text: Markup's own replace would escape the replacement.
        plain = str(text).replace("\r\n", "&#10;").replace("\n", "&#10;").replace("\r", "&#10;")
        if plain.startswith("#"):
            plain = "&#35;" + plain[1:]
        return Markup(plain)
    return text


def make_site_env(templates: TemplateChain, compiled: Path | None = None) -> jinja2.Environment:
    """`compiled`: a folder to keep compiled templates in between builds (compiling them took
    a tenth of a rebuild); each is checked against its template's source before use."""
    env = make_env(templates)
    env.finalize = single_line  # compiled into the templates: the folder is the site's alone
    env.filters.update(label=label, first_paragraph=first_paragraph)
    if compiled is not None:
        folder = compiled / f"jinja-{jinja2.__version__}"
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
    return env


def tlp_bar(templates: TemplateChain, level: TLP, scope: str = "") -> Markup:
    """The marking bar of the site's pages, for pages the theme draws itself (404.html)."""
    macros = make_site_env(templates).get_template("site/_macros.html.j2").module
    return Markup(macros.tlp_bar(level, scope))  # type: ignore[attr-defined]


def render_pages(corpus: Corpus, templates: TemplateChain, options: SiteOptions | None = None,
                 cache: PageCache | None = None, compiled: Path | None = None) -> list[Page]:
    """Every page of the site, in a stable order. Raises SiteError when a template fails.

    `cache`: pages rendered before from the same inputs are taken from it (the caller keeps
    it only while the templates and options are the same). `compiled`: see `make_site_env`."""
    options = options or SiteOptions()
    site = _Site(corpus, options, make_site_env(templates, compiled), cache=cache)
    briefings = corpus.briefings
    everything = _max_tlp(briefings)
    # Section pages list every briefing, so any change to one re-renders them; an item page
    # (actor, region, country, tag) only when one of its own briefings changed.
    every_key = site.shows(briefings)

    latest = briefings[: options.latest]
    site.render("site/home.md.j2", HOME, title="Latest briefings", boost=BOOST_LISTING,
                in_nav=True, tlp=_max_tlp(latest), hide=("toc",), latest=latest, key=every_key)
    site.render("site/archive.md.j2", SECTIONS["archive"], title="Archive", boost=BOOST_LISTING,
                in_nav=True, tlp=everything, months=_by_month(briefings), key=every_key)
    site.render("site/briefings.md.j2", SECTIONS["briefings"], title="All briefings",
                boost=BOOST_LISTING, in_nav=True, tlp=everything, hide=("toc",),
                briefings=briefings, key=every_key)

    current = current_briefings(corpus, options.risk_window_days)
    register = risk_register(current)
    # By id: `in` on models would compare them field by field, for every pair.
    is_current = {b.id for b in current}
    earlier = risk_register([b for b in briefings if b.id not in is_current])
    site.render("site/risks.md.j2", SECTIONS["risks"], title="Risk register",
                boost=BOOST_LISTING, in_nav=True, tlp=everything,
                hide=("navigation",), register=register, earlier=earlier,
                numbered=[(row.number, row.risk) for row in register],
                window=options.risk_window_days, key=every_key)

    for b in briefings:
        _render_briefing(site, b)

    # Briefings that gave one actor two ids: one row in the index, and each page points to the
    # other (`sitroom check` warns about them).
    same_actor = actor_groups(corpus.actors.values())
    site.render("site/actors.md.j2", SECTIONS["actors"], title="Actors", boost=BOOST_LISTING,
                in_nav=True, tlp=everything, hide=("toc",), groups=same_actor,
                count=len(corpus.actors), key=every_key)
    group_of = {entry.id: group for group in same_actor for entry in group}
    # An actor page links the countries that have a page of their own.
    country_pages = " ".join(corpus.countries)
    for entry in corpus.actors.values():
        shown = [a.briefing for a in entry.appearances]
        same = [e for e in group_of[entry.id] if e is not entry]
        # The page names the other entries too: its marking covers where those names are from.
        named = [*shown, *(a.briefing for e in same for a in e.appearances)]
        site.render("site/actor.md.j2", actor_path(entry.id), title=entry.name,
                    boost=BOOST_LISTING, in_nav=False, tlp=_max_tlp(named), entry=entry,
                    kind=entry.latest.kind, affiliations=distinct(
                        a.actor.affiliation for a in entry.appearances),
                    countries=distinct(a.actor.country for a in entry.appearances),
                    same=same, key=site.shows(named, entry.id, *(e.id for e in same),
                                              country_pages))

    groups: list[tuple[str, str, dict[str, Group], Callable[[str], str]]] = [
        ("regions", "Regions", corpus.regions, region_path),
        ("countries", "Countries", corpus.countries, country_path),
        ("tags", "Tags", corpus.tags, tag_path),
    ]
    for section, heading, by_slug, path_of in groups:
        site.render("site/groups.md.j2", SECTIONS[section], title=heading,
                    boost=BOOST_LISTING, in_nav=True, tlp=everything, hide=("toc",),
                    section=section, heading=heading, groups=list(by_slug.values()),
                    key=every_key)
        for group in by_slug.values():
            site.render("site/group.md.j2", path_of(group.slug),
                        title=_group_title(section, group), boost=BOOST_LISTING, in_nav=False,
                        tlp=_max_tlp(group.briefings), hide=("toc",), section=section,
                        group=group, key=site.shows(group.briefings, section, group.slug,
                                                    group.name))
    return site.pages


def _group_title(section: str, group: Group) -> str:
    return f"#{group.name}" if section == "tags" else group.name


def _render_briefing(site: _Site, b: Briefing) -> None:
    corpus = site.corpus
    # Only what is in this (filtered) corpus, and marked no higher than this briefing, may be
    # named on the page.
    related = [r for r in (corpus.named_by(b, i) for i in dict.fromkeys(b.related)) if r]
    supersedes = corpus.named_by(b, b.supersedes)
    numbered = list(enumerate(b.risks_by_score, start=1))
    regions = [corpus.regions[s] for s in dict.fromkeys(region_slug(r) for r in b.regions)
               if s in corpus.regions]
    newer = site.superseded_by(b)
    # What a briefing page shows of other briefings: those it names, what supersedes them, and
    # the versions it supersedes, back to the first (its judgment history).
    shown = [b, supersedes, newer, *related]
    older = corpus.get(b.supersedes) if b.supersedes else None
    while older is not None and older not in shown and len(shown) < 1000:
        shown.append(older)
        older = corpus.get(older.supersedes) if older.supersedes else None
    key = "\0".join([*(site.source_key(x) for x in shown),
                     *(site.source_key(site.superseded_by(x)) for x in shown if x),
                     *(f"{g.slug}={g.name}" for g in regions)])
    site.render(
        "site/briefing.md.j2", briefing_path(b.id), title=b.title, boost=BOOST_BRIEFING,
        in_nav=False, tlp=b.tlp, description=lambda: plain_text(b.summary, 300),
        search=SEARCH_PAGE,
        b=b, related=related, supersedes=supersedes, newer=newer,
        newer_restricted=b.id in corpus.superseded_by,
        numbered=numbered, pdf=site.options.pdf, regions=regions, key=key,
    )


def _by_month(briefings: list[Briefing]) -> list[tuple[date, list[Briefing]]]:
    months: dict[tuple[int, int], list[Briefing]] = {}
    for b in briefings:  # newest first, so months come out newest first too
        months.setdefault((b.date.year, b.date.month), []).append(b)
    return [(date(y, m, 1), items) for (y, m), items in months.items()]


def current_briefings(corpus: Corpus, window_days: int | None = None) -> list[Briefing]:
    """The briefings whose risks are current: each the latest of its supersede chain (no
    briefing on this site supersedes it). With `window_days`, also dated within that many days
    of the newest briefing (a window counted from the newest briefing, not from today, so a
    quiet desk's register does not empty itself). The rest are the register's earlier risks."""
    if not corpus.briefings:
        return []
    since = (corpus.briefings[0].date - timedelta(days=window_days)
             if window_days is not None else date.min)
    return [b for b in corpus.briefings
            if b.id not in corpus.superseded_by and b.date >= since]


@dataclass(frozen=True)
class RegisterEntry:
    number: int
    risk: Risk
    briefing: Briefing


def risk_register(briefings: list[Briefing]) -> list[RegisterEntry]:
    """Risks in the order of every risk list (Risk.order_key: score, impact, likelihood,
    trend), then newest briefing first."""
    rows = [(r, b) for b in briefings for r in b.risks]
    rows.sort(key=lambda rb: (*rb[0].order_key[:4], -rb[1].date.toordinal(),
                              rb[0].title.lower()))
    return [RegisterEntry(n, r, b) for n, (r, b) in enumerate(rows, start=1)]

