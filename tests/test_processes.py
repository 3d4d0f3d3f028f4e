"""Nothing outlives a build: whatever ends `sitroom build` or `sitroom check` (SIGKILL, SIGTERM,
Ctrl-C), every process it started (PDF workers, the forkserver they come from, the resource
tracker, loader workers) is gone within seconds.

Each command runs in a session of its own, so its processes are found through /proc by session
id even after they have been re-parented."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, SITE_CONFIG

BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
GONE_WITHIN = 5.0

# Linux only, as CI is: the tests read /proc and fail without it rather than skip.


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, session id) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[3])


def session_members(session: int) -> list[int]:
    """Live processes of a session (zombies are dead: only their exit status is left)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[2] == session and stat[0] != "Z":
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    return [p for p in session_members(pid) if p != pid]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(what)
        time.sleep(0.05)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "(gone)"


def _as_from_a_terminal() -> None:
    # A process inherits ignored signals, and by the time these tests run something earlier in
    # the session has left the test process ignoring SIGINT, SIGQUIT and SIGHUP: a build
    # started from it would ignore Ctrl-C, and the Ctrl-C test would pass only while the build
    # happened to finish within its time limit. A shell starts commands with the defaults.
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def start(args: list[str | Path], cwd: Path) -> subprocess.Popen[bytes]:
    # Output goes to a file: a pipe left open by a stray process is what hung readers before.
    log = (cwd / "output.log").open("wb")
    return subprocess.Popen([str(a) for a in args], cwd=cwd, env=ENV, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_as_from_a_terminal)


def end_and_assert_nothing_remains(proc: subprocess.Popen[bytes], how: int, cwd: Path,
                                   whole_group: bool = False) -> None:
    session = proc.pid
    before = descendants(session)
    if whole_group:
        os.killpg(session, how)  # as a terminal sends Ctrl-C: to every process of the group
    else:
        os.kill(proc.pid, how)
    proc.wait(timeout=30)
    try:
        wait_for(lambda: not session_members(session), GONE_WITHIN,
                 "still running after the build ended: "
                 + "; ".join(f"{p} (parent {(_stat(p) or ('', 0))[1]}): {_cmdline(p)[:80]}"
                             for p in session_members(session)))
    finally:
        for pid in session_members(session):  # leave nothing behind for the next test
            os.kill(pid, signal.SIGKILL)
    assert before, "the command had started no process yet: the test tests nothing"
    if how == signal.SIGKILL:
        # (After SIGTERM or Ctrl-C a worker that was still starting may print why it could
        # not start; what matters here is that it ends.)
        assert "Traceback" not in (cwd / "output.log").read_text(errors="replace")


# --- sitroom build, PDFs rendering in worker processes -------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's briefings, eight times over under other ids: many PDFs to render."""
    folder = tmp_path_factory.mktemp("corpus") / "briefings"
    for copy in range(8):
        for path in sorted((REPO / "briefings").rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            target = folder / f"c{copy}" / path.name.replace(".yaml", f"-c{copy}.yaml")
            target.parent.mkdir(parents=True, exist_ok=True)
            # Own ids, and no links to briefings of another copy.
            lines = [line for line in text.splitlines()
                     if not line.startswith(("related:", "supersedes:", "  - 20"))]
            target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _build(corpus: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    return start([BIN / "sitroom", "build", "--config", SITE_CONFIG, "--briefings", corpus,
                  "--site-dir", tmp_path / "site", "--no-cache", "--jobs", "2"], tmp_path)


def _rendering(proc: subprocess.Popen[bytes]) -> Callable[[], bool]:
    """True once the build has PDF workers: its forkserver has children."""
    def check() -> bool:
        assert proc.poll() is None, "the build ended before it was killed"
        members = descendants(proc.pid)
        stats = [_stat(p) for p in members]  # once each: a process may end between two reads
        return any(stat is not None and stat[1] in members for stat in stats)
    return check


@pytest.mark.mkdocs
@pytest.mark.pdf
@pytest.mark.parametrize(("how", "delay"), [
    (signal.SIGKILL, 0.0),  # as soon as the workers exist
    (signal.SIGKILL, 2.0),  # in the middle of rendering
    (signal.SIGTERM, 0.0),  # while the workers are still being started
    (signal.SIGTERM, 0.5),
    (signal.SIGINT, 1.0),   # Ctrl-C
], ids=["kill-early", "kill-later", "term-early", "term", "ctrl-c"])
def test_a_killed_build_leaves_no_process(corpus: Path, tmp_path: Path, how: int,
                                          delay: float) -> None:
    proc = _build(corpus, tmp_path)
    try:
        wait_for(_rendering(proc), 120, "no PDF worker started")
        time.sleep(delay)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    end_and_assert_nothing_remains(proc, how, tmp_path, whole_group=how == signal.SIGINT)


# --- sitroom check of a large corpus, loading in worker processes --------------------------------


@pytest.fixture(scope="module")
def large_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large") / "briefings"
    subprocess.run([sys.executable, REPO / "scripts" / "generate-briefings", "600", folder],
                   check=True, capture_output=True, timeout=300)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_check_leaves_no_loader_worker(large_corpus: Path, tmp_path: Path,
                                                how: int) -> None:
    proc = start([BIN / "sitroom", "check", large_corpus], tmp_path)
    try:
        wait_for(lambda: len(descendants(proc.pid)) >= 2 or proc.poll() is not None, 60,
                 "no loader worker started")
        assert proc.poll() is None, "the check ended before it was killed"
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    end_and_assert_nothing_remains(proc, how, tmp_path)


def test_session_members_sees_a_process_and_its_orphans(tmp_path: Path) -> None:
    """The helper the tests above rely on: a grandchild left behind is found."""
    proc = start(["sh", "-c", "sleep 30 & sleep 30 & wait"], tmp_path)
    wait_for(lambda: len(descendants(proc.pid)) == 2, 10, "no children")
    orphans = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert sorted(session_members(proc.pid)) == sorted(orphans)
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(tmp_path, ignore_errors=True)
