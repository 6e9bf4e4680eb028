"""The read cache: a compile reuses what ``validate`` read of the very same bytes.

``validate`` keeps each file's reading (its :class:`~hnbxl.returns.read.Sent`
record, as a worker sends it back) in ``.hnbxl-cache/`` in the working
folder; ``compile`` hashes each file and, where an entry for those bytes
exists, takes the reading from it instead of parsing the workbook again.  The
layout and definition version are rebuilt from the current definition and
history, exactly as for a read from a worker process
(:func:`~hnbxl.returns.read.restore`), so the result is the one reading gives.

An entry is trusted only for what it was made under, all of it in its key:
the file's SHA-256 and the name it was given as (issues quote it), hnbxl's
version and the stamp of its code, Python's version, the form schema, the
programme and its definition hash, the history file and the state of what a
read consults there (compiles and stored definitions).  Anything else is a
miss, and a miss is read as if there were no cache.

Safety (the folder is on disk, perhaps a shared one):

* the folder is opened once, without following a symbolic link, and used
  only if it is a folder of this user that no one else may write; every file
  in it is opened relative to it, never through a link;
* entries are authenticated with HMAC-SHA256 under a random key kept in the
  folder (``key``, mode 0600, made once with an exclusive name and a link);
  then unpickled by an unpickler that makes only a read's own records
  (:func:`~hnbxl.returns.packing.unpacked_stored`);
* a damaged, truncated, foreign or forged entry is a miss, never an error;
* entries are written whole: an exclusive temporary name, then a rename;
* the folder is bounded (:data:`MAX_BYTES`): after ``validate`` stores, the
  oldest entries go first.  Where these cannot be had (no ``dir_fd`` support,
  as on Windows), there is no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import pickle
import re
import secrets
import stat
import struct
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path

from hnbxl.core.errors import HnbxlError
from hnbxl.core.fileio import is_temp_name, temp_name
from hnbxl.forms.layout import FORM_SCHEMA
from hnbxl.programme.definition import Programme
from hnbxl.returns.packing import pickler, unpacked_stored
from hnbxl.returns.read import Sent
from hnbxl.store.history import History
from hnbxl.xlsx.safety import DEFAULT_LIMITS

__all__ = ["CACHE_FOLDER", "MAX_BYTES", "ReadCache"]

CACHE_FOLDER = ".hnbxl-cache"
#: The most the entries may take; the oldest go first.  A reading is some tens
#: of kilobytes, so this holds a few thousand.
MAX_BYTES = 128 * 1024 * 1024
#: The most one pack holds (a run with more starts another): what a lookup holds
#: in memory at once, some thousands of readings.
_MAX_PACK = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
#: Readings packed together (see :meth:`ReadCache.store`).
_BATCH = 64
_KEY_FILE = "key"
_SUFFIX = ".pack"
_PACK_NAME = re.compile(r"^[0-9a-f]{32}-[0-9a-f]{16}\.pack$")
_MAGIC = b"hnbxl-read-cache\x00\x02"
_TAG = 32
_STALE_TEMP = 3600  # seconds: a temporary file this old was left by a run that died
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_SUPPORTED = bool(_NOFOLLOW) and hasattr(os, "O_DIRECTORY") and all(
    f in os.supports_dir_fd for f in (os.open, os.rename, os.unlink, os.link)) and \
    os.scandir in os.supports_fd and hasattr(os, "pread")


@contextlib.contextmanager
def cache_for(root: Path, programme: Programme, history: History, *, storing: bool,
              enabled: bool = True) -> Iterator[ReadCache | None]:
    """A run's cache for the working folder ``root`` (None when ``enabled`` is False or
    there is none to use), closed when the run ends; a run that fails or is
    interrupted keeps nothing of what it stored."""
    cache = ReadCache.open(root, programme, history, storing=storing) if enabled else None
    if cache is None:
        yield None
        return
    try:
        yield cache
    except BaseException:
        cache.close(keep=False)
        raise
    cache.close()


class ReadCache:
    """One run's use of a working folder's cache (close it: it holds the folder
    open).  Open it with :meth:`open`; ``storing`` says whether this run keeps
    its readings (``validate``) or only looks them up (``compile``).

    A run's readings go into one pack file (a new file per reading cost half a
    millisecond each to create here, more on a shared drive): the readings one
    after the other in batches, then their index (each one's file SHA-256, name,
    and its batch's offset, length and SHA-256, and its place in the batch) and
    the key text, then the HMAC of all of it.  A pack's name starts
    with the hash of the key it was made under, so a run opens only its own.
    """

    def __init__(self, folder: int, key: bytes, context: str, storing: bool,
                 limit: int = MAX_BYTES) -> None:
        self._folder, self._key, self._context = folder, key, context
        self.storing, self.limit = storing, limit
        self.hits = self.misses = self.stored = self.ignored = 0
        self._prefix = hashlib.sha256(context.encode("utf-8")).hexdigest()[:32] + "-"
        self._packs = sorted(e.name for e in _entries(folder) if e.name.startswith(self._prefix))
        self._writing: _PackWriter | None = None
        self._buffer = io.BytesIO()
        self._stream: pickle.Pickler | None = None
        self._keys: list[tuple[str, str]] = []

    @classmethod
    def open(cls, root: Path, programme: Programme, history: History, *, storing: bool,
             limit: int = MAX_BYTES) -> ReadCache | None:
        """The cache of the working folder ``root``, or None where there is none to
        use (unsupported platform, a folder that is not safely ours, no folder and
        ``storing`` False, an unreadable history).  Never raises for the folder."""
        if not _SUPPORTED:
            return None
        try:
            folder = _open_folder(Path(root) / CACHE_FOLDER, storing)
        except OSError:
            return None
        if folder is None:
            return None
        try:
            key = _folder_key(folder, storing)
            if key is not None:
                return cls(folder, key, _context(programme, history), storing, limit)
        except (OSError, HnbxlError):
            pass
        os.close(folder)
        return None

    def close(self, keep: bool = True) -> None:
        """Put this run's pack in place (``keep``; else drop it: an interrupted run),
        evict the oldest packs past :attr:`limit`, and let the folder go."""
        if self._folder < 0:
            return
        try:
            if keep:
                self._flush()
            if self._writing is not None:
                with contextlib.suppress(OSError):
                    self._writing.finish(keep)
                self._writing = None
            if keep and self.stored:
                with contextlib.suppress(OSError):
                    self._evict()
        finally:
            os.close(self._folder)
            self._folder = -1

    # -- looking up

    def lookup_all(self, paths: Sequence[Path]) -> list[Sent | None]:
        """For each path, the stored reading of the bytes now there, given under
        that name; or None (read it)."""
        found: list[Sent | None] = [None] * len(paths)
        if self._packs:  # else there is nothing to hash the files for
            wanted: dict[tuple[str, str], list[int]] = {}
            for i, path in enumerate(paths):
                sha256 = _file_sha256(path)
                if sha256 is not None:
                    wanted.setdefault((sha256, str(path)), []).append(i)
            for name in reversed(self._packs):  # the newest first
                if not wanted:
                    break
                got = self._load(name, wanted)
                for (sha256, display), sent in got:
                    for i in wanted.pop((sha256, display)):
                        found[i] = sent
                if got and self.storing and os.utime in os.supports_dir_fd:
                    with contextlib.suppress(OSError):  # in use: the last to go
                        os.utime(name, dir_fd=self._folder)
        self.hits += sum(sent is not None for sent in found)
        self.misses += sum(sent is None for sent in found)
        return found

    def _load(self, name: str, wanted: dict[tuple[str, str], list[int]]
              ) -> list[tuple[tuple[str, str], Sent]]:
        """The readings ``wanted`` that the pack ``name`` holds: any damage is a miss.

        The pack is never held whole (a compile of 1,000 returns would hold 8 MB
        more): its HMAC is checked in chunks, then each reading wanted is read on
        its own and checked against its SHA-256 in the (authenticated) index, so a
        pack changed after the check cannot slip a reading in."""
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=self._folder)
        except OSError:
            self.ignored += 1
            return []
        try:
            return self._load_open(fd, wanted)
        except Exception:  # any damage is a miss: read the files instead
            self.ignored += 1
            return []
        finally:
            os.close(fd)

    def _load_open(self, fd: int, wanted: dict[tuple[str, str], list[int]]
                   ) -> list[tuple[tuple[str, str], Sent]]:
        info = os.fstat(fd)
        signed = info.st_size - _TAG  # what the HMAC covers
        if (not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_PACK
                or signed < len(_MAGIC) + 4 or os.pread(fd, len(_MAGIC), 0) != _MAGIC):
            raise ValueError("not a pack")
        mac = hmac.new(self._key, digestmod="sha256")
        position = 0
        while position < signed:
            chunk = os.pread(fd, min(_CHUNK, signed - position), position)
            if not chunk:
                raise ValueError("cut short")
            mac.update(chunk)
            position += len(chunk)
        if not hmac.compare_digest(os.pread(fd, _TAG, signed), mac.digest()):
            raise ValueError("not authentic")
        (size,) = struct.unpack(">I", os.pread(fd, 4, signed - 4))
        end = signed - 4 - size  # where the readings end and the index starts
        index = json.loads(os.pread(fd, size, end).decode("utf-8"))
        if index["context"] != self._context:
            return []
        batches: dict[tuple[int, int, str], list[tuple[int, str, str]]] = {}
        for sha256, display, offset, length, digest, place in index["entries"]:
            if (sha256, display) in wanted and type(offset) is int and type(length) is int \
                    and len(_MAGIC) <= offset <= offset + length <= end and type(place) is int:
                batches.setdefault((offset, length, digest), []).append((place, sha256, display))
        got = []
        for (offset, length, digest), places in batches.items():
            data = os.pread(fd, length, offset)
            if hashlib.sha256(data).hexdigest() != digest:
                continue
            if not all(0 <= place < _BATCH for place, _sha, _name in places):
                continue
            batch = unpacked_stored(data, 1 + max(place for place, _sha, _name in places))
            for place, sha256, display in places:
                sent = batch[place]
                if (isinstance(sent, Sent) and sent.read.sha256 == sha256
                        and sent.read.display == display and sent.read.layout is None
                        and sent.read.made_from is None):
                    got.append(((sha256, display), sent))
        return got

    # -- storing

    def store(self, sent: Sent) -> None:
        """Keep ``sent`` (a read as :func:`~hnbxl.returns.read.sent_back` makes it), as
        it is now: it is pickled at once (the checks across files add to a read later).

        Readings are pickled :data:`_BATCH` to a stream, as a worker's are sent back:
        the field keys, sheet names and cells they share are written once per batch
        and come back shared (one pickle each, 1,000 readings took 12 MiB more in
        compile).  A read with no hash (the file could not be opened) is not kept;
        a write that fails (a full disk) stops this run's storing, silently."""
        if not self.storing or not sent.read.sha256:
            return
        if self._stream is None:
            self._buffer = io.BytesIO()
            self._stream = pickler(self._buffer)
        try:
            self._stream.dump(sent)
        except Exception:  # a value that cannot be kept (none known): drop the batch
            self._stream, self._keys = None, []
            return
        self._keys.append((sent.read.sha256, sent.read.display))
        self.stored += 1
        if len(self._keys) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        keys, data = self._keys, self._buffer.getvalue()
        self._stream, self._keys, self._buffer = None, [], io.BytesIO()
        if not keys or not self.storing:
            return
        try:
            if self._writing is not None and self._writing.size + len(data) > _MAX_PACK:
                self._writing.finish(True)
                self._writing = None
            if self._writing is None:
                self._writing = _PackWriter(self._folder, self._key, self._context,
                                            self._prefix + secrets.token_hex(8) + _SUFFIX)
            self._writing.add(keys, data)
        except OSError:
            self.storing = False
            if self._writing is not None:
                with contextlib.suppress(OSError):
                    self._writing.finish(False)
                self._writing = None

    def _evict(self) -> None:
        now = time.time()
        kept: list[tuple[float, int, str]] = []
        for entry in _entries(self._folder, temp=True):
            info = entry.stat(follow_symlinks=False)
            if is_temp_name(entry.name):
                if now - info.st_mtime > _STALE_TEMP:
                    os.unlink(entry.name, dir_fd=self._folder)
                continue
            kept.append((info.st_mtime, info.st_size, entry.name))
        total = sum(size for _t, size, _n in kept)
        for _mtime, size, name in sorted(kept):
            if total <= self.limit:
                break
            with contextlib.suppress(FileNotFoundError):  # another run evicted it
                os.unlink(name, dir_fd=self._folder)
            total -= size


class _PackWriter:
    """A pack being written: to an exclusive temporary name, renamed when finished."""

    def __init__(self, folder: int, key: bytes, context: str, name: str) -> None:
        self.folder, self.context, self.name = folder, context, name
        self.tmp = temp_name(Path(name)).name
        self.fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                          0o600, dir_fd=folder)
        self.mac = hmac.new(key, digestmod="sha256")
        self.entries: list[tuple[str, str, int, int, str, int]] = []
        self.size = 0
        try:
            self._out(_MAGIC)
        except BaseException:
            self.finish(False)
            raise

    def _out(self, data: bytes) -> None:
        _write(self.fd, data)
        self.mac.update(data)
        self.size += len(data)

    def add(self, keys: list[tuple[str, str]], data: bytes) -> None:
        """A batch of readings (``data``, one pickled list) and each one's (file
        SHA-256, name), found again by its place in the list."""
        digest = hashlib.sha256(data).hexdigest()
        self.entries.extend((sha256, display, self.size, len(data), digest, place)
                            for place, (sha256, display) in enumerate(keys))
        self._out(data)

    def finish(self, keep: bool) -> None:
        """Index and HMAC written and the pack renamed into place (``keep``), or dropped."""
        if self.fd < 0:
            return
        try:
            if keep:
                index = json.dumps({"context": self.context, "entries": self.entries}
                                   ).encode("utf-8")
                self._out(index + struct.pack(">I", len(index)))
                _write(self.fd, self.mac.digest())
        except BaseException:
            keep = False
            raise
        finally:
            os.close(self.fd)
            self.fd = -1
            try:
                if keep:
                    os.rename(self.tmp, self.name, src_dir_fd=self.folder,
                              dst_dir_fd=self.folder)
            finally:
                with contextlib.suppress(OSError):  # gone once renamed
                    os.unlink(self.tmp, dir_fd=self.folder)


# --------------------------------------------------------------------------- helpers


def _entries(folder: int, temp: bool = False) -> list[os.DirEntry[str]]:
    """The folder's packs (and, with ``temp``, hnbxl's temporary files in it)."""
    with os.scandir(folder) as found:
        return [e for e in found if _PACK_NAME.match(e.name)
                or (temp and is_temp_name(e.name))]


def _ours(info: os.stat_result, private: int) -> bool:
    """Owned by this user (where there are users) and not open to others (``private``)."""
    owner = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owner and not info.st_mode & private


def _open_folder(path: Path, create: bool) -> int | None:
    """The cache folder, opened without following a link; None unless it is safely ours."""
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)  # not the working folder: that must exist
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError:  # absent, a link (ELOOP), a file
        return None
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode) and _ours(info, 0o022):
        return fd
    os.close(fd)
    return None


def _folder_key(folder: int, create: bool) -> bytes | None:
    """The folder's HMAC key: made once (racing runs agree on one), 0600, 32 bytes."""
    try:
        fd = os.open(_KEY_FILE, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=folder)
    except FileNotFoundError:
        if not create:
            return None
        tmp = temp_name(Path(_KEY_FILE)).name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600,
                     dir_fd=folder)
        try:
            try:
                _write(fd, secrets.token_bytes(_TAG))
                os.fsync(fd)
            finally:
                os.close(fd)
            with contextlib.suppress(FileExistsError):  # another run's key came first
                os.link(tmp, _KEY_FILE, src_dir_fd=folder, dst_dir_fd=folder,
                        follow_symlinks=False)
        finally:
            os.unlink(tmp, dir_fd=folder)
        return _folder_key(folder, False)
    try:
        info = os.fstat(fd)
        if not (stat.S_ISREG(info.st_mode) and _ours(info, 0o077) and info.st_size == _TAG):
            return None
        key = os.read(fd, _TAG + 1)
    finally:
        os.close(fd)
    return key if len(key) == _TAG else None


def _write(fd: int, data: bytes) -> None:
    """Every byte (short writes retried); not synced: a cache entry lost in a crash is
    a miss, and one cut short fails its HMAC."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _file_sha256(path: Path) -> str | None:
    """SHA-256 of a regular file the reader would take (not a pipe or a device, within
    its size limit); None for anything else, which is then read as usual."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > DEFAULT_LIMITS.max_file_bytes:
            return None
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1024 * 1024):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


@cache
def _code_stamp() -> str:
    """hnbxl's code as installed: every module's name, size and time (a changed
    checkout without a new version number is another hnbxl)."""
    from hnbxl import __version__

    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = hashlib.sha256(__version__.encode())
    for folder, subfolders, names in sorted(os.walk(top)):
        subfolders.sort()
        for name in sorted(names):
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{os.path.relpath(folder, top)}/{name}\0{info.st_size}\0"
                              f"{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _context(programme: Programme, history: History) -> str:
    """What every entry of this run is made under (see the module's docstring)."""
    with history.reading() as conn:
        compiles = conn.execute(
            "SELECT id, programme, period, state FROM compiles ORDER BY id").fetchall()
        definitions = conn.execute("SELECT hash FROM definitions ORDER BY hash").fetchall()
    return json.dumps({
        "code": _code_stamp(), "python": sys.version, "unicode": unicodedata.unidata_version,
        "form_schema": FORM_SCHEMA, "programme": programme.id, "definition": programme.hash,
        "history": str(history.path),
        "history_state": hashlib.sha256(repr((compiles, definitions)).encode()).hexdigest(),
    }, sort_keys=True)
