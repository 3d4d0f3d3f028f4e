"""A team's templates/ overrides the package's defaults file by file: site pages, print HTML
and CSS, PDF assets (through the fetcher, still nothing else) and the theme (custom_dir)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import REPO, briefing_data, build_site_cli, write_briefings
from sitroom.corpus import gather
from sitroom.resources import TemplateChain, default_templates
from sitroom.site import render_pages

Run = Callable[..., Result]
DEFAULTS = REPO / "templates"


def test_defaults_are_the_checkout_templates_here() -> None:
    assert default_templates() == DEFAULTS
    assert TemplateChain.for_project(DEFAULTS).folders == (DEFAULTS,)
    assert TemplateChain.for_project(Path("/no/such/folder")).folders == (DEFAULTS,)


def test_one_site_template_overridden(tmp_path: Path) -> None:
    team = tmp_path / "templates"
    (team / "site").mkdir(parents=True)
    home = (DEFAULTS / "site" / "home.md.j2").read_text()
    (team / "site" / "home.md.j2").write_text('<p class="team-banner">Ops desk</p>\n' + home)
    write_briefings(tmp_path / "b", [briefing_data("chain-one")])
    checked = gather([tmp_path / "b"])
    pages = {p.path: p.markdown for p in render_pages(checked.corpus,
                                                      TemplateChain.for_project(team))}
    assert '<p class="team-banner">Ops desk</p>' in pages["index.md"]
    assert "team-banner" not in pages["archive/index.md"]  # the default archive template
    assert "chain-one" in pages["archive/index.md"]


def test_pdf_assets_come_through_the_chain_and_nothing_else(tmp_path: Path) -> None:
    from sitroom import pdf

    team = tmp_path / "templates"
    (team / "pdf").mkdir(parents=True)
    (team / "pdf" / "extra.css").write_text("p { color: #123456 }\n")
    outside = tmp_path / "secret.css"
    outside.write_text("secret")
    (team / "pdf" / "link.css").symlink_to(outside)
    chain = TemplateChain.for_project(team)
    fetcher = pdf.AssetFetcher(chain)
    # The team's own file, and the defaults' print.css asked for at the team's path.
    assert fetcher.fetch((team / "pdf" / "extra.css").as_uri()).read() == b"p { color: #123456 }\n"
    css = fetcher.fetch((team / "pdf" / "print.css").as_uri()).read()
    assert css == (DEFAULTS / "pdf" / "print.css").read_bytes()
    for url in [(team / "pdf" / "link.css").as_uri(),
                (team / "pdf").as_uri() + "/../secret.css",
                (DEFAULTS / "pdf").as_uri() + "/../../pyproject.toml",
                outside.as_uri()]:
        with pytest.raises(PermissionError):
            fetcher.fetch(url)
    # Fonts: the defaults' files, the team having none of its own.
    assert [p.parent for p in pdf.font_files(chain)] == \
        [DEFAULTS / "pdf" / "fonts"] * len(pdf.font_files(chain))


def test_a_team_print_stylesheet_changes_the_pdf(tmp_path: Path, sitroom: Run) -> None:
    from pypdf import PdfReader

    team = tmp_path / "templates"
    (team / "pdf").mkdir(parents=True)
    css = (DEFAULTS / "pdf" / "print.css").read_text()
    (team / "pdf" / "print.css").write_text(css + "\nh1 { text-transform: uppercase; }\n")
    example = REPO / "briefings" / "2024" / "2024-08-06-ain-al-asad-rocket-attack.yaml"
    result = sitroom("pdf", example, "-o", tmp_path / "team.pdf", "--templates", team)
    assert result.exit_code == 0, result.stderr
    text = PdfReader(tmp_path / "team.pdf").pages[0].extract_text()
    assert "ROCKET ATTACK ON AIN AL-ASAD" in " ".join(text.split())


def test_theme_and_stylesheet_from_the_chain(tmp_path: Path, sitroom: Run) -> None:
    """A team repository's mkdocs.yml names neither custom_dir nor extra_css nor font: the
    plugin adds Sitroom's theme overrides and stylesheet behind the team's own files."""
    repo = tmp_path / "desk"
    assert sitroom("init", repo, cwd=tmp_path).exit_code == 0
    theme = repo / "templates" / "site" / "theme" / "stylesheets"
    theme.mkdir(parents=True)
    ours = (DEFAULTS / "site" / "theme" / "stylesheets" / "sitroom.css").read_text()
    theme.joinpath("sitroom.css").write_text(ours + "\n.team-rule { color: red; }\n")
    shutil.rmtree(repo / "briefings")
    write_briefings(repo / "briefings", [briefing_data("theme-one")])
    site = tmp_path / "site"
    build_site_cli(site, "--no-pdf", config=repo / "mkdocs.yml")
    home = (site / "index.html").read_text()
    assert 'href="stylesheets/sitroom.css"' in home
    assert "fonts.googleapis.com" not in home
    built = (site / "stylesheets" / "sitroom.css").read_text()
    assert ".team-rule" in built and ".tlp-bar" in built
    # The package's theme override (main.html) is in use: its feed discovery links.
    assert 'type="application/atom+xml"' in home
