"""Every file the site generator makes, and the staging tree they are written to.

One code path makes the pages, whatever runs it: `generate` turns a selected corpus into the
site's generated files (the pages rendered by `site`, the feeds by `feeds`). The MkDocs plugin
hands them to MkDocs as virtual files when `mkdocs build` runs it; `sitroom build` writes them
into a staging docs tree with `sync_tree`, which rewrites only the files whose bytes changed and
deletes the ones that are gone, so an engine can rebuild only what changed.

Imports neither MkDocs nor a renderer.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from . import feeds
from .corpus import Corpus
from .models import Briefing
from .settings import Settings
from .site import PageCache, SiteOptions, briefing_path, page_url, pdf_path, render_pages
from .vocab import TLP

FEEDS = ("feed.xml", "feed.json")
NO_SITE_URL = ("site_url is not set in mkdocs.yml: the Atom and JSON feeds need absolute "
               "links, so feed.xml and feed.json were not built")


@dataclass(frozen=True)
class SiteInfo:
    """What the generated files need to know of the site's own configuration."""

    name: str = "Briefings"
    url: str | None = None
    directory_urls: bool = True


@dataclass(frozen=True)
class Output:
    path: str  # relative to the docs tree, with `/`
    content: bytes
    in_nav: bool = False
    page: bool = False  # a generated Markdown page (only its heading lines are Markdown)
    staged: bool = False  # read back from the staging tree this build: known to be the same


@dataclass
class Generated:
    outputs: list[Output] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # said to the user, never fatal

    @property
    def pages(self) -> dict[str, bool]:
        """Generated page paths -> whether the page may be in the nav."""
        return {o.path: o.in_nav for o in self.outputs if o.page}

    @property
    def files(self) -> dict[str, bool | None]:
        """Every generated file, in order -> whether a page may be in the nav (None: a file)."""
        return {o.path: (o.in_nav if o.page else None) for o in self.outputs}


def site_options(settings: Settings, site: SiteInfo) -> SiteOptions:
    return SiteOptions(
        site_name=site.name,
        directory_urls=site.directory_urls,
        pdf=settings.pdf,
        feeds=bool(site.url),
        latest=settings.latest,
        risk_window_days=settings.risk_window_days,
    )


def generate(corpus: Corpus, settings: Settings, site: SiteInfo,
             cache: PageCache | None = None, compiled: Path | None = None) -> Generated:
    """The generated files of the site for `corpus` (already selected). Raises SiteError when a
    template fails. `cache` and `compiled`: see `render_pages`."""
    result = Generated()
    for page in render_pages(corpus, settings.template_chain, site_options(settings, site),
                             cache, compiled):
        result.outputs.append(Output(page.path, page.markdown.encode("utf-8"), page.in_nav,
                                     page=True, staged=page.reused))
    if not site.url:
        result.notices.append(NO_SITE_URL)
        return result
    base = site.url if site.url.endswith("/") else site.url + "/"

    def url_of(b: Briefing) -> str:
        return urljoin(base, page_url(briefing_path(b.id), site.directory_urls))

    items = feeds.entries(corpus, url_of,
                          (lambda b: urljoin(base, pdf_path(b.id))) if settings.pdf else None,
                          settings.feed_size)
    common = {"title": site.name, "site_url": base}
    atom = feeds.atom(items, feed_url=urljoin(base, "feed.xml"), **common)
    json_feed = feeds.json_feed(items, feed_url=urljoin(base, "feed.json"), **common)
    result.outputs.append(Output("feed.xml", atom))
    result.outputs.append(Output("feed.json", json_feed.encode("utf-8")))
    return result


# --- what a build leaves out --------------------------------------------------------------------


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def left_out(everything: Corpus, selected: Corpus, settings: Settings) -> str | None:
    """"2 drafts and 1 TLP:AMBER briefing not published: use --drafts, --max-tlp AMBER", or
    None when every checked briefing is published."""
    shown = {b.id for b in selected.briefings}
    missing = [b for b in everything.briefings if b.id not in shown]
    if not missing:
        return None
    above = [b for b in missing if b.tlp > settings.max_tlp]
    unpublished = [b for b in missing if b.tlp <= settings.max_tlp]
    parts: list[str] = []
    hints: list[str] = []
    drafts = sum(1 for b in unpublished if b.status == "draft")
    review = sum(1 for b in unpublished if b.status == "review")
    if drafts:
        parts.append(_count(drafts, "draft"))
    if review:
        parts.append(f"{review} in review")
    if unpublished:
        hints.append("--drafts")
    levels = sorted({b.tlp for b in above})
    for level in levels:
        parts.append(_count(sum(1 for b in above if b.tlp is level), f"{level.label} briefing"))
    publishable = [level for level in levels if level is not TLP.RED]
    if publishable:
        hints.append(f"--max-tlp {publishable[-1].word}")
    text = (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else parts[0]
    return f"{text} not published" + (f": use {', '.join(hints)}" if hints else "")


# --- the staging tree ---------------------------------------------------------------------------


@dataclass
class TreeChanges:
    written: list[str] = field(default_factory=list)  # new or changed files
    removed: list[str] = field(default_factory=list)  # files that are no longer made

    def __bool__(self) -> bool:
        return bool(self.written or self.removed)


def _same(path: Path, content: bytes) -> bool:
    try:
        if path.stat().st_size != len(content):
            return False
        return path.read_bytes() == content
    except OSError:
        return False


def _same_file(target: Path, source: Path) -> bool:
    try:
        a, b = target.stat(), source.stat()
    except OSError:
        return False
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def sync_tree(root: Path, generated: Iterable[Output], copied: Mapping[str, Path]) -> TreeChanges:
    """Make the folder `root` hold exactly the `generated` files and copies of the `copied`
    ones (tree path -> source file), touching only files that differ: an unchanged file keeps
    its modification time, which is what an engine's incremental build goes by."""
    changes = TreeChanges()
    wanted: set[str] = set()
    root.mkdir(parents=True, exist_ok=True)
    for out in generated:
        wanted.add(out.path)
        target = root / out.path
        if not (out.staged or _same(target, out.content)):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(out.content)
            changes.written.append(out.path)
    for rel, source in copied.items():
        wanted.add(rel)
        target = root / rel
        if not _same_file(target, source):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            changes.written.append(rel)
    for folder, _dirs, files in os.walk(root, topdown=False):
        base = Path(folder)
        for name in files:
            rel = (base / name).relative_to(root).as_posix()
            if rel not in wanted:
                (base / name).unlink()
                changes.removed.append(rel)
        if base != root and not any(base.iterdir()):
            base.rmdir()
    changes.written.sort()
    changes.removed.sort()
    return changes


class StagedPages:
    """The page cache of a staging tree: a page whose key is the one recorded when it was
    written is read back instead of rendered again. Keys live in the workspace state, which is
    kept only while the templates, options and code are the same (`engine.fingerprint`)."""

    def __init__(self, root: Path, known: Mapping[str, str]) -> None:
        self.root = root
        self.known = dict(known)
        self.keys: dict[str, str] = {}

    def get(self, path: str, key: str) -> str | None:
        if self.known.get(path) != key:
            return None
        try:
            text = (self.root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        self.keys[path] = key
        return text

    def put(self, path: str, key: str) -> None:
        self.keys[path] = key


def docs_files(docs_dir: Path) -> dict[str, Path]:
    """The hand-written files of a docs folder (tree path -> file), as MkDocs would read them:
    hidden files and folders left out."""
    found: dict[str, Path] = {}
    if not docs_dir.is_dir():
        return found
    for folder, dirs, files in os.walk(docs_dir, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(folder) / name
                found[path.relative_to(docs_dir).as_posix()] = path
    return found
