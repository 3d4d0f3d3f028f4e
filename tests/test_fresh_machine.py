"""A machine without HarfBuzz-Subset (Debian's libharfbuzz-subset0) still builds: WeasyPrint
then subsets fonts with fontTools and says so, which is a notice about the machine, not a
problem with the briefing or the templates."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import REPO

EXAMPLE = REPO / "briefings" / "2024" / "2024-08-06-ain-al-asad-rocket-attack.yaml"
NOTICE = "Using fontTools instead of HarfBuzz-Subset"


def test_the_fonttools_notice_does_not_fail_a_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    sitroom: Callable[..., Result],
) -> None:
    import weasyprint.pdf.fonts

    # As WeasyPrint finds a machine without the library: its own fontTools fallback runs.
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    out = tmp_path / "out.pdf"
    with caplog.at_level(logging.INFO):
        result = sitroom("pdf", EXAMPLE, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    notices = [r for r in caplog.records if NOTICE in r.getMessage()]
    assert any(r.name == "weasyprint" and r.levelno == logging.WARNING for r in notices)
    assert any(r.name == "sitroom.pdf" and r.levelno == logging.INFO for r in notices)

