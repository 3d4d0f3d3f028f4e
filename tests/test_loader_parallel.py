"""Large corpora load across processes; the outcome must not depend on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sitroom import load
from sitroom.corpus import gather

ROOT = Path(__file__).resolve().parent.parent


def test_parallel_loading_matches_sequential(tmp_path: Path, monkeypatch) -> None:
    count = load.PARALLEL_MIN_FILES + 10
    subprocess.run([sys.executable, str(ROOT / "scripts" / "generate-briefings"), str(count),
                    str(tmp_path / "b")], check=True, capture_output=True)
    files = sorted((tmp_path / "b").rglob("*.yaml"))
    # One problem inside a file, and two that span files, so both kinds of position survive.
    bad = files[5]
    bad.write_text(bad.read_text().replace("kind: ", "kind: weekly-", 1))
    files[7].write_text(f"id: {files[8].stem}\n" + files[7].read_text())
    files[9].write_text("related: [no-such-briefing]\n" + files[9].read_text())
    monkeypatch.chdir(tmp_path)

    sequential, _ = load.load_paths([Path("b")], jobs=1)
    parallel, _ = load.load_paths([Path("b")], jobs=2)
    assert [x.path for x in parallel] == [x.path for x in sequential]
    assert [x.problems for x in parallel] == [x.problems for x in sequential]
    assert [x.briefing for x in parallel] == [x.briefing for x in sequential]

    checked = gather([Path("b")])
    messages = [p.gnu() for p in checked.problems]
    assert any(m.startswith(f"b/{files[5].relative_to(tmp_path / 'b')}:") and "kind" in m
               for m in messages)
    assert any(f"is also used by b/{files[8].relative_to(tmp_path / 'b')}" in m
               for m in messages)
    assert any(m.startswith(f"b/{files[9].relative_to(tmp_path / 'b')}:1:11: related[0]: ")
               for m in messages), messages
    assert len(checked.corpus.briefings) == count - 4
