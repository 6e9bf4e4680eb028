"""The command line as the officer uses it: start-up, init, generate, history."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from hnbxl.cli import main

from .conftest import SAMPLES


def test_help_imports_nothing_heavy() -> None:
    code = ("import sys, hnbxl.cli; "
            "print([m for m in ('pandas', 'xlsxwriter', 'openpyxl', 'numpy') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_openpyxl_uses_defusedxml() -> None:
    # Anything that opens a return with openpyxl (tests, tools) must refuse entity bombs.
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_init_generate_validate_compile_history(tmp_path: Path) -> None:
    runner = CliRunner()
    work = tmp_path / "work"
    result = runner.invoke(main, ["init", str(work)])
    assert result.exit_code == 0, result.output
    assert (work / "programme.toml").exists() and (work / "history.sqlite").exists()
    again = runner.invoke(main, ["init", str(work)])  # never overwrites
    assert again.exit_code == 0
    result = runner.invoke(main, ["generate", "-w", str(work), "--period", "Feb-24", "--split",
                                  "--due", "2024-03-01"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 workbooks for Feb-24." in result.output
    files = [str(p) for p in sorted((SAMPLES / "2024-02").glob("*.xlsx"))]
    not_finance = [f for f in files if not f.endswith("-finance.xlsx")]
    result = runner.invoke(main, ["validate", "-w", str(work), *not_finance])
    assert result.exit_code == 0  # what was returned is fine; compile needs the rest
    assert "Finance         missing: Finance Summary" in result.output
    result = runner.invoke(main, ["validate", "-w", str(work), *files])
    assert result.exit_code == 0, result.output
    assert "3 files, 0 errors" in result.output
    assert "Returns for Feb-24:" in result.output
    out = tmp_path / "report.xlsx"
    result = runner.invoke(main, ["compile", "-w", str(work), *files, "--out", str(out),
                                  "--extracted-on", "2024-03-04"])
    assert result.exit_code == 0, result.output
    officer = tmp_path / "report-officer.xlsx"
    assert result.output.strip().splitlines()[-1].startswith(
        f"Wrote {out} and the officer workbook {officer}: Feb-24 report")
    result = runner.invoke(main, ["history", "-w", str(work)])
    assert "Feb-24" in result.output and "2024-03-04" in result.output
    assert str(officer) in result.output  # history lists all three files
    assert result.output.count("present") == 2
    for suffix in (".csv", ".xlsx"):
        export = tmp_path / f"tidy{suffix}"
        result = runner.invoke(main, ["history", "-w", str(work), "--export", str(export)])
        assert result.exit_code == 0, result.output
    import pandas as pd

    table = pd.read_csv(tmp_path / "tidy.csv")
    cost = table[(table["item"] == "measures.average_cost_per_ehcp")
                 & (table["field"] == "figure")]
    assert cost["value_number"].tolist() == [17287.0] and cost["source_cell"].tolist() == ["F10"]
    rating = table[(table["field"] == "rating") & (table["item"] == "conditions.c2")]
    assert rating["rating_key"].tolist() == ["amber"]
    assert rating["value_text"].tolist() == ["Amber - Off Track"]
    narrative = pd.read_excel(tmp_path / "tidy.xlsx", dtype=str, keep_default_na=False,
                              engine="openpyxl")
    assert len(narrative) == len(table)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["generate", "--period", "2024-13", "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "expected 2024-02, Feb-24" in result.output
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 2


def test_unknown_owner_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", "-p", "2024-02", "--owner", "fin",
                                       "-w", str(tmp_path)])
    assert result.exit_code == 1
    assert "'fin' is not an owner of wiltshire-hnb" in result.output
    assert "Traceback" not in result.output


def test_compile_refuses_and_writes_nothing(tmp_path: Path) -> None:
    files = [str(p) for p in sorted((SAMPLES / "2024-02").glob("*-send.xlsx"))]
    (tmp_path / "w").mkdir()
    result = CliRunner().invoke(main, ["compile", "-w", str(tmp_path / "w"), *files])
    assert result.exit_code == 1
    assert "section-missing" in result.output and "Nothing was written" in result.output
    assert list((tmp_path / "w").iterdir()) == []


def test_a_return_for_another_period_is_named(tmp_path: Path) -> None:
    files = [str(p) for p in sorted((SAMPLES / "2024-02").glob("*.xlsx"))]
    result = CliRunner().invoke(main, ["validate", "-w", str(tmp_path), "--period", "Mar-24",
                                       *files])
    assert result.exit_code == 1
    assert result.output.count("wrong-period") == 3
    assert "This is the Feb-24 return, not Mar-24's" in result.output
    assert "\nReturns for Mar-24:\n" in result.output  # the month asked for, though none is for it


def _long_name_definition(tmp_path: Path) -> Path:
    from hnbxl.programme.definition import default_definition_path

    text = default_definition_path().read_text(encoding="utf-8")
    start = text.index('name = "', text.index("[[measures"))
    end = text.index("\n", start)
    path = tmp_path / "long.toml"
    path.write_text(text[:start] + 'name = "' + "x" * 40_000 + '"' + text[end:],
                    encoding="utf-8")
    return path


def test_a_measure_name_too_long_for_a_cell_is_one_line(tmp_path: Path) -> None:
    definition = _long_name_definition(tmp_path)
    (tmp_path / "work").mkdir()
    args = ["generate", "-w", str(tmp_path / "work"), "--definition", str(definition),
            "--period", "2024-02"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    # named where the officer fixes it: the definition's key and line (issue 20)
    assert lines[0].startswith("hnbxl: ") and "measures[0].name" in lines[0]
    assert "40,000 characters" in lines[0] and "32,767" in lines[0]
    assert not (tmp_path / "work" / "forms").exists() or not any(
        (tmp_path / "work" / "forms").iterdir())  # nothing was written
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert debug.exit_code == 1 and type(debug.exception).__name__ == "DefinitionError"


def test_an_interrupt_during_recovery_is_one_line_and_exit_130(tmp_path: Path,
                                                                monkeypatch: Any) -> None:
    """Every command first puts right a crashed compile, holding the folder: a Ctrl-C
    or SIGTERM that lands there was click's 'Aborted!' with exit 1 (seen in CI)."""
    from hnbxl.store.workspace import Workspace

    def interrupted(_self: Any) -> list[str]:
        raise KeyboardInterrupt

    assert CliRunner().invoke(main, ["init", str(tmp_path)]).exit_code == 0
    monkeypatch.setattr(Workspace, "recover", interrupted)
    compiled = CliRunner().invoke(main, ["compile", "-w", str(tmp_path), "x.xlsx"])
    assert compiled.exit_code == 130, compiled.output
    assert compiled.output.strip() == ("hnbxl: interrupted; the compile was not recorded and "
                                       "no report was written"), compiled.output
    validated = CliRunner().invoke(main, ["validate", "-w", str(tmp_path), "x.xlsx"])
    assert validated.exit_code == 130 and validated.output.strip() == "hnbxl: interrupted"


def test_an_unexpected_error_is_one_line_asking_for_debug(tmp_path: Path,
                                                           monkeypatch: Any) -> None:
    import hnbxl.api

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise KeyError("a bug\nover two lines")

    monkeypatch.setattr(hnbxl.api, "generate_forms", broken)
    assert CliRunner().invoke(main, ["init", str(tmp_path)]).exit_code == 0
    args = ["generate", "-w", str(tmp_path), "--period", "2024-02"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "KeyError" in lines[0] and "--debug" in lines[0], result.output
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert isinstance(debug.exception, KeyError)
