"""Worker processes end with the process that started them, however that one ends.

A pool's workers wait for work on a pipe whose writing end they hold themselves, so when the
build is killed (SIGKILL, SIGTERM) nothing tells them: they, the forkserver they were forked
from and the resource tracker that waits for both would live on, holding the build's output
open. `tie_to_parent` makes the calling process die with its parent: on Linux the kernel sends
SIGKILL when the parent goes (PR_SET_PDEATHSIG); elsewhere a thread watches for the parent's
exit. The chain holds: the build dies, so does its forkserver, so do the workers.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

# The process a forkserver must not outlive, for the forkserver (which takes no arguments).
BUILD_PID = "SITROOM_BUILD_PID"
_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.2


def tie_to_parent(build: int | None = None) -> None:
    """End this process when its parent ends, or when `build` (the process that started the
    pool, when that is not the parent) already has. Safe to call more than once."""
    parent = os.getppid()
    # A parent that ended before this line leaves no signal to come: ask whether it still is.
    ancestors = [parent] + ([build] if build else [])
    if _kernel_ties(signal.SIGKILL):
        if not all(_alive(pid) for pid in ancestors) or os.getppid() != parent:
            os._exit(1)
        return
    threading.Thread(target=_watch, args=(parent, ancestors), name="sitroom-lifeline",
                     daemon=True).start()


def tie_forkserver() -> None:
    """For the forkserver, which is started by the build and told its pid in the environment.

    A worker the server was forking when the build ended fails to read its start-up data from
    the gone build and would print that failure into the build's output: with the build gone
    there is no one to tell, so it ends quietly."""
    text = os.environ.get(BUILD_PID, "")
    build = int(text) if text.isdigit() else None
    tie_to_parent(build)
    if build is None:
        return
    default = sys.excepthook

    def quiet_when_orphaned(kind: Any, value: Any, trace: Any) -> None:
        if _alive(build):
            default(kind, value, trace)

    sys.excepthook = quiet_when_orphaned


def _kernel_ties(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    if pid <= 1:  # re-parented to init already: the real parent is gone
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process stays a zombie until reaped: it is gone all the same
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"


def _watch(parent: int, ancestors: list[int]) -> None:
    while os.getppid() == parent and all(_alive(pid) for pid in ancestors):
        time.sleep(_POLL_SECONDS)
    os._exit(1)
