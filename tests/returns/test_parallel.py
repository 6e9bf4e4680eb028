"""Reading in worker processes gives exactly what one process gives, bad files and all.

A batch of hostile and broken returns (the kinds the bad-returns corpus in
test_validate_corpus.py builds, and good ones among them) is validated in
one process and in two workers, each file its own task: the issues, their
order, the values and every read must be identical, and so must a compile's
report.  A worker that dies has its files read again by the parent; an
exception raised in a worker stops the batch and leaves no process behind;
Ctrl-C stops the workers cleanly.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from hnbxl.api import compile_returns, validate_returns
from hnbxl.programme.definition import Programme
from hnbxl.returns import parallel
from hnbxl.returns.read import read_return
from hnbxl.store.workspace import Workspace
from tests.returns.test_validate_corpus import (
    BIFF8_BOF_EOF,
    COUNT_CELL,
    KM,
    cfb,
    edit_workbook,
    rezip,
    set_cell,
    sheet_part,
    valid_return,
)

FORK_ONLY = pytest.mark.skipif(sys.platform != "linux",
                               reason="the patched reader reaches workers only by fork")


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers forked, whatever threads this process has: the patched reader reaches
    them only so.  Safe here, since they only read returns (no typst, no numpy), but
    parallel._method would choose spawn once numpy's or typst's threads are here, and
    these tests were skipped in every full run."""
    monkeypatch.setattr(parallel, "_method", lambda: "fork")


def hostile_batch(folder: Path, programme: Programme) -> list[Path]:
    """Good returns, broken files and tampered returns, as a collection would hold them."""
    folder.mkdir(parents=True, exist_ok=True)
    send = valid_return(programme, "send")
    files: dict[str, bytes] = {
        "a-send.xlsx": send,
        "b-finance.xlsx": valid_return(programme, "finance"),
        "c-lead.xlsx": valid_return(programme, "lead"),
        "d-empty.xlsx": b"",
        "e-pdf.xlsx": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "f-truncated.xlsx": send[: len(send) // 2],
        "g-legacy.xlsx": cfb("Workbook", BIFF8_BOF_EOF),
        "h-same-bytes.xlsx": send,
    }
    km = sheet_part(send, KM)
    files["i-entities.xlsx"] = rezip(send, lambda name, data: data.replace(
        b"<worksheet", b'<!DOCTYPE w [<!ENTITY e "x">]><worksheet', 1) if name == km else data)
    files["j-malformed.xlsx"] = rezip(send, lambda name, data: data[:-40] if name == km
                                      else data)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    for name, edit in (("k-label.xlsx", set_cell(KM, "B6", "Edited label")),
                       ("l-typed.xlsx", set_cell(KM, COUNT_CELL, "12,34")),
                       ("m-resubmitted.xlsx", set_cell(KM, COUNT_CELL, 170))):
        (folder / name).write_bytes(send)
        edit_workbook(folder / name, edit)
    other = openpyxl.Workbook()
    other.active["A1"] = "not a return"
    other.save(folder / "n-other.xlsx")
    return [*sorted(folder.iterdir()), folder / "o-missing.xlsx"]


@pytest.fixture
def one_file_per_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file its own task, so two workers share even a small batch."""
    monkeypatch.setattr(parallel, "_CHUNK", 1)


@pytest.mark.usefixtures("one_file_per_task")
@pytest.mark.parametrize("newest_wins", [False, True])
def test_workers_and_one_process_agree_on_a_hostile_batch(
        tmp_path: Path, workspace: Workspace, programme: Programme, newest_wins: bool) -> None:
    files = hostile_batch(tmp_path / "returned", programme)
    one = validate_returns(workspace, files, newest_wins=newest_wins, period="2024-02", jobs=1,
                           read_cache=False)  # each run reads: none from the other's cache
    two = validate_returns(workspace, files, newest_wins=newest_wins, period="2024-02", jobs=2,
                           read_cache=False)
    assert two.issues == one.issues  # the same issues, in the same order
    assert two.reads == one.reads  # every read: values, issues, identity, layout
    assert two.values == one.values
    assert two.to_dict() == one.to_dict()
    codes = {i.code for i in one.issues}
    if newest_wins:  # the older copies of the send return are set aside, their issues noted
        codes.add("locked-cell-changed" if "set-aside-issue" in codes else "")
    assert {"file-empty", "not-a-workbook", "corrupt-zip", "legacy-xls", "xml-entities",
            "corrupt-xml", "locked-cell-changed", "duplicate-file",
            "not-an-hnbxl-return", "file-not-found"} <= codes, codes


@pytest.mark.usefixtures("one_file_per_task")
def test_a_compile_in_workers_writes_the_same_report(tmp_path: Path, programme: Programme
                                                     ) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    files = []
    for owner in ("send", "finance", "lead"):
        files.append(folder / f"{owner}.xlsx")
        files[-1].write_bytes(valid_return(programme, owner))
    results = []
    for jobs in (1, 2):
        (tmp_path / f"w{jobs}").mkdir()
        result = compile_returns(Workspace(tmp_path / f"w{jobs}"), files,
                                 extracted_on=date(2024, 3, 4), jobs=jobs)
        assert result.written and result.output is not None
        results.append((result.issues, result.output.read_bytes()))
    assert results[0] == results[1]


def reading_runs(before: Callable[[Path], None]) -> Callable[..., object]:
    """``read_return`` with ``before(path)`` run first (in whichever process reads)."""
    def read(path: Path, *args: object, **kwargs: object) -> object:
        before(path)
        return read_return(path, *args, **kwargs)  # type: ignore[arg-type]
    return read


@pytest.mark.slow  # kills a worker process
@FORK_ONLY
@pytest.mark.usefixtures("one_file_per_task", "forked")
def test_a_file_that_kills_its_worker_is_read_again_here(
        tmp_path: Path, workspace: Workspace, programme: Programme,
        monkeypatch: pytest.MonkeyPatch) -> None:
    files = hostile_batch(tmp_path / "returned", programme)
    one = validate_returns(workspace, files, jobs=1, read_cache=False)
    parent = os.getpid()

    def dies_in_a_worker(path: Path) -> None:
        if os.getpid() != parent and path.name == "c-lead.xlsx":
            os._exit(3)  # as the out-of-memory killer would

    monkeypatch.setattr(parallel, "read_return", reading_runs(dies_in_a_worker))
    two = validate_returns(workspace, files, jobs=2, read_cache=False)
    assert two.reads == one.reads and two.issues == one.issues
    assert multiprocessing.active_children() == []


@pytest.mark.slow  # stops a pool of worker processes
@FORK_ONLY
@pytest.mark.usefixtures("one_file_per_task", "forked")
def test_an_error_in_a_worker_stops_the_batch_and_every_worker(
        tmp_path: Path, workspace: Workspace, programme: Programme,
        monkeypatch: pytest.MonkeyPatch) -> None:
    files = hostile_batch(tmp_path / "returned", programme)

    def fails(path: Path) -> None:
        if path.name == "f-truncated.xlsx":
            raise RuntimeError(f"a bug met {path.name}")

    monkeypatch.setattr(parallel, "read_return", reading_runs(fails))
    with pytest.raises(RuntimeError, match=r"a bug met f-truncated\.xlsx"):
        validate_returns(workspace, files, jobs=2)
    assert multiprocessing.active_children() == []


def test_small_batches_stay_in_one_process() -> None:
    assert parallel.auto_jobs(1, cpus=16, method="fork") == 1
    assert parallel.auto_jobs(10, cpus=16, method="fork") == 1
    assert parallel.auto_jobs(2 * parallel.FILES_PER_WORKER, cpus=16, method="fork") == 2
    assert parallel.auto_jobs(1000, cpus=2, method="fork") == 2
    assert parallel.auto_jobs(1000, cpus=16, method="spawn") < parallel.auto_jobs(
        1000, cpus=16, method="fork")


def test_workers_only_on_idle_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 8)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert parallel.idle_cpus() == 8
    monkeypatch.setattr(os, "getloadavg", lambda: (4.0, 4.0, 4.0))  # four cores busy
    assert parallel.idle_cpus() == 5  # the load counts this process too
    monkeypatch.setattr(os, "getloadavg", lambda: (10.0, 9.0, 8.0))
    assert parallel.idle_cpus() == 1
    assert parallel.auto_jobs(1000, method="fork") == 1


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_stops_the_workers_cleanly(tmp_path: Path, programme: Programme) -> None:
    """Ctrl-C reaches the whole foreground process group, as from a terminal."""
    (tmp_path / "work").mkdir()
    data = valid_return(programme, "send")
    files = []
    for i in range(300):
        files.append(tmp_path / f"r{i:03d}.xlsx")
        files[-1].write_bytes(data)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    child = subprocess.Popen(
        [sys.executable, "-c", "from hnbxl.cli import main; main()", "validate", "--jobs", "2",
         "-w", str(tmp_path / "work"), *map(str, files)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_children(child.pid)) < 2 and child.poll() is None:
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.02)
    workers = _children(child.pid)
    assert child.poll() is None, "the batch finished before it could be interrupted"
    os.killpg(child.pid, signal.SIGINT)
    _out, err = child.communicate(timeout=30)
    assert child.returncode == 130
    assert b"Traceback" not in err, err.decode()
    assert b"KeyboardInterrupt" not in err, err.decode()
    assert err.endswith(b"\nhnbxl: interrupted\n"), err.decode()
    deadline = time.monotonic() + 10  # the workers were stopped, not left running
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived Ctrl-C"
        time.sleep(0.05)


def test_workers_are_not_forked_once_typst_has_threads_here(tmp_path: Path) -> None:
    """typst's thread pool is invisible to ``threading``; a fork would not copy it."""
    import typst

    from hnbxl.returns import parallel

    source = tmp_path / "t.typ"
    source.write_text("Hello", encoding="utf-8")
    typst.compile(str(source))
    if parallel._os_threads() == 1:
        pytest.skip("this typst typesets without threads")
    assert parallel._method() == "spawn"


def test_a_worker_ends_on_sigterm_and_leaves_ctrl_c_to_the_parent(programme: Programme) -> None:
    """A forked worker inherits the CLI's SIGTERM handler (it raises KeyboardInterrupt
    for the parent's clean-up); in a worker being stopped that printed a traceback
    from the pool's queue, seen once in five Ctrl-C runs."""
    import signal

    from hnbxl.returns import parallel
    from hnbxl.store.history import History

    def raises(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        signal.signal(signal.SIGTERM, raises)
        parallel._start_worker(programme, History(":memory:"))
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        parallel._worker_state = None
