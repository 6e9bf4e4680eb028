"""Publishing a compile with one commit point, and putting a folder right after a crash.

History is the truth.  A compile is published in four steps:

1. **pending**: one transaction records the compile, with the name and SHA-256
   of every file it will publish and the compile-unique name it is staged under;
2. **stage**: each file is written and synced under that staging name;
3. **rename**: each staged file is renamed to its final name.  Final names are
   never shared with another compile (a recompile's report is ``…-v2.xlsx``;
   a kept return's name is its SHA-256), so a rename never replaces a file
   any other compile relies on;
4. **done**: one transaction marks the compile done and the one it replaces
   as replaced.  That ``COMMIT`` is the commit point.

A failure in the process undoes steps 1-3 at once.  A crash (kill, power cut)
leaves a pending record, and :func:`recover`, which every command that opens
the working folder runs first, finishes the compile when every file is
there (staged or renamed) with its recorded SHA-256, and otherwise removes
the files the compile created and then its record.  Either way disk and
history agree again before anything else happens.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hnbxl.core.fileio import (
    TEMP_SUFFIX,
    create_exclusive,
    ensure_folder,
    is_temp_name,
    normal_file_mode,
    sha256_file,
    temp_name,
    write_all,
)
from hnbxl.core.issues import HnbxlError
from hnbxl.core.periods import Period, PeriodError
from hnbxl.store.faults import crash_point
from hnbxl.store.history import History, NewCompile, PublishedFile
from hnbxl.store.lock import try_folder_lock

_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
STAGED_SUFFIX = TEMP_SUFFIX


class DiskFull(HnbxlError):
    """The disk (or a file-size limit) stopped a write; nothing was published."""


@dataclass(frozen=True)
class FileToPublish:
    kind: str  # "output", "pdf" or "return"
    path: Path  # final name
    data: bytes
    sha256: str
    existing: bool = False  # already there with exactly this content: nothing to write


def stored_path(path: Path, root: Path) -> str:
    """``path`` as history keeps it: relative to the working folder when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return str(absolute)


def resolve(stored: str, root: Path) -> Path:
    path = Path(stored)
    return path if path.is_absolute() else root / path


def _staged(path: Path, token: str) -> Path:
    return temp_name(path, token)


def write_synced(path: Path, data: bytes) -> None:
    """A new staging file, created exclusively (never through a planted symlink), synced."""
    ensure_folder(path.parent)
    fd = create_exclusive(path)
    try:
        write_all(fd, data)
        os.fchmod(fd, normal_file_mode())
    finally:
        os.close(fd)


def _sync_dirs(paths: Sequence[Path]) -> None:
    for folder in {p.parent for p in paths}:
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def disk_full(exc: OSError, root: Path, writing: Path, needed: int) -> DiskFull:
    """One line naming the working folder and how much space the compile needed."""
    try:
        free = f"{shutil.disk_usage(writing.parent).free // 1024:,} KB free"
    except OSError:
        free = "free space unknown"
    why = ("a file-size limit was reached" if exc.errno == errno.EFBIG
           else "the disk is full")
    return DiskFull(
        f"{root}: {why} while writing {stored_path(writing, root)}; this compile needs about "
        f"{max(needed // 1024, 1):,} KB ({free}). Free some space and compile again; "
        "nothing was published and nothing was recorded")


class InterruptedAfterCommit(KeyboardInterrupt):
    """A Ctrl-C that arrived after the commit point: the compile *is* recorded.

    Public so that a caller (the CLI) can catch it by type and say which
    compile was recorded; it is still a KeyboardInterrupt for everyone else.
    """

    def __init__(self, compile_id: int):
        super().__init__(compile_id)
        self.compile_id = compile_id


def publish(history: History, root: Path, new: NewCompile,
            files: Sequence[FileToPublish]) -> int:
    """Record, stage, rename, mark done; returns the compile's id.

    Any exception (a Ctrl-C included) before the commit point takes back
    everything this call did.  After it, the compile stands: an error is
    ignored (the files and the record are complete) and a Ctrl-C becomes
    :class:`InterruptedAfterCommit`, so the command can say it was recorded.
    """
    token = secrets.token_hex(6)
    plan = [(f, _staged(f.path, token)) for f in files]
    needed = sum(len(f.data) for f in files if not f.existing)
    record = [PublishedFile(f.kind, stored_path(f.path, root), f.sha256,
                            stored_path(staged, root), not f.existing) for f, staged in plan]
    for f in files:
        if f.path.is_dir():
            raise HnbxlError(f"{f.path}: is a folder; the {f.kind} file cannot be written "
                             "there. Move the folder away or choose another --out")
    compile_id = history.record_pending(new, record)
    current = root
    try:
        for number, (f, staged) in enumerate(plan):
            if f.existing:
                continue
            current = f.path  # named as the officer will know it, not the hidden staging name
            crash_point(f"stage:{number}:{f.kind}")
            write_synced(staged, f.data)
        _sync_dirs([staged for _f, staged in plan])
        for number, (f, staged) in enumerate(plan):
            if f.existing:
                continue
            current = f.path
            crash_point(f"rename:{number}:{f.kind}")
            os.replace(staged, f.path)
        _sync_dirs([f.path for f in files])
        crash_point("renamed")
        history.mark_done(compile_id)
    except BaseException as exc:
        try:
            done = history.state(compile_id) == "done"
        except Exception:
            done = False
        if done:  # the commit point was passed: the compile stands
            if isinstance(exc, KeyboardInterrupt):
                raise InterruptedAfterCommit(compile_id) from None
            return compile_id
        with contextlib.suppress(Exception):
            _roll_back(history, root, compile_id, record)
        if isinstance(exc, OSError) and exc.errno in _FULL:
            raise disk_full(exc, root, current, needed) from None
        raise
    return compile_id


def _roll_back(history: History, root: Path, compile_id: int,
               files: Sequence[PublishedFile]) -> None:
    """Remove what a pending compile put on disk, then its record (in that order)."""
    removed = []
    for f in files:
        staged = resolve(f.staged, root)
        staged.unlink(missing_ok=True)
        if f.created:
            final = resolve(f.path, root)
            final.unlink(missing_ok=True)
            removed.append(final)
    _sync_dirs(removed)
    history.forget_pending(compile_id)


def _complete(root: Path, files: Sequence[PublishedFile]) -> bool:
    """Rename staged files whose content is right; True when every file is in place."""
    ready: list[tuple[Path, Path]] = []
    for f in files:
        final, staged = resolve(f.path, root), resolve(f.staged, root)
        if _has(final, f.sha256):
            continue
        if f.created and _has(staged, f.sha256):
            ready.append((staged, final))
            continue
        return False
    for staged, final in ready:
        os.replace(staged, final)
    _sync_dirs([final for _staged, final in ready])
    return True


def _has(path: Path, digest: str) -> bool:
    try:
        return path.is_file() and sha256_file(path) == digest
    except OSError:
        return False


def _period_words(key: str) -> str:
    """A period as the officer reads it (``Feb-24``); the stored key if it will not parse."""
    try:
        return Period.parse(key).label
    except PeriodError:
        return key


def recover(history: History, root: Path, sweep: Sequence[Path] = ()) -> list[str]:
    """Finish or undo every pending compile; the caller holds the folder's lock.

    Returns one line per compile put right, for the command to print.  Also
    removes staging files no record names (left by a crash before the pending
    record) from the folders in ``sweep``: only names hnbxl makes
    (:func:`~hnbxl.core.fileio.is_temp_name`), never another program's
    ``.something.tmp`` (a sync client's, an editor's).
    """
    notes = []
    for compile_id, programme, period, files in history.pending():
        which = f"compile {compile_id} ({_period_words(period)}, {programme})"
        if _complete(root, files):
            history.mark_done(compile_id)
            notes.append(f"finished {which}, which was "
                         "interrupted after its files were written")
        else:
            _roll_back(history, root, compile_id, files)
            notes.append(f"undid {which}, which was "
                         "interrupted before it was recorded; its files were removed")
    for folder in sweep:
        with contextlib.suppress(OSError):
            for path in folder.iterdir():
                name = path.name
                if is_temp_name(name) and path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)
    return notes


def recover_if_free(history: History, root: Path, sweep: Sequence[Path] = ()) -> list[str]:
    """For read-only commands: put the folder right unless a compile is running now.

    A running compile holds the lock and its pending record is not a crash;
    its record is invisible to readers meanwhile, so they read the last
    done state.
    """
    if not root.is_dir() or not history.path.is_file():
        return []
    with try_folder_lock(root) as locked:
        if not locked:
            return []
        return recover(history, root, sweep)
