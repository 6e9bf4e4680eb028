"""Pytest hooks: every catalogued issue code must be raised by at least one test.

Codes are recorded as they are checked against the catalogue (every Issue,
cell Problem and refused workbook is).  At the end of a *full* run (no
``--collect-only``, ``-k``, ``-m``, deselection or path narrower than
``tests/``; CI's ``pytest -m ""`` is full, the default fast loop is not) that passed, a code no
test raised fails the run, naming the codes: each needs a test that makes
hnbxl raise it (the bad-returns corpus, tests/returns/test_validate_corpus.py,
is the usual place), or should leave the catalogue if nothing raises it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hnbxl.core import codes

_TESTS = Path(__file__).resolve().parent
_SEEN: set[str] = set()
_STATE: dict[str, object] = {"narrowed": False, "message": ""}


def _full_run(config: pytest.Config) -> bool:
    """Whether every test ran: not collection alone, nor a run narrowed by -k, -m
    (the default loop's ``-m "not slow"`` included), deselection or a path."""
    if config.option.collectonly:
        return False
    if config.option.keyword or config.option.markexpr or _STATE["narrowed"]:
        return False
    roots = {_TESTS, _TESTS.parent}
    return all(Path(arg).resolve() in roots for arg in config.args)


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        _STATE["narrowed"] = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Iterator[None]:
    with codes.observing(_SEEN.add):
        yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus != 0 or session.testsfailed or not _full_run(session.config):
        return
    missing = [code for code in codes.CATALOGUE if code not in _SEEN]
    if missing:
        _STATE["message"] = (
            f"{len(missing)} catalogued issue code(s) raised by no test: {', '.join(missing)}. "
            "Add a test that makes hnbxl raise each (e.g. a case in "
            "tests/returns/test_validate_corpus.py), or remove the code from "
            "hnbxl/core/codes.py if nothing raises it any more.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _STATE["message"]:
        terminalreporter.write_sep("=", "issue-code catalogue", red=True)
        terminalreporter.write_line(str(_STATE["message"]))
