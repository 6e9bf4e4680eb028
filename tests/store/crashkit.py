"""Killing compiles on purpose and checking what they leave; used by tests and benchmarks.

A compile runs in a forked child (the parent's modules are already imported,
so a run costs the compile alone), which dies by ``os._exit`` at a named step
(``HNBXL_CRASH_AT``) or by SIGKILL from the parent at a chosen moment.  After
each death, :func:`check_agreement` runs the next command's recovery and
checks that disk and history agree.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hnbxl.store.workspace import Workspace, init_workspace

ROOT = Path(__file__).resolve().parents[2]
FEB = sorted((ROOT / "samples" / "2024-02").glob("*.xlsx"))
EXTRACTED = date(2024, 3, 4)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fresh_folder(path: Path) -> Workspace:
    init_workspace(path)
    return Workspace(path)


def compile_once(ws: Workspace, pdf: bool = False):
    from hnbxl.api import compile_returns

    result = compile_returns(ws, FEB, extracted_on=EXTRACTED, pdf=pdf)
    assert result.written, [i.to_dict() for i in result.issues]
    return result


@dataclass
class Death:
    exit_code: int | None  # None: killed by a signal
    signal: int | None
    seconds: float


def run_child(ws: Workspace, pdf: bool, env: dict[str, str], kill_after: float | None = None,
              clock_starts: Callable[[], bool] | None = None) -> Death:
    """Compile in a forked child with ``env`` set; optionally SIGKILL it after a delay.

    The delay counts from the start, or from the moment ``clock_starts()``
    first holds (a moment inside the compile, such as its trace appearing).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = _start_child(ws, pdf, env)
    if kill_after is not None:
        deadline = None if clock_starts else start + kill_after
        while deadline is None or time.monotonic() < deadline:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                return _death(_status, start)
            if deadline is None:
                if clock_starts is not None and clock_starts():
                    deadline = time.monotonic() + kill_after
                time.sleep(0.0002)
            else:
                time.sleep(min(0.002, max(0.0, deadline - time.monotonic())))
        os.kill(pid, signal.SIGKILL)
    _pid, status = os.waitpid(pid, 0)
    return _death(status, start)


def _one_thread() -> bool:
    """Whether this process has no thread but the main one (Rust's too, not only Python's).

    A fork copies only the calling thread.  Once typst has typeset a paper in
    this process, its thread pool exists here but not in a forked child, and a
    child that typesets waits for those threads for ever: so a process with
    other threads starts a fresh interpreter instead.
    """
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


_CHILD = """
import os, sys
from pathlib import Path
from hnbxl.store.workspace import Workspace
from tests.store.crashkit import compile_once
try:
    compile_once(Workspace(Path(sys.argv[1])), sys.argv[2] == "1")
except BaseException:
    os._exit(3)
os._exit(0)
"""


def _start_child(ws: Workspace, pdf: bool, env: dict[str, str]) -> int:
    """Start a compile in a child process and return its pid (exit 3 on any failure)."""
    if not _one_thread():
        child_env = {**os.environ, **env}
        child_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), child_env.get("PYTHONPATH", "")) if p)
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(ws.root), "1" if pdf else "0"],
                                env=child_env, cwd=ROOT)
        proc.returncode = 0  # reaped by os.waitpid below, never by Popen
        return proc.pid
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.environ.update(env)
            compile_once(ws, pdf)
        except BaseException:  # any failure is just a non-zero exit here
            code = 3
        os._exit(code)
    return pid


def _death(status: int, start: float) -> Death:
    seconds = time.monotonic() - start
    if os.WIFSIGNALED(status):
        return Death(None, os.WTERMSIG(status), seconds)
    return Death(os.WEXITSTATUS(status), None, seconds)


def steps(ws: Workspace, pdf: bool, trace: Path) -> list[str]:
    """The named steps a compile passes, in order (from an uncrashed run of a copy)."""
    copy = trace.parent / f"trace-{ws.root.name}-{int(pdf)}"
    shutil.copytree(ws.root, copy)
    trace.unlink(missing_ok=True)
    death = run_child(Workspace(copy), pdf, {"HNBXL_CRASH_TRACE": str(trace)})
    assert death.exit_code == 0, death
    shutil.rmtree(copy)
    return trace.read_text().split()


def snapshot(ws: Workspace) -> tuple:
    """What a reader sees: done compiles (id, period, output, sha) and the visible files."""
    records = tuple((r.id, r.period.key, r.output, r.output_sha256, r.pdf, r.pdf_sha256,
                     r.officer, r.officer_sha256, r.active, r.replaced_by)
                    for r in ws.history().compiles())
    files = tuple(sorted(str(p.relative_to(ws.root)) for p in ws.root.rglob("*")
                         if p.is_file() and not p.name.startswith("history.sqlite")))
    return records, files


def check_agreement(ws: Workspace) -> None:
    """The next command's recovery, then: history and disk say the same thing."""
    from hnbxl.store.commit import resolve

    ws.recover()
    history = ws.history()
    assert history.pending() == [], "a pending compile survived recovery"
    records = history.compiles()
    named = set()
    for r in records:
        assert r.officer is not None, f"compile {r.id}: no officer workbook recorded"
        for stored, digest in r.files:
            path = resolve(stored, ws.root)
            assert path.is_file(), f"compile {r.id}: {stored} is missing"
            assert sha(path) == digest, f"compile {r.id}: {stored} is not what history says"
            named.add(path.resolve())
        for kept in history.returns(r.id):
            path = resolve(kept.stored_as, ws.root)
            assert path.is_file() and sha(path) == kept.sha256, f"kept {kept.stored_as}"
            named.add(path.resolve())
    for folder in (ws.output_dir, ws.returns_dir):
        if not folder.exists():
            continue
        for path in folder.iterdir():
            assert not path.name.startswith("."), f"left behind: {path}"
            if path.is_file():
                assert path.resolve() in named, f"{path} is on disk but no compile names it"
    current = {(r.programme, r.period.key): r for r in records if r.active}
    for r in current.values():
        assert r.replaced_by is None
    periods = [(r.programme, r.period.key) for r in records if r.active]
    assert len(periods) == len(set(periods)), "two current compiles of one period"
