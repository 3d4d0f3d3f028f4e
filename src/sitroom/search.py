"""The site's search index: Pagefind, run over the built site.

Pagefind reads the finished HTML and writes a static, chunked index (`pagefind/`) that the
browser fetches piece by piece, so the first query costs a few hundred kilobytes whatever the
size of the site, where Material's lunr index had to be downloaded whole.

What is indexed is decided in the HTML (see the theme's main.html and the site templates):
briefing pages and hand-written pages whole, actor pages by their names only, listings not at
all; `data-pagefind-filter`, `-meta` and `-sort` carry region, country, kind, TLP, tag and date.
The index holds only what the built site holds, so it can never hold more than the selected
corpus: call `index_site` on the folder MkDocs has just built, before it is published.

Imports neither MkDocs nor WeasyPrint: any build driver can call it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

BUNDLE = "pagefind"  # the index folder inside the site, as the theme's search.js expects it
PARTIAL = f".{BUNDLE}-"  # how the folder of an index being written starts (see start_index)
# Boilerplate repeated on every briefing (TLP bar, PDF button, risk-matrix axes, grading note):
# indexed, it would match every briefing alike. The templates mark it for any search engine.
# Heading permalinks ("¶") are not words.
EXCLUDE_SELECTORS = "[data-search-exclude], .headerlink"
# Pagefind's ready-made UIs: the theme's search.js uses its JS API (pagefind.js) instead.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
          "pagefind-modular-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-highlight.js")
TIMEOUT = 3600  # seconds; 10,000 briefings index in well under a minute


class SearchError(Exception):
    """The index could not be built; the message says why."""


@dataclass(frozen=True)
class IndexReport:
    pages: int  # pages indexed
    files: int  # files in the bundle
    bytes: int  # bundle size on disk


def pagefind_executable() -> Path:
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError:
        raise SearchError("the search index needs Pagefind: install the package 'pagefind-bin' "
                          "(pip install 'sitroom[site]')") from None
    try:
        return Path(get_executable())
    except FileNotFoundError as exc:
        raise SearchError(f"Pagefind's binary is missing from its package: {exc}") from None


def index_site(site_dir: Path) -> IndexReport:
    """Index the built site at `site_dir` into `site_dir/pagefind/` (replacing any older index).

    Raises SearchError when Pagefind is missing or fails."""
    indexing = start_index(site_dir)
    try:
        return indexing.wait()
    finally:
        indexing.stop()  # interrupted: Pagefind must not outlive the build


def start_index(site_dir: Path) -> Indexing:
    """Start indexing the built site at `site_dir` (as `index_site`) and return at once, so a
    caller may do other work meanwhile (`sitroom build` does not: beside the copy and the PDFs
    it saved under half a second on two cores). No HTML file of `site_dir` may change until
    `wait` returns (other files, such as PDFs, are not read).

    Raises SearchError when Pagefind is missing or cannot start."""
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise SearchError(f"{site_dir}: no such folder to index")
    # Never serve an earlier site's index, nor keep what killed runs left.
    for old in [site_dir / BUNDLE, *site_dir.glob(f"{PARTIAL}*")]:
        shutil.rmtree(old, ignore_errors=True)
    # Into a folder of this run's own (hidden: no page of the site can have such a name),
    # renamed when complete: a Pagefind that outlived a killed build never writes into a later
    # build's index.
    output = f"{PARTIAL}{secrets.token_hex(6)}"
    command = [str(pagefind_executable()), "--site", str(site_dir), "--output-subdir", output,
               "--exclude-selectors", EXCLUDE_SELECTORS, "--silent"]
    # Its messages go to a file, not a pipe: a pipe nobody reads until the end could fill up
    # and stall it.
    said = tempfile.TemporaryFile()  # noqa: SIM115 - Indexing closes it
    try:
        process = subprocess.Popen(command, stdout=said, stderr=subprocess.STDOUT)
    except OSError as exc:
        said.close()
        raise SearchError(f"Pagefind did not run: {exc}") from None
    return Indexing(site_dir, process, said, output)


class Indexing:
    """A Pagefind run in progress (see `start_index`): `wait` for it, or `stop` it."""

    def __init__(self, site_dir: Path, process: subprocess.Popen[bytes], said: IO[bytes],
                 output: str) -> None:
        self.site_dir = site_dir
        self.process = process
        self.said = said  # what Pagefind printed
        self.output = output  # its folder in `site_dir` until it has finished

    def wait(self) -> IndexReport:
        """The index, once written. Raises SearchError when Pagefind failed."""
        try:
            code = self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.stop()
            raise SearchError(f"Pagefind did not finish within {TIMEOUT} s") from None
        self.said.seek(0)
        said = self.said.read().decode("utf-8", "replace").strip()
        self.said.close()
        if code != 0:
            raise SearchError(f"Pagefind failed on {self.site_dir}: "
                              f"{said or f'exit status {code}'}")
        bundle = self.site_dir / BUNDLE
        try:
            os.replace(self.site_dir / self.output, bundle)
        except OSError as exc:
            raise SearchError(f"Pagefind wrote no index in {self.site_dir / self.output}: "
                              f"{exc.strerror or exc}") from None
        for name in UNUSED:
            (bundle / name).unlink(missing_ok=True)
        entry = bundle / "pagefind-entry.json"
        if not entry.is_file():
            raise SearchError(f"Pagefind wrote no index in {bundle}")
        return IndexReport(pages=_page_count(entry), files=len(list(_files(bundle))),
                           bytes=sum(p.stat().st_size for p in _files(bundle)))

    def stop(self) -> None:
        """End the run if it is still going (the build failed meanwhile: what it wrote is left
        incomplete); once it has finished, nothing."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.said.close()
        shutil.rmtree(self.site_dir / self.output, ignore_errors=True)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _page_count(entry: Path) -> int:
    import json

    data = json.loads(entry.read_text(encoding="utf-8"))
    return sum(int(lang.get("page_count", 0)) for lang in data.get("languages", {}).values())
