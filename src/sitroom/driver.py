"""`sitroom build`: briefings -> staging docs tree -> engine -> PDFs -> search -> published site.

1. mkdocs.yml and the command line become one `Settings` value (`settings.resolve`);
2. the briefings are checked (`corpus.gather`) and selected for the site;
3. every generated page and feed is written into the staging docs tree (`pages.sync_tree`),
   beside copies of the hand-written docs, touching only files whose bytes changed;
4. the engine builds that tree: MkDocs rebuilds only the changed pages when nothing else changed,
   everything otherwise (`engine.fingerprint`); Zensical always builds it whole;
5. the search index is built from the engine's output (`search.index_site`, Pagefind);
6. the output is copied into a new folder beside the published site, the PDFs added (from
   their cache), and the folder exchanged with the published one whole (`publish`).

Whatever fails, the published site is left as it was.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import secrets
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import publish
from .corpus import Corpus, gather
from .engine import (
    EngineError,
    State,
    Workspace,
    fingerprint,
    has_lunr_search,
    load_mkdocs,
    mkdocs_logging,
    run_mkdocs,
    run_zensical,
    theme_chain,
    workspace_for,
)
from .load import LoadCache
from .pages import (
    SiteInfo,
    StagedPages,
    TreeChanges,
    docs_files,
    generate,
    left_out,
    sync_tree,
)
from .problems import Problem
from .search import BUNDLE, PARTIAL, SearchError, index_site
from .settings import CommandLine, Settings, SettingsError, resolve
from .site import SiteError
from .theme import PDF_EXTRA, apply_site_defaults
from .vocab import TLP

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from .plugin import SitroomPlugin

log = logging.getLogger("mkdocs.sitroom")  # shown as MkDocs' messages are


class SiteBuildError(Exception):
    """The build failed; the message says why (details were logged as they happened)."""

    def __init__(self, message: str, target: Path | None = None) -> None:
        super().__init__(message)
        self.target = target  # the site that was left as it was, once known


@dataclass
class BuildReport:
    corpus: Corpus | None = None
    max_tlp: TLP = TLP.CLEAR
    drafts: bool = False
    pdfs: list[Path] = field(default_factory=list)
    left_out: str | None = None  # what the site does not show, and which option would
    notices: list[str] = field(default_factory=list)
    changes: TreeChanges = field(default_factory=TreeChanges)
    mode: str = "clean"  # "clean", "dirty" (only changed pages rebuilt) or "unchanged"


Reporter = Callable[[list[Problem]], None]


def checked_corpus(settings: Settings, report: Reporter | None,
                   cache: LoadCache | None = None) -> tuple[Corpus, Corpus]:
    """(every checked briefing, the ones this site shows). Raises SiteBuildError on a problem;
    warnings go to `report` (or the log)."""
    checked = gather([settings.briefings], cache)
    if not checked.ok:
        count = len(checked.errors)
        summary = f"{count} problem{'s' if count != 1 else ''} in the briefings; nothing was built"
        if report is not None:
            report(checked.problems)
            raise SiteBuildError(summary)
        raise SiteBuildError("\n".join([*(p.gnu() for p in checked.problems), summary]))
    if checked.warnings:
        if report is not None:
            report(checked.warnings)
        else:
            for problem in checked.warnings:
                log.info(problem.gnu())
    return checked.corpus, checked.corpus.select(settings.max_tlp, settings.drafts)


def _pdf_digest(settings: Settings, corpus: Corpus) -> str:
    if not settings.pdf:
        return "no-pdf"
    digest = hashlib.sha256(f"{settings.paper}\0".encode())
    for b in corpus.briefings:
        loaded = corpus.files.get(b.id)
        digest.update(f"{b.id}\0{loaded.digest if loaded else ''}\0".encode())
    return digest.hexdigest()


def _copy_site(source: Path, fresh: Path, published: Path | None = None) -> None:
    """Copy the engine's output into the new site, but no search index a killed run left half
    written. A copy, not links to it: the engine rewrites its own output in place on the next
    build, and a published file must never change under a reader. A file the `published` site
    holds with the same bytes is linked to that instead (nothing ever writes into a published
    site): after one edit, almost every file."""
    def copy(src: str, dst: str) -> str:
        if published is not None:
            old = published / Path(src).relative_to(source)
            try:
                if _same_bytes(Path(src), old):
                    os.link(old, dst)
                    return dst
            except OSError:
                pass  # not there, or no links on this file system: copy
        return shutil.copyfile(src, dst)

    def ignore(folder: str, names: list[str]) -> list[str]:
        if Path(folder) != source:
            return []
        return [n for n in names if n.startswith(PARTIAL)]

    shutil.copytree(source, fresh, dirs_exist_ok=True, copy_function=copy, ignore=ignore)


def _same_bytes(a: Path, b: Path) -> bool:
    """Raises OSError when either cannot be read."""
    if not stat.S_ISREG(b.lstat().st_mode) or a.stat().st_size != b.stat().st_size:
        return False
    return a.read_bytes() == b.read_bytes()


def index_search(site_dir: Path) -> None:
    """Index the built site with Pagefind. Raises SiteBuildError."""
    try:
        index_site(site_dir)
    except SearchError as exc:
        raise SiteBuildError(f"search: {exc}") from None


def build_site(config_file: Path | None = None, *, site_dir: Path | None = None,
               site_url: str | None = None, options: CommandLine | None = None,
               report: Reporter | None = None, strict: bool = False,
               verbose: bool = False) -> tuple[Path, BuildReport]:
    """Build the site and publish it at `site_dir` (default: mkdocs.yml's `site_dir`).

    Raises SettingsError for a wrong option, SiteBuildError when the build fails."""
    options = options or CommandLine()
    with mkdocs_logging(logging.INFO if verbose else logging.WARNING):
        config, plugin, settings = load(config_file, options, strict=strict, site_url=site_url)
        target = Path(site_dir or config.site_dir).absolute()
        try:
            publish.refuse_unsafe(target, [settings.root, Path(config.docs_dir),
                                           settings.templates, settings.briefings])
            with publish.locked(target):
                publish.recover(target)
                workspace = workspace_for(settings.cache_dir, {
                    "config": str(config.config_file_path),
                    "target": str(publish.real_target(target)), "engine": settings.engine})
                try:
                    return target, _build_and_publish(config, plugin, settings, target,
                                                      workspace, report)
                except SiteBuildError as exc:
                    exc.target = exc.target or target
                    raise
                finally:
                    if workspace.temporary:
                        workspace.remove()
        except publish.PublishError as exc:
            raise SiteBuildError(str(exc)) from None


def load(config_file: Path | None, options: CommandLine, *, strict: bool = False,
         site_url: str | None = None) -> tuple[MkDocsConfig, SitroomPlugin, Settings]:
    """mkdocs.yml, its plugin, and the settings. Raises SettingsError, SiteBuildError."""
    try:
        config, plugin = load_mkdocs(config_file, strict=strict or None, site_url=site_url)
    except EngineError as exc:
        raise SiteBuildError(str(exc)) from None
    root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    settings = resolve(plugin.config, root, options)
    plugin.settings = settings  # its hooks use these, not mkdocs.yml's alone
    apply_site_defaults(config, settings.template_chain)
    return config, plugin, settings


@dataclass
class Rendered:
    """What `render_site` leaves for publishing and for the next build's decisions."""

    state: State
    unchanged: bool  # nothing to build: the site published as `state.build_id` is current


def render_site(config: MkDocsConfig, plugin: SitroomPlugin, settings: Settings,
                workspace: Workspace, result: BuildReport, report: Reporter | None, *,
                published: str = "", target: Path | None = None) -> Rendered:
    """Check the briefings, write the staging tree and have the engine build it (and the search
    index) into `workspace.site`, rebuilding as little as is exact. `published` is the build
    id of the site now at the target: when it is the workspace's last and nothing changed,
    nothing is built. Raises SiteBuildError."""
    # Loading depends on the code and libraries only, not on the site's options. A workspace
    # thrown away after the build (--no-cache) would only pay for writing it.
    loaded = None if workspace.temporary else \
        LoadCache(workspace.root / "loaded", fingerprint(None, [], {"cache": "loaded"}))
    everything, corpus = checked_corpus(settings, report, loaded)
    result.corpus = corpus
    result.left_out = left_out(everything, corpus, settings)
    if not everything.briefings:
        log.warning(f"no briefings in {settings.briefings}: the site lists none")
    if settings.pdf and importlib.util.find_spec("weasyprint") is None:
        raise SiteBuildError(PDF_EXTRA)
    site = SiteInfo(config.site_name, config.site_url, config.use_directory_urls)
    before = workspace.load_state()
    stamp = fingerprint(
        Path(config.config_file_path) if config.config_file_path else None,
        # The theme's own folders are covered by the installed packages' versions; stamping
        # their files (14,000 in Material) cost a quarter of a second on every build.
        [*settings.template_chain.folders, *theme_chain(config)],
        {"site_url": config.site_url, "strict": config.strict, "engine": settings.engine,
         "settings": repr(settings.replace(progress=False))})
    known = before.extra.get("pages", {}) if before and before.fingerprint == stamp else {}
    cache = StagedPages(workspace.docs, known)
    try:
        generated = generate(corpus, settings, site, cache, workspace.root / "compiled")
    except SiteError as exc:
        raise SiteBuildError(str(exc), target) from None
    result.notices = generated.notices
    for notice in generated.notices:
        log.warning(notice)
    if config.strict and generated.notices:
        raise SiteBuildError("--strict: the build had warnings", target)

    docs_dir = Path(config.docs_dir)
    docs = docs_files(docs_dir)
    clash = sorted(set(docs) & {o.path for o in generated.outputs})
    if clash:
        raise SiteBuildError(f"{docs_dir / clash[0]}: this file would replace the generated "
                             f"{clash[0]}; rename or remove it", target)

    # The state names the staged pages' cache keys: once the tree is being rewritten they no
    # longer match it, so a build killed from here on is followed by a clean one.
    workspace.forget_state()
    changes = sync_tree(workspace.docs, generated.outputs, docs)
    result.changes = changes
    known_docs = set(before.extra.get("docs", [])) if before else set()
    docs_changed = any(p in docs or p in known_docs for p in changes.written + changes.removed)
    state = State(stamp, before.build_id if before else "", _pdf_digest(settings, corpus),
                  {"docs": sorted(docs), "pages": cache.keys})

    stale = (before is None or before.fingerprint != stamp or docs_changed
             or not (workspace.site / "index.html").is_file())
    clean = stale or settings.engine != "mkdocs" or has_lunr_search(config)
    if (not stale and not changes and before is not None and before.build_id
            and before.pdf_digest == state.pdf_digest and published == before.build_id):
        result.mode = "unchanged"
        workspace.save_state(before)  # nothing was rewritten: the old state still holds
        return Rendered(before, unchanged=True)

    result.mode = "clean" if clean else "dirty"
    try:
        if settings.engine == "zensical":
            run_zensical(config, plugin, workspace, generated.files)
        else:
            run_mkdocs(config, plugin, workspace, generated.files, dirty=not clean,
                       removed=changes.removed)
    except EngineError as exc:
        raise SiteBuildError(str(exc), target) from None
    if clean or changes or not (workspace.site / BUNDLE).is_dir():
        index_search(workspace.site)
    state.build_id = secrets.token_hex(8)
    return Rendered(state, unchanged=False)


def _build_and_publish(config: MkDocsConfig, plugin: SitroomPlugin, settings: Settings,
                       target: Path, workspace: Workspace,
                       report: Reporter | None) -> BuildReport:
    result = BuildReport(max_tlp=settings.max_tlp, drafts=settings.drafts)
    real = publish.real_target(target)
    rendered = render_site(config, plugin, settings, workspace, result, report,
                           published=publish.build_id(real / publish.SITE_MARKER),
                           target=target)
    corpus = result.corpus
    assert corpus is not None
    if rendered.unchanged:
        result.pdfs = sorted((real / "pdf").glob("*.pdf")) if settings.pdf else []
        return result
    _publish(rendered, workspace, settings, corpus, target, result)
    workspace.save_state(rendered.state)
    return result


def _publish(rendered: Rendered, workspace: Workspace, settings: Settings, corpus: Corpus,
             target: Path, result: BuildReport) -> None:
    real = publish.real_target(target)
    published = real if real.is_dir() else None
    fresh = publish.new_folder(target)
    try:
        _copy_site(workspace.site, fresh, published)
        if settings.pdf and corpus.briefings:
            result.pdfs = make_pdfs(corpus, fresh / "pdf", settings)
        publish.swap_in(fresh, target, rendered.state.build_id)
    except BaseException as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        if isinstance(exc, OSError):
            raise SiteBuildError(f"{target}: cannot put the new site in place: "
                                 f"{exc.strerror or exc}", target) from None
        raise


def make_pdfs(corpus: Corpus, out_dir: Path, settings: Settings) -> list[Path]:
    from .pdfbuild import PdfBuildError, build_pdfs

    try:
        return build_pdfs(corpus, out_dir, settings.print_options, jobs=settings.jobs,
                          cache_dir=settings.cache_dir, progress=settings.progress)
    except (PdfBuildError, ValueError) as exc:
        raise SiteBuildError(f"PDF: {exc}") from None


__all__ = ["BuildReport", "CommandLine", "SettingsError", "SiteBuildError", "build_site"]
