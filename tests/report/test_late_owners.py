"""A late owner: compile with --allow-missing, then again when the return arrives."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from hnbxl.cli import main
from tests.conftest import SAMPLES

FEB = sorted((SAMPLES / "2024-02").glob("*.xlsx"))
NOT_FINANCE = [str(p) for p in FEB if not p.name.endswith("-finance.xlsx")]


def _cli(*args: str) -> object:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def _texts(path: Path, sheet: str) -> list[str]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [" ".join(str(c.value) for c in row if c.value is not None) for row in ws.iter_rows()]


def test_late_finance_return(tmp_path: Path) -> None:
    work = str(tmp_path / "w")
    Path(work).mkdir()
    period = ("--period", "2024-02", "--extracted-on", "2024-03-04")
    # The month is not ready: validate --period and compile agree, and say why.
    checked = _cli("validate", "-w", work, "--period", "2024-02", *NOT_FINANCE)
    refused = _cli("compile", "-w", work, *period, *NOT_FINANCE)
    assert checked.exit_code == refused.exit_code == 1
    for result in (checked, refused):
        assert "section-missing" in result.output and "--missing-owner finance" in result.output
    # Without --period validate checks the returns it was given, and still lists the gap.
    each = _cli("validate", "-w", work, *NOT_FINANCE)
    assert each.exit_code == 0 and "missing: Finance Summary" in each.output
    # Allowing another owner does not help; allowing finance does.
    other = _cli("compile", "-w", work, *period, "--missing-owner", "send", *NOT_FINANCE)
    assert other.exit_code == 1
    checked = _cli("validate", "-w", work, "--period", "2024-02", "--missing-owner", "finance",
                   *NOT_FINANCE)
    late = _cli("compile", "-w", work, *period, "--missing-owner", "finance", *NOT_FINANCE)
    assert checked.exit_code == late.exit_code == 0, late.output
    assert "section-not-received" in late.output
    report = Path(work) / "output" / "wiltshire-hnb-2024-02.xlsx"
    finance = "\n".join(_texts(report, "Finance"))
    assert "Not received from Finance" in finance
    assert "No data" in finance
    quality = "\n".join(_texts(report, "Data Quality"))
    assert ("Finance Summary: the return from Finance had not arrived when this report was "
            "made") in quality
    assert "allow-missing" not in quality and "Section not received" not in quality
    with sqlite3.connect(Path(work) / "history.sqlite") as conn:
        recorded = conn.execute("SELECT message FROM issues WHERE code = 'section-not-received'"
                                ).fetchall()
        basis = conn.execute("SELECT basis FROM ratings WHERE item LIKE 'finance.%'"
                             ).fetchall()
    assert len(recorded) == 1 and "Finance" in recorded[0][0]
    assert basis and all(b == ("Not received from Finance",) for b in basis)
    # The return arrives: compile again with everything; nothing is not received now.
    full = _cli("compile", "-w", work, *period, *(str(p) for p in FEB))
    assert full.exit_code == 0, full.output
    again = report.with_name("wiltshire-hnb-2024-02-v2.xlsx")  # the first report is kept
    assert "Not received" not in "\n".join(_texts(again, "Finance"))
    assert "Not received from Finance" in "\n".join(_texts(report, "Finance"))


def test_allow_missing_works_before_and_after_the_files(tmp_path: Path) -> None:
    """--allow-missing is a flag: typed first it takes no file for an owner (issue 21)."""
    work = str(tmp_path / "w")
    Path(work).mkdir()
    period = ("--period", "2024-02", "--extracted-on", "2024-03-04")
    first = _cli("compile", "-w", work, *period, "--allow-missing", *NOT_FINANCE)
    assert first.exit_code == 0, first.output
    assert "section-not-received" in first.output
    last = _cli("validate", "-w", work, "--period", "2024-02", *NOT_FINANCE, "--allow-missing")
    assert last.exit_code == 0, last.output
    before = _cli("validate", "-w", work, "--period", "2024-02", "--allow-missing",
                  *NOT_FINANCE)
    assert before.exit_code == 0 and before.output == last.output


def test_missing_owner_names_a_file_or_no_owner_by_mistake(tmp_path: Path) -> None:
    result = _cli("compile", "-w", str(tmp_path), "--missing-owner", *NOT_FINANCE)
    assert result.exit_code == 2 and "looks like a file" in result.output
    unknown = _cli("compile", "-w", str(tmp_path), "--missing-owner", "fin", *NOT_FINANCE)
    assert unknown.exit_code == 1 and "not an owner" in unknown.output
