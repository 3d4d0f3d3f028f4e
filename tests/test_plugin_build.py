"""The MkDocs plugin and `sitroom build|serve`, with the real MkDocs and Material."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from conftest import REPO, SITE_CONFIG, briefing_data, build_site_cli, write_briefings

AIN = "2024-08-06-ain-al-asad-rocket-attack"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def write_config(folder: Path, *, site: dict[str, Any] | None = None,
                 **plugin: object) -> Path:
    """The repository's mkdocs.yml with absolute paths, written in `folder`, with changes to
    the site (`site`) and to the sitroom plugin's options (`plugin`; None removes one)."""
    config = yaml.safe_load(SITE_CONFIG.read_text())
    config["docs_dir"] = str(REPO / "docs")
    config["theme"]["custom_dir"] = str(REPO / config["theme"]["custom_dir"])
    for entry in config["plugins"]:
        if isinstance(entry, dict) and "sitroom" in entry:
            options = entry["sitroom"]
            options["briefings"] = str(REPO / options["briefings"])
            options["templates"] = str(REPO / options["templates"])
            for key, value in plugin.items():
                if value is None:
                    options.pop(key, None)
                else:
                    options[key] = value
    for key, value in (site or {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def html_pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags_of(page: Path) -> list[tuple[str, dict[str, str]]]:
    parser = Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tags


# --- the two ways of building -----------------------------------------------------------------


@pytest.fixture(scope="module")
def mkdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mkdocs build --strict` with the repository's own mkdocs.yml, as a team would run it."""
    out = tmp_path_factory.mktemp("mkdocs-site") / "site"
    run = subprocess.run([BIN / "mkdocs", "build", "--strict", "-f", SITE_CONFIG, "-d", out],
                         cwd=REPO, env=ENV, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stderr
    return out


def test_mkdocs_build_and_sitroom_build_make_the_same_site(mkdocs_site: Path,
                                                           repo_site: Path) -> None:
    from pypdf import PdfReader

    ours, theirs = snapshot(repo_site), snapshot(mkdocs_site)
    # `sitroom build` marks the folder as a site it may replace next time; nothing else differs.
    assert ours.pop(".sitroom-site", None) is not None
    # Pagefind names its filter and metadata files by a hash of bytes that vary from run to run
    # (their order): the pages it indexed, its fragments, must be the same.
    for files in (ours, theirs):
        for name in [n for n in files if n.startswith("pagefind/")]:
            value = files.pop(name)
            if name.startswith("pagefind/fragment/"):
                files[name] = value
    assert sorted(ours) == sorted(theirs)
    assert f"briefings/{AIN}/index.html" in ours and f"pdf/{AIN}.pdf" in ours
    for name in ours:
        if name.endswith(".pdf"):
            def text(root: Path, name: str = name) -> str:
                return "".join(p.extract_text() for p in PdfReader(root / name).pages)

            assert text(repo_site) == text(mkdocs_site), name
        elif name.endswith(".gz"):
            continue  # the gzip header holds the build time; sitemap.xml is compared instead
        elif name == "sitemap.xml":
            def urls(root: Path) -> str:  # without <lastmod>, the build date
                return re.sub(r"<lastmod>[^<]*</lastmod>", "", (root / "sitemap.xml").read_text())

            assert urls(repo_site) == urls(mkdocs_site)
        else:
            assert ours[name] == theirs[name], name


def test_sitroom_build_publishes_a_readable_site(repo_site: Path) -> None:
    assert repo_site.stat().st_mode & 0o055 == 0o055  # group and others may read and enter
    # No leftovers beside it; the lock file that keeps two builds apart stays.
    assert [p.name for p in repo_site.parent.glob(".site.*")] == [".site.lock"]


# --- safe publishing ---------------------------------------------------------------------------


def test_a_bad_briefing_leaves_the_published_site_untouched(tmp_path: Path) -> None:
    briefings = tmp_path / "briefings"
    shutil.copytree(REPO / "briefings", briefings)
    site = tmp_path / "site"
    build_site_cli(site, "--no-pdf", briefings=briefings)
    before = snapshot(site)
    assert f"briefings/{AIN}/index.html" in before

    bad = briefings / "2024" / f"{AIN}.yaml"
    bad.write_text(bad.read_text().replace("likelihood: very likely", "likelihood: probable", 1))
    result = build_site_cli(site, "--no-pdf", briefings=briefings, check=False)
    assert result.exit_code == 1
    assert re.search(r"2024-08-06-ain-al-asad-rocket-attack\.yaml:\d+:\d+: "
                     r"key_judgments\[0\]\.likelihood: 'probable' is not one of", result.stdout)
    assert "nothing was built" in result.stderr
    assert f"{site} was left as it was" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", "briefings", "site"]


def test_a_failing_template_leaves_the_published_site_untouched(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    config = write_config(tmp_path, templates=str(templates), pdf=False)
    site = tmp_path / "site"
    build_site_cli(site, config=config)
    before = snapshot(site)
    (templates / "site" / "briefing.md.j2").write_text("{{ b.no_such_field.x }}\n")
    result = build_site_cli(site, config=config, check=False)
    assert result.exit_code == 1
    assert re.search(r"briefing\.md\.j2:1: template error: .*no_such_field", result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(site) == before


def test_red_is_never_built_into_a_site(tmp_path: Path) -> None:
    config = write_config(tmp_path, max_tlp="RED")
    result = build_site_cli(tmp_path / "site", config=config, check=False)
    assert result.exit_code == 1
    assert "RED is never published to a site" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "site").exists()

    run = subprocess.run([BIN / "mkdocs", "build", "-f", config, "-d", tmp_path / "m"],
                         env=ENV, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "RED is never published to a site" in run.stderr and "Traceback" not in run.stderr

    result = build_site_cli(tmp_path / "site", "--max-tlp", "red", check=False)
    assert result.exit_code == 2
    assert "RED is never published to a site" in result.stderr

    result = build_site_cli(tmp_path / "site", "--max-tlp", "PURPLE", check=False)
    assert result.exit_code == 2
    assert "'PURPLE' is not a TLP 2.0 marking" in result.stderr


def test_a_config_without_the_plugin_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    data = yaml.safe_load(config.read_text())
    data["plugins"] = ["search"]
    config.write_text(yaml.safe_dump(data))
    result = build_site_cli(tmp_path / "site", config=config, check=False)
    assert result.exit_code == 1
    assert "the sitroom plugin is not enabled" in result.stderr


def test_serve_watches_briefings_and_templates() -> None:
    from mkdocs.config import load_config

    from sitroom.plugin import SitroomPlugin

    config = load_config(str(SITE_CONFIG))
    plugin = next(p for p in config.plugins.values() if isinstance(p, SitroomPlugin))
    plugin.config.pdf = False
    config = plugin.on_config(config)
    assert str(REPO / "briefings") in config.watch
    assert str(REPO / "templates") in config.watch


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _get(url: str) -> str:
    status, body = _fetch(url)
    assert status == 200, body
    return body


@dataclass
class Served:
    base: str
    briefings: Path
    output: list[str]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    briefings = tmp_path / "briefings"
    shutil.copytree(REPO / "briefings", briefings)
    port = _free_port()
    proc = subprocess.Popen(
        [BIN / "sitroom", "serve", "--config", SITE_CONFIG, "--briefings", briefings,
         "--no-pdf", "-a", f"127.0.0.1:{port}"],
        cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(proc.stdout.readline, "")),
                              daemon=True)  # type: ignore[union-attr]
    reader.start()
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    reader.join(5)
                    pytest.fail("sitroom serve did not start:\n" + "".join(output))
                time.sleep(0.2)
        yield Served(base, briefings, output)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        reader.join(5)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def test_serve_previews_and_rebuilds_on_a_briefing_edit(served: Served) -> None:
    page = f"{served.base}briefings/{AIN}/"
    assert "Rocket attack on Ain al-Asad" in _get(page)
    assert "feed.xml" in _get(served.base)
    source = served.briefings / "2024" / f"{AIN}.yaml"
    text = source.read_text()
    source.write_text(text.replace("title: Rocket attack on Ain al-Asad",
                                   "title: Revised rocket attack on Ain al-Asad", 1))
    _wait_for(lambda: "Revised rocket attack" in _get(page), "no rebuild after the edit")

    # A mistake is reported where the analyst runs the preview and in the browser, as
    # path:line:column, on whatever page is asked for; the preview resumes once it is fixed.
    source.write_text(text.replace("tlp: CLEAR", "tlp: BLUE", 1))
    _wait_for(lambda: any("'BLUE' is not a TLP 2.0 marking" in line for line in served.output),
              "the problem was not reported")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("tlp:"))
    for url in (page, served.base, served.base + "actors/"):
        status, body = _fetch(url)
        assert status == 500
        assert re.search(rf"{AIN}\.yaml:{line}:6: tlp: &#x27;BLUE&#x27; is not a TLP 2\.0 "
                         "marking", body), body
        assert "/livereload/" in body  # so it reloads by itself once the build succeeds
    source.write_text(text)
    _wait_for(lambda: _fetch(page)[0] == 200 and "Revised rocket attack" not in _get(page),
              "no rebuild after the fix")
    assert not any("Traceback" in line for line in served.output)


# --- what the built site contains ---------------------------------------------------------------

LOADING_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch",
                "preconnect", "dns-prefetch", "apple-touch-icon"}


def _is_remote(url: str) -> bool:
    url = url.strip()
    return bool(urlsplit(url).scheme) or url.startswith("//")


def test_nothing_loads_from_a_third_party(repo_site: Path) -> None:
    offending = []
    for page in html_pages(repo_site):
        for tag, attrs in tags_of(page):
            rels = set(attrs.get("rel", "").lower().split())
            loads = [attrs.get(a, "") for a in ("src", "poster", "data", "background")]
            loads += [part.split()[0] for part in attrs.get("srcset", "").split(",")
                      if part.strip()]
            if tag == "link" and rels & LOADING_RELS:
                loads.append(attrs.get("href", ""))
            if tag == "iframe" or tag == "embed" or tag == "object":
                offending.append((page, tag))
            offending += [(page, url) for url in loads if url and _is_remote(url)]
    for css in repo_site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        offending += [(css, url) for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
                      if _is_remote(url) and not url.startswith("data:")]
        offending += [(css, m) for m in re.findall(r"@import[^;]*", text)]
    assert offending == []
    home = (repo_site / "index.html").read_text()
    assert "fonts.googleapis.com" not in home and "fonts.gstatic.com" not in home


def _resolve(root: Path, page: Path, href: str) -> tuple[Path, str]:
    base = "/" + str(page.relative_to(root))
    parts = urlsplit(urljoin(base, href))
    target = root / parts.path.lstrip("/")
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def check_links(root: Path) -> int:
    """Every relative link of every page leads to a file, and every #fragment to an id."""
    ids: dict[Path, set[str]] = {}
    checked = 0
    for page in html_pages(root):
        tags = tags_of(page)
        ids[page] = {a["id"] for _, a in tags if "id" in a}
    for page in html_pages(root):
        for tag, attrs in tags_of(page):
            href = attrs.get("href") if tag in ("a", "link") else None
            if not href or _is_remote(href) or href.startswith(("mailto:", "#__")):
                continue
            target, fragment = _resolve(root, page, href)
            assert target.is_file(), f"{page.relative_to(root)}: broken link {href}"
            if fragment and target.suffix == ".html":
                assert fragment in ids[target], f"{page.relative_to(root)}: no #{fragment} in " \
                                                f"{target.relative_to(root)}"
            checked += 1
    return checked


def test_every_link_in_the_site_resolves(repo_site: Path) -> None:
    assert check_links(repo_site) > 500


def test_links_resolve_without_directory_urls(tmp_path: Path) -> None:
    config = write_config(tmp_path, site={"use_directory_urls": False}, pdf=False)
    site = tmp_path / "site"
    build_site_cli(site, config=config)
    assert (site / "briefings" / AIN / "index.html").is_file()
    assert check_links(site) > 500


def test_briefing_pages_are_reached_through_listings_not_the_nav(repo_site: Path) -> None:
    page = (repo_site / "briefings" / AIN / "index.html").read_text()
    nav = page.split('<nav class="md-nav md-nav--primary', 1)[1].split("</nav>", 1)[0]
    assert "briefings/2024-" not in nav
    sitemap = (repo_site / "sitemap.xml").read_text()
    assert f"https://briefings.example.org/briefings/{AIN}/" in sitemap


def _synthetic(folder: Path, count: int) -> Path:
    """`count` briefings made from the example: same content, new id, title and date."""
    text = (REPO / "briefings" / "2024" / f"{AIN}.yaml").read_text()
    folder.mkdir(parents=True)
    for n in range(count):
        day = f"2024-09-{1 + n % 28:02d}"
        body = re.sub(r"^title: .*$", f"title: Synthetic briefing number {n:03d}", text,
                      count=1, flags=re.M)
        body = re.sub(r"^date: .*$", f"date: {day}", body, count=1, flags=re.M)
        body = re.sub(r"^next_update: .*$", "next_update: 2024-10-15", body, count=1,
                      flags=re.M)
        (folder / f"syn-{n:03d}.yaml").write_text(body)
    return folder


def test_briefing_page_size_does_not_grow_with_the_corpus(tmp_path: Path) -> None:
    sizes = {}
    for count in (4, 40):
        briefings = _synthetic(tmp_path / f"b{count}", count)
        site = tmp_path / f"site{count}"
        build_site_cli(site, "--no-pdf", briefings=briefings)
        assert len(list((site / "briefings").glob("syn-*/index.html"))) == count
        sizes[count] = (site / "briefings" / "syn-000" / "index.html").stat().st_size
    assert abs(sizes[40] - sizes[4]) <= 0.01 * sizes[4], sizes


def test_feeds_are_valid_and_list_the_published_briefings(repo_site: Path) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    atom = ET.parse(repo_site / "feed.xml").getroot()
    assert atom.tag == "{http://www.w3.org/2005/Atom}feed"
    assert atom.findtext("a:id", namespaces=ns) == "https://briefings.example.org/feed.xml"
    entries = atom.findall("a:entry", ns)
    ids = [e.findtext("a:id", namespaces=ns) for e in entries]
    assert ids[-1] == f"https://briefings.example.org/briefings/{AIN}/"
    assert len(ids) == 4 and not any("follow-up" in i for i in ids)
    for entry in entries:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                            entry.findtext("a:updated", namespaces=ns) or "")
        link = entry.find("a:link[@rel='alternate']", ns)
        assert link is not None
        local = repo_site / urlsplit(link.get("href", "")).path.lstrip("/") / "index.html"
        assert local.is_file()
        pdf = entry.find("a:link[@rel='enclosure']", ns)
        assert pdf is not None
        assert (repo_site / urlsplit(pdf.get("href", "")).path.lstrip("/")).is_file()
        assert entry.find("a:category[@term='TLP:CLEAR']", ns) is not None
        content = entry.findtext("a:content", namespaces=ns) or ""
        assert content.startswith("<p><strong>TLP:CLEAR</strong>")

    feed = json.loads((repo_site / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://briefings.example.org/feed.json"
    assert [item["id"] for item in feed["items"]] == ids
    first = feed["items"][-1]
    assert first["url"] == f"https://briefings.example.org/briefings/{AIN}/"
    assert first["_sitroom"]["tlp"] == "TLP:CLEAR"
    assert first["attachments"][0]["mime_type"] == "application/pdf"
    assert first["date_published"] == "2024-08-06T00:00:00Z"


def test_feeds_need_a_site_url(tmp_path: Path) -> None:
    config = write_config(tmp_path, site={"site_url": None}, pdf=False)
    result = build_site_cli(tmp_path / "site", config=config)
    assert "site_url is not set" in result.stderr
    assert not (tmp_path / "site" / "feed.xml").exists()
    assert (tmp_path / "site" / "index.html").exists()
    strict = build_site_cli(tmp_path / "strict", "--strict", config=config, check=False)
    assert strict.exit_code == 1 and not (tmp_path / "strict").exists()


def test_a_docs_page_may_not_replace_a_generated_one(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(REPO / "docs", docs)
    (docs / "archive").mkdir()
    (docs / "archive" / "index.md").write_text("# Mine\n")
    config = write_config(tmp_path, site={"docs_dir": str(docs)}, pdf=False)
    result = build_site_cli(tmp_path / "site", config=config, check=False)
    assert result.exit_code == 1
    assert "this file would replace the generated archive/index.md" in result.stderr


def test_a_site_with_nothing_to_publish_still_builds(tmp_path: Path) -> None:
    briefings = write_briefings(tmp_path / "briefings", [
        briefing_data("only-a-draft", status="draft"),
        briefing_data("only-green", tlp="GREEN"),
    ])
    site = tmp_path / "site"
    result = build_site_cli(site, "--no-pdf", "--strict", briefings=briefings)
    assert "0 published briefings up to TLP:CLEAR, 0 PDFs" in result.stderr
    assert "No briefings have been published yet" in (site / "index.html").read_text()
    assert not (site / "briefings" / "only-a-draft").exists()
    assert ET.parse(site / "feed.xml").getroot().find(
        "{http://www.w3.org/2005/Atom}entry") is None
    assert check_links(site) > 10

    empty = tmp_path / "empty"
    empty.mkdir()
    result = build_site_cli(tmp_path / "site2", "--no-pdf", briefings=empty)
    assert f"no briefings in {empty}" in result.stderr
    missing = build_site_cli(tmp_path / "site3", "--no-pdf", briefings=tmp_path / "nowhere",
                             check=False)
    assert missing.exit_code == 1 and "no such file or folder" in missing.stdout


def test_pdf_options_reach_the_pdf_build(tmp_path: Path) -> None:
    briefings = write_briefings(tmp_path / "briefings", [briefing_data("one-pdf")])
    cache = tmp_path / "cache"
    result = build_site_cli(tmp_path / "site", "--cache-dir", cache, "--jobs", "1",
                            briefings=briefings)
    assert "1 PDF:" in result.stderr
    assert (tmp_path / "site" / "pdf" / "one-pdf.pdf").read_bytes().startswith(b"%PDF-")
    assert [p for p in cache.rglob("*") if p.is_file()]
    page = (tmp_path / "site" / "briefings" / "one-pdf" / "index.html").read_text()
    assert 'href="../../pdf/one-pdf.pdf"' in page

    other = tmp_path / "other-cache"
    build_site_cli(tmp_path / "site", "--cache-dir", other, "--no-cache", briefings=briefings)
    assert not other.exists() or not any(other.rglob("*.pdf"))
    build_site_cli(tmp_path / "site", "--no-pdf", briefings=briefings)
    assert not list((tmp_path / "site").rglob("*.pdf"))
    page = (tmp_path / "site" / "briefings" / "one-pdf" / "index.html").read_text()
    assert ".pdf" not in page
