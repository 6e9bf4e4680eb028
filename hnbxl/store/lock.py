"""One compile at a time per working folder: an OS file lock held for the whole command.

``fcntl.flock`` on the working folder itself (a descriptor of the directory,
so no lock file is left behind): the kernel releases it when the process
ends, however it ends, so a killed compile never leaves a stale lock.
Only commands that write the history or publish files (compile, recovery)
take it; reading the history needs no lock (SQLite keeps readers consistent).
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hnbxl.core.issues import HnbxlError

#: Seconds a compile waits for another one in the same folder (HNBXL_LOCK_TIMEOUT overrides).
DEFAULT_TIMEOUT = 600.0
#: A short wait before saying anything: a reader recovering the folder holds it briefly.
QUIET_WAIT = 1.0
WAITING = "another hnbxl is compiling in this folder; waiting..."


class FolderBusy(HnbxlError):
    """Another hnbxl held the folder's lock for longer than the timeout."""


def _timeout() -> float:
    try:
        return float(os.environ.get("HNBXL_LOCK_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def _open(root: Path) -> int:
    return os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def _try(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise


@contextmanager
def folder_lock(root: Path, on_wait: Callable[[str], None] | None = None,
                timeout: float | None = None) -> Iterator[None]:
    """Hold the folder's lock; wait for another holder (saying so once), or fail clearly."""
    root.mkdir(parents=True, exist_ok=True)
    fd = _open(root)
    try:
        limit = _timeout() if timeout is None else timeout
        start = time.monotonic()
        said = False
        while not _try(fd):
            waited = time.monotonic() - start
            if waited >= limit:
                raise FolderBusy(
                    f"{root}: another hnbxl has been compiling in this folder for "
                    f"{waited:.0f} s; try again when it has finished (HNBXL_LOCK_TIMEOUT sets "
                    "how long to wait)")
            if not said and waited >= min(QUIET_WAIT, limit) and on_wait is not None:
                on_wait(WAITING)
                said = True
            time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def try_folder_lock(root: Path) -> Iterator[bool]:
    """The lock if it is free now (True), else False at once; never waits, never fails.

    A folder that cannot be opened yields False: nothing can be repaired there.
    """
    try:
        fd = _open(root)
    except OSError:
        yield False
        return
    try:
        yield _try(fd)
    finally:
        os.close(fd)
