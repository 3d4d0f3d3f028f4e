"""`sitroom build --shard I/N`: one CI job's share of the PDFs, rendered into the PDF cache.

The briefings are checked and selected exactly as `sitroom build` does (same options, same
mkdocs.yml), then only the PDFs of this share (`pdfbuild.Shard`, by id) are rendered, into the
cache. No site is built. Once every shard's cache is gathered in one place, a plain
`sitroom build` finds every PDF there and renders none: the CI runners are the distributed
engine, nothing here coordinates them.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from .driver import SiteBuildError, checked_corpus, load
from .engine import mkdocs_logging
from .pdfbuild import PdfBuild, PdfBuildError, Shard, build_pdfs
from .settings import CommandLine


def render_shard(config_file: Path | None, shard: Shard, options: CommandLine) -> PdfBuild:
    """Render this shard's PDFs into the PDF cache; returns what was rendered or cached.

    Raises SettingsError (a wrong option), SiteBuildError (bad briefings, no cache, a PDF that
    failed)."""
    with mkdocs_logging(logging.WARNING):
        _, _, settings = load(config_file, options)
    if not settings.pdf:
        raise SiteBuildError("--shard renders PDFs, but this build makes none (--no-pdf or "
                             "'pdf: false')")
    if settings.cache_dir is None:
        raise SiteBuildError("--shard renders into the PDF cache for the final build to "
                             "find: it cannot run with --no-cache")
    _, corpus = checked_corpus(settings, None)
    scratch = Path(tempfile.mkdtemp(prefix="sitroom-shard-"))
    try:
        result = build_pdfs(corpus, scratch, settings.print_options,
                            jobs=settings.jobs, cache_dir=settings.cache_dir,
                            progress=settings.progress, shard=shard)
    except (PdfBuildError, ValueError) as exc:
        raise SiteBuildError(f"PDF: {exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # the cache is the output
    assert isinstance(result, PdfBuild)
    return result
