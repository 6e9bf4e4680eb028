"""Read a batch of returns on several cores, with exactly the result of one process.

Reading is per file and independent (each file's issues are its own), so a
big batch is shared out to worker processes: a regional collection of
hundreds of returns reads about as many times faster as there are cores.
A worker costs its start and one rebuild of each form's layout, so a batch
uses one only when each gets enough files to pay for it
(:data:`FILES_PER_WORKER`), and only on cores other work leaves idle
(:func:`idle_cpus`); the usual 3-10 returns stay in this process.

What makes the result identical to a sequential run:

* each worker runs :func:`~hnbxl.returns.read.read_return`, the same code,
  and results are collected in the order of the paths, never of finishing;
* the layout and definition version a read refers to are not sent back
  (they are large and shared): this process rebuilds each once, as a
  sequential run would (:func:`~hnbxl.returns.read.sent_back`, ``restore``);
* a file that breaks its worker (killed, out of memory) is read again here,
  with the files not yet done, so it fails exactly as it would alone;
* an exception raised while reading (a bug, never a bad file: those are
  issues) stops the batch and is raised here, as sequentially.

Ctrl-C: workers ignore SIGINT, so the interrupt reaches this process only;
it terminates the workers, waits for them and raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hnbxl.programme.definition import Programme
from hnbxl.returns.packing import packed, unpacked_own
from hnbxl.returns.read import LayoutCache, ReturnRead, Sent, read_return, restore, sent_back
from hnbxl.store.history import History

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from hnbxl.returns.readcache import ReadCache

__all__ = ["FILES_PER_WORKER", "auto_jobs", "idle_cpus", "read_returns", "usable_cpus"]

Progress = Callable[[int, int, str], None]

#: Files each worker must get before one is started (forked: about 60 ms to start
#: it and rebuild the layout, some 8-10 files' reading).  Spawned workers (not
#: Linux) import hnbxl afresh, so they need four times as many.
FILES_PER_WORKER = 24
_SPAWN_FACTOR = 4
#: Files per task sent to a worker, at the least: few enough to balance the work,
#: enough to keep the traffic low.  Bigger batches get bigger tasks (up to eight
#: times this, four tasks a worker at the least): each task's reads come back with
#: their own copies of the field keys and cell names every read shares here, so
#: fewer tasks keep the parent's memory near a sequential run's.
_CHUNK = 8


def usable_cpus() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _method() -> str:
    """``fork`` where it is safe and cheap (Linux, no other threads), else ``spawn``.

    Threads are counted by the kernel, not only Python's: once typst has
    typeset a paper in this process its thread pool is here too, and a fork
    copies none of it (a forked child that used it would wait for ever).
    """
    if sys.platform == "linux" and threading.active_count() == 1 and _os_threads() == 1:
        return "fork"
    return "spawn"


def _os_threads() -> int:
    """How many threads this process has, as the kernel counts them (0 if unknown)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


def idle_cpus() -> int:
    """The usable cores not busy with other work (by the last minute's load average).

    On a shared machine whose cores are all busy, workers only compete with
    each other and the rest (measured: two workers 0.8x one process under a
    load of 10 on 2 cores), so they are used only where cores are idle.  The
    load counts this process too, hence the one added back.
    """
    cpus = usable_cpus()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not available here (Windows)
        return cpus
    return max(1, min(cpus, int(cpus - load + 1)))


def auto_jobs(files: int, cpus: int | None = None, method: str | None = None) -> int:
    """How many processes read ``files`` returns: one unless each worker pays.

    ``cpus``: the idle cores (default :func:`idle_cpus`).
    """
    per = FILES_PER_WORKER * (1 if (method or _method()) == "fork" else _SPAWN_FACTOR)
    return max(1, min(cpus or idle_cpus(), files // per))


def read_returns(paths: Sequence[Path], programme: Programme, history: History,
                 jobs: int | None = None, progress: Progress | None = None,
                 cache: ReadCache | None = None) -> list[ReturnRead]:
    """Read every file, in order; ``jobs`` processes (None: :func:`auto_jobs`, 1: here).

    ``cache``: a file whose bytes it holds a reading of is taken from it, not read
    (a compile after validate); when it is ``storing``, every reading is kept in it.
    """
    method = _method()
    layouts: LayoutCache = {}
    reads: list[ReturnRead | None] = [None] * len(paths)
    done = 0

    def one_done(path: Path) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, len(paths), str(path))

    if cache is not None:
        for i, sent in enumerate(cache.lookup_all([Path(p) for p in paths])):
            if sent is not None:
                reads[i] = restore(sent, programme, history, layouts)
                one_done(Path(paths[i]))
    todo = [i for i, read in enumerate(reads) if read is None]
    left = [Path(paths[i]) for i in todo]
    jobs = auto_jobs(len(left), method=method) if jobs is None else max(1, jobs)
    jobs = min(jobs, max(1, -(-len(left) // _CHUNK)))  # no idle workers
    keep = cache.store if cache is not None and cache.storing else None
    if jobs == 1:
        fresh = _read_here(left, programme, history, layouts, keep, one_done)
    else:
        fresh = _in_workers(left, programme, history, jobs, method, layouts, one_done, keep)
    for i, read in zip(todo, fresh, strict=True):
        reads[i] = read
    return [read for read in reads if read is not None]


# --------------------------------------------------------------------------- workers

_worker_state: tuple[Programme, History, LayoutCache] | None = None

#: Signals held back while workers start: one that arrived before a worker's
#: initializer ran would reach it with the parent's handlers (a traceback from
#: its queue, a worker left behind).  Held in the parent until they are started.
_PARENT_ONLY = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                if hasattr(signal, name)}


def _start_worker(programme: Programme, history: History) -> None:
    """Ctrl-C is the parent's to handle; SIGTERM (the parent stopping this worker)
    ends it at once.  A forked worker inherits the CLI's SIGTERM handler, which
    raises ``KeyboardInterrupt`` for the parent's clean-up: here it would print a
    traceback from the pool's queue instead."""
    global _worker_state
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # blocked by the parent while it started us
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _PARENT_ONLY)
    _worker_state = (programme, history, {})


def _read_chunk(paths: list[Path]) -> bytes:
    assert _worker_state is not None, "worker not started"
    programme, history, layouts = _worker_state
    return packed([sent_back(read_return(path, programme, history, layouts=layouts))
                   for path in paths])


def _read_here(paths: Sequence[Path], programme: Programme, history: History,
               layouts: LayoutCache, keep: Callable[[Sent], None] | None,
               one_done: Callable[[Path], None]) -> list[ReturnRead]:
    """Read ``paths`` in this process, each kept (``keep``) as a worker's reading is."""
    reads = []
    for path in paths:
        reads.append(read_return(path, programme, history, layouts=layouts))
        if keep:
            keep(sent_back(reads[-1]))
        one_done(path)
    return reads


def _in_workers(paths: list[Path], programme: Programme, history: History, jobs: int,
                method: str, layouts: LayoutCache, one_done: Callable[[Path], None],
                keep: Callable[[Sent], None] | None = None) -> list[ReturnRead]:
    import multiprocessing  # imported only for a batch big enough to share out
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = max(_CHUNK, min(_CHUNK * 8, len(paths) // (jobs * 4)))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    reads: list[ReturnRead] = []
    executor = ProcessPoolExecutor(jobs, multiprocessing.get_context(method),
                                   initializer=_start_worker, initargs=(programme, history))
    broken = False
    try:
        futures: list[Future[bytes]] = _submit_all(executor, chunks)
        for future in futures:
            try:
                sent = unpacked_own(future.result())
            except BrokenProcessPool:
                broken = True
                break
            for item in sent:
                if keep:  # before restore, which gives it its layout again
                    keep(item)
                reads.append(restore(item, programme, history, layouts))
                one_done(paths[len(reads) - 1])
    except BaseException:
        _stop(executor)
        raise
    executor.shutdown(wait=True)
    if broken:  # a worker died: read what is left here, where a file fails as it would alone
        reads += _read_here(paths[len(reads):], programme, history, layouts, keep, one_done)
    return reads


def _submit_all(executor: ProcessPoolExecutor, chunks: list[list[Path]]) -> list[Future[bytes]]:
    """Submit every chunk (which starts the workers, in this thread) with Ctrl-C and
    SIGTERM held back, so that no worker starts with them pending; they are
    delivered here as soon as the workers are started."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not \
            threading.main_thread():
        return [executor.submit(_read_chunk, c) for c in chunks]
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _PARENT_ONLY)
    try:
        return [executor.submit(_read_chunk, c) for c in chunks]
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _stop(executor: ProcessPoolExecutor) -> None:
    """Terminate the workers now (Ctrl-C, or an error raised in one) and wait for them.

    The pool's own thread joins the workers too; it is waited for first, since two
    threads waiting on one child race (the loser's ``waitpid`` fails with ECHILD,
    which multiprocessing takes for "still running": a worker seen alive after it
    was reaped, once in five runs of the test).
    """
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager: threading.Thread | None = getattr(executor, "_executor_manager_thread", None)
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    if manager is not None:
        manager.join(timeout=5)
    for process in processes:
        process.join(timeout=5)
