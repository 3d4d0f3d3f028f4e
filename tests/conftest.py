"""Shared fixtures. Keep this small: expensive fixtures belong beside the tests that use them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"


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
    build_site_cli(out)  # the default PDF cache, .cache/sitroom, as `make site` uses it
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
