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

from mkdocs.exceptions import MkDocsException

from .pdfbuild import PdfBuild, PdfBuildError, Shard, build_pdfs
from .plugin import Overrides, SiteBuildError, _load, _mkdocs_logging


def render_shard(config_file: Path | None, shard: Shard, overrides: Overrides) -> PdfBuild:
    """Render this shard's PDFs into the PDF cache; returns what was rendered or cached.

    Raises SiteBuildError (bad briefings, no cache, a PDF that failed)."""
    with _mkdocs_logging(logging.WARNING):
        try:
            config, plugin = _load(config_file)
            plugin.overrides = overrides
            plugin.on_config(config)
        except MkDocsException as exc:
            raise SiteBuildError(exc.format_message()) from None
    if not plugin.config.pdf:
        raise SiteBuildError("--shard renders PDFs, but this build makes none (--no-pdf or "
                             "'pdf: false')")
    if plugin.cache_dir is None:
        raise SiteBuildError("--shard renders into the PDF cache for the final build to "
                             "find: it cannot run with --no-cache")
    corpus = plugin.report.corpus
    assert corpus is not None  # on_config set it or raised
    scratch = Path(tempfile.mkdtemp(prefix="sitroom-shard-"))
    try:
        result = build_pdfs(corpus, scratch, templates=plugin.templates,
                            jobs=plugin.config.jobs, cache_dir=plugin.cache_dir,
                            paper=plugin.config.paper, progress=overrides.progress,
                            shard=shard)
    except (PdfBuildError, ValueError) as exc:
        raise SiteBuildError(f"PDF: {exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # the cache is the output
    assert isinstance(result, PdfBuild)
    return result
