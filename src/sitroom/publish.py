"""Putting a built site in place: whole, never half, and never somewhere it must not go.

A site is built in a new folder beside the published one (`.NAME.new-*`) and exchanged with it
in one step, so a reader sees the old site or the new one and the site path never goes missing:
`renameat2(RENAME_EXCHANGE)` where Linux offers it, otherwise two renames with recovery at the
next start. A site path that is a symbolic link (`site -> /srv/www`) keeps its link: the build
goes beside the link's target and replaces the target.

Builds that publish to one place take a lock beside it, so two builds never fight: the second
stops at once and says so. Under the lock, each build first removes what killed builds left
beside the site (`.NAME.new-*` and `.NAME.old-*`, and nothing else) and puts back a site that a
kill between two renames left aside.

Imports neither MkDocs nor a renderer.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Marks a folder as a site `sitroom build` made, which the next build may replace.
SITE_MARKER = ".sitroom-site"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class PublishError(Exception):
    """The site cannot be published there; the message says why and what to do."""


def real_target(target: Path) -> Path:
    """Where the site's files really go: the target itself, or what its symbolic link names
    (followed to the end). The link itself is never renamed or replaced."""
    target = Path(os.path.abspath(target))
    if target.is_symlink():
        resolved = target.resolve()
        if resolved.exists() and not resolved.is_dir():
            raise PublishError(f"{target} is a link to {resolved}, which is not a folder; "
                               "point the link at a folder or choose another site folder")
        return resolved
    return target


def refuse_unsafe(target: Path, keep: Iterable[Path]) -> None:
    """The target is replaced whole: it must not hold any of `keep` (the project, its docs,
    templates, briefings), and if it exists it must be a site (ours, or one MkDocs built),
    never a folder someone pointed --site-dir at by mistake."""
    resolved = real_target(target)
    for path in keep:
        path = path.resolve()
        if resolved == path or resolved in path.parents:
            raise PublishError(f"{target}: the site folder would replace {path}; "
                               "choose a folder of its own, e.g. site/")
    if resolved.is_dir() and any(resolved.iterdir()) and not (
        (resolved / SITE_MARKER).exists() or (resolved / "index.html").exists()
    ):
        raise PublishError(f"{target}: this folder is not a built site and the build would "
                           "replace it whole; choose an empty or new folder")


def _leftover_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(name)}\.(new|old)-[A-Za-z0-9_]+")


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)  # a link is removed, never followed
    else:
        shutil.rmtree(path, ignore_errors=True)


def recover(target: Path) -> list[Path]:
    """Put back a site that a kill between two renames left aside, then remove the staging and
    old folders killed builds left beside `target` (only those). Returns what was removed."""
    real = real_target(target)
    if not real.parent.is_dir():
        return []
    pattern = _leftover_re(real.name)
    found = sorted((p for p in real.parent.iterdir() if pattern.fullmatch(p.name)),
                   key=lambda p: p.lstat().st_mtime)
    if not os.path.lexists(real):
        aside = [p for p in found if ".old-" in p.name and not p.is_symlink()
                 and (p / SITE_MARKER).exists()]
        if aside:
            aside[-1].rename(real)
            found.remove(aside[-1])
    for path in found:
        _remove(path)
    return found


@contextmanager
def locked(target: Path) -> Iterator[None]:
    """Hold the publishing lock of `target` (a `.NAME.lock` file beside it) for the block.
    A second build that wants it stops at once with PublishError."""
    real = real_target(target)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(real.parent / f".{real.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise PublishError(f"{target}: cannot build here: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"{target}: another sitroom build is publishing here; run this "
                               "one again when it has finished") from None
        yield
    finally:
        os.close(fd)


def new_folder(target: Path) -> Path:
    """A fresh, empty folder beside the real target, on the same file system, to build into."""
    real = real_target(target)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{real.name}.new-", dir=real.parent))
    except OSError as exc:
        raise PublishError(f"{target}: cannot build here: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_libc: ctypes.CDLL | None = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2). False when the system cannot."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def build_id(marker: Path) -> str:
    """The build named in a site's marker file ("" when none)."""
    try:
        lines = marker.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return next((line.split(" ", 1)[1] for line in lines if line.startswith("build ")), "")


def swap_in(fresh: Path, target: Path, build: str = "") -> None:
    """Replace the real target with `fresh` (a folder beside it) whole."""
    # mkdtemp makes 0700 folders; a published site must be readable by the web server.
    fresh.chmod(0o755 & ~_umask())
    (fresh / SITE_MARKER).write_text("Built by sitroom build; replaced whole by the next.\n"
                                     + (f"build {build}\n" if build else ""))
    real = real_target(target)
    if not os.path.lexists(real):
        fresh.rename(real)
        return
    if _exchange(fresh, real):
        _remove(fresh)  # now the previous site
        return
    # Two renames: a kill between them leaves the site aside, and `recover` puts it back.
    old = Path(tempfile.mkdtemp(prefix=f".{real.name}.old-", dir=real.parent))
    old.rmdir()
    real.rename(old)
    try:
        fresh.rename(real)
    except OSError:
        old.rename(real)
        raise
    _remove(old)
