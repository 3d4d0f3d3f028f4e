"""The PDF fonts' coverage table that `sitroom check` reads is what the fonts hold, and reading
it takes no renderer."""

from __future__ import annotations

import runpy
import subprocess
import sys

from conftest import REPO
from sitroom.glyphs import COVERAGE_FILE, drawable, format_table, unprintable

SCRIPT = REPO / "scripts" / "font-coverage"


def test_the_table_is_current() -> None:
    """After changing templates/pdf/fonts/, run scripts/font-coverage."""
    script = runpy.run_path(str(SCRIPT))
    fonts = script["coverage"](REPO / "templates" / "pdf" / "fonts")
    assert COVERAGE_FILE.read_text(encoding="ascii") == format_table(fonts)


def test_what_the_table_says() -> None:
    assert drawable("A") and drawable("ب") and drawable("中") and drawable("ሀ")
    assert not drawable("த")  # Tamil: no shipped font has it
    assert unprintable("plain ASCII") is None
    assert unprintable("Zl\u2028 and soft\u00adhyphen are never drawn") is None
    assert unprintable("Tamil தமிழ் and Khmer ក") == (6, 5)


def test_check_loads_no_renderer() -> None:
    code = ("import sys\n"
            "from sitroom.cli import main\n"
            "try:\n"
            f"    main(['check', {str(REPO / 'tests' / 'cases' / 'good')!r}])\n"
            "except SystemExit as exc:\n"
            "    assert exc.code in (0, None), exc.code\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in\n"
            "                ('weasyprint', 'fontTools', 'mkdocs', 'material', 'pydyf'))\n"
            "assert not loaded, loaded\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO)
    assert result.returncode == 0, result.stderr
