"""The converter's process group never outlives a signal, wherever the signal lands (issue 9).

A signal handler raises wherever the interpreter is.  Two moments used to
leave LibreOffice running: just after it started, before its group was handed
to the watchdog, and inside the cleanup, before ``killpg``.  These tests put a
real SIGINT or SIGTERM at exactly those moments, in this process.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from hnbxl.report import pdf

pytestmark = pytest.mark.slow

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@pytest.fixture()
def terminate_raises():
    """SIGTERM raises as the CLI makes it do; the previous handler comes back after."""
    old = signal.signal(signal.SIGTERM, _raise_interrupt)
    yield
    signal.signal(signal.SIGTERM, old)


def _gone(pid: int, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("moment", ["just-started", "cleanup-before-kill", "while-running"])
def test_a_signal_at_the_awkward_moments_still_ends_the_group(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminate_raises: None,
        signum: int, moment: str) -> None:
    started: list[int] = []
    real_watch, real_kill = pdf.Watchdog.watch, pdf.kill_group

    def watch(self: pdf.Watchdog, group: int) -> None:
        started.append(group)
        if moment == "just-started":  # after Popen, before the watchdog knows the group
            os.kill(os.getpid(), signum)
        real_watch(self, group)
        if moment == "while-running":
            os.kill(os.getpid(), signum)

    def kill_group(group: int) -> None:
        if moment == "cleanup-before-kill":
            os.kill(os.getpid(), signum)
        real_kill(group)

    monkeypatch.setattr(pdf.Watchdog, "watch", watch)
    monkeypatch.setattr(pdf, "kill_group", kill_group)
    timeout = 1 if moment == "cleanup-before-kill" else 60  # the cleanup after a timeout
    with pytest.raises(KeyboardInterrupt):
        pdf.run_grouped(SLEEPER, tmp_path, timeout)
    assert started and _gone(started[0]), f"converter left running after {moment}"


def test_held_signals_act_once_the_block_ends() -> None:
    with pytest.raises(KeyboardInterrupt), pdf.DeferredSignals():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # a handler would have run by now
        reached = True
    assert reached
    # and the usual handler is back
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_released_lets_a_held_signal_act_at_once() -> None:
    order: list[str] = []
    with pytest.raises(KeyboardInterrupt), pdf.DeferredSignals() as signals:
        os.kill(os.getpid(), signal.SIGINT)
        order.append("held")
        try:
            with signals.released():
                order.append("not reached")
        finally:
            order.append("cleanup")
    assert order == ["held", "cleanup"]
