"""What the loader reads from disk: the size limit before reading, and which files a folder holds
(any letter case of .yaml/.yml, links that stay inside the folder, links that do not)."""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from conftest import CASES, briefing_data, write_briefings
from sitroom.load import discover, load_file, load_paths
from sitroom.yamlsource import MAX_BYTES


def test_a_huge_file_is_refused_from_its_size_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as out:  # sparse: costs no disk, but reading it would cost 300 MB
        out.truncate(300_000_000)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        loaded = load_file(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1
    assert peak < 1_000_000, f"{peak:,} bytes allocated"
    assert [p.gnu() for p in loaded.problems] == [
        f"{loaded.path}:1:1: the file is larger than {MAX_BYTES:,} bytes"]


def test_reading_is_bounded_even_when_the_size_lies(tmp_path: Path) -> None:
    """A FIFO (or a file that grows while read) has no honest size: at most the limit and one
    byte more is read, so the limit still holds."""
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:  # the writer: far more than the limit, then gone
        try:
            with fifo.open("wb") as out:
                chunk = b"#" * 1_000_000
                for _ in range(20):
                    out.write(chunk)
        except BrokenPipeError:
            pass
        finally:
            os._exit(0)
    try:
        loaded = load_file(fifo)
    finally:
        os.waitpid(pid, 0)
    assert [p.message for p in loaded.problems] == [
        f"the file is larger than {MAX_BYTES:,} bytes"]


def _valid(folder: Path, *names: str) -> None:
    write_briefings(folder, [briefing_data(name) for name in names])


def test_any_letter_case_of_the_suffix_is_a_briefing(tmp_path: Path) -> None:
    _valid(tmp_path, "one-b", "two-b", "three-b")
    (tmp_path / "one-b.yaml").rename(tmp_path / "one-b.YAML")
    (tmp_path / "two-b.yaml").rename(tmp_path / "two-b.Yml")
    files, problems = discover([tmp_path])
    assert [f.name for f in files] == ["one-b.YAML", "three-b.yaml", "two-b.Yml"]
    assert problems == []
    loaded, _ = load_paths([tmp_path])
    assert sorted(item.briefing.id for item in loaded if item.briefing) == [
        "one-b", "three-b", "two-b"]


def test_links_inside_the_folder_are_followed_and_others_are_problems(tmp_path: Path) -> None:
    folder = tmp_path / "briefings"
    outside = tmp_path / "elsewhere"
    _valid(folder / "real", "inside-b")
    _valid(outside, "secret-b")
    (folder / "sub").mkdir()
    (folder / "sub" / "inside-link.yaml").symlink_to(folder / "real" / "inside-b.yaml")
    (folder / "out.yaml").symlink_to(outside / "secret-b.yaml")
    (folder / "outdir").symlink_to(outside)
    (folder / "dangling.yml").symlink_to(tmp_path / "gone.yaml")
    (folder / "loop-a.yaml").symlink_to(folder / "loop-b.yaml")
    (folder / "loop-b.yaml").symlink_to(folder / "loop-a.yaml")
    os.chdir(tmp_path)
    files, problems = discover([Path("briefings")])
    assert [str(f) for f in files] == ["briefings/real/inside-b.yaml",
                                       "briefings/sub/inside-link.yaml"]
    assert [p.gnu() for p in sorted(problems)] == [
        "briefings/dangling.yml:1:1: the link leads nowhere (to "
        f"{tmp_path}/gone.yaml); remove it or fix its target",
        "briefings/loop-a.yaml:1:1: the link goes round in a loop; replace it with the file "
        "itself",
        "briefings/loop-b.yaml:1:1: the link goes round in a loop; replace it with the file "
        "itself",
        "briefings/out.yaml:1:1: the link leads outside briefings (to elsewhere/secret-b.yaml) "
        "and is never published; copy the file into the folder instead",
        "briefings/outdir:1:1: the link leads outside briefings (to elsewhere) and is never "
        "published; copy the file into the folder instead",
    ]


def test_check_fails_on_a_link_leading_out(tmp_path: Path,
                                           sitroom: Callable[..., Result]) -> None:
    folder = tmp_path / "briefings"
    _valid(folder, "inside-b")
    _valid(tmp_path / "elsewhere", "secret-b")
    (folder / "out.yaml").symlink_to(tmp_path / "elsewhere" / "secret-b.yaml")
    result = sitroom("check", "briefings", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.startswith("briefings/out.yaml:1:1: the link leads outside briefings")


def test_a_syntax_error_stops_only_its_own_file() -> None:
    loaded, _ = load_paths([CASES / "bad" / "syntax-error-other-files"])
    assert [(Path(item.path).name, len(item.problems)) for item in loaded] == [
        ("a-syntax.yaml", 1), ("b-other.yaml", 1)]
