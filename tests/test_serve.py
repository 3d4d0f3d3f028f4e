"""`sitroom serve` while writing: drafts with banners, error pages that heal, tabs that reload,
and nothing left behind when it is stopped. Real HTTP, the real server, Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, SITE_CONFIG, briefing_data, write_briefings

AIN = "2024-08-06-ain-al-asad-rocket-attack"
BIN = Path(sys.executable).parent


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


@dataclass
class Preview:
    base: str
    briefings: Path
    tmp: Path
    output: list[str]
    proc: subprocess.Popen[str]


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    briefings = tmp_path / "briefings"
    shutil.copytree(REPO / "briefings", briefings)
    write_briefings(briefings / "drafts", [
        briefing_data("a-draft-one", status="draft", title="Draftword briefing"),
        briefing_data("a-review-one", status="review", title="Reviewword briefing"),
    ])
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [BIN / "sitroom", "serve", "--config", SITE_CONFIG, "--briefings", briefings,
         "--no-pdf", "-a", f"127.0.0.1:{port}"],
        cwd=tmp_path, env={**os.environ, "TMPDIR": str(tmp), "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: output.extend(iter(proc.stdout.readline, "")),
                              daemon=True)  # type: ignore[union-attr]
    reader.start()
    base = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        assert proc.poll() is None, "".join(output)
        try:
            return fetch(base)[0] == 200
        except OSError:
            return False

    try:
        wait_for(up, "sitroom serve did not start")
        yield Preview(base, briefings, tmp, output, proc)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=60)
        reader.join(5)


def test_the_preview_shows_drafts_under_a_banner_and_says_what_it_left_out(
        preview: Preview) -> None:
    status, page = fetch(preview.base + "briefings/a-draft-one/")
    assert status == 200 and "DRAFT: not a finished product" in page
    status, page = fetch(preview.base + "briefings/a-review-one/")
    assert status == 200 and "REVIEW: not a finished product" in page
    assert "Draftword briefing" in fetch(preview.base + "briefings/")[1]
    assert "not a finished product" not in fetch(preview.base + f"briefings/{AIN}/")[1]
    wait_for(lambda: any("1 TLP:GREEN briefing not published: use --max-tlp GREEN" in line
                         for line in preview.output), "no word of what was left out")


def test_a_failed_rebuild_shows_its_problems_and_open_tabs_follow_every_rebuild(
        preview: Preview, browser: Any) -> None:
    source = preview.briefings / "2024" / f"{AIN}.yaml"
    text = source.read_text()
    url = preview.base + f"briefings/{AIN}/"
    tab = browser.new_page()
    try:
        tab.goto(url)
        assert "Rocket attack on Ain al-Asad" in tab.inner_text("h1")

        # A good rebuild: the open tab reloads by itself.
        source.write_text(text.replace("title: Rocket attack", "title: Revised rocket attack", 1))
        tab.wait_for_function("document.querySelector('h1') && "
                              "document.querySelector('h1').innerText.includes('Revised')",
                              timeout=120_000)

        # A failed one: the same tab shows the problems, as path:line:column.
        source.write_text(text.replace("tlp: CLEAR", "tlp: BLUE", 1))
        tab.wait_for_selector("#sitroom-problems", timeout=120_000)
        problems = tab.inner_text("#sitroom-problems")
        line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("tlp:"))
        assert re.search(rf"{AIN}\.yaml:{line}:6: tlp: 'BLUE' is not a TLP 2\.0 marking",
                         problems), problems
        status, body = fetch(preview.base + "actors/")  # every page, not only the edited one
        assert status == 500 and "sitroom-problems" in body

        # Fixed: the same tab reloads into the page again.
        source.write_text(text)
        tab.wait_for_selector("h1.briefing-title", timeout=120_000)
        assert "Rocket attack on Ain al-Asad" in tab.inner_text("h1.briefing-title")
        assert fetch(url)[0] == 200
    finally:
        tab.close()
    assert not any("Traceback" in line for line in preview.output)


def test_sigterm_stops_the_preview_and_leaves_no_folder(preview: Preview) -> None:
    assert [p.name for p in preview.tmp.iterdir() if p.name.startswith("sitroom-serve-")]
    preview.proc.send_signal(signal.SIGTERM)
    assert preview.proc.wait(timeout=60) == 0
    assert list(preview.tmp.iterdir()) == []


def test_sigterm_stops_a_build_and_leaves_no_folder(tmp_path: Path) -> None:
    briefings = write_briefings(tmp_path / "briefings",
                                [briefing_data(f"pdf-number-{n}") for n in range(8)])
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen(
        [BIN / "sitroom", "build", "--config", SITE_CONFIG, "--briefings", briefings,
         "--site-dir", tmp_path / "site", "--no-cache", "--jobs", "1"],
        cwd=tmp_path, env={**os.environ, "TMPDIR": str(tmp), "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Killed while it renders the PDFs into the new folder beside the site.
    wait_for(lambda: proc.poll() is not None or any(
        (p / "pdf").is_dir() for p in tmp_path.glob(".site.new-*")), "the build never began")
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", "briefings", "tmp"]
    assert list(tmp.iterdir()) == []
