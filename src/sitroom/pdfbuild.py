"""Every briefing's PDF: in parallel across processes, through a content-addressed cache.

`pdf` renders one briefing; this module decides which ones need rendering and where the bytes
go. It does not import WeasyPrint (only worker processes and in-process renders do, through
`pdf`), so a build whose PDFs all come from the cache never loads it.

The cache key is a digest of everything that can change a PDF's bytes: the briefing as
validated (every field and `x_` extension, not the file's comments or key order), the titles
and dates of the briefings it names, every file under pdf/ and shared/ of the template chain
(fonts included; a team's file replacing a default counts as that file), the sitroom source,
the versions of WeasyPrint and the libraries it writes with, the paper size and the PDF
variant. Editing one briefing re-renders one PDF.

Every file (cache entry or published PDF) is written to a temporary name in its folder and
renamed over the target, so a reader or a crash never meets half a PDF.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import click
import jinja2
from pydantic import BaseModel

from . import __version__
from .corpus import Corpus
from .history import History, judgment_history
from .lifeline import BUILD_PID, tie_to_parent
from .load import Loaded, with_positions
from .models import Briefing
from .printopts import ASSET_DIRS, PrintOptions
from .problems import format_loc

DEFAULT_CACHE = Path(".cache/sitroom")
CACHE_FORMAT = "sitroom-pdf-cache-1"
# Python packages whose code shapes the bytes of a PDF.
RENDERING_PACKAGES = ("weasyprint", "pydyf", "fonttools", "tinycss2", "tinyhtml5", "cssselect2",
                      "pillow", "markdown", "jinja2", "markupsafe")

log = logging.getLogger(__name__)


class PdfBuildError(Exception):
    """A PDF could not be made; the message names each briefing (id and file) and the cause."""


@dataclass(frozen=True)
class BriefingRef:
    """Another briefing as the PDF prints it: by title, with its date and id."""

    id: str
    title: str
    date: date

    @classmethod
    def of(cls, briefing: Briefing) -> BriefingRef:
        return cls(briefing.id, briefing.title, briefing.date)


@dataclass(frozen=True)
class PrintLinks:
    """The briefings of the same publication that a PDF names; never one outside it."""

    related: tuple[BriefingRef, ...] = ()
    supersedes: BriefingRef | None = None
    superseded_by: BriefingRef | None = None
    history: History | None = None  # how its judgments moved across the versions it may name


def links_for(corpus: Corpus, briefing: Briefing) -> PrintLinks:
    def ref(briefing_id: str | None) -> BriefingRef | None:
        found = corpus.named_by(briefing, briefing_id)
        return BriefingRef.of(found) if found is not None else None

    related = (ref(i) for i in dict.fromkeys(briefing.related))
    return PrintLinks(
        related=tuple(r for r in related if r is not None),
        supersedes=ref(briefing.supersedes),
        superseded_by=ref(corpus.superseded_by.get(briefing.id)),
        history=judgment_history(corpus, briefing),
    )


class PdfBuild(list[Path]):
    """The PDFs written, in corpus order, and which briefings were rendered or came from the
    cache (for logs and tests)."""

    def __init__(self, paths: Iterable[Path] = ()):
        super().__init__(paths)
        self.rendered: list[str] = []
        self.cached: list[str] = []


# --- shards: one build's PDFs split across machines (CI jobs) -----------------------------------


@dataclass(frozen=True)
class Shard:
    """Share `index` (1-based) of `count`: `sitroom build --shard 2/4`. A briefing's share
    depends on its id alone, so every job agrees on it and an edit never moves a PDF between
    shards; each shard renders its share into the cache, and the build that follows finds
    every PDF there."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, sep, count = text.partition("/")
        if not (sep and index.isdigit() and count.isdigit()
                and 1 <= int(index) <= int(count)):
            raise ValueError(f"'{text}' is not a shard: write I/N with 1 <= I <= N, e.g. 1/4")
        return cls(int(index), int(count))

    def holds(self, briefing_id: str) -> bool:
        digest = hashlib.sha256(briefing_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


# --- cache keys --------------------------------------------------------------------------------


def _plain(node: Any) -> Any:
    """A briefing as JSON-able data, with `x_` extensions (which model_dump leaves out) and
    types kept apart (2500 is not "2500", a date is not a date-time)."""
    if isinstance(node, BaseModel):
        out = {name: _plain(getattr(node, name)) for name in type(node).model_fields}
        return {"__model__": type(node).__name__, **out}
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(v) for v in node]
    if isinstance(node, Enum):
        return f"{type(node).__name__}.{node.name}"
    if isinstance(node, datetime | date):
        return f"{type(node).__name__}:{node.isoformat()}"
    if node is None or isinstance(node, bool | int | float | str):
        return node
    return f"{type(node).__name__}:{node}"  # e.g. EventDate


def briefing_digest(briefing: Briefing, links: PrintLinks) -> str:
    data = {"briefing": _plain(briefing), "links": _plain_links(links)}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _plain_links(links: PrintLinks) -> Any:
    def ref(r: BriefingRef | None) -> Any:
        return None if r is None else [r.id, r.title, r.date.isoformat()]

    return {"related": [ref(r) for r in links.related], "supersedes": ref(links.supersedes),
            "superseded_by": ref(links.superseded_by),
            "history": links.history.as_data() if links.history else None}


def _files_digest(folders: Iterable[Path]) -> Iterator[tuple[str, str]]:
    for folder in folders:
        if not folder.is_dir():
            yield f"{folder.name}/", "missing"
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(folder.parent).as_posix()
            yield rel, hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The sitroom package source: a change to the renderer invalidates the cache even when
    the version number did not move (as during development)."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for rel, file_hash in _files_digest([package]):
        if rel.endswith(".py"):
            digest.update(f"{rel}\0{file_hash}\0".encode())
    return digest.hexdigest()


def _package_versions() -> dict[str, str]:
    versions = {}
    for name in RENDERING_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _assets_digest(options: PrintOptions) -> dict[str, str]:
    out = {}
    for sub in ASSET_DIRS:
        if not options.templates.dirs(sub):
            out[f"{sub}/"] = "missing"
        for rel, path in options.templates.files(sub):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def environment_digest(options: PrintOptions) -> str:
    """Everything but the briefing that shapes a PDF."""
    data = {
        "format": CACHE_FORMAT,
        "sitroom": __version__,
        "code": _code_digest(),
        "packages": _package_versions(),
        "assets": _assets_digest(options),
        "paper": options.paper,
        "variant": options.variant,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def cache_key(environment: str, briefing: Briefing, links: PrintLinks) -> str:
    return hashlib.sha256(f"{environment}\0{briefing_digest(briefing, links)}".encode()) \
        .hexdigest()


# --- files -------------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` at `path` so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        # os.open honours the umask (0o644 files), unlike tempfile's private 0o600.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def link_atomic(source: Path, path: Path) -> bool:
    """Put a hard link to `source` at `path`, whole (as `write_atomic`); False where links
    cannot be made (another file system, or none), to copy instead. Only for files that are
    never written again in place, as cache entries are not (they are replaced whole): 1,000
    PDFs copied from the cache were most of a rebuild's writing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        os.link(source, tmp)
    except OSError:
        return False
    try:
        os.replace(tmp, path)
    finally:
        # Also after success: renaming a link onto another link to the same file does nothing.
        tmp.unlink(missing_ok=True)
    return True


def _read_cached(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    # Entries are written atomically; this only guards against a damaged or foreign file.
    if data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"):
        return data
    return None


# --- rendering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    briefing: Briefing
    links: PrintLinks
    options: PrintOptions


@dataclass
class _Outcome:
    pdf: bytes | None = None
    error: str | None = None
    loc: tuple[str | int, ...] | None = None


def _render(job: _Job) -> _Outcome:
    """Runs in a worker (or in-process): never raises, so every failure reaches the parent
    as a message it can attach to the briefing."""
    try:
        from . import pdf  # WeasyPrint is loaded here, in the process that renders
    except Exception as exc:  # WeasyPrint or its system libraries missing
        return _Outcome(error=f"cannot load the PDF renderer: {type(exc).__name__}: {exc}")
    try:
        data = pdf.render_briefing(job.briefing, job.links, job.options)
    except pdf.PdfRenderError as exc:
        return _Outcome(error=str(exc), loc=exc.loc)
    except jinja2.TemplateSyntaxError as exc:
        return _Outcome(error=f"print template {exc.filename}:{exc.lineno}: {exc.message}")
    except jinja2.TemplateError as exc:
        return _Outcome(error=f"print template: {type(exc).__name__}: {exc}")
    except Exception as exc:  # a failure inside WeasyPrint: its type helps the reader
        return _Outcome(error=f"{type(exc).__name__}: {exc}")
    return _Outcome(pdf=data)


def _where(briefing: Briefing, loaded: Loaded | None, outcome: _Outcome) -> str:
    """`path:line:column: id: message` when the cause is a field, else `path: id: message`."""
    message = outcome.error or "failed"
    if loaded is not None and outcome.loc:
        problem = with_positions(loaded).at(outcome.loc, message)
        return f"{problem.path}:{problem.line}:{problem.column}: {briefing.id}: {problem.message}"
    if outcome.loc:
        message = f"{format_loc(outcome.loc)}: {message}"
    path = loaded.path if loaded is not None else "(no file)"
    return f"{path}: {briefing.id}: {message}"


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers)
    except AttributeError:
        return os.cpu_count() or 1


def _pool(workers: int) -> ProcessPoolExecutor:
    # Workers never fork the caller (which may be a threaded `mkdocs serve`): they fork from a
    # fresh server process that has imported WeasyPrint once, so each starts warm and clean.
    context: multiprocessing.context.BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver = multiprocessing.get_context("forkserver")
        # The lifeline first: the server must die with the build even while it still imports.
        os.environ[BUILD_PID] = str(os.getpid())
        forkserver.set_forkserver_preload(["sitroom.forkserver_lifeline", "sitroom.pdf"])
        context = forkserver
    else:
        context = multiprocessing.get_context("spawn")
    # Each worker dies with its parent (the forkserver, or the build under spawn): a killed
    # build leaves no process behind.
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=tie_to_parent, initargs=(os.getpid(),))


@contextmanager
def _progress(show: bool, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when asked for and stderr is a terminal; else nothing."""
    if not show:
        yield lambda n: None
        return
    with click.progressbar(length=total, label="PDFs", file=sys.stderr) as bar:
        yield bar.update


def build_pdfs(
    corpus: Corpus,
    out_dir: Path,
    options: PrintOptions,
    *,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: bool = False,
    shard: Shard | None = None,
) -> list[Path]:
    """Write `out_dir/<id>.pdf` for every briefing of `corpus` (already filtered for
    publication) and return their paths, in corpus order, as a `PdfBuild`.
    shard: only the briefings of that share (the others are neither rendered nor written).

    jobs: worker processes (None or 0: one per core; 1: render in this process).
    cache_dir: where rendered PDFs are kept by content key (None: no cache).
    Raises PdfBuildError naming every briefing that failed; PDFs of the others are written.

    Worker processes start from a fresh interpreter (forkserver or spawn), which imports the
    caller's main module again: a script that calls this must guard its entry point with
    `if __name__ == "__main__":`, as the sitroom and mkdocs commands do.
    """
    if jobs is not None and jobs < 0:
        raise ValueError(f"jobs must be 0 or more, not {jobs}")
    environment = environment_digest(options)
    briefings = [b for b in corpus.briefings if shard is None or shard.holds(b.id)]
    result = PdfBuild(out_dir / f"{b.id}.pdf" for b in briefings)
    pending: list[tuple[Briefing, _Job, Path | None]] = []
    failures: list[str] = []

    def publish(briefing: Briefing, data: bytes, entry: Path | None = None) -> None:
        target = out_dir / f"{briefing.id}.pdf"
        try:
            if entry is None or not link_atomic(entry, target):
                write_atomic(target, data)
        except OSError as exc:
            failures.append(f"{target}: {briefing.id}: cannot write the PDF: "
                            f"{exc.strerror or exc}")

    for briefing in briefings:
        links = links_for(corpus, briefing)
        entry = None
        if cache_dir is not None:
            key = cache_key(environment, briefing, links)
            entry = cache_dir / "pdf" / key[:2] / f"{key}.pdf"
            cached = _read_cached(entry)
            if cached is not None:
                publish(briefing, cached, entry)
                result.cached.append(briefing.id)
                continue
        pending.append((briefing, _Job(briefing, links, options), entry))

    def finished(briefing: Briefing, entry: Path | None, outcome: _Outcome) -> None:
        if outcome.pdf is None:
            failures.append(_where(briefing, corpus.files.get(briefing.id), outcome))
            return
        if entry is not None:
            try:
                write_atomic(entry, outcome.pdf)
            except OSError as exc:  # a cache that cannot be written costs speed, not output
                log.warning("cannot write the PDF cache entry %s: %s", entry, exc)
        publish(briefing, outcome.pdf)
        result.rendered.append(briefing.id)

    show = progress and sys.stderr.isatty() and len(briefings) > 0
    with _progress(show, len(briefings)) as advance:
        advance(len(result.cached))
        workers = min(jobs or _cpu_count(), len(pending))
        if workers <= 1:
            for briefing, job, entry in pending:
                finished(briefing, entry, _render(job))
                advance(1)
        else:
            _run_pool(pending, workers, finished, advance)

    log.info("PDFs: %d rendered, %d from the cache", len(result.rendered), len(result.cached))
    if failures:
        count = len(failures)
        raise PdfBuildError(
            f"{count} PDF{'s' if count != 1 else ''} could not be made:\n" + "\n".join(failures))
    return result


def _run_pool(
    pending: list[tuple[Briefing, _Job, Path | None]],
    workers: int,
    finished: Callable[[Briefing, Path | None, _Outcome], None],
    advance: Callable[[int], None],
) -> None:
    pool = _pool(workers)
    try:
        _collect(pool, pending, finished, advance)
    except BaseException:
        # Ctrl-C, SIGTERM (which the CLI turns into the same) or a failure here: the build is
        # ending, so the PDFs not started are dropped and the workers stopped now, not waited
        # for (the interrupt may have come while they were being started, and a pool in that
        # state would wait forever). The executor keeps no public list of its processes.
        processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _collect(
    pool: ProcessPoolExecutor,
    pending: list[tuple[Briefing, _Job, Path | None]],
    finished: Callable[[Briefing, Path | None, _Outcome], None],
    advance: Callable[[int], None],
) -> None:
    futures: dict[Future[_Outcome], tuple[Briefing, Path | None]] = {
        pool.submit(_render, job): (briefing, entry) for briefing, job, entry in pending
    }
    remaining = set(futures)
    while remaining:
        done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
        for future in done:
            briefing, entry = futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool:
                outcome = _Outcome(error="a rendering process died (out of memory or "
                                         "killed?); the PDF was not made")
            except Exception as exc:
                outcome = _Outcome(error=f"the rendering process failed: "
                                         f"{type(exc).__name__}: {exc}")
            finished(briefing, entry, outcome)
            advance(1)


def build_pdf(
    corpus: Corpus,
    briefing_id: str,
    out: Path,
    options: PrintOptions,
) -> Path:
    """Render one briefing of `corpus` to `out` in this process (the `sitroom pdf` command)."""
    briefing = corpus.get(briefing_id)
    if briefing is None:
        raise PdfBuildError(f"{briefing_id}: no such briefing")
    job = _Job(briefing, links_for(corpus, briefing), options)
    outcome = _render(job)
    if outcome.pdf is None:
        raise PdfBuildError(_where(briefing, corpus.files.get(briefing_id), outcome))
    try:
        write_atomic(out, outcome.pdf)
    except OSError as exc:
        raise PdfBuildError(f"{out}: cannot write the PDF: {exc.strerror or exc}") from None
    return out
