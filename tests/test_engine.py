"""`sitroom build` as an incremental engine: pages as files, rebuilt only where they changed."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, SITE_CONFIG, briefing_data, write_briefings
from sitroom.driver import BuildReport, build_site
from sitroom.settings import CommandLine, SettingsError


def engine_config(folder: Path, briefings: Path, templates: Path = REPO / "templates",
                  **plugin: Any) -> Path:
    """The repository's mkdocs.yml with absolute paths and without Material's own search (whose
    index only ever holds the pages a build rendered, so it makes every build clean)."""
    config = yaml.safe_load(SITE_CONFIG.read_text())
    config["docs_dir"] = str(REPO / "docs")
    config["theme"]["custom_dir"] = str(templates / "site" / "theme")
    config["plugins"] = [{"sitroom": {"briefings": str(briefings), "templates": str(templates),
                                      "pdf": False, **plugin}}]
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


def build(config: Path, site: Path, cache: Path, **options: Any) -> BuildReport:
    _, report = build_site(config, site_dir=site, options=CommandLine(cache_dir=cache,
                                                                       **options))
    return report


def corpus(folder: Path) -> Path:
    """Briefings with actors, regions, countries and tags of their own, and some shared."""
    def one(ident: str, actor: str, region: str, country: str, tag: str, day: str,
            **more: object) -> dict[str, object]:
        return briefing_data(
            ident, date=day, regions=[region, "Shared Region"], countries=[country, "FR"],
            tags=[tag, "shared-tag"], title=f"Title of {ident}",
            actors=[{"id": actor, "name": f"Actor {actor}", "kind": "state", "role": "Acts."},
                    {"id": "shared-actor", "name": "Shared Actor", "kind": "state",
                     "role": "Also acts."}],
            **more)

    return write_briefings(folder, [
        one("alpha-brief", "alpha-actor", "Alpha Region", "IQ", "alpha-tag", "2024-08-01",
            related=["bravo-brief"]),
        one("bravo-brief", "bravo-actor", "Bravo Region", "YE", "bravo-tag", "2024-08-02"),
        one("charlie-brief", "charlie-actor", "Charlie Region", "SD", "charlie-tag",
            "2024-08-03"),
    ])


def workspace_pages(cache: Path) -> dict[str, int]:
    """The engine's own output (kept for the next build): page -> modification time."""
    [site] = list((cache / "sites").glob("*/site"))
    return {str(p.relative_to(site)): p.stat().st_mtime_ns for p in site.rglob("index.html")}


def test_one_edit_rewrites_exactly_the_pages_that_show_it(tmp_path: Path) -> None:
    briefings = corpus(tmp_path / "briefings")
    config = engine_config(tmp_path, briefings)
    site, cache = tmp_path / "site", tmp_path / "cache"
    first = build(config, site, cache)
    assert first.mode == "clean"
    before = workspace_pages(cache)
    unchanged_inode = (site / "briefings" / "charlie-brief" / "index.html").stat().st_ino
    bravo_inode = (site / "briefings" / "bravo-brief" / "index.html").stat().st_ino

    source = briefings / "bravo-brief.yaml"
    source.write_text(source.read_text().replace("Title of bravo-brief", "Renamed bravo"))
    second = build(config, site, cache)
    assert second.mode == "dirty"
    shows_it = {
        "briefings/bravo-brief/index.md",  # the briefing
        "briefings/alpha-brief/index.md",  # the briefing that names it as related
        "index.md", "archive/index.md", "briefings/index.md", "risks/index.md",  # listings
        "actors/bravo-actor/index.md", "actors/shared-actor/index.md",  # its actors
        "regions/bravo-region/index.md", "regions/shared-region/index.md",  # its regions
        "countries/ye/index.md", "countries/fr/index.md",  # its countries
        "tags/bravo-tag/index.md", "tags/shared-tag/index.md",  # its tags
        "feed.xml", "feed.json",
    }
    assert set(second.changes.written) == shows_it
    assert second.changes.removed == []
    after = workspace_pages(cache)
    rebuilt = {page for page, mtime in after.items() if before.get(page) != mtime}
    assert rebuilt == {p.replace(".md", ".html") for p in shows_it if p.endswith(".md")}
    page = (site / "briefings" / "bravo-brief" / "index.html").read_text()
    assert "Renamed bravo" in page
    assert "Renamed bravo" in (site / "actors" / "shared-actor" / "index.html").read_text()
    assert "Renamed bravo" in (site / "briefings" / "alpha-brief" / "index.html").read_text()

    # The new site links what the published one already held unchanged, never the engine's
    # own output (which the next build rewrites in place); what changed is a new file.
    engine_out = {p.stat().st_ino for p in (cache / "sites").glob("*/site/**/*") if p.is_file()}
    unchanged = site / "briefings" / "charlie-brief" / "index.html"
    assert unchanged.stat().st_ino == unchanged_inode
    assert (site / "briefings" / "bravo-brief" / "index.html").stat().st_ino != bravo_inode
    assert not any(p.stat().st_ino in engine_out for p in site.rglob("*") if p.is_file())

    # Nothing changed: nothing is built, the published site is left alone.
    inode = (site / "index.html").stat().st_ino
    third = build(config, site, cache)
    assert third.mode == "unchanged" and not third.changes
    assert (site / "index.html").stat().st_ino == inode


def snapshot(root: Path) -> dict[str, str]:
    out = {}
    filters = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name in (".sitroom-site", "sitemap.xml.gz"):
            continue
        rel = str(path.relative_to(root))
        data = path.read_bytes()
        if path.name == "sitemap.xml":  # <lastmod> is the day of the build
            data = re.sub(rb"<lastmod>[^<]*</lastmod>", b"", data)
        if rel.endswith(".pf_meta") or rel == "pagefind/pagefind-entry.json":
            continue  # they name the filter files, by their bytes (below)
        if rel.startswith("pagefind/filter/"):
            # Pagefind lists filter values in the order it meets the pages on disk: the same
            # values, in whatever order.
            filters.append(bytes(sorted(gzip.decompress(data))))
            continue
        out[rel] = hashlib.sha256(data).hexdigest()
    out["pagefind filters"] = hashlib.sha256(b"\0".join(sorted(filters))).hexdigest()
    return out


def every_text(root: Path) -> str:
    """Every file of a site as text, gzip-compressed files (sitemap, search index) unpacked."""
    texts = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def test_a_removed_or_remarked_briefing_disappears_from_an_incremental_build(tmp_path: Path
                                                                             ) -> None:
    briefings = corpus(tmp_path / "briefings")
    config = engine_config(tmp_path, briefings)
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(config, site, cache)
    assert "Title of alpha-brief" in every_text(site)
    assert "Title of charlie-brief" in every_text(site)

    (briefings / "alpha-brief.yaml").unlink()
    remarked = briefings / "charlie-brief.yaml"
    remarked.write_text(remarked.read_text().replace("tlp: CLEAR", "tlp: GREEN"))
    report = build(config, site, cache)
    assert report.mode == "dirty"
    assert report.left_out == "1 TLP:GREEN briefing not published: use --max-tlp GREEN"
    assert "briefings/alpha-brief/index.md" in report.changes.removed
    assert "actors/charlie-actor/index.md" in report.changes.removed
    everything = every_text(site)
    for gone in ("alpha-brief", "charlie-brief", "alpha-actor", "charlie-actor",
                 "Alpha Region", "alpha-tag", "Charlie Region"):
        assert gone not in everything, gone
    assert not (site / "briefings" / "alpha-brief").exists()
    assert not (site / "actors" / "charlie-actor").exists()
    assert "bravo-brief" in (site / "sitemap.xml").read_text()

    # The incremental site is the site a clean build of the same briefings makes.
    clean = tmp_path / "clean"
    assert build(config, clean, tmp_path / "other-cache").mode == "clean"
    assert snapshot(site) == snapshot(clean)


def test_every_kind_of_edit_leaves_the_site_a_clean_build_makes(tmp_path: Path) -> None:
    # Every page, listings included, is reused while its key is the same: a key that missed
    # something a page shows would leave that page stale. After each edit the incremental
    # site must be the one a clean build of the same briefings makes.
    briefings = corpus(tmp_path / "briefings")
    config = engine_config(tmp_path, briefings)
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(config, site, cache)

    def edit(name: str, old: str, new: str) -> None:
        path = briefings / f"{name}.yaml"
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    edits = [
        # an actor's country that has no page of its own
        lambda: edit("alpha-brief", "  kind: state\n", "  kind: state\n  country: TD\n"),
        # another briefing gives it one: the actor's page (not showing that briefing) links it
        lambda: edit("charlie-brief", "- SD\n", "- SD\n- TD\n"),
        # the shared actor renamed in the newest briefing: its name on every page that lists it
        lambda: edit("charlie-brief", "name: Shared Actor", "name: Shared Actor, renamed"),
        # a newer briefing supersedes an older one: both pages, and every listing's flag
        lambda: edit("charlie-brief", "id: charlie-brief", "id: charlie-brief\nsupersedes: "
                     "bravo-brief"),
        # a date that reorders the listings
        lambda: edit("alpha-brief", "date: '2024-08-01'", "date: '2024-08-09'"),
        # a region's name, shown on the briefing pages that link the region
        lambda: edit("bravo-brief", "- Bravo Region", "- Bravo Region North"),
    ]
    for number, change in enumerate(edits):
        change()
        assert build(config, site, cache).mode == "dirty", number
        clean = tmp_path / f"clean-{number}"
        assert build(config, clean, tmp_path / f"cache-{number}").mode == "clean"
        assert snapshot(site) == snapshot(clean), number


def test_the_command_line_replaces_a_wrong_value_of_mkdocs_yml(tmp_path: Path) -> None:
    # The options are resolved once, command line first; the plugin's hooks use that result
    # and never refuse mkdocs.yml's own value again.
    config = engine_config(tmp_path, corpus(tmp_path / "briefings"), max_tlp="PURPLE")
    report = build(config, tmp_path / "site", tmp_path / "cache", max_tlp="CLEAR")
    assert report.mode == "clean" and (tmp_path / "site" / "index.html").is_file()
    with pytest.raises(SettingsError, match=r"max_tlp.*PURPLE"):
        build(config, tmp_path / "site", tmp_path / "cache")


def test_a_template_edit_rebuilds_every_page(tmp_path: Path) -> None:
    briefings = corpus(tmp_path / "briefings")
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    config = engine_config(tmp_path, briefings, templates)
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(config, site, cache)
    before = workspace_pages(cache)
    group = templates / "site" / "group.md.j2"
    group.write_text(group.read_text() + "\n<p>A new line on group pages.</p>\n")
    report = build(config, site, cache)
    assert report.mode == "clean"
    after = workspace_pages(cache)
    assert after.keys() == before.keys()
    assert all(after[page] != before[page] for page in after)
    assert "A new line on group pages." in (site / "tags" / "bravo-tag" / "index.html").read_text()

    # So does a change to mkdocs.yml.
    config.write_text(config.read_text().replace("site_name: Situation Room",
                                                 "site_name: Another Room"))
    assert build(config, site, cache).mode == "clean"
    assert "Another Room" in (site / "briefings" / "bravo-brief" / "index.html").read_text()


def test_a_docs_page_edit_rebuilds_cleanly(tmp_path: Path) -> None:
    briefings = corpus(tmp_path / "briefings")
    docs = tmp_path / "docs"
    shutil.copytree(REPO / "docs", docs)
    config = engine_config(tmp_path, briefings)
    config.write_text(config.read_text().replace(f"docs_dir: {REPO / 'docs'}",
                                                 f"docs_dir: {docs}"))
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(config, site, cache)
    page = docs / "urls.md"
    page.write_text(page.read_text() + "\nAn added sentence.\n")
    report = build(config, site, cache)
    assert report.mode == "clean" and report.changes.written == ["urls.md"]
    assert "An added sentence." in (site / "urls" / "index.html").read_text()


def test_zensical_gets_a_configuration_with_everything_resolved(tmp_path: Path) -> None:
    from sitroom.engine import Workspace, flatten_theme, load_mkdocs, zensical_config

    config, _ = load_mkdocs(SITE_CONFIG)
    workspace = Workspace(tmp_path / "ws")
    data = zensical_config(config, workspace, "<div>bar</div>")
    # Zensical ignores third-party plugins (the engine does their work); its own search is off.
    assert data["plugins"] == {"search": {"enabled": False}}
    # Relative to the configuration file: Zensical 0.0.73 panics on absolute ones.
    assert data["docs_dir"] == "docs" and data["site_dir"] == "site"
    assert data["theme"]["custom_dir"] == str(workspace.theme)
    flatten_theme(config, workspace.theme)
    assert (workspace.theme / "main.html").is_file()
    assert data["extra"]["sitroom_tlp_bar"] == "<div>bar</div>"
    assert data["theme"]["name"] == "material" and data["theme"]["font"] is False
    assert data["nav"] == config.nav
    assert data["extra_css"] == [str(c) for c in config.extra_css]
    assert {"toc": {"permalink": True}} in data["markdown_extensions"]
    yaml.safe_dump(data)  # plain data, writable as YAML


def test_the_zensical_engine_builds_or_says_how_to_install_it(tmp_path: Path) -> None:
    import importlib.util

    from conftest import build_site_cli

    briefings = corpus(tmp_path / "briefings")
    config = engine_config(tmp_path, briefings)
    result = build_site_cli(tmp_path / "site", "--engine", "zensical", config=config,
                            check=False)
    if importlib.util.find_spec("zensical") is None:
        assert result.exit_code == 1
        assert "the zensical engine is not installed: pip install 'sitroom[zensical]'" \
            in result.stderr
        assert not (tmp_path / "site").exists()
    else:
        assert result.exit_code == 0, result.stderr
        for page in ("briefings/alpha-brief", "actors/alpha-actor", "regions/alpha-region",
                     "countries/iq", "tags/alpha-tag"):
            assert (tmp_path / "site" / page / "index.html").is_file(), page
        assert (tmp_path / "site" / "feed.xml").is_file()
    wrong = build_site_cli(tmp_path / "site", "--engine", "hugo", config=config, check=False)
    assert wrong.exit_code == 2 and "'hugo' is not one of: mkdocs, zensical" in wrong.stderr
