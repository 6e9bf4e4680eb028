"""Every kind of workbook hnbxl writes opens in Excel without "We found a problem".

Nobody here can run Excel, so the evidence is ``../shared/tools/check_ooxml.py``:
the ECMA-376 transitional schemas plus the rules Excel repairs (package,
names, lengths, indexes, cached values).  It runs under Debian's
``/usr/bin/python3`` with ``python3-lxml`` (``.ci/run`` installs it); lxml is
never added to the project's own environment, where openpyxl would change its
behaviour.  ``--strict`` makes the checker's warnings (rules Excel is known to
tolerate, such as cross-sheet conditional formats) count as failures too.

Each kind is made the way an officer makes it: full and split forms, a form
carrying last period's values, a new financial year's forms, feedback copies
(of a return with mistakes and of a hostile one), the committee reports of the
samples and their officer workbooks, a recompile with an owner not received
(both workbooks), and the history export.  The tools folder sits beside the
checkout (CI clones the repository next to ``shared/``); the test is skipped
where it or lxml is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from hnbxl.api import compile_returns, feedback_copies, generate_forms
from hnbxl.cli import main
from hnbxl.store.workspace import Workspace
from tests.conftest import ROOT, SAMPLES

SYSTEM_PYTHON = "/usr/bin/python3"
# ../shared/tools beside the checkout; from a git worktree, the nearest ancestor holding it.
CHECKER = next((folder / "shared" / "tools" / "check_ooxml.py" for folder in ROOT.parents
                if (folder / "shared" / "tools" / "check_ooxml.py").is_file()),
               ROOT.parent / "shared" / "tools" / "check_ooxml.py")


def _has_lxml() -> bool:
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import lxml.etree"], capture_output=True,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = pytest.mark.skipif(
    not CHECKER.is_file() or not _has_lxml(),
    reason=f"needs {CHECKER} and {SYSTEM_PYTHON} with lxml (Debian: python3-lxml)")


def _hostile_return(form: Path, target: Path) -> Path:
    """A SEND return with pasted absurd values, an overflowing score and hidden characters."""
    book = openpyxl.load_workbook(form)
    risks, measures = book["Risk Log"], book["Key Measures"]
    risks["D6"], risks["E6"] = 1e200, 1e200  # the score overflows: #NUM!, never inf
    risks["G6"] = "Pay \u202e000,05\u202c now" + "x" * 3000  # over the length limit
    measures["F6"] = 1e308
    measures["F7"] = "£169"
    measures["F8"] = 52  # 5200% in a percentage cell
    measures["A7"] = "Edited label"
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file (or more) of every kind hnbxl writes, by kind."""
    tmp = tmp_path_factory.mktemp("conformance")
    ws = Workspace(tmp / "work")
    files: dict[str, Path] = {}
    [full] = generate_forms(ws, "2024-02", due=date(2024, 3, 1), out_dir=tmp / "full")
    files["full form"] = full.path
    for form in generate_forms(ws, "2024-02", split=True, due=date(2024, 3, 1),
                               out_dir=tmp / "split"):
        files[f"split form ({form.owner})"] = form.path
    send = files["split form (send)"]
    hostile = _hostile_return(send, tmp / "returned" / "hostile.xlsx")
    for copy in feedback_copies(ws, [hostile], out_dir=tmp / "feedback"):
        files["feedback copy (hostile)"] = copy.path
    for period, extracted in (("2024-02", date(2024, 3, 4)), ("2024-03", date(2024, 4, 8))):
        returns = sorted((SAMPLES / period).glob("*.xlsx"))
        out = tmp / "output" / f"report-{period}.xlsx"
        result = compile_returns(ws, returns, out=out, extracted_on=extracted)
        assert result.written, [i.message for i in result.issues if i.blocks()]
        files[f"report {period}"] = out
        assert result.officer is not None and result.officer.is_file()
        files[f"officer workbook {period}"] = result.officer
    # After Feb-24 is compiled, Mar-24's forms carry it as last period.
    [carried] = generate_forms(ws, "2024-03", due=date(2024, 4, 5), out_dir=tmp / "next")
    files["form carrying last period"] = carried.path
    # A late owner: Mar-24 again without the finance return, its sections Not received
    # and the gap on Data Quality; a recompile, replacing Mar-24's first one.
    late = [f for f in sorted((SAMPLES / "2024-03").glob("*.xlsx")) if "finance" not in f.name]
    result = compile_returns(ws, late, extracted_on=date(2024, 4, 8), allow_missing=("finance",))
    assert result.written and result.replaced and result.output is not None, [
        i.message for i in result.issues if i.blocks()]
    files["report with an owner not received (v2)"] = result.output
    assert result.officer is not None
    files["officer workbook with an owner not received (v2)"] = result.officer
    # A new financial year's forms (2024/25's budgets, the year's first period).
    for form in generate_forms(ws, "2024-04", split=True, due=date(2024, 5, 1),
                               out_dir=tmp / "new-year"):
        files[f"new year form ({form.owner})"] = form.path
    export = tmp / "export" / "history.xlsx"
    done = CliRunner().invoke(main, ["history", "-w", str(ws.root), "--export", str(export)])
    assert done.exit_code == 0, done.output
    files["history export"] = export
    sample = SAMPLES / "2024-02" / "wiltshire-hnb-2024-02-send.xlsx"
    shutil.copyfile(sample, tmp / "sample-send.xlsx")
    for copy in feedback_copies(ws, [tmp / "sample-send.xlsx"], out_dir=tmp / "feedback"):
        files["feedback copy (sample)"] = copy.path
    return files


def test_every_kind_of_written_file_conforms(written: dict[str, Path]) -> None:
    kinds = {"full form", "split form (finance)", "split form (send)", "split form (lead)",
             "form carrying last period", "feedback copy (hostile)", "feedback copy (sample)",
             "report 2024-02", "report 2024-03", "history export",
             "report with an owner not received (v2)", "new year form (finance)",
             "officer workbook 2024-02", "officer workbook 2024-03",
             "officer workbook with an owner not received (v2)"}
    assert kinds <= set(written), sorted(written)
    done = subprocess.run(
        [SYSTEM_PYTHON, str(CHECKER), "--no-sdk", "--strict", *map(str, written.values())],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(written)}/{len(written)} files conform" in done.stdout, done.stdout


def test_the_checker_finds_what_excel_would_repair(tmp_path: Path) -> None:
    """The check can fail: a workbook caching ``inf`` as a number is refused."""
    form = SAMPLES / "2024-02" / "wiltshire-hnb-2024-02-send.xlsx"
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(form) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet4.xml":
                data = data.replace(b"<v>12</v>", b"<v>inf</v>", 1)
                assert b"<v>inf</v>" in data
            target.writestr(info, data)
    done = subprocess.run([SYSTEM_PYTHON, str(CHECKER), "--no-sdk", str(broken)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout
