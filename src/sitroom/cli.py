"""The `sitroom` command. Thin: parse options, call the core, turn failures into clean messages."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from . import __version__
from .corpus import Checked, gather
from .models import slugify
from .problems import Problem

DEFAULT_BRIEFINGS = Path("briefings")


def report(problems: list[Problem], fmt: str = "gnu") -> None:
    for problem in problems:
        click.echo(problem.github() if fmt == "github" else problem.gnu())


def summary(checked: Checked) -> str:
    files = len(checked.loaded)
    noun = "briefing" if files == 1 else "briefings"
    if checked.ok:
        return f"{files} {noun} checked, no problems"
    bad = len({p.path for p in checked.problems})
    count = len(checked.problems)
    return (f"{count} problem{'s' if count != 1 else ''} in {bad} file{'s' if bad != 1 else ''} "
            f"({files} {noun} checked)")


def check_or_exit(paths: list[Path], fmt: str = "gnu") -> Checked:
    """Shared by every command that reads briefings: nothing is built from a bad corpus."""
    checked = gather(paths)
    if not checked.ok:
        report(checked.problems, fmt)
        click.echo(summary(checked), err=True)
        sys.exit(1)
    return checked


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitroom")
def main() -> None:
    """Validate briefings and publish them as a site and PDF situation reports."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["gnu", "github"]), default="gnu",
              show_default=True, help="gnu: path:line:column: message; github: Actions annotations.")
def check(paths: tuple[Path, ...], fmt: str) -> None:
    """Check briefings (files or folders; default: briefings/).

    Exit status: 0 when all is well, 1 when any briefing has a problem, 2 for a usage error.
    """
    checked = check_or_exit(list(paths) or [DEFAULT_BRIEFINGS], fmt)
    if not checked.loaded:
        click.echo(f"no briefings found in {', '.join(map(str, paths or [DEFAULT_BRIEFINGS]))}",
                   err=True)
        sys.exit(1)
    click.echo(summary(checked), err=True)


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
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False),
              default=Path("templates"), show_default=True, help="Templates folder.")
def new(title: str, day: object, folder: Path, templates: Path) -> None:
    """Write a ready-to-fill briefing at briefings/YYYY/YYYY-MM-DD-slug.yaml."""
    from .newbriefing import write_new

    when = day.date() if day is not None else date.today()  # type: ignore[attr-defined]
    slug = slugify(title, limit=80)
    if not slug:
        raise click.UsageError("the title needs at least one letter or digit (a-z, 0-9) to "
                               "make the file name")
    try:
        path = write_new(title, when, folder, templates)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc.filename} already exists; choose another title") \
            from None
    click.echo(path)
    click.echo(f"Fill in every TODO, then run: sitroom check {path}", err=True)
