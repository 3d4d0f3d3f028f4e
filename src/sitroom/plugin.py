"""The `sitroom` MkDocs plugin: hooks only, each a thin adapter over the same page generation.

The only module besides `engine` that imports MkDocs. Run by `mkdocs build` or `mkdocs serve`,
it does the whole job in the manner of mkdocs-gen-files: `on_config` resolves the settings and
checks the briefings, `on_files` adds the generated pages and feeds (`pages.generate`) as
virtual files, `on_post_build` writes the PDFs and the search index. Run by `sitroom build`
(`driver`), the pages are already files in the staging docs tree (`prepared`), and the hooks only
adapt them. Either way, a generated page's HTML is handed past Markdown (`on_page_markdown`).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import secrets
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import feeds
from .corpus import Corpus
from .pages import SiteInfo, generate, left_out
from .settings import Settings, SettingsError, resolve
from .site import HEADING_LINE, SiteError, tlp_bar
from .theme import PDF_EXTRA, apply_site_defaults
from .vocab import TLP

log = logging.getLogger("mkdocs.plugins.sitroom")


class SitroomConfig(base.Config):
    # Typed here; checked, with the command line's values, in `settings.resolve`.
    briefings = c.Type(str, default="briefings")  # relative to mkdocs.yml
    templates = c.Type(str, default="templates")  # relative to mkdocs.yml
    max_tlp = c.Type(str, default="CLEAR")
    drafts = c.Type(bool, default=False)
    pdf = c.Type(bool, default=True)
    paper = c.Type(str, default="A4")
    jobs = c.Optional(c.Type(int))
    cache_dir = c.Optional(c.Type(str))  # default: .cache/sitroom beside mkdocs.yml
    cache = c.Type(bool, default=True)
    latest = c.Type(int, default=20)  # briefings on the home page
    risk_window_days = c.Optional(c.Type(int))  # None: only supersession ages a risk
    feed_size = c.Type(int, default=feeds.DEFAULT_SIZE)
    engine = c.Type(str, default="mkdocs")  # what `sitroom build` runs: mkdocs or zensical


class SitroomPlugin(BasePlugin[SitroomConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        # Set by `sitroom build` for the build it runs: the generated files are already in the
        # docs tree (path -> whether a page may be in the nav; None: not a page).
        self.prepared: dict[str, bool | None] | None = None
        self.settings: Settings | None = None
        self.corpus: Corpus | None = None
        self._generated: set[str] = set()
        self._stash: dict[str, list[str]] = {}
        # Unguessable per build, so no page text can pose as a placeholder.
        self._token = "sitroomraw" + secrets.token_hex(8) + "x"

    # --- hooks ---------------------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        from .driver import SiteBuildError, checked_corpus

        root = Path(config.config_file_path).parent if config.config_file_path \
            else Path.cwd()
        if self.prepared is not None and self.settings is not None:
            # `sitroom build` resolved them with its command line: mkdocs.yml alone may hold a
            # value the command line replaced.
            settings = self.settings
        else:
            try:
                settings = resolve(self.config, root)
            except SettingsError as exc:
                raise PluginError(str(exc)) from None
        # A team's templates/ is optional and overrides the package's defaults file by file;
        # `sitroom build` (pages `prepared` on disk) needs the theme and stylesheet as much.
        apply_site_defaults(config, settings.template_chain)
        if self.prepared is not None:
            self._generated = {p for p, in_nav in self.prepared.items() if in_nav is not None}
            return config
        if settings.pdf and importlib.util.find_spec("weasyprint") is None:
            raise PluginError(PDF_EXTRA)
        try:
            everything, self.corpus = checked_corpus(settings, None)
        except SiteBuildError as exc:
            raise PluginError(str(exc)) from None
        if not everything.briefings:
            log.warning(f"no briefings in {settings.briefings}: the site lists none")
        message = left_out(everything, self.corpus, settings)
        if message:
            log.info(message)
        self.settings = settings

        # `mkdocs serve` then rebuilds on every briefing or template edit.
        for path in (settings.briefings, settings.templates):
            if path.exists() and str(path.resolve()) not in config.watch:
                config.watch.append(str(path.resolve()))
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if self.prepared is not None:
            # In the order `mkdocs build` adds them, so both ways make the same site (the
            # search index lists pages in this order).
            own = [f for f in files if f.src_uri not in self.prepared]
            made = {f.src_uri: f for f in files if f.src_uri in self.prepared}
            for path, in_nav in self.prepared.items():
                if in_nav is False:
                    made[path].inclusion = InclusionLevel.NOT_IN_NAV
            return Files(own + [made[path] for path in self.prepared if path in made])
        corpus, settings = self._corpus()
        site = SiteInfo(config.site_name, config.site_url, config.use_directory_urls)
        try:
            generated = generate(corpus, settings, site)
        except SiteError as exc:
            raise PluginError(str(exc)) from None
        for notice in generated.notices:
            log.warning(notice)
        self._generated = set(generated.pages)
        for out in generated.outputs:
            inclusion = InclusionLevel.NOT_IN_NAV if out.page and not out.in_nav \
                else InclusionLevel.UNDEFINED
            content: str | bytes = out.content.decode("utf-8") if out.page else out.content
            self._add(files, config, out.path, content, inclusion)
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

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        env.globals["sitroom_tlp_bar"] = self.page_marking(config)
        return env

    def page_marking(self, config: MkDocsConfig) -> Markup:
        """The theme's 404.html shows no briefing, so its page marking is CLEAR, drawn as on
        every generated page."""
        settings = self.settings
        if settings is None:  # neither on_config nor `sitroom build` has set them yet
            root = Path(config.config_file_path).parent if config.config_file_path \
                else Path.cwd()
            settings = resolve(self.config, root)
        return tlp_bar(settings.template_chain, TLP.CLEAR, "This page:")

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.prepared is not None:
            return  # `sitroom build` writes the PDFs and the index into the published copy
        from .driver import SiteBuildError, index_search, make_pdfs

        corpus, settings = self._corpus()
        try:
            index_search(Path(config.site_dir))
            if settings.pdf and corpus.briefings:
                make_pdfs(corpus, Path(config.site_dir) / "pdf", settings)
        except SiteBuildError as exc:
            raise PluginError(str(exc)) from None

    # --- helpers -------------------------------------------------------------------------------

    def _corpus(self) -> tuple[Corpus, Settings]:
        if self.corpus is None or self.settings is None:
            raise PluginError("the sitroom plugin ran without its on_config step")
        return self.corpus, self.settings

    @staticmethod
    def _add(files: Files, config: MkDocsConfig, path: str, content: str | bytes,
             inclusion: InclusionLevel = InclusionLevel.UNDEFINED) -> None:
        clash = files.get_file_from_path(path)
        if clash is not None:
            where = clash.abs_src_path or clash.src_uri
            raise PluginError(f"{where}: this file would replace the generated {path}; "
                              "rename or remove it")
        files.append(File.generated(config, path, content=content, inclusion=inclusion))
