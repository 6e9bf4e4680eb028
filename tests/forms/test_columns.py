"""Each table of a form is declared once, as column records, and every cell follows them.

The builders place headers, widths and cells by a column's field name; these
tests check that the written layout agrees with the declarations (every
header, every width, every input in a column meant for typing in) and that
adding a column is one line in the declaration, with nothing renumbered.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hnbxl.core.periods import Period
from hnbxl.forms import measures, risks
from hnbxl.forms.layout import FormLayout, build_layout
from hnbxl.programme.definition import Programme
from hnbxl.xlsx.columns import Column, Table

FEBRUARY = Period(2024, 2)


@pytest.fixture(params=["programme", "northshire"])
def layout(request: pytest.FixtureRequest) -> FormLayout:
    programme: Programme = request.getfixturevalue(request.param)
    period = FEBRUARY if request.param == "programme" else Period(2024, 5)  # its first year
    return build_layout(programme, period, None, None, date(2024, 3, 1))


def test_every_table_sheet_is_written_as_its_columns_say(layout: FormLayout) -> None:
    tables = [sheet for sheet in layout.sheets if sheet.table is not None]
    assert {sheet.name for sheet in tables} >= {"Check"}
    assert len(tables) == len(layout.sheets) - 2  # all but Instructions and Lists
    for sheet in tables:
        table = sheet.table
        assert table is not None
        assert sheet.widths == table.widths
        headers = [c for c in sheet.fixed if c.style == "header" and c.row == sheet.header_row]
        # The first header of a finance table is the table's own title.
        assert [c.value for c in headers][1:] == list(table.headers)[1:], sheet.name
        assert [c.col for c in headers] == list(range(len(table))), sheet.name
        for spec in sheet.inputs:
            if spec.merge_to_col is not None:
                continue  # a narrative under the table, across its columns
            column = table.columns[spec.col]
            assert column.input, f"{sheet.name}!{spec.cell} is an input in a locked column"
            assert spec.field.rsplit(".", 1)[1] in (column.field, "override", "rating"), spec.field
            assert column.kind in ("", spec.kind), spec.field
        for cell in sheet.fixed:
            assert cell.col < len(table) or cell.merge_to_col is not None, (sheet.name, cell.cell)


def test_a_column_added_in_the_declaration_moves_every_cell_after_it(
    programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = build_layout(programme, FEBRUARY).sheet(programme.sections["measures"].tab)
    extra = Column("source", "Source of the figure", 20, "guidance")
    columns = list(measures.MEASURE_COLUMNS)
    columns.insert(measures.MEASURE_COLUMNS.col("figure"), extra)
    monkeypatch.setattr(measures, "MEASURE_COLUMNS", Table(tuple(columns)))
    after = build_layout(programme, FEBRUARY).sheet(programme.sections["measures"].tab)

    figure = measures.MEASURE_COLUMNS.col("figure")
    assert after.widths[figure - 1] == 20
    assert len(after.widths) == len(before.widths) + 1
    for old, new in zip(before.inputs, after.inputs, strict=True):
        assert new == replace(old, col=old.col + 1), old.field
    headers = {c.col: c.value for c in after.fixed if c.style == "header"}
    assert headers[figure - 1] == "Source of the figure"
    assert headers[figure] == "Figure"


def test_a_table_refuses_two_columns_with_one_field_and_input_in_a_locked_column() -> None:
    with pytest.raises(ValueError, match="two columns share a field"):
        Table((Column("a", "A", 10), Column("a", "B", 10)))
    with pytest.raises(ValueError, match="'score' is locked"):
        risks.RISK_COLUMNS.input_col("score")
    with pytest.raises(KeyError, match="no column 'nope'"):
        risks.RISK_COLUMNS.col("nope")
    finance_like = Table((Column("name", "", 10), Column("x", "X", 5)))
    assert finance_like.with_header("name", "KPI").headers == ("KPI", "X")
