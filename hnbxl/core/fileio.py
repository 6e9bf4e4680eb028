"""Writing files whole and hashing them: one way for every file hnbxl touches.

A failed run must change no file (see the README's design decisions), so
every output is written to a temporary file in its own folder, synced, and
only then renamed over the old one: a reader sees the old file or the new
one, never a part.  Hashes are hex SHA-256, the provenance recorded for every
return read and every output written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
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


def write_atomically(*outputs: tuple[Path | str, bytes],
                     error: type[WriteError] = WriteError) -> None:
    """Write each ``(path, data)`` via a temporary file in the path's own folder.

    Folders are made as needed.  Every file is written and synced before any
    is renamed into place, so with several outputs a failure part way leaves
    all the old files; an existing file keeps its permissions, a new one gets
    :func:`normal_file_mode`.  A file-system error becomes ``error`` naming
    the file; the temporary files always go.
    """
    staged: list[tuple[str, Path]] = []
    current = Path(outputs[0][0])
    try:
        for path, data in outputs:
            path = current = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            mode = (path.stat().st_mode & 0o777) if path.exists() else normal_file_mode()
            with tempfile.NamedTemporaryFile(
                dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
            ) as handle:
                staged.append((handle.name, path))
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(handle.name, mode)
        while staged:
            tmp_name, current = staged[0]
            os.replace(tmp_name, current)
            staged.pop(0)
    except OSError as exc:
        raise error(f"{current}: could not write ({exc.strerror or exc})") from exc
    finally:
        for tmp_name, _path in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


__all__ = ["normal_file_mode", "sha256_file", "sha256_hex", "write_atomically"]
