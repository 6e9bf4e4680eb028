"""Nothing the officer needs is overwritten; temporary files are hnbxl's own (issue 20).

One test per class: a command's own inputs, returns kept in returns/, files
history records, filled-in returns, same-named inputs, planted symlinks at
every temporary name, the recovery sweep, and clear words for a dangling
output/ and a path under a file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from hnbxl.core import fileio
from hnbxl.programme.definition import Programme
from tests.conftest import SAMPLES
from tests.returns.test_validate_corpus import valid_return
from tests.security.conftest import run

FEB = sorted((SAMPLES / "2024-02").glob("*.xlsx"))






def compiled(work: Path) -> Path:
    code, out = run("compile", "-w", work, "--extracted-on", "2024-03-04", *FEB)
    assert code == 0, out
    return work / "output" / "wiltshire-hnb-2024-02.xlsx"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- never overwrite


def test_generate_never_replaces_filled_in_returns(work: Path, tmp_path: Path) -> None:
    returned = tmp_path / "returned"
    returned.mkdir()
    for sample in FEB:
        (returned / sample.name).write_bytes(sample.read_bytes())
    before = snapshot(returned)
    code, out = run("generate", "-w", work, "-p", "2024-02", "--split", "--out", returned)
    assert code == 1 and "is a return with inputs filled in" in out and "--replace" in out
    assert snapshot(returned) == before  # nothing written, not even the blank ones


def test_generate_replaces_its_own_blank_forms_and_named_files(work: Path,
                                                               tmp_path: Path) -> None:
    code, out = run("generate", "-w", work, "-p", "2024-02", "--split")
    assert code == 0, out
    code, out = run("generate", "-w", work, "-p", "2024-02", "--split")
    assert code == 0, out  # its own blank forms: replaced without a word
    other = work / "forms" / "wiltshire-hnb-2024-02-send.xlsx"
    other.write_bytes(b"someone's notes")
    code, out = run("generate", "-w", work, "-p", "2024-02", "--owner", "send")
    assert code == 1 and "not a blank form hnbxl made" in out
    assert other.read_bytes() == b"someone's notes"
    code, out = run("generate", "-w", work, "-p", "2024-02", "--owner", "send",
                    "--replace", other)
    assert code == 0, out
    assert other.read_bytes() != b"someone's notes"


def test_feedback_never_replaces_its_input_and_same_names_get_two_copies(
        work: Path, tmp_path: Path, programme: Programme) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "send.xlsx").write_bytes(valid_return(programme, "send"))
    corrected = tmp_path / "a" / "send-feedback.xlsx"  # the owner's corrected return
    corrected.write_bytes(valid_return(programme, "send"))
    before = corrected.read_bytes()
    code, out = run("feedback", "-w", work, "--out", tmp_path / "a",
                    tmp_path / "a" / "send.xlsx", tmp_path / "b" / "send.xlsx", corrected)
    assert code == 0, out
    assert corrected.read_bytes() == before
    copies = sorted(p.name for p in (tmp_path / "a").glob("send-feedback*.xlsx"))
    assert len(copies) == 4, copies  # the corrected one, and three distinct copies
    assert out.count("send-feedback") >= 3


def test_export_refuses_recorded_and_kept_files(work: Path) -> None:
    report = compiled(work)
    before = snapshot(work / "output"), snapshot(work / "returns")
    code, out = run("history", "-w", work, "--export", report)
    assert code == 1 and "history records this file" in out
    kept = next((work / "returns").glob("*.xlsx"))
    code, out = run("history", "-w", work, "--export", kept)
    assert code == 1 and "returns/" in out
    assert (snapshot(work / "output"), snapshot(work / "returns")) == before
    code, out = run("history", "-w", work, "--all")
    assert "CHANGED" not in out and "MISSING" not in out


def test_export_refuses_a_return(work: Path, tmp_path: Path) -> None:
    target = tmp_path / "send.xlsx"
    target.write_bytes(FEB[-1].read_bytes())
    compiled(work)
    code, out = run("history", "-w", work, "--export", target)
    assert code == 1 and "form or return" in out
    assert target.read_bytes() == FEB[-1].read_bytes()


# --------------------------------------------------------------------------- temporary files


def test_a_symlink_at_every_temporary_name_is_never_written_through(
        work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        programme: Programme) -> None:
    """Every temporary name is run-unique; planted links there are refused, never followed."""
    token = "0123456789ab"
    monkeypatch.setattr(secrets, "token_hex", lambda _n=6: token)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    source = tmp_path / "in" / "send.xlsx"
    source.parent.mkdir()
    source.write_bytes(valid_return(programme, "send"))
    outputs = [work / "forms" / "wiltshire-hnb-2024-02-send.xlsx",
               tmp_path / "fb" / "send-feedback.xlsx",
               work / "output" / "wiltshire-hnb-2024-02.xlsx",
               work / "output" / "wiltshire-hnb-2024-02.pdf",
               tmp_path / "share" / "tidy.csv"]
    outputs += [work / "returns" / f"{fileio.sha256_file(f)}.xlsx" for f in FEB]
    for path in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(victim, fileio.temp_name(path, token))
    commands = [("generate", "-w", work, "-p", "2024-02", "--owner", "send"),
                ("feedback", "-w", work, "--out", tmp_path / "fb", source),
                ("compile", "-w", work, "--extracted-on", "2024-03-04", *FEB),
                ("history", "-w", work, "--export", tmp_path / "share" / "tidy.csv")]
    for command in commands:
        code, out = run(*command)
        assert victim.read_bytes() == b"precious", command
        assert code in (0, 1), out
    for path in outputs:
        assert not path.is_symlink(), path  # no link was renamed into a real name


def test_the_sweep_removes_only_hnbxls_own_files(work: Path) -> None:
    theirs = [work / "output" / ".syncthing.minutes.docx.tmp", work / "returns" / ".x.tmp",
              work / "output" / ".report.xlsx.staged.1"]
    ours = work / "output" / ".report.xlsx.0123456789ab.hnbxl.tmp"
    for path in [*theirs, ours]:
        path.write_bytes(b"x")
    code, out = run("history", "-w", work)
    assert code == 0, out
    assert all(p.exists() for p in theirs) and not ours.exists()


# --------------------------------------------------------------------------- clear messages


def test_a_dangling_output_link_is_named_as_one(work: Path, tmp_path: Path) -> None:
    (work / "output").rmdir()
    os.symlink(tmp_path / "unmounted-share", work / "output")
    code, out = run("compile", "-w", work, "--extracted-on", "2024-03-04", *FEB)
    assert code == 1 and "symbolic link" in out and "unmounted-share" in out
    assert not any((work / "returns").iterdir())


def test_a_path_under_a_file_is_named_as_one(work: Path, tmp_path: Path) -> None:
    compiled(work)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    code, out = run("history", "-w", work, "--export", blocker / "tidy.csv")
    assert code == 1 and "is a file, not a folder" in out and "File exists" not in out


def test_a_full_disk_names_the_export(work: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    compiled(work)

    def full(_fd: int, _data: object) -> int:
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(os, "write", full)
    target = tmp_path / "tidy.csv"
    code, out = run("history", "-w", work, "--export", target)
    assert code == 1 and str(target) in out and "file-size limit" in out
    assert list(tmp_path.glob("*tidy*")) == []  # nothing half-written, no temp left


@pytest.mark.parametrize("command", [("generate", "-p", "2024-02"), ("feedback", FEB[-1])])
def test_nothing_is_written_into_returns(work: Path, command: tuple[object, ...]) -> None:
    """returns/ holds what history kept; no --out may put anything there."""
    code, out = run(command[0], "-w", work, "--out", work / "returns", *command[1:])
    assert code == 1 and "returns/" in out
    assert not any((work / "returns").iterdir())


def test_init_never_writes_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "w").mkdir()
    os.symlink(tmp_path / "gone", tmp_path / "w" / "programme.toml")  # dangling
    run("init", tmp_path / "w")
    assert victim.read_text() == "precious" and not (tmp_path / "gone").exists()
