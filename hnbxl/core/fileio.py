"""Writing files whole and hashing them: one way for every file hnbxl touches.

A failed run must change no file (see the README's design decisions), so
every output is written to a temporary file in its own folder, synced, and
only then renamed over the old one: a reader sees the old file or the new
one, never a part.  Hashes are hex SHA-256, the provenance recorded for every
return read and every output written.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import threading
from collections.abc import Sequence
from pathlib import Path

from hnbxl.core.errors import WriteError

_CHUNK = 1024 * 1024
_UMASK_LOCK = threading.Lock()


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``: the provenance hash recorded for every value read."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | str) -> str:
    """Hex SHA-256 of a file, read in chunks (an output may be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def normal_file_mode() -> int:
    """The mode any program gives a new file here: 0666 less the process's umask.

    A temporary file is created private (0600); kept as is, a form on a shared
    drive would open for nobody but its writer.  Reading the umask means setting
    it, so that is done briefly under a lock.
    """
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


#: Every temporary file hnbxl makes ends so, after a token unique to the run: the
#: recovery sweep removes only names of this shape, never another program's ``.x.tmp``.
TEMP_SUFFIX = ".hnbxl.tmp"
_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{12}" + re.escape(TEMP_SUFFIX) + "$")
_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def temp_name(path: Path, token: str | None = None) -> Path:
    """``.report.xlsx.<12 hex>.hnbxl.tmp`` beside ``path``: unique to the run, hnbxl's own."""
    return path.with_name(f".{path.name}.{token or secrets.token_hex(6)}{TEMP_SUFFIX}")


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is one :func:`temp_name` makes (what the sweep may remove)."""
    return bool(_TEMP_NAME.match(name))


def create_exclusive(path: Path) -> int:
    """Open a new file for writing; never an existing one, never through a symlink.

    ``O_EXCL`` refuses any name already there (a planted file or symlink), and
    ``O_NOFOLLOW`` refuses a symlink even where ``O_EXCL`` is weak (NFS).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    return os.open(path, flags, 0o600)


def write_all(fd: int, data: bytes) -> None:
    """Every byte of ``data`` to ``fd``, then synced (short writes are retried)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def ensure_folder(folder: Path) -> None:
    """Make ``folder`` (and its parents), with one clear line when that cannot be done.

    A dangling symbolic link (a share that is not mounted), a link to a file
    or a file where a folder is wanted each get their own words, instead of
    the operating system's "File exists".
    """
    for part in (*reversed(folder.parents), folder):
        if part.is_symlink() and not part.exists():
            raise WriteError(f"{part}: is a symbolic link to {os.readlink(part)}, which does "
                             "not exist (a share that is not mounted?); mount it, or remove "
                             "the link, and run again")
        if part.exists() and not part.is_dir():
            what = "a link to a file" if part.is_symlink() else "a file"
            raise WriteError(f"{part}: is {what}, not a folder, so {folder} cannot be made "
                             "there; choose another place")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"{folder}: the folder could not be made "
                         f"({exc.strerror or exc})") from exc


def write_failure(path: Path | str, exc: OSError) -> str:
    """Why ``path`` could not be written, naming it: a full disk and a size limit in words."""
    if exc.errno == errno.EFBIG:
        why = "a file-size limit was reached"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "the disk is full"
    else:
        why = exc.strerror or str(exc)
    return f"{path}: could not write ({why}); nothing was changed"


def is_full(exc: OSError) -> bool:
    """A full disk, a quota or a file-size limit."""
    return exc.errno in _FULL


def write_atomically(*outputs: tuple[Path | str, bytes],
                     error: type[WriteError] = WriteError) -> None:
    """Write each ``(path, data)`` via a temporary file in the path's own folder.

    Folders are made as needed.  Every file is written and synced before any
    is renamed into place, so with several outputs a failure part way leaves
    all the old files; an existing file keeps its permissions, a new one gets
    :func:`normal_file_mode`.  Temporary files are created exclusively under
    names unique to the run (:func:`temp_name`), so a symlink planted in the
    folder is never written through.  A file-system error becomes ``error``
    naming the file; the temporary files always go.
    """
    staged: list[tuple[Path, Path]] = []
    current = Path(outputs[0][0])
    try:
        for path, data in outputs:
            path = current = Path(path)
            ensure_folder(path.parent)
            mode = (path.stat().st_mode & 0o777) if path.is_file() else normal_file_mode()
            tmp = temp_name(path)
            fd = create_exclusive(tmp)
            staged.append((tmp, path))
            try:
                write_all(fd, data)
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
        while staged:
            tmp, current = staged[0]
            os.replace(tmp, current)
            staged.pop(0)
    except OSError as exc:
        raise error(write_failure(current, exc)) from exc
    finally:
        for tmp, _path in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def unique_paths(paths: Sequence[Path | str]) -> tuple[Path, ...]:
    """Return paths as given, each file once (however it was spelled), in a stable order."""
    seen: dict[str, Path] = {}
    for path in paths:
        seen.setdefault(str(Path(path).resolve()), Path(path))
    return tuple(sorted(seen.values(), key=str))


__all__ = ["TEMP_SUFFIX", "create_exclusive", "ensure_folder", "is_full", "is_temp_name",
           "normal_file_mode", "sha256_file", "sha256_hex", "temp_name", "unique_paths",
           "write_all", "write_atomically", "write_failure"]
