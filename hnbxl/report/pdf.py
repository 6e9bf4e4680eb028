"""Running LibreOffice so that it never outlives hnbxl, and the PDF's dates.

LibreOffice runs in a process group of its own (``start_new_session``), so it
can be ended as a whole (the ``soffice`` launcher starts ``soffice.bin`` as a
child).  hnbxl ends that group itself on success, error, timeout, Ctrl-C or
SIGTERM.  For the ends it cannot see (SIGKILL, a crash), a small watchdog
process is started first: it waits on a pipe only hnbxl holds, and when the
pipe closes without a word from hnbxl it kills the group and removes the
temporary folder.

LibreOffice stamps the PDF with the time it ran and embeds a randomised font
subset, so PDFs are never byte-identical; the workbook is the byte-identical
record.  What can be fixed is fixed: the creation date is the report's
"extracted on" date.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

_WATCHDOG = r"""
import os, shutil, signal, sys
group = None
for line in sys.stdin:
    line = line.strip()
    if line == "done":
        sys.exit(0)
    group = int(line)
if group is not None:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
shutil.rmtree(sys.argv[1], ignore_errors=True)
"""


class Watchdog:
    """Kills a process group and removes a folder if this process dies without saying done."""

    def __init__(self, folder: Path):
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _WATCHDOG, str(folder)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            close_fds=True)

    def watch(self, group: int) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(f"{group}\n".encode())
        self._proc.stdin.flush()

    def done(self) -> None:
        with contextlib.suppress(OSError):
            assert self._proc.stdin is not None
            self._proc.stdin.write(b"done\n")
            self._proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=5)


def kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


_STOPPING = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP")
                  if hasattr(signal, n))


class DeferredSignals:
    """Holds Ctrl-C, SIGTERM and SIGHUP while a converter is started or ended.

    A signal handler raises where the interpreter happens to be.  Between
    ``Popen`` returning and the group being recorded, or inside the cleanup
    before ``killpg`` ran, that exception would leave LibreOffice running with
    nobody to end it (and the watchdog told "done").  Inside this context such
    signals are only noted; :meth:`released` lets them act (for the wait on
    the converter, where the cleanup is ready), and leaving the context
    replays any that came, after the cleanup has run.  Python sets signal
    handlers only in the main thread; elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self._caught: list[tuple[int, Any]] = []
        self._old: dict[int, Any] = {}
        self._active = threading.current_thread() is threading.main_thread()

    def _note(self, signum: int, frame: Any) -> None:
        self._caught.append((signum, frame))

    def _hold(self) -> None:
        if self._active:
            for signum in _STOPPING:
                self._old[signum] = signal.signal(signum, self._note)

    def _let_go(self) -> None:
        """Put the usual handlers back, then act on what was held, in order."""
        for signum, handler in self._old.items():
            signal.signal(signum, handler)
        caught, self._caught = self._caught, []
        for signum, frame in caught:
            handler = self._old.get(signum, signal.SIG_DFL)
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)

    def __enter__(self) -> DeferredSignals:
        self._hold()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._active:
            self._let_go()

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Signals act at once inside this block (held ones first); held again after."""
        if not self._active:
            yield
            return
        try:
            self._let_go()
            yield
        finally:
            self._hold()


def run_grouped(command: list[str], folder: Path, timeout: float) -> tuple[int, str]:
    """Run ``command`` in its own process group, watched; returns (exit code, output).

    Raises :class:`subprocess.TimeoutExpired` after ``timeout`` seconds; in
    every case the whole group is gone when this returns or raises, a signal
    included (it is held while the group is started and ended, and acted on
    once the group is gone).
    """
    with DeferredSignals() as signals:
        watchdog = Watchdog(folder)
        try:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    close_fds=True)
            try:
                watchdog.watch(proc.pid)
                with signals.released():
                    out, _ = proc.communicate(timeout=timeout)
            finally:
                kill_group(proc.pid)
                with contextlib.suppress(Exception):
                    proc.communicate(timeout=5)
            return proc.returncode, (out or b"").decode("utf-8", "replace")
        finally:
            watchdog.done()


_CREATION = re.compile(rb"/CreationDate\(D:(\d{14})")


def stamp_date(pdf: bytes, when: date) -> bytes:
    """Set the PDF's creation date to ``when`` (same length, so offsets stay valid)."""
    stamp = when.strftime("%Y%m%d000000").encode()
    return _CREATION.sub(lambda m: b"/CreationDate(D:" + stamp, pdf, count=1)
