"""The `sitroom` command. Thin: parse options, call the core, turn failures into clean messages."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from . import __version__
from .corpus import Checked, gather
from .models import slugify
from .problems import Problem

if TYPE_CHECKING:
    from .pdfbuild import Shard
    from .resources import TemplateChain
    from .settings import CommandLine, SettingsError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_BRIEFINGS = Path("briefings")
TITLE_MAX = 200  # as the format allows


def report(problems: list[Problem], fmt: str = "gnu") -> None:
    for problem in problems:
        click.echo(problem.github() if fmt == "github" else problem.gnu())


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary(checked: Checked, strict: bool = False) -> str:
    files = len(checked.loaded)
    checked_part = _count(files, "briefing") + " checked"
    failing = checked.problems if strict else checked.errors
    warnings = [] if strict else checked.warnings
    if not failing and not warnings:
        return f"{checked_part}, no problems"
    parts = []
    if failing:
        bad = len({p.path for p in failing})
        parts.append(f"{_count(len(failing), 'problem')} in {_count(bad, 'file')}")
    if warnings:
        parts.append(_count(len(warnings), "warning"))
    if not failing:
        return f"{checked_part}, " + " and ".join(parts)
    return " and ".join(parts) + f" ({checked_part})"


def only(checked: Checked, paths: list[Path]) -> Checked:
    """`checked` narrowed to the files at or under `paths`, whatever else the corpus held."""
    roots = [p.resolve() for p in paths]

    def wanted(path: str) -> bool:
        real = Path(path).resolve()
        return any(real.is_relative_to(root) for root in roots)

    return Checked(checked.corpus, [item for item in checked.loaded if wanted(item.path)],
                   [p for p in checked.problems if wanted(p.path)])


def template_chain(templates: Path) -> TemplateChain:
    """The project's templates folder before the package's defaults. The default folder is
    optional; one named on the command line must exist (a typo must not pass unnoticed)."""
    from .resources import TemplateChain

    source = click.get_current_context().get_parameter_source("templates")
    if source is not click.core.ParameterSource.DEFAULT and not templates.is_dir():
        raise click.BadParameter(f"{templates}: no such folder", param_hint="'--templates'")
    return TemplateChain.for_project(templates)


def require(extra: str, *modules: str) -> None:
    """Stop with the pip command to run when an optional part of Sitroom is not installed."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise click.ClickException(
            f"this needs Sitroom's '{extra}' extra ({', '.join(missing)} is not installed): "
            f"pip install 'sitroom[{extra}]'")


def check_or_exit(paths: list[Path], fmt: str = "gnu", strict: bool = False,
                  against: Path | None = None) -> Checked:
    """Shared by every command that reads briefings: nothing is built from a bad corpus.

    Warnings are printed and let the command go on, unless `strict` makes them errors.
    With `against`, every briefing there is read too (ids must be unique and references
    resolve across all of them) but only the problems of `paths` count."""
    if against is None:
        checked = gather(paths)
    else:
        inside = against.resolve()
        extra = [p for p in paths if not p.resolve().is_relative_to(inside)]
        checked = only(gather([against, *extra]), paths)
    failed = bool(checked.problems) if strict else not checked.ok
    if failed:
        report(checked.problems, fmt)
        click.echo(summary(checked, strict), err=True)
        sys.exit(1)
    report(checked.warnings, fmt)
    return checked


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitroom")
def main() -> None:
    """Validate briefings and publish them as a site and PDF situation reports."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["gnu", "github"]), default="gnu",
              show_default=True,
              help="gnu: path:line:column: message; github: GitHub Actions annotations.")
@click.option("--strict", is_flag=True, help="Treat warnings as problems (exit 1).")
@click.option("--against", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, metavar="FOLDER",
              help="Read every briefing in FOLDER too, so ids and references resolve across "
              "all of them, but report only the problems of the named files (the pre-commit "
              "hook: unfinished work elsewhere does not block a commit).")
def check(paths: tuple[Path, ...], fmt: str, strict: bool, against: Path | None) -> None:
    """Check briefings (files or folders; default: briefings/).

    Every problem is printed as path:line:column: message, warnings as
    path:line:column: warning: message. Exit status: 0 when all is well (warnings allowed),
    1 when any briefing has a problem (or a warning, with --strict), 2 for a usage error.
    """
    targets = list(paths) or [DEFAULT_BRIEFINGS]
    if not paths and not DEFAULT_BRIEFINGS.is_dir():
        raise click.UsageError(f"no {DEFAULT_BRIEFINGS}/ folder here; run sitroom check in the "
                               "project folder, or name the files or folders to check")
    if against is not None and not paths:
        raise click.UsageError("--against needs the files to check")
    checked = check_or_exit(targets, fmt, strict, against)
    if not checked.loaded:
        raise click.UsageError("no briefing files (*.yaml, *.yml) in "
                               + ", ".join(str(p) for p in targets))
    click.echo(summary(checked, strict), err=True)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the briefing format."""
    from .schema import schema_json

    click.echo(schema_json(), nl=False)


@main.command()
@click.argument("title")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Publication date (default: today).")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=DEFAULT_BRIEFINGS,
              show_default=True, help="Briefings folder.")
@click.option("--slug", default=None,
              help="The file name's part after the date (default: made from the title).")
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False),
              default=Path("templates"), show_default=True,
              help="The project's templates folder, if any: its new-briefing.yaml.j2 replaces "
              "the package's.")
def new(title: str, day: object, folder: Path, slug: str | None, templates: Path) -> None:
    """Write a ready-to-fill briefing at briefings/YYYY/YYYY-MM-DD-slug.yaml."""
    from .newbriefing import slug_problem, write_new

    when = day.date() if day is not None else date.today()  # type: ignore[attr-defined]
    if not slugify(title):
        raise click.UsageError("the title needs at least one letter or digit (a-z, 0-9) to "
                               "make the file name")
    if len(title) > TITLE_MAX:
        raise click.UsageError(f"the title is {len(title)} characters long; a briefing title "
                               f"has at most {TITLE_MAX}")
    if slug is not None and (problem := slug_problem(slug)):
        raise click.BadParameter(problem, param_hint="'--slug'")
    try:
        path = write_new(title, when, folder, template_chain(templates), slug)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc.filename} already exists; choose another title") \
            from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the briefing: {exc.strerror or exc}") \
            from None
    click.echo(path)
    click.echo(f"Fill in every TODO, then run: sitroom check {path}", err=True)


@main.command("init")
@click.argument("folder", default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--name", "site_name", default=None,
              help="The site's name (default: made from the folder's name).")
@click.option("--force", is_flag=True, help="Replace files that already exist.")
def init_command(folder: Path, site_name: str | None, force: bool) -> None:
    """Set up a briefings repository in FOLDER (default: here).

    Writes mkdocs.yml with the sitroom plugin, an example briefing, GitHub workflows (check and
    build on pull requests, publish on main), a pre-commit hook, editor settings that give
    every file under briefings/ the schema, a README and .gitignore. Files that exist are left
    alone and listed (exit 1) unless --force.
    """
    from .init import InitError, scaffold, write_repository

    name = site_name or folder.resolve().name.replace("-", " ").replace("_", " ").strip().title()
    try:
        written = write_repository(folder, scaffold(name or "Briefings"), force)
    except InitError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(path)
    click.echo(f"Next: cd {folder} && sitroom check && sitroom serve", err=True)


# --- build and serve: the site (MkDocs is imported only when these run) -------------------------


def _max_tlp_option(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
    if value is None:
        return None
    from .settings import parse_max_tlp

    try:
        return parse_max_tlp(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command("diff")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--git", "base", metavar="BASE", default=None,
              help="Compare the briefings changed between commit BASE and the working tree "
              "(PATHS narrow it; default: briefings/).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True, help="markdown: for a pull-request comment; json: for tools.")
@click.option("--max-tlp", callback=_max_tlp_option, default=None, metavar="LEVEL",
              help="Highest marking whose content is shown (default CLEAR); above it only "
              "'changed (TLP:AMBER): not shown here'.")
@click.option("--post-comment", is_flag=True,
              help="Also post the Markdown as the pull request's analytic-diff comment, "
              "editing the earlier one (in GitHub Actions: GITHUB_TOKEN, GITHUB_EVENT_PATH).")
def diff_command(paths: tuple[Path, ...], base: str | None, fmt: str, max_tlp: object,
                 post_comment: bool) -> None:
    """Show what changed between two versions of briefings, in analytic terms.

    OLD NEW: two files, or two folders. --git BASE: the briefings changed since BASE. Key
    judgments and risks are matched by id, else by their text. Exit status: 0 when compared,
    1 when a briefing could not be read (its problems go to stderr), 2 for a usage error.
    """
    from .diff import DiffUsageError, diff_git, diff_paths, to_json, to_markdown
    from .vocab import TLP

    ceiling = max_tlp if isinstance(max_tlp, TLP) else TLP.CLEAR
    try:
        if base is not None:
            default = [DEFAULT_BRIEFINGS] if DEFAULT_BRIEFINGS.is_dir() else []
            result = diff_git(base, list(paths) or default, ceiling)
        elif len(paths) == 2:
            result = diff_paths(paths[0], paths[1], ceiling)
        else:
            raise click.UsageError("give two files or folders to compare (OLD NEW), or --git "
                                   "BASE")
    except DiffUsageError as exc:
        raise click.UsageError(str(exc)) from None
    markdown = to_markdown(result, ceiling)
    click.echo(to_json(result) if fmt == "json" else markdown, nl=False)
    for problem in result.problems:
        click.echo(problem.gnu(), err=True)
    if post_comment:
        from .prcomment import CommentError, post, target_from_env

        try:
            done, url = post(markdown, target_from_env())
        except CommentError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        click.echo(f"comment {done}: {url}", err=True)
    if result.problems:
        sys.exit(1)


def _site_options(func: F) -> F:
    """Options shared by `build` and `serve`: what to publish, and how. Values are checked once,
    with mkdocs.yml's, by `settings.resolve`."""
    options = [
        click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
                     default=Path("mkdocs.yml"), show_default=True,
                     help="MkDocs configuration with the sitroom plugin."),
        click.option("--briefings", type=click.Path(path_type=Path, file_okay=False),
                     default=None, help="Briefings folder (default: the plugin's 'briefings' "
                     "option, briefings/)."),
        click.option("--max-tlp", default=None, metavar="LEVEL",
                     help="Highest marking to publish: CLEAR (the default, for public sites), "
                     "GREEN, AMBER or AMBER+STRICT. RED is never published."),
        click.option("--drafts/--no-drafts", default=None,
                     help="Also publish briefings in status draft and review (default: no for "
                     "build, yes for serve)."),
        click.option("--pdf/--no-pdf", default=None,
                     help="Render the PDF situation reports (default: yes)."),
        click.option("--paper", type=click.Choice(["A4", "Letter"], case_sensitive=False),
                     default=None, help="Paper size of the PDFs (default: the plugin's "
                     "'paper' option, A4)."),
        click.option("--jobs", type=click.IntRange(min=1), default=None,
                     help="PDFs rendered in parallel (default: one per CPU)."),
        click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
                     default=None, help="PDF cache and incremental build state (default: "
                     ".cache/sitroom beside the configuration)."),
        click.option("--no-cache", is_flag=True,
                     help="Render every PDF and page afresh, keeping nothing for next time."),
        click.option("--strict", is_flag=True,
                     help="Fail on any MkDocs warning (broken links and the like)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _command_line(briefings: Path | None, max_tlp: str | None, drafts: bool | None,
                  pdf: bool | None, jobs: int | None, cache_dir: Path | None, no_cache: bool,
                  engine: str | None = None, preview: bool = False,
                  paper: str | None = None) -> CommandLine:
    from .settings import CommandLine

    return CommandLine(
        briefings=briefings.absolute() if briefings else None,
        max_tlp=max_tlp,
        drafts=drafts,
        pdf=pdf,
        paper=paper,
        jobs=jobs,
        cache_dir=cache_dir.absolute() if cache_dir else None,
        cache=False if no_cache else None,
        engine=engine,
        progress=sys.stderr.isatty(),
        preview=preview,
    )


def _settings_failed(exc: SettingsError) -> NoReturn:
    if exc.usage:
        raise click.BadParameter(exc.message, param_hint=f"'{exc.option}'")
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


def _stop_on_sigterm() -> None:
    """SIGTERM ends a build or preview the way Ctrl-C does: every `finally` runs, so no
    temporary folder is left behind."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _shard_option(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
    from .pdfbuild import Shard

    try:
        return None if value is None else Shard.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _build_shard(config_file: Path, shard: Shard, options: CommandLine) -> None:
    from .driver import SiteBuildError
    from .settings import SettingsError
    from .shard import render_shard

    try:
        result = render_shard(config_file, shard, options)
    except SettingsError as exc:
        _settings_failed(exc)
    except SiteBuildError as exc:
        click.echo(f"error: {exc}", err=True)
        click.echo(f"sitroom build --shard {shard} failed", err=True)
        sys.exit(1)
    click.echo(f"shard {shard}: {_count(len(result), 'PDF')} ({len(result.rendered)} rendered, "
               f"{len(result.cached)} from the cache)", err=True)


@main.command()
@_site_options
@click.option("--engine", default=None, metavar="NAME",
              help="What builds the pages: mkdocs (the default) or zensical (pip install "
              "'sitroom[zensical]').")
@click.option("--site-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where to publish (default: site_dir of the configuration, site/).")
@click.option("--site-url", default=None, metavar="URL",
              help="Address the site is published at, for the feeds and the sitemap "
              "(default: site_url of the configuration).")
@click.option("-v", "--verbose", is_flag=True, help="Show MkDocs' progress messages.")
@click.option("--shard", callback=_shard_option, default=None, metavar="I/N",
              help="Only render share I of N of the PDFs into the PDF cache, and build no "
              "site (one CI job of N); a build after all N finds every PDF cached.")
def build(config_file: Path, briefings: Path | None, max_tlp: str | None, drafts: bool | None,
          pdf: bool | None, paper: str | None, jobs: int | None, cache_dir: Path | None,
          no_cache: bool, strict: bool, engine: str | None, site_dir: Path | None,
          site_url: str | None, verbose: bool, shard: Shard | None) -> None:
    """Check the briefings, then build the site and its PDFs (default: into site/).

    The site is built in a new folder beside the target and swapped in whole, so a failed build
    leaves the published site as it was; a page whose content did not change is not rebuilt.
    Two builds into one folder do not run at once: the second stops with a message.
    Exit status: 0 when built, 1 on any problem, 2 for a wrong option.
    """
    require("site", "mkdocs", "material", "pagefind_bin")
    from .driver import SiteBuildError, build_site
    from .settings import SettingsError

    _stop_on_sigterm()
    options = _command_line(briefings, max_tlp, drafts, pdf, jobs, cache_dir, no_cache, engine,
                            paper=paper)
    if shard is not None:
        _build_shard(config_file, shard, options)
        return
    try:
        target, result = build_site(config_file, site_dir=site_dir, site_url=site_url,
                                    options=options, report=report, strict=strict,
                                    verbose=verbose)
    except SettingsError as exc:
        _settings_failed(exc)
    except SiteBuildError as exc:
        if str(exc):
            click.echo(f"error: {exc}", err=True)
        outcome = f"{exc.target} was left as it was" if exc.target else "nothing was changed"
        click.echo(f"sitroom build failed; {outcome}", err=True)
        sys.exit(1)
    if result.left_out:
        click.echo(result.left_out, err=True)
    count = len(result.corpus.briefings) if result.corpus else 0
    scope = "published and draft" if result.drafts else "published"
    unchanged = " (unchanged)" if result.mode == "unchanged" else ""
    click.echo(f"{count} {scope} briefing{'s' if count != 1 else ''} up to {result.max_tlp.label}"
               f", {len(result.pdfs)} PDF{'s' if len(result.pdfs) != 1 else ''}: {target}"
               f"{unchanged}", err=True)


@main.command()
@_site_options
@click.option("-a", "--dev-addr", default=None, metavar="IP:PORT",
              help="Address to serve on (default: dev_addr of the configuration, "
              "127.0.0.1:8000).")
def serve(config_file: Path, briefings: Path | None, max_tlp: str | None, drafts: bool | None,
          pdf: bool | None, paper: str | None, jobs: int | None, cache_dir: Path | None,
          no_cache: bool, strict: bool, dev_addr: str | None) -> None:
    """Preview the site, rebuilt on every briefing, template or docs edit.

    Drafts and briefings in review are shown, each under a banner (--no-drafts hides them).
    A build that fails shows its problems in the browser, which reloads once they are fixed.
    Nothing is written to the site folder: the preview lives in a temporary folder.
    """
    require("site", "mkdocs", "material", "pagefind_bin")
    from .serve import ServeError, serve_site
    from .settings import SettingsError

    _stop_on_sigterm()
    options = _command_line(briefings, max_tlp, drafts, pdf, jobs, cache_dir, no_cache,
                            preview=True, paper=paper)
    try:
        serve_site(config_file, dev_addr=dev_addr, options=options, report=report,
                   strict=strict)
    except SettingsError as exc:
        _settings_failed(exc)
    except ServeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("preview stopped", err=True)


# --- pdf: one briefing's situation report (WeasyPrint is imported only when it runs) ------------


def _briefings_tree(path: Path) -> Path:
    """What to check with a briefing so the briefings it names resolve and print by title: the
    nearest enclosing briefings/ folder, or the file alone when it is not in one (never the
    current folder, which may hold anything)."""
    resolved = path.resolve()
    for parent in resolved.parents:
        if parent.name == DEFAULT_BRIEFINGS.name:
            return parent
    return resolved


@main.command("pdf")
@click.argument("briefing", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PDF (default: ID.pdf in the current folder).")
@click.option("--paper", type=click.Choice(["A4", "Letter"], case_sensitive=False),
              default="A4", show_default=True, help="Paper size.")
@click.option("--pdf-variant", "variant", default=None,
              type=click.Choice(["pdf/a-3u", "pdf/ua-1"], case_sensitive=False),
              help="pdf/a-3u: PDF/A-3u for archives; pdf/ua-1: tagged PDF/UA-1 for screen "
              "readers (default: a plain PDF).")
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False),
              default=Path("templates"), show_default=True,
              help="The project's templates folder, if any: its files replace the package's "
              "of the same name.")
def pdf_command(briefing: Path, output: Path | None, paper: str, variant: str | None,
                templates: Path) -> None:
    """Render one briefing as a PDF situation report.

    The briefing is checked first, together with the other briefings of its briefings/ folder
    so that related and superseded briefings print by title; any problem is reported as
    path:line:column: message and nothing is written. Exit status: 0 when written, 1 on a
    problem, 2 for a usage error.
    """
    require("pdf", "weasyprint")
    from .pdfbuild import PdfBuildError, build_pdf
    from .printopts import PrintOptions

    options = PrintOptions(template_chain(templates), paper, variant)
    checked = check_or_exit([_briefings_tree(briefing)])
    target = briefing.resolve()
    loaded = next((item for item in checked.loaded
                   if Path(item.path).resolve() == target and item.briefing), None)
    if loaded is None or loaded.briefing is None:  # not a .yaml/.yml file, so never loaded
        raise click.UsageError(f"{briefing} is not a briefing (*.yaml or *.yml)")
    out = output if output is not None else Path(f"{loaded.briefing.id}.pdf")
    if out.resolve() == target:
        raise click.UsageError("the output would overwrite the briefing; choose another -o")
    try:
        build_pdf(checked.corpus, loaded.briefing.id, out, options)
    except PdfBuildError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(out)
    if loaded.briefing.tlp > loaded.briefing.tlp.CLEAR:
        click.echo(f"marked {loaded.briefing.tlp.label}: share it only as that marking allows",
                   err=True)
