"""Builds keep loaded briefings by their bytes: what comes back must be what loading gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import briefing_data, write_briefings
from sitroom import load
from sitroom.corpus import gather
from sitroom.load import LoadCache


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the files actually parsed and checked (not read back from the cache)."""
    seen: list[str] = []
    real = load.load_bytes

    def counting(raw: bytes, path: str, default_id: str) -> load.Loaded:
        seen.append(path)
        return real(raw, path, default_id)

    monkeypatch.setattr(load, "load_bytes", counting)
    return seen


def outcome(folder: Path, cache: LoadCache | None) -> tuple[list[str], list[str]]:
    checked = gather([folder], cache)
    return [b.id for b in checked.corpus.briefings], [p.gnu() for p in checked.problems]


def test_unchanged_files_come_from_the_cache_edited_ones_are_loaded_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    folder = write_briefings(Path("b"), [
        briefing_data("alpha-brief", related=["bravo-brief"]),
        briefing_data("bravo-brief"),
        # An invalid file is kept with its problems, at their lines.
        briefing_data("charlie-brief", kind="weekly", related=["no-such-brief"]),
    ])
    cache = LoadCache(tmp_path / "loaded", "code 1")
    uncached = outcome(folder, None)
    assert any("kind" in p for p in uncached[1]) and any("no-such-brief" in p
                                                         for p in uncached[1])
    loads.clear()

    assert outcome(folder, cache) == uncached
    assert sorted(loads) == ["b/alpha-brief.yaml", "b/bravo-brief.yaml", "b/charlie-brief.yaml"]
    assert len(list((tmp_path / "loaded").glob("*.pickle"))) == 3
    loads.clear()

    assert outcome(folder, cache) == uncached
    assert loads == []  # every file read back

    # One file edited: only it is loaded again, and the checks across files see the edit.
    bravo = folder / "bravo-brief.yaml"
    bravo.write_text(bravo.read_text().replace("id: bravo-brief", "id: bravo-renamed"))
    edited = outcome(folder, cache)
    assert loads == ["b/bravo-brief.yaml"]
    assert edited == outcome(folder, None)
    assert any("alpha-brief.yaml" in p and "bravo-brief" in p for p in edited[1])
    loads.clear()

    # A removed file's entry goes; another version of the code loads everything again.
    (folder / "charlie-brief.yaml").unlink()
    outcome(folder, cache)
    assert loads == [] and len(list((tmp_path / "loaded").glob("*.pickle"))) == 2
    outcome(folder, LoadCache(tmp_path / "loaded", "code 2"))
    assert sorted(loads) == ["b/alpha-brief.yaml", "b/bravo-brief.yaml"]


def test_a_damaged_entry_is_loaded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         loads: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    folder = write_briefings(Path("b"), [briefing_data("alpha-brief")])
    cache = LoadCache(tmp_path / "loaded", "code 1")
    first = outcome(folder, cache)
    [entry] = (tmp_path / "loaded").glob("*.pickle")
    for damage in (b"", b"not a pickle", entry.read_bytes()[:40]):
        entry.write_bytes(damage)
        loads.clear()
        assert outcome(folder, cache) == first
        assert loads == ["b/alpha-brief.yaml"]


def test_the_same_bytes_under_another_name_are_loaded_for_that_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: list[str]) -> None:
    # Messages name the file, and the file name is the id when the file gives none.
    monkeypatch.chdir(tmp_path)
    folder = Path("b")
    folder.mkdir()
    data = briefing_data("alpha-brief", id=None, kind="weekly")
    (folder / "alpha-brief.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    cache = LoadCache(tmp_path / "loaded", "code 1")
    first = outcome(folder, cache)
    (folder / "alpha-brief.yaml").rename(folder / "bravo-brief.yaml")
    loads.clear()
    renamed = outcome(folder, cache)
    assert loads == ["b/bravo-brief.yaml"]
    assert renamed == outcome(folder, None) != first
    assert all(p.startswith("b/bravo-brief.yaml:") for p in renamed[1])


def test_a_message_about_any_field_still_finds_its_line(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Cached files keep only the positions the checks across files need; a later message
    # about another field (a PDF that failed at a risk's title) reads the file again for it.
    monkeypatch.chdir(tmp_path)
    folder = write_briefings(Path("b"), [briefing_data("alpha-brief")])
    cache = LoadCache(tmp_path / "loaded", "code 1")
    gather([folder], cache)
    [loaded] = gather([folder], cache).loaded
    where = ("risks", 0, "title")
    line = next(n for n, text in enumerate((folder / "alpha-brief.yaml").read_text()
                                           .splitlines(), start=1) if "title: Test risk" in text)
    assert loaded.at(where, "x").line != line  # not kept
    problem = load.with_positions(loaded).at(where, "cannot be printed")
    assert (problem.path, problem.line, problem.column) == ("b/alpha-brief.yaml", line, 10)
    # Edited since: the positions it has, never another file's.
    (folder / "alpha-brief.yaml").write_text("# new first line\n" +
                                             (folder / "alpha-brief.yaml").read_text())
    assert load.with_positions(loaded) is loaded


def test_a_cache_that_cannot_be_written_costs_time_not_the_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    folder = write_briefings(Path("b"), [briefing_data("alpha-brief")])
    (tmp_path / "loaded").write_text("a file where the cache folder would be")
    cache = LoadCache(tmp_path / "loaded", "code 1")
    assert outcome(folder, cache) == outcome(folder, None)
    loads.clear()
    outcome(folder, cache)
    assert loads == ["b/alpha-brief.yaml"]  # nothing was kept, so it is loaded again
