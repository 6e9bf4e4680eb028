"""Owners per row: a row names its own owner, over its section's (issue 19).

Wiltshire's "Average cost per EHCP" is given to Finance: the split forms, the
missing-owner accounting and the Not received rows all follow the row.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from hnbxl.store.workspace import Workspace
from tests.test_year import SAMPLE, edit_definition, fill, hnbxl, report_rows, written

ROW = "measures.average_cost_per_ehcp"
COST = 'id = "average_cost_per_ehcp"\n'


def _values(owner: str) -> dict[str, object]:
    send = SAMPLE["2024-02"]["send"]
    if owner == "finance":
        return {**SAMPLE["2024-02"]["finance"],
                **{k: v for k, v in send.items() if k.startswith(ROW + ".")}}
    values = SAMPLE["2024-02"][owner]
    return {k: v for k, v in values.items() if not k.startswith(ROW + ".")}


def _figures(path: Path, sheet: str) -> dict[str, tuple[object, str]]:
    """Each named row's figure (column C) as stored and its number format: a figure is a
    number whose format shows it ("2 (33%)", "£17,287")."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {row[0].value: (row[2].value, row[2].number_format) for row in ws.iter_rows()
            if row[0].value}


def _sheet_texts(path: Path, sheet: str) -> str:
    ws = openpyxl.load_workbook(path)[sheet]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


@pytest.mark.slow
def test_a_row_with_its_own_owner(tmp_path: Path) -> None:
    work = tmp_path / "council"
    w = ("-w", str(work))
    hnbxl("init", work)
    edit_definition(work, COST, COST + 'owner = "finance"\n')
    programme = Workspace(work).programme()
    assert programme.sections_of("finance") == ("measures", "finance")
    out = hnbxl("generate", *w, "-p", "2024-02", "--split", "--due", "2024-03-01")
    forms = {p.stem.rsplit("-", 1)[-1]: p for p in (work / "forms").glob("*.xlsx")}
    finance_measures = _sheet_texts(forms["finance"], "Key Measures")
    assert "Average cost per EHCP" in finance_measures
    assert "Number of ad hoc funding decisions" not in finance_measures
    assert "Average cost per EHCP" not in _sheet_texts(forms["send"], "Key Measures")
    assert "Key Measures" in out or forms["finance"].exists()
    # --owner follows the row too.
    hnbxl("generate", *w, "-p", "2024-02", "--owner", "finance", "--due", "2024-03-01")

    lead, send = (fill(work, "2024-02", o, _values(o), f"{o}.xlsx", "2024-02-28T10:00:00Z")
                  for o in ("lead", "send"))
    out = hnbxl("validate", *w, lead, send)
    assert "missing: Transformation Summary - Key Measures, Finance Summary" in out, out
    out = hnbxl("compile", *w, "-p", "2024-02", "--missing-owner", "finance",
                "--extracted-on", "2024-03-04", lead, send)
    rows = {r[0]: r for r in report_rows(written(out), "Key Measures") if r[0]}
    assert rows["Average cost per EHCP"][2] == "Not received"
    assert rows["Average cost per EHCP"][-1] == "Not received from Finance"
    ceased = "Number of EHCPs ceased that do not result in NEET within 6 months"
    assert _figures(written(out), "Key Measures")[ceased] == (2, '#,##0" (33%)"')
    notes = _sheet_texts(written(out), "Notes")
    assert ("Transformation Summary - Key Measures (1 row: Average cost per EHCP): Not "
            "received from Finance") in notes

    finance = fill(work, "2024-02", "finance", _values("finance"), "finance.xlsx",
                   "2024-02-28T11:00:00Z")
    out = hnbxl("validate", *w, "-p", "2024-02", lead, send, finance)
    assert "missing" not in out.split("Returns for")[-1].replace("missing: none", "")
    out = hnbxl("compile", *w, "-p", "2024-02", "--extracted-on", "2024-03-04",
                lead, send, finance)
    assert _figures(written(out), "Key Measures")["Average cost per EHCP"] == (
        17_287, "£#,##0;-£#,##0")


def test_a_row_owner_must_be_an_owner() -> None:
    from hnbxl.programme.definition import DefinitionError, parse_programme
    from tests.programme.test_definition import WILTSHIRE

    text = WILTSHIRE.replace(COST, COST + 'owner = "finanse"\n', 1)
    with pytest.raises(DefinitionError, match="'finanse' is not an owner") as info:
        parse_programme(text, "bad.toml")
    assert info.value.key == "measures[4].owner" and info.value.line is not None
