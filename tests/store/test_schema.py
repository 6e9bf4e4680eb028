"""History schema versions: old files migrate; newer or strange files get one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from hnbxl.cli import main
from hnbxl.store import history as history_module
from hnbxl.store import schema
from hnbxl.store.history import History, HistoryBusy, HistoryError
from hnbxl.store.workspace import init_workspace


def _v1_file(path: Path) -> None:
    """A history as hnbxl wrote it before schema versions (user_version 0, meta says 1)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in schema.statements(schema.MIGRATIONS[0][1]):  # type: ignore[arg-type]
        conn.execute(statement)
    conn.execute(
        "INSERT INTO compiles (programme, period, definition_hash, extracted_on, compiled_at,"
        " output, output_sha256, active) VALUES ('wiltshire-hnb', '2024-02', 'h', '2024-03-04',"
        " '2024-03-04T10:00:00+00:00', 'output/wiltshire-hnb-2024-02.xlsx', 'abc', 1)")
    conn.execute("INSERT INTO ratings VALUES (1, 'overall', 'amber', 'amber', 0, NULL, 'b')")
    conn.close()


def _one_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "SELECT" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_statements_keep_a_trigger_whole() -> None:
    sql = ("CREATE TABLE t (a);\nCREATE TRIGGER x AFTER INSERT ON t BEGIN\n"
           "  UPDATE t SET a = 1;\n  UPDATE t SET a = 2;\nEND;\nDROP TABLE t;\n")
    assert [s.split()[0] for s in schema.statements(sql)] == ["CREATE", "CREATE", "DROP"]


def test_versions_are_in_order_and_the_file_gets_the_latest(tmp_path: Path) -> None:
    numbers = [number for number, _step in schema.MIGRATIONS]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    history = History(tmp_path / "h.sqlite")
    history.create()
    assert history.version() == schema.current_version()
    conn = sqlite3.connect(history.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.current_version()


def test_an_old_history_is_migrated_in_place_and_keeps_its_compiles(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    _v1_file(path)
    history = History(path)
    assert history.version() == 1
    records = history.compiles()
    assert [(r.id, r.period.key, r.active) for r in records] == [(1, "2024-02", True)]
    assert history.version() == schema.current_version()
    conn = sqlite3.connect(path)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(compiles)")}
    assert {"state", "pdf", "pdf_sha256"} <= columns
    assert conn.execute("SELECT state FROM compiles").fetchall() == [("done",)]


def test_a_failing_migration_leaves_the_file_at_its_old_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.sqlite"
    _v1_file(path)
    before = path.read_bytes()
    bad = "CREATE TABLE x (a);\nSELECT nosuch();"
    broken = [*schema.MIGRATIONS, (schema.current_version() + 1, bad)]
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    schema.expected_tables.cache_clear()
    try:
        with pytest.raises(HistoryError, match="could not upgrade the history from version 1"):
            History(path).compiles()
    finally:
        monkeypatch.undo()
        schema.expected_tables.cache_clear()
    assert History(path).version() == 1
    assert path.read_bytes() == before


def test_a_newer_history_is_refused_naming_both_versions(tmp_path: Path) -> None:
    work = tmp_path / "work"
    init_workspace(work)
    history = work / "history.sqlite"
    conn = sqlite3.connect(history)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = history.read_bytes()
    for command in (["history", "-w", str(work)],
                    ["history", "-w", str(work), "--export", str(tmp_path / "x.csv")]):
        line = _one_line(CliRunner().invoke(main, command))
        assert "version 99" in line and f"up to {schema.current_version()}" in line, line
    assert history.read_bytes() == before


@pytest.mark.parametrize("change, words", [
    ("ALTER TABLE ratings DROP COLUMN basis", "table 'ratings' has no column 'basis'"),
    ("DROP TABLE figures", "no table 'figures'"),
])
def test_an_unexpected_schema_is_one_line(tmp_path: Path, change: str, words: str) -> None:
    work = tmp_path / "work"
    init_workspace(work)
    conn = sqlite3.connect(work / "history.sqlite")
    conn.execute(change)
    conn.commit()
    conn.close()
    line = _one_line(CliRunner().invoke(main, ["history", "-w", str(work)]))
    assert "unexpected history schema" in line and words in line, line


def test_another_database_is_not_taken_for_a_history(tmp_path: Path) -> None:
    work = tmp_path / "work"
    init_workspace(work)
    (work / "history.sqlite").unlink()
    conn = sqlite3.connect(work / "history.sqlite")
    conn.execute("CREATE TABLE invoices (n)")
    conn.commit()
    conn.close()
    line = _one_line(CliRunner().invoke(main, ["history", "-w", str(work)]))
    assert "not an hnbxl history" in line and "invoices" in line


@pytest.mark.parametrize("export", [False, True])
def test_a_damaged_history_is_one_line_without_sql(tmp_path: Path, export: bool) -> None:
    work = tmp_path / "work"
    init_workspace(work)
    (work / "history.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    command = ["history", "-w", str(work)]
    if export:
        command += ["--export", str(tmp_path / "x.csv")]
    line = _one_line(CliRunner().invoke(main, command))
    assert "damaged" in line, line
    assert not (tmp_path / "x.csv").exists()


def test_a_history_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    work = tmp_path / "work"
    init_workspace(work)
    (work / "history.sqlite").unlink()
    (work / "history.sqlite").mkdir()
    for command in (["history", "-w", str(work)],
                    ["history", "-w", str(work), "--export", str(tmp_path / "x.csv")]):
        line = _one_line(CliRunner().invoke(main, command))
        assert "is a folder" in line, line


def test_a_busy_history_says_another_program_holds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.sqlite"
    History(path).create()
    monkeypatch.setattr(history_module, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryBusy, match="in use by another program"):
            History(path).compiles()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert History(path).compiles() == []
