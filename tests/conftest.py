"""Shared fixtures. Keep this small: expensive fixtures belong beside the tests that use them."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"

# --- markers: `make test-fast` leaves these out (pyproject.toml registers them) ----------------
# A module listed here is marked whole; a test that uses the `browser` or `repo_site` fixture is
# marked whatever its module. Add a new slow module here.
HEAVY_MODULES: dict[str, tuple[str, ...]] = {
    "test_browser": ("browser", "mkdocs"),
    "test_a11y": ("browser", "mkdocs"),
    "test_markup": ("mkdocs", "slow"),
    "test_handling": ("mkdocs",),
    "test_plugin_build": ("mkdocs",),
    "test_site_safety": ("mkdocs",),
    "test_site_target": ("mkdocs",),
    "test_search": ("mkdocs",),
    "test_shard": ("mkdocs", "pdf"),
    "test_engine": ("mkdocs",),
    "test_engines": ("mkdocs", "pdf", "slow"),
    "test_serve": ("mkdocs",),
    "test_pdf": ("pdf",),
    "test_pdf_fonts": ("pdf",),
    "test_pdf_security": ("pdf",),
    "test_pdfbuild": ("pdf",),
    "test_pdf_geometry": ("pdf",),
    "test_fresh_machine": ("pdf",),
    "test_loader_parallel": ("slow",),
    "test_templates_chain": ("mkdocs", "pdf"),
    "test_init": ("slow",),
    "test_lsp": ("slow",),
    "test_wheel": ("slow", "mkdocs", "pdf"),
}
HEAVY_FIXTURES: dict[str, tuple[str, ...]] = {
    "browser": ("browser",),
    "repo_site": ("mkdocs", "pdf"),
}


def pytest_configure(config: pytest.Config) -> None:
    # Every build the tests run keeps its caches in a temporary folder, never in the
    # repository's own .cache/ (which `make site` uses).
    if "SITROOM_TEST_CACHE" not in os.environ:
        os.environ["SITROOM_TEST_CACHE"] = tempfile.mkdtemp(prefix="sitroom-test-cache-")
        os.environ["SITROOM_CACHE_DIR"] = os.environ["SITROOM_TEST_CACHE"]


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = os.environ.pop("SITROOM_TEST_CACHE", None)
    if folder is not None:
        os.environ.pop("SITROOM_CACHE_DIR", None)
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        names = set(HEAVY_MODULES.get(module.__name__ if module else "", ()))
        for fixture in getattr(item, "fixturenames", ()):
            names.update(HEAVY_FIXTURES.get(fixture, ()))
        for name in sorted(names):
            item.add_marker(name)


@pytest.fixture
def sitroom(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the real `sitroom` command in-process, by default from the repository root (so paths
    print as `tests/cases/...`), with stdout and stderr kept apart. Exceptions propagate: bad
    input must never produce a traceback."""
    from sitroom.cli import main

    def run(*args: str | Path, cwd: Path = REPO) -> Result:
        monkeypatch.chdir(cwd)
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


# --- the published site (sitroom build / the MkDocs plugin) ------------------------------------
# Site builds and the browser are expensive: built once per session here, shared by
# test_plugin*.py, test_site*.py, test_handling*.py and test_browser*.py.

SITE_CONFIG = REPO / "mkdocs.yml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def build_site_cli(site_dir: Path, *args: str | Path, briefings: Path | None = None,
                   config: Path = SITE_CONFIG, check: bool = True) -> Result:
    """`sitroom build` in-process with the repository's mkdocs.yml (unless `config` says
    otherwise), into `site_dir`."""
    from sitroom.cli import main

    argv = ["build", "--config", str(config), "--site-dir", str(site_dir)]
    if briefings is not None:
        argv += ["--briefings", str(briefings)]
    result = CliRunner().invoke(main, [*argv, *map(str, args)], catch_exceptions=False)
    if check:
        assert result.exit_code == 0, result.stdout + result.stderr
    return result


def briefing_data(ident: str, **fields: object) -> dict[str, object]:
    """A small valid briefing as data; `fields` replace or add keys (None removes one)."""
    data: dict[str, object] = {
        "id": ident,
        "title": f"Briefing {ident}",
        "date": "2024-08-06",
        "status": "published",
        "tlp": "CLEAR",
        "authors": ["Test desk"],
        "regions": ["Test Region"],
        "summary": f"Summary of {ident}.",
        "actors": [{"id": "test-actor", "name": "Test Actor", "kind": "state",
                    "role": "Acts."}],
        "risks": [{"title": "Test risk", "likelihood": "likely", "impact": "major",
                   "indicators": ["Test indicator"],
                   "sources": ["src"]}],
        "sources": [{"id": "src", "title": "Test source", "publisher": "Test publisher",
                     "reliability": "B", "credibility": "2"}],
    }
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def write_briefings(folder: Path, briefings: list[dict[str, object]]) -> Path:
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    for data in briefings:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        (folder / f"{data['id']}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's briefings and mkdocs.yml built by `sitroom build`, PDFs included."""
    out = tmp_path_factory.mktemp("repo-site") / "site"
    build_site_cli(out)  # the PDF cache of the test session (SITROOM_CACHE_DIR)
    return out


@pytest.fixture(scope="session")
def http_root() -> Iterator[Callable[[Path], str]]:
    """Serve folders over HTTP on 127.0.0.1 (one server per folder); returns the base URL."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    servers: dict[Path, ThreadingHTTPServer] = {}

    def serve(root: Path) -> str:
        if root not in servers:
            server = ThreadingHTTPServer(("127.0.0.1", 0),
                                         functools.partial(Quiet, directory=str(root)))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers[root] = server
        return f"http://127.0.0.1:{servers[root].server_port}/"

    yield serve
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (it cannot download its own here)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
