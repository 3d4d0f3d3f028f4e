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
from dataclasses import dataclass
from pathlib import Path

BUNDLE = "pagefind"  # the index folder inside the site, as the theme's search.js expects it
PARTIAL = f".{BUNDLE}-"  # how the folder of an index being written starts (see index_site)
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
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise SearchError(f"{site_dir}: no such folder to index")
    # Never serve an earlier site's index, nor keep what killed runs left.
    for old in [site_dir / BUNDLE, *site_dir.glob(f"{PARTIAL}*")]:
        shutil.rmtree(old, ignore_errors=True)
    # Into a folder of this run's own (hidden: no page of the site can have such a name),
    # renamed when complete: a Pagefind that outlived a killed build never writes into a later
    # build's index.
    output = site_dir / f"{PARTIAL}{secrets.token_hex(6)}"
    command = [str(pagefind_executable()), "--site", str(site_dir), "--output-subdir",
               output.name, "--exclude-selectors", EXCLUDE_SELECTORS, "--silent"]
    try:
        # run() kills Pagefind when it times out or this process is interrupted.
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                              check=False)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"
            raise SearchError(f"Pagefind failed on {site_dir}: {detail}")
        bundle = site_dir / BUNDLE
        os.replace(output, bundle)
    except subprocess.TimeoutExpired:
        raise SearchError(f"Pagefind did not finish within {TIMEOUT} s") from None
    except OSError as exc:
        raise SearchError(f"Pagefind did not run: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(output, ignore_errors=True)  # what a failed run wrote
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    entry = bundle / "pagefind-entry.json"
    if not entry.is_file():
        raise SearchError(f"Pagefind wrote no index in {bundle}")
    return IndexReport(pages=_page_count(entry), files=len(list(_files(bundle))),
                       bytes=sum(p.stat().st_size for p in _files(bundle)))


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _page_count(entry: Path) -> int:
    import json

    data = json.loads(entry.read_text(encoding="utf-8"))
    return sum(int(lang.get("page_count", 0)) for lang in data.get("languages", {}).values())
