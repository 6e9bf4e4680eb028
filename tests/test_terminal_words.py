"""What the officer reads in the terminal, and the owner on the form, said right (issue 21).

Singular and plural, each reason once, resolved queries as resolved, save
times to the second with their zone, units in words, LibreOffice's dropped
structure lock as one quiet line (and never in the owner's feedback copy),
an aligned owner column, sentences punctuated once, and a warning when the
forms would send returns to a placeholder address.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from hnbxl.api import CompileResult, feedback_copies
from hnbxl.cli import main
from hnbxl.cli_format import describe, print_owners
from hnbxl.core.fmt import plural
from hnbxl.core.periods import Period
from hnbxl.forms.layout import build_layout
from hnbxl.programme.contacts import placeholder_contacts
from hnbxl.programme.definition import Programme
from hnbxl.returns.validate import OwnerStatus
from hnbxl.store.workspace import Workspace
from tests.returns.test_validate_corpus import rezip, set_modified, valid_return


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_counts_take_the_right_number() -> None:
    assert [plural(n, "issue") for n in (0, 1, 2)] == ["0 issues", "1 issue", "2 issues"]
    result = CompileResult(files=1, issues=[], written=True, period=Period(2024, 2),
                           output=Path("out.xlsx"),
                           counts={"returns": 1, "measures": 1, "risks": 2, "issues": 1})
    said = describe(result)
    assert "1 return; 1 measure, 2 risks, 1 issue noted" in said
    assert "issues noted" not in said and "1 returns" not in said


def _unlocked(data: bytes) -> bytes:
    """The return as LibreOffice saves it: the structure lock gone."""
    return rezip(data, lambda name, content: re.sub(
        rb"<workbookProtection[^>]*/>", b"", content) if name == "xl/workbook.xml" else content)


def test_a_dropped_structure_lock_is_one_quiet_line_and_no_news_to_the_owner(
        tmp_path: Path, programme: Programme) -> None:
    work = tmp_path / "work"
    work.mkdir()
    files = []
    for owner in ("lead", "send", "finance"):
        path = tmp_path / f"{owner}.xlsx"
        path.write_bytes(_unlocked(valid_return(programme, owner)))
        files.append(str(path))
    out = _cli("validate", "-w", str(work), *files).output
    assert "structure-unlocked" not in out
    assert out.count("LibreOffice always drops it") == 1
    assert "note: 3 returns saved without the workbook's structure lock" in out
    [copy] = feedback_copies(Workspace(work), [files[1]])
    book = openpyxl.load_workbook(copy.path)
    comments = [c.comment.text for ws in book for row in ws.iter_rows() for c in row
                if c.comment]
    assert not [c for c in comments if "structure" in c]


def test_resubmissions_are_told_apart_to_the_second(tmp_path: Path,
                                                    programme: Programme) -> None:
    work = tmp_path / "work"
    work.mkdir()
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    first.write_bytes(valid_return(programme, "send"))
    second.write_bytes(valid_return(programme, "send"))
    set_modified(first, "2024-03-02T16:45:07Z")
    set_modified(second, "2024-03-02T16:45:41Z")
    out = _cli("validate", "-w", str(work), str(first), str(second)).output
    assert "saved 2024-03-02 16:45:41 UTC" in out and "saved 2024-03-02 16:45:07 UTC" in out


def test_the_owner_column_keeps_its_place_with_long_names(capsys: Any) -> None:
    owners = [OwnerStatus("a", "Finance", ("f.xlsx",), ()),
              OwnerStatus("b", "The Director of Children's Services and Education", (),
                          ("Overview",))]

    class Result:
        period = Period(2024, 2)

        def owners(self) -> list[OwnerStatus]:
            return owners

    print_owners(Result())
    lines = capsys.readouterr().out.splitlines()[1:]
    starts = {len(line) - len(line.split("  ")[-1]) for line in lines}
    assert len(starts) == 1, lines  # the files and what is missing start in one column


def test_form_prompts_end_each_sentence_once(programme: Programme) -> None:
    layout = build_layout(programme, Period(2024, 2), None, None, date(2024, 3, 1))
    doubled = [spec.prompt for spec in layout.inputs if re.search(r"[^.]\.\.(?!\.)", spec.prompt)]
    assert not doubled, doubled[:3]
    figure = layout.input("measures.needs_assessment_requests.figure")
    assert "should reduce - measured YTD. A whole number" in figure.prompt


def test_generate_warns_about_a_placeholder_address(tmp_path: Path,
                                                    programme: Programme) -> None:
    assert placeholder_contacts(programme) == [
        ("return_to", "send.programme@example.gov.uk")]
    real = replace(programme, return_to="the SEND Programme Office (send@wiltshire.gov.uk)")
    assert placeholder_contacts(real) == []
    work = tmp_path / "work"
    work.mkdir()
    out = _cli("generate", "-w", str(work), "-p", "2024-02")
    assert out.exit_code == 0, out.output
    assert "warning: the forms ask for returns to send.programme@example.gov.uk" in out.output
    # With the real address in the folder's definition, nothing to warn about.
    definition = work / "programme.toml"
    definition.write_text(definition.read_text(encoding="utf-8").replace(
        "send.programme@example.gov.uk", "send@wiltshire.gov.uk"), encoding="utf-8")
    again = _cli("generate", "-w", str(work), "-p", "2024-03")
    assert again.exit_code == 0 and "placeholder" not in again.output
