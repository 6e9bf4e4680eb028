"""A compile killed at any step leaves history and disk in agreement (issue 9).

Every named step of publishing (each stage, each rename, before and after
each BEGIN and COMMIT) is a crash point: the compile dies there by
``os._exit``, with and without a PDF, for a first compile and a recompile.
The next command must find history and disk in agreement, showing the old
state or the new one, and the following compile must give the same bytes.
Then 30 kills at random moments (fixed seed); ``benchmarks/kill_compiles.py``
runs 300 or more.

LibreOffice is replaced by a stand-in here (the PDF's content does not matter
to publishing); the real one is killed in ``test_faults.py``.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from hnbxl.store.faults import CRASH_EXIT
from hnbxl.store.workspace import Workspace
from tests.store import crashkit

pytestmark = pytest.mark.slow

EXPECTED = (crashkit.ROOT / "samples" / "expected" / "wiltshire-hnb-2024-02.xlsx").read_bytes()


def _template(tmp_path: Path, recompile: bool, pdf: bool) -> Workspace:
    ws = crashkit.fresh_folder(tmp_path / "template")
    if recompile:
        crashkit.compile_once(ws, pdf)
    return ws


@pytest.mark.parametrize("recompile", [False, True], ids=["first", "recompile"])
@pytest.mark.parametrize("pdf", [False, True], ids=["xlsx", "pdf"])
def test_a_crash_at_every_step_leaves_agreement(tmp_path: Path, recompile: bool,
                                               pdf: bool) -> None:
    template = _template(tmp_path, recompile, pdf)
    before = crashkit.snapshot(template)
    names = crashkit.steps(template, pdf, tmp_path / "trace.txt")
    assert {"pending:before-begin", "pending:after-commit", "renamed",
            "done:before-commit", "done:after-commit"} <= set(names)
    assert any(n.startswith("rename:") and n.endswith(":output") for n in names)
    # The officer workbook is staged and renamed under the same commit (issue 17).
    assert any(n.startswith("stage:") and n.endswith(":officer") for n in names)
    assert any(n.startswith("rename:") and n.endswith(":officer") for n in names)
    assert any(n.endswith(":pdf") for n in names) == pdf
    outcomes = {}
    for step in names:
        ws = Workspace(tmp_path / f"at-{step.replace(':', '-')}")
        shutil.copytree(template.root, ws.root)
        death = crashkit.run_child(ws, pdf, {"HNBXL_CRASH_AT": step})
        assert death.exit_code == CRASH_EXIT, (step, death)
        crashkit.check_agreement(ws)
        records, _files = crashkit.snapshot(ws)
        if len(records) == len(before[0]):
            assert crashkit.snapshot(ws) == before, step  # the previous state, exactly
            outcomes[step] = "old"
        else:
            assert len(records) == len(before[0]) + 1, step
            outcomes[step] = "new"
        again = crashkit.compile_once(ws, pdf)
        assert again.output.read_bytes() == EXPECTED, step
        crashkit.check_agreement(ws)
        shutil.rmtree(ws.root)
    # Before the pending record commits nothing is kept; once the files are all
    # written the compile is finished rather than thrown away.
    assert outcomes["pending:before-commit"] == "old"
    assert outcomes["renamed"] == "new" and outcomes["done:after-commit"] == "new"


def test_random_kills_leave_agreement(tmp_path: Path) -> None:
    rng = random.Random(20240304)
    ws = crashkit.fresh_folder(tmp_path / "work")
    timing = crashkit.run_child(ws, False, {})
    assert timing.exit_code == 0
    span = timing.seconds
    kills = runs = 0
    while kills < 30:  # a run that finishes before its kill time is not counted
        runs += 1
        assert runs <= 120, f"only {kills} of {runs} runs were killed"
        death = crashkit.run_child(ws, rng.random() < 0.3, {}, kill_after=rng.uniform(0, span))
        kills += death.signal is not None
        crashkit.check_agreement(ws)
        current = [r for r in ws.history().compiles() if r.active]
        assert len(current) == 1
        assert (ws.root / current[0].output).read_bytes() == EXPECTED
    assert crashkit.compile_once(ws).output.read_bytes() == EXPECTED
    crashkit.check_agreement(ws)
