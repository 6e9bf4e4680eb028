"""Damaged and busy working folders: one line about the right thing, and nothing lost (issue 9)."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hnbxl.cli import main
from hnbxl.store.workspace import Workspace
from tests.store import crashkit

FEB = [str(p) for p in crashkit.FEB]
COMPILE = ["compile", "--extracted-on", "2024-03-04"]


def _cli(*args: str) -> object:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def _lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


@pytest.fixture
def compiled(tmp_path: Path) -> Workspace:
    ws = crashkit.fresh_folder(tmp_path / "work")
    crashkit.compile_once(ws)
    return ws


def test_a_wrong_kept_return_is_replaced_and_noted(compiled: Workspace) -> None:
    ws = compiled
    kept = sorted(ws.returns_dir.glob("*.xlsx"))[0]
    wrong = b"not the return this name promises"
    kept.write_bytes(wrong)
    result = _cli(*COMPILE, "-w", str(ws.root), *FEB)
    assert result.exit_code == 0, result.output
    assert "kept-return-replaced" in result.output
    assert crashkit.sha(kept) == kept.stem  # the kept copy holds its return again
    aside = ws.returns_dir / "mismatched" / f"{crashkit.hashlib.sha256(wrong).hexdigest()}.xlsx"
    assert aside.read_bytes() == wrong  # and the wrong bytes were not thrown away
    latest = ws.history().compiles()[-1]
    assert any(i == "kept-return-replaced" for i in _issue_codes(ws, latest.id))
    crashkit.check_agreement(ws)


def _issue_codes(ws: Workspace, compile_id: int) -> list[str]:
    with ws.history().reading() as conn:
        return [r[0] for r in conn.execute("SELECT code FROM issues WHERE compile_id = ?",
                                           (compile_id,))]


def test_an_output_path_that_is_a_folder_is_one_line(compiled: Workspace) -> None:
    ws = compiled
    before = crashkit.snapshot(ws)
    (ws.output_dir / "wiltshire-hnb-2024-02-v2.xlsx").mkdir()
    result = _cli(*COMPILE, "-w", str(ws.root), *FEB)
    assert result.exit_code == 1
    [line] = _lines(result)
    assert "wiltshire-hnb-2024-02-v2.xlsx: is a folder" in line and "staged" not in line
    (ws.output_dir / "wiltshire-hnb-2024-02-v2.xlsx").rmdir()
    assert crashkit.snapshot(ws) == before


def test_a_recompile_keeps_every_earlier_report_and_lists_it(compiled: Workspace) -> None:
    ws = compiled
    first = ws.output_dir / "wiltshire-hnb-2024-02.xlsx"
    original = first.read_bytes()
    result = _cli(*COMPILE, "-w", str(ws.root), *FEB)
    assert result.exit_code == 0 and "wiltshire-hnb-2024-02-v2.xlsx" in result.output
    assert first.read_bytes() == original
    listing = _cli("history", "--all", "-w", str(ws.root))
    # Each compile says what happened to it; each file is named by what it is (issue 21).
    assert re.search(r"Feb-24 +1 .*replaced by compile 2\n  workbook output/"
                     r"wiltshire-hnb-2024-02.xlsx\n", listing.output), listing.output
    assert re.search(r"Feb-24 +2 .*in use; replaces compile 1\n  workbook output/"
                     r"wiltshire-hnb-2024-02-v2.xlsx\n", listing.output), listing.output
    assert listing.output.count(f"sha256 {crashkit.sha(first)}  present") == 2
    first.unlink()
    assert "MISSING" in _cli("history", "--all", "-w", str(ws.root)).output


def test_a_working_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    for command in (["validate", *FEB], [*COMPILE, *FEB], ["history"],
                    ["generate", "--period", "2024-02"]):
        result = _cli(command[0], "-w", str(tmp_path / "nowhere"), *command[1:])
        assert result.exit_code == 1
        [line] = _lines(result)
        assert "nowhere: no such working folder" in line
    assert not (tmp_path / "nowhere").exists()
    assert _cli("init", str(tmp_path / "nowhere")).exit_code == 0


def test_a_history_without_its_programme_is_refused(compiled: Workspace) -> None:
    (compiled.root / "programme.toml").unlink()
    for command in ([*COMPILE, *FEB], ["history"], ["validate", *FEB]):
        result = _cli(command[0], "-w", str(compiled.root), *command[1:])
        assert result.exit_code == 1
        [line] = _lines(result)
        assert "holds a history (history.sqlite) but no programme.toml" in line


def test_the_bundled_programme_is_said_and_kept_with_the_new_history(tmp_path: Path) -> None:
    work = tmp_path / "bare"
    work.mkdir()
    result = _cli(*COMPILE, "-w", str(work), *FEB)
    assert result.exit_code == 0, result.output
    assert "using the bundled Wiltshire programme" in result.output
    assert (work / "programme.toml").is_file()
    again = _cli("history", "-w", str(work))
    assert "bundled" not in again.output and "Feb-24" in again.output


@pytest.fixture
def held(compiled: Workspace):
    """Another hnbxl compiling in the folder: its lock held by this process."""
    fd = os.open(compiled.root, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    yield compiled
    os.close(fd)


def test_a_second_compile_waits_then_fails_clearly(held: Workspace,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HNBXL_LOCK_TIMEOUT", "1.5")
    before = crashkit.snapshot(held)
    result = _cli(*COMPILE, "-w", str(held.root), *FEB)
    assert result.exit_code == 1
    lines = _lines(result)
    assert lines[0] == "hnbxl: another hnbxl is compiling in this folder; waiting..."
    assert "another hnbxl has been compiling in this folder for 2 s" in lines[1]
    assert len(lines) == 2
    assert crashkit.snapshot(held) == before


def test_reading_commands_work_while_a_compile_holds_the_folder(held: Workspace) -> None:
    listing = _cli("history", "-w", str(held.root))
    assert listing.exit_code == 0 and "Feb-24" in listing.output
    checked = _cli("validate", "-w", str(held.root), *FEB)
    assert checked.exit_code == 0, checked.output
    assert "waiting" not in listing.output + checked.output


def test_a_newer_history_refuses_a_compile_and_keeps_everything(compiled: Workspace) -> None:
    import sqlite3

    conn = sqlite3.connect(compiled.history_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = {p: p.read_bytes() for p in compiled.root.rglob("*") if p.is_file()}
    result = _cli(*COMPILE, "-w", str(compiled.root), *FEB)
    assert result.exit_code == 1
    [line] = _lines(result)
    assert "schema version 99" in line
    assert {p: p.read_bytes() for p in compiled.root.rglob("*") if p.is_file()} == before


def test_a_missing_return_has_its_own_code(compiled: Workspace, tmp_path: Path) -> None:
    result = _cli("validate", "-w", str(compiled.root), str(tmp_path / "gone.xlsx"))
    assert result.exit_code == 1 and "file-not-found" in result.output


def test_staging_leftovers_are_swept_but_only_hnbxls_own(compiled: Workspace) -> None:
    """hnbxl's temporary names are swept; a look-alike another program made is kept."""
    stray = [compiled.output_dir / ".wiltshire-hnb-2024-02.xlsx.0a1b2c3d4e5f.hnbxl.tmp",
             compiled.returns_dir / ".abc.xlsx.ffffffffffff.hnbxl.tmp"]
    foreign = [compiled.output_dir / ".wiltshire-hnb-2024-02.staged.xlsx",
               compiled.output_dir / ".wiltshire-hnb-2024-02.xlsx.k3j4h5.tmp",
               compiled.returns_dir / ".abc.xlsx.tmp"]
    for path in stray + foreign:
        path.write_bytes(b"half")
    assert _cli(*COMPILE, "-w", str(compiled.root), *FEB).exit_code == 0
    assert not any(p.exists() for p in stray)
    assert all(p.exists() for p in foreign)
    shutil.rmtree(compiled.root)
