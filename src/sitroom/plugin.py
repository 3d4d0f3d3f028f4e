"""The `sitroom` MkDocs plugin, and the build/serve entry points behind `sitroom build|serve`.

The only module that imports MkDocs. Each hook hands off to plain code (in the manner of
mkdocs-gen-files): `on_config` gathers and checks the briefings (`corpus`), `on_files` adds the
pages and feeds computed by `site` and `feeds` as virtual files, `on_post_build` writes the PDFs
through `pdfbuild`. A bad briefing fails the build in `on_config`, before MkDocs touches the site
directory; `build_site` moreover builds into a fresh directory and swaps it in whole.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException, PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import feeds
from .corpus import Corpus, gather
from .problems import Problem
from .site import (
    HEADING_LINE,
    RED_REFUSED,
    SiteError,
    SiteOptions,
    briefing_path,
    page_url,
    parse_max_tlp,
    pdf_path,
    render_pages,
    tlp_bar,
)
from .vocab import TLP

log = logging.getLogger("mkdocs.plugins.sitroom")

# Where the caches go when neither --cache-dir nor `cache_dir:` says (CI runners, the tests).
CACHE_ENV = "SITROOM_CACHE_DIR"

class _MaxTlp(c.Type):
    """`max_tlp:` checked when mkdocs.yml is loaded, so a RED site fails before anything runs."""

    def __init__(self) -> None:
        super().__init__(str, default="CLEAR")

    def run_validation(self, value: object) -> str:
        text = super().run_validation(value)
        try:
            return parse_max_tlp(text).word
        except ValueError as exc:
            raise base.ValidationError(str(exc)) from None


class SitroomConfig(base.Config):
    briefings = c.Type(str, default="briefings")  # relative to mkdocs.yml
    templates = c.Type(str, default="templates")  # relative to mkdocs.yml
    max_tlp = _MaxTlp()
    drafts = c.Type(bool, default=False)
    pdf = c.Type(bool, default=True)
    paper = c.Choice(("A4", "Letter"), default="A4")
    jobs = c.Optional(c.Type(int))
    cache_dir = c.Optional(c.Type(str))  # default: .cache/sitroom beside mkdocs.yml
    cache = c.Type(bool, default=True)
    latest = c.Type(int, default=20)  # briefings on the home page
    risk_window_days = c.Optional(c.Type(int))  # None: only supersession ages a risk
    feed_size = c.Type(int, default=feeds.DEFAULT_SIZE)


@dataclass
class Overrides:
    """What `sitroom build|serve` options replace in the plugin's mkdocs.yml settings."""

    briefings: Path | None = None
    max_tlp: TLP | None = None
    drafts: bool | None = None
    pdf: bool | None = None
    jobs: int | None = None
    cache_dir: Path | None = None
    cache: bool | None = None
    progress: bool = False
    # Reports the briefings' problems itself (the CLI prints them as `sitroom check` does);
    # the build then fails with a one-line summary.
    report: Callable[[list[Problem]], None] | None = None


# `mkdocs serve` reloads mkdocs.yml (and so new plugin instances) on every rebuild, in its own
# thread; `serve_site` leaves the command-line options here for those instances to find.
_serve_overrides: Overrides | None = None


@dataclass
class BuildReport:
    corpus: Corpus | None = None
    max_tlp: TLP = TLP.CLEAR
    drafts: bool = False
    pdfs: list[Path] = field(default_factory=list)


class SitroomPlugin(BasePlugin[SitroomConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.overrides: Overrides | None = None
        self.report = BuildReport()
        self.root = Path.cwd()
        self.templates = Path("templates")
        self.cache_dir: Path | None = None
        self._generated: set[str] = set()
        self._stash: dict[str, list[str]] = {}
        # Unguessable per build, so no page text can pose as a placeholder.
        self._token = "sitroomraw" + secrets.token_hex(8) + "x"

    # --- hooks ---------------------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        ov = self.overrides or _serve_overrides or Overrides()
        opts = self.config
        self.root = Path(config.config_file_path).parent if config.config_file_path \
            else Path.cwd()
        briefings = ov.briefings or self.root / opts.briefings
        self.templates = self.root / opts.templates
        try:
            max_tlp = ov.max_tlp if ov.max_tlp is not None else parse_max_tlp(opts.max_tlp)
        except ValueError as exc:
            raise PluginError(str(exc)) from None
        if max_tlp is TLP.RED:
            raise PluginError(RED_REFUSED)
        drafts = opts.drafts if ov.drafts is None else ov.drafts
        if ov.pdf is not None:
            opts.pdf = ov.pdf
        if ov.jobs is not None:
            opts.jobs = ov.jobs
        cache = opts.cache if ov.cache is None else ov.cache
        env_cache = os.environ.get(CACHE_ENV)
        self.cache_dir = None if not cache else (
            ov.cache_dir or (self.root / opts.cache_dir if opts.cache_dir else None)
            or (Path(env_cache) if env_cache else self.root / ".cache/sitroom"))

        if not (self.templates / "site").is_dir():
            raise PluginError(f"{self.templates / 'site'}: no such folder; the 'templates' "
                              "option must name the folder holding site/ and shared/")
        if opts.pdf and importlib.util.find_spec("sitroom.pdfbuild") is None:
            raise PluginError("PDF output is not available in this installation; "
                              "build with --no-pdf (or 'pdf: false' in mkdocs.yml)")

        checked = gather([briefings])
        if not checked.ok:
            count = len(checked.errors)
            summary = (f"{count} problem{'s' if count != 1 else ''} in the briefings; "
                       "nothing was built")
            if ov.report is not None:
                ov.report(checked.problems)
                raise PluginError(summary)
            raise PluginError("\n".join([*(p.gnu() for p in checked.problems), summary]))
        if checked.warnings:
            if ov.report is not None:
                ov.report(checked.warnings)
            else:
                for problem in checked.warnings:
                    log.info(problem.gnu())  # not a build warning: --strict must not fail on it
        if not checked.loaded:
            log.warning(f"no briefings in {briefings}: the site lists none")
        self.report = BuildReport(checked.corpus.select(max_tlp, drafts), max_tlp, drafts)

        # `mkdocs serve` then rebuilds on every briefing or template edit.
        for path in (briefings, self.templates):
            if path.exists() and str(path.resolve()) not in config.watch:
                config.watch.append(str(path.resolve()))
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        corpus = self._corpus()
        options = SiteOptions(
            site_name=config.site_name,
            directory_urls=config.use_directory_urls,
            pdf=self.config.pdf,
            feeds=bool(config.site_url),
            latest=self.config.latest,
            risk_window_days=self.config.risk_window_days,
        )
        try:
            pages = render_pages(corpus, self.templates, options)
        except SiteError as exc:
            raise PluginError(str(exc)) from None
        self._generated = {page.path for page in pages}
        for page in pages:
            self._add(files, config, page.path, page.markdown,
                      InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV)

        if not config.site_url:
            log.warning("site_url is not set in mkdocs.yml: the Atom and JSON feeds need "
                        "absolute links, so feed.xml and feed.json were not built")
            return files
        site_url = config.site_url if config.site_url.endswith("/") else config.site_url + "/"
        items = feeds.entries(
            corpus,
            lambda b: urljoin(site_url, page_url(briefing_path(b.id), config.use_directory_urls)),
            (lambda b: urljoin(site_url, pdf_path(b.id))) if self.config.pdf else None,
            self.config.feed_size,
        )
        kwargs: dict[str, Any] = {"title": config.site_name, "site_url": site_url}
        self._add(files, config, "feed.xml",
                  feeds.atom(items, feed_url=urljoin(site_url, "feed.xml"), **kwargs))
        self._add(files, config, "feed.json",
                  feeds.json_feed(items, feed_url=urljoin(site_url, "feed.json"), **kwargs))
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str:
        """Hand a generated page's HTML past Markdown: only its heading lines are Markdown.

        The site templates print every value on one line that never opens with `#`
        (`site.single_line`), so a line starting with `#` is a template's own heading. The rest
        is the HTML the templates and the safe renderer produced; Python-Markdown would only
        pass it through, at the cost of parsing it all (half of a 1,000-briefing build)."""
        if page.file.src_uri not in self._generated:
            return markdown
        out: list[str] = []
        raw: list[str] = []
        stash: list[str] = []

        def flush() -> None:
            if raw:
                out.append(f"\n{self._token}{len(stash)}\n")
                stash.append("\n".join(raw))
                raw.clear()

        for line in markdown.split("\n"):
            if HEADING_LINE.match(line):
                flush()
                out.append(line)
            else:
                raw.append(line)
        flush()
        self._stash[page.file.src_uri] = stash
        return "\n".join(out)

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str:
        stash = self._stash.pop(page.file.src_uri, None)
        if stash is None:
            return html
        html, count = re.subn(rf"<p>{self._token}(\d+)</p>", lambda m: stash[int(m[1])], html)
        if count != len(stash):  # a theme or extension changed our placeholders: say so
            raise PluginError(f"{page.file.src_uri}: {len(stash) - count} generated HTML "
                              "blocks were lost in Markdown; check markdown_extensions")
        return html

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        # The theme's 404.html shows no briefing, so its page marking is CLEAR, drawn as on
        # every generated page.
        env.globals["sitroom_tlp_bar"] = tlp_bar(self.templates, TLP.CLEAR, "This page:")
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        from .search import SearchError, index_site

        try:
            index_site(Path(config.site_dir))
        except SearchError as exc:
            raise PluginError(f"search: {exc}") from None
        corpus = self._corpus()
        if not self.config.pdf or not corpus.briefings:
            return
        from .pdfbuild import PdfBuildError, build_pdfs

        progress = (self.overrides or _serve_overrides or Overrides()).progress
        try:
            self.report.pdfs = build_pdfs(
                corpus, Path(config.site_dir) / "pdf", templates=self.templates,
                jobs=self.config.jobs, cache_dir=self.cache_dir, paper=self.config.paper,
                progress=progress,
            )
        except (PdfBuildError, ValueError) as exc:
            raise PluginError(f"PDF: {exc}") from None

    # --- helpers -------------------------------------------------------------------------------

    def _corpus(self) -> Corpus:
        if self.report.corpus is None:
            raise PluginError("the sitroom plugin ran without its on_config step")
        return self.report.corpus

    @staticmethod
    def _add(files: Files, config: MkDocsConfig, path: str, content: str | bytes,
             inclusion: InclusionLevel = InclusionLevel.UNDEFINED) -> None:
        clash = files.get_file_from_path(path)
        if clash is not None:
            where = clash.abs_src_path or clash.src_uri
            raise PluginError(f"{where}: this file would replace the generated {path}; "
                              "rename or remove it")
        files.append(File.generated(config, path, content=content, inclusion=inclusion))


# --- the entry points of `sitroom build` and `sitroom serve` ------------------------------------


class SiteBuildError(Exception):
    """The build failed; the message says why (details were logged as they happened)."""

    def __init__(self, message: str, target: Path | None = None) -> None:
        super().__init__(message)
        self.target = target  # the site that was left as it was, once known


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {message}"
        return message


@contextmanager
def _mkdocs_logging(level: int) -> Iterator[None]:
    """MkDocs reports through logging; show its warnings (or more) the way `sitroom` speaks."""
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler()
    handler.setFormatter(_Formatter())
    handler.setLevel(level)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(min(level, logging.WARNING))
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def _load(config_file: Path | None, **kwargs: Any) -> tuple[MkDocsConfig, SitroomPlugin]:
    from mkdocs.config import load_config

    if config_file is not None and not config_file.is_file():
        raise SiteBuildError(f"{config_file}: no such file")
    config = load_config(config_file=str(config_file) if config_file else None, **kwargs)
    plugin = next((p for p in config.plugins.values() if isinstance(p, SitroomPlugin)), None)
    if plugin is None:
        raise SiteBuildError(f"{config.config_file_path}: the sitroom plugin is not enabled "
                             "(add '- sitroom' under 'plugins:')")
    return config, plugin


def build_site(config_file: Path | None = None, *, site_dir: Path | None = None,
               site_url: str | None = None, overrides: Overrides | None = None,
               strict: bool = False, verbose: bool = False) -> tuple[Path, BuildReport]:
    """Build the site into a new directory beside the target, then swap it in whole.

    Whatever fails, the site already published at the target is left as it was."""
    from mkdocs.commands.build import build

    with _mkdocs_logging(logging.INFO if verbose else logging.WARNING):
        try:
            config, plugin = _load(config_file, strict=strict or None, site_url=site_url)
        except MkDocsException as exc:
            raise SiteBuildError(exc.format_message()) from None
        target = Path(site_dir or config.site_dir).absolute()
        _refuse_unsafe_target(target, config, plugin, overrides or Overrides())
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        except OSError as exc:
            raise SiteBuildError(f"{target}: cannot build here: {exc.strerror or exc}") from None
        config.site_dir = str(fresh)
        plugin.overrides = overrides or Overrides()
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        except (MkDocsException, SystemExit) as exc:
            shutil.rmtree(fresh, ignore_errors=True)
            message = exc.format_message() if isinstance(exc, MkDocsException) else str(exc)
            if message.startswith("Aborted with a BuildError"):
                message = ""  # MkDocs has logged the cause already; do not say it twice
            raise SiteBuildError(message, target) from None
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        finally:
            config.plugins.on_shutdown()
        (fresh / SITE_MARKER).write_text("Built by sitroom build; replaced whole by the next.\n")
        try:
            _swap_in(fresh, target)
        except OSError as exc:
            shutil.rmtree(fresh, ignore_errors=True)
            raise SiteBuildError(f"{target}: cannot put the new site in place: "
                                 f"{exc.strerror or exc}", target) from None
    return target, plugin.report


# Marks a folder as a site `sitroom build` made, which the next build may replace.
SITE_MARKER = ".sitroom-site"


def _refuse_unsafe_target(target: Path, config: MkDocsConfig, plugin: SitroomPlugin,
                          overrides: Overrides) -> None:
    """The target is replaced whole: it must not hold the project, and if it exists it must be
    a site (ours, or one MkDocs built), never a folder someone pointed --site-dir at by mistake."""
    resolved = target.resolve()
    config_dir = Path(config.config_file_path or ".").resolve().parent
    briefings = overrides.briefings or config_dir / plugin.config.briefings
    keep = [config_dir, Path(config.docs_dir).resolve(),
            (config_dir / plugin.config.templates).resolve(), Path(briefings).resolve()]
    for path in keep:
        if resolved == path or resolved in path.parents:
            raise SiteBuildError(f"{target}: the site folder would replace {path}; "
                                 "choose a folder of its own, e.g. site/")
    if resolved.is_dir() and any(resolved.iterdir()) and not (
        (resolved / SITE_MARKER).exists() or (resolved / "index.html").exists()
    ):
        raise SiteBuildError(f"{target}: this folder is not a built site and the build would "
                             "replace it whole; choose an empty or new folder")


def _swap_in(fresh: Path, target: Path) -> None:
    # mkdtemp makes 0700 directories; a published site must be readable by the web server.
    mode = 0o755 & ~_umask()
    fresh.chmod(mode)
    if not target.exists():
        fresh.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    target.rename(old)  # two renames: the target is missing only for an instant, never half
    try:
        fresh.rename(target)
    except OSError:
        old.rename(target)  # put the published site back before reporting
        raise
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def serve_site(config_file: Path | None = None, *, dev_addr: str | None = None,
               overrides: Overrides | None = None, strict: bool = False,
               livereload: bool = True) -> None:
    """Preview: build into a temporary folder, serve it, rebuild on every watched edit."""
    from mkdocs.commands.serve import serve

    global _serve_overrides
    _serve_overrides = overrides or Overrides()
    with _mkdocs_logging(logging.INFO):
        try:
            if config_file is not None and not config_file.is_file():
                raise SiteBuildError(f"{config_file}: no such file")
            serve(config_file=str(config_file) if config_file else None, dev_addr=dev_addr,
                  strict=strict or None, livereload=livereload)
        except MkDocsException as exc:
            raise SiteBuildError(exc.format_message()) from None
        finally:
            _serve_overrides = None
