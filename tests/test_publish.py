"""Putting a site in place (`publish`): whole, never missing, links kept, leftovers cleared."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sitroom import publish
from sitroom.publish import SITE_MARKER, PublishError


def a_site(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(text)
    (folder / SITE_MARKER).write_text("Built by sitroom build\n")
    return folder


def beside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_site_path_is_never_missing_during_a_swap(tmp_path: Path) -> None:
    site = a_site(tmp_path / "site", "v0")
    missing: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if not os.path.isfile(site / "index.html"):
                missing.append(1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for n in range(1, 200):
            fresh = publish.new_folder(site)
            (fresh / "index.html").write_text(f"v{n}")
            publish.swap_in(fresh, site)
    finally:
        stop.set()
        watcher.join()
    assert missing == []
    assert (site / "index.html").read_text() == "v199"
    assert beside(tmp_path) == ["site"]


def test_a_linked_site_keeps_its_link_and_its_target_is_replaced(tmp_path: Path) -> None:
    served = a_site(tmp_path / "srv" / "www", "old")
    project = tmp_path / "project"
    project.mkdir()
    link = project / "site"
    link.symlink_to(served)
    fresh = publish.new_folder(link)
    assert fresh.parent == served.parent  # built beside what is served, on its file system
    (fresh / "index.html").write_text("new")
    publish.swap_in(fresh, link)
    assert link.is_symlink() and link.resolve() == served
    assert (served / "index.html").read_text() == "new"
    assert beside(project) == ["site"]
    assert beside(served.parent) == ["www"]


def test_a_link_to_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "site").symlink_to(tmp_path / "file")
    with pytest.raises(PublishError, match=r"is a link to .*which is not a folder"):
        publish.real_target(tmp_path / "site")


def test_the_next_build_clears_only_what_killed_builds_left(tmp_path: Path) -> None:
    site = a_site(tmp_path / "site", "current")
    (tmp_path / ".site.new-abc123").mkdir()
    a_site(tmp_path / ".site.old-def456", "older")
    (tmp_path / ".site.old-link99").symlink_to(tmp_path / "elsewhere")  # dangling, as left
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep").write_text("not ours")
    (tmp_path / ".site.notes").mkdir()
    (tmp_path / ".other.new-abc").mkdir()
    publish.recover(site)
    assert beside(tmp_path) == [".other.new-abc", ".site.notes", "elsewhere", "site"]
    assert (tmp_path / "elsewhere" / "keep").exists()  # a link is removed, never followed
    assert (site / "index.html").read_text() == "current"


def test_a_site_left_aside_by_a_kill_between_renames_is_put_back(tmp_path: Path) -> None:
    a_site(tmp_path / ".site.old-aaa111", "the published site")
    (tmp_path / ".site.new-bbb222").mkdir()
    publish.recover(tmp_path / "site")
    assert beside(tmp_path) == ["site"]
    assert (tmp_path / "site" / "index.html").read_text() == "the published site"


def test_two_builds_never_publish_to_one_place_at_once(tmp_path: Path) -> None:
    site = tmp_path / "site"
    busy = pytest.raises(PublishError, match="another sitroom build is publishing here")
    with publish.locked(site), busy, publish.locked(site):
        pass
    with publish.locked(site):  # released when the first build ends
        pass


def test_a_folder_that_is_not_a_site_is_never_replaced(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep")
    with pytest.raises(PublishError, match="is not a built site"):
        publish.refuse_unsafe(notes, [])
    with pytest.raises(PublishError, match="would replace"):
        publish.refuse_unsafe(tmp_path, [tmp_path / "briefings"])
