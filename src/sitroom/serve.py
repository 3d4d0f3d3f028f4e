"""`sitroom serve`: a preview that helps while writing.

Builds like `sitroom build` (the same staging tree and engine, rebuilding only changed pages)
into a temporary workspace and serves it with MkDocs' live-reload server, rebuilding on every
edit of the briefings, templates, docs or mkdocs.yml. Open tabs reload after every good rebuild.
When a rebuild fails, every page the browser asks for is an error page listing the problems as
path:line:column, which reloads itself once they are fixed: the browser never hangs on a
half-built site. Drafts and briefings in review are shown by default, each under a banner.
The workspace is removed however the preview ends (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import html
import logging
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .driver import BuildReport, Reporter, SiteBuildError, load, make_pdfs, render_site
from .engine import Workspace, mkdocs_logging, theme_chain
from .problems import Problem
from .settings import CommandLine, SettingsError

log = logging.getLogger("mkdocs.sitroom.serve")


class ServeError(Exception):
    """The preview cannot start; the message says why."""


def error_page(problems: Iterable[str], summary: str) -> bytes:
    """The page every request gets while the last build failed."""
    items = "\n".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed: sitroom serve</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}}
h1{{color:#b00020}} li{{margin:.4rem 0}} code{{white-space:pre-wrap;word-break:break-word}}</style>
</head><body>
<h1>The preview could not be rebuilt</h1>
<p>{html.escape(summary)}</p>
<ul id="sitroom-problems">
{items}
</ul>
<p>Fix the problems above and save: this page reloads by itself once the site builds.</p>
</body></html>
""".encode()


class Preview:
    """Builds the preview into `workspace.site`; never raises for a bad briefing or template:
    `failure` holds the error page until a build succeeds."""

    def __init__(self, config_file: Path | None, options: CommandLine, workspace: Workspace,
                 report: Reporter | None, strict: bool) -> None:
        self.config_file = config_file
        self.options = options
        self.workspace = workspace
        self.report = report
        self.strict = strict
        self.failure: bytes | None = None
        self.watched: list[Path] = []
        self.lock = threading.Lock()

    def build(self) -> BuildReport:
        """One build. Raises SettingsError or SiteBuildError only for what no edit of the
        briefings can fix before the preview starts (a wrong option, no mkdocs.yml)."""
        config, plugin, settings = load(self.config_file, self.options, strict=self.strict)
        self.watched = [p for p in (settings.briefings, settings.templates,
                                    Path(config.docs_dir), *theme_chain(config))
                        if p.exists()]
        if config.config_file_path:
            self.watched.append(Path(config.config_file_path))
        result = BuildReport(max_tlp=settings.max_tlp, drafts=settings.drafts)
        problems: list[Problem] = []

        def collect(found: list[Problem]) -> None:
            problems.extend(found)
            if self.report is not None:
                self.report(found)

        try:
            rendered = render_site(config, plugin, settings, self.workspace, result, collect)
            corpus = result.corpus
            shown = {b.id for b in corpus.briefings} if corpus and settings.pdf else set()
            for old in (self.workspace.site / "pdf").glob("*.pdf"):
                if old.stem not in shown:  # the briefing is gone, or no longer shown
                    old.unlink()
            if corpus and shown:
                result.pdfs = make_pdfs(corpus, self.workspace.site / "pdf", settings)
            # Kept, so the next edit rebuilds only the pages that show it (as `sitroom build`).
            self.workspace.save_state(rendered.state)
        except SiteBuildError as exc:
            lines = [p.gnu() for p in problems if p.is_error] or \
                [line for line in str(exc).splitlines() if line] or \
                ["the engine failed; its messages are in the terminal"]
            summary = str(exc).splitlines()[-1] if problems and str(exc) else \
                "The build failed:"
            self.failure = error_page(lines, summary)
            log.error(f"build failed: {summary}; the browser shows the problems")
            return result
        self.failure = None
        if result.left_out:
            log.info(result.left_out)
        return result

    def rebuild(self) -> None:
        with self.lock:
            try:
                self.build()
            except (SettingsError, SiteBuildError) as exc:
                self.failure = error_page([str(exc)], "The configuration is wrong:")
                log.error(str(exc))


def _server(preview: Preview, host: str, port: int) -> Any:
    from mkdocs.livereload import LiveReloadServer

    class Server(LiveReloadServer):
        def _serve_request(self, environ: dict[str, Any],
                           start_response: Callable[..., Any]) -> Iterable[bytes] | None:
            path = environ["PATH_INFO"]
            failure = preview.failure
            if failure is not None and not path.startswith("/livereload/") and (
                path.endswith(("/", ".html")) or "." not in path.rsplit("/", 1)[-1]
            ):
                with self._epoch_cond:
                    epoch = self._visible_epoch
                page = self._inject_js_into_html(failure, epoch)
                start_response("500 Internal Server Error", [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(page))), ("Cache-Control", "no-store")])
                return [page]
            result: Iterable[bytes] | None = super()._serve_request(environ, start_response)
            return result

    return Server(builder=preview.rebuild, host=host, port=port,
                  root=str(preview.workspace.site))


def serve_site(config_file: Path | None = None, *, dev_addr: str | None = None,
               options: CommandLine | None = None, report: Reporter | None = None,
               strict: bool = False) -> None:
    """Build, serve, rebuild on every edit, until interrupted. Raises SettingsError, ServeError.
    """
    options = options or CommandLine(preview=True)
    workspace = Workspace(Path(tempfile.mkdtemp(prefix="sitroom-serve-")), temporary=True)
    server = None
    try:
        with mkdocs_logging(logging.INFO):
            preview = Preview(config_file, options, workspace, report, strict)
            try:
                preview.build()
                config, _, _ = load(config_file, options)
            except SiteBuildError as exc:
                raise ServeError(str(exc)) from None
            address = dev_addr or f"{config.dev_addr.host}:{config.dev_addr.port}"
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit():
                raise ServeError(f"--dev-addr: '{address}' is not IP:PORT")
            workspace.site.mkdir(parents=True, exist_ok=True)
            server = _server(preview, host, int(port))
            for path in preview.watched:
                server.watch(str(path))
            try:
                server.serve()
            except OSError as exc:
                raise ServeError(f"cannot serve on {address}: {exc.strerror or exc}") from None
    finally:
        if server is not None:
            server.shutdown()
        workspace.remove()

