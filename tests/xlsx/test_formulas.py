"""Formula translation and comparison, and date number formats, on their own."""

from __future__ import annotations

from datetime import date

import pytest

from hnbxl.xlsx.formulas import normalise_formula, tokens, translate
from hnbxl.xlsx.numformats import excel_date, is_date_format


@pytest.mark.parametrize(("master", "rows", "cols", "expected"), [
    ('IF(ISNUMBER(D13),D13-C13,"")', 1, 0, 'IF(ISNUMBER(D14),D14-C14,"")'),
    ("$A$1+A$1+$A1+A1", 2, 3, "$A$1+D$1+$A3+D3"),
    ("SUM(B2:B9)/COUNT($B$2:B9)", 1, 0, "SUM(B3:B10)/COUNT($B$2:B10)"),
    ("SUM(A:A)+SUM(3:4)+SUM($C:$C)", 1, 1, "SUM(B:B)+SUM(4:5)+SUM($C:$C)"),
    ("COUNTIF('Risk Log'!C6:C9,\"A1\")", 1, 0, "COUNTIF('Risk Log'!C7:C10,\"A1\")"),
    ("'It''s'!A1&Lists!$B2", 1, 0, "'It''s'!A2&Lists!$B3"),
    ("LOG10(A1)+ATAN2(A1,B1)", 0, 1, "LOG10(B1)+ATAN2(B1,C1)"),
    ('"D13 stays"&D13', 1, 0, '"D13 stays"&D14'),
    ("_xlfn.STDEV.S(A1:A3)", 1, 0, "_xlfn.STDEV.S(A2:A4)"),
    ("A2", -2, 0, "#REF!"),
    ("XFD1", 0, 1, "#REF!"),
    ("A1", 0, 0, "A1"),
])
def test_shared_formula_translation(master: str, rows: int, cols: int, expected: str) -> None:
    assert translate(master, rows, cols) == expected


def test_tokens_cover_the_formula_exactly() -> None:
    text = "=IF(AND('Deal Conditions'!C6<>\"\",#N/A=1.5E3),[1]Sheet!A1, x)"
    assert "".join(tok for _, tok in tokens(text)) == text


@pytest.mark.parametrize(("a", "b"), [
    ('IF(ISNUMBER(D14),D14-C14,"")', '=if( isnumber( $D$14 ), d14 - c14, "" )'),
    ("IF(ISBLANK('Deal Conditions'!C6),1,0)", "IF(ISBLANK('DEAL CONDITIONS'!$C$6),1,0)"),
    ("COUNTIF(Lists!A1:A5,1)", "_xlfn.COUNTIF('Lists'!A1:A5,1)"),
    ("_xlws.SORT(A1:A3)", "SORT(A1:A3)"),
    ("A1*0.5", "A1*.50"),
    ("IF(A1,\"It's\",1)", "if(a1,\"It's\",1)"),
])
def test_same_meaning_compares_equal(a: str, b: str) -> None:
    assert normalise_formula(a) == normalise_formula(b)


@pytest.mark.parametrize(("a", "b"), [
    ('IF(A1,"Missing","OK")', 'IF(A1,"missing","OK")'),  # strings are compared exactly
    ('IF(A1,"a b","OK")', 'IF(A1,"ab","OK")'),
    ("D7*E7", "D7+E7"),
    ("A1", "A2"),
    ("Lists!A1", "Risk!A1"),
    ("SUM(A1:A3)", "SUM(A1:A4)"),
])
def test_different_meaning_compares_different(a: str, b: str) -> None:
    assert normalise_formula(a) != normalise_formula(b)


@pytest.mark.parametrize(("code", "is_date"), [
    ("General", False), ("0", False), ("#,##0", False), ("0.00%", False), ("@", False),
    ("£#,##0.00;-£#,##0.00", False), ('#,##0" days"', False), ("0.00E+00", False),
    ("[Red]#,##0;[Blue]-#,##0", False), ('"Month"0', False), ("0\\m", False),
    ("d/m/yyyy", True), ("mmm-yy", True), ("[$-809]dd mmmm yyyy", True), ("yyyy-mm-dd;@", True),
    ("h:mm", True), ("[h]:mm:ss", True), ("mm-dd-yy", True), ("DD/MM/YYYY", True),
])
def test_date_formats(code: str, is_date: bool) -> None:
    assert is_date_format(code) is is_date


@pytest.mark.parametrize(("serial", "date1904", "expected"), [
    (45355, False, date(2024, 3, 4)),
    (45355 - 1462, True, date(2024, 3, 4)),
    (1, False, date(1900, 1, 1)),
    (61, False, date(1900, 3, 1)),
    (0, True, date(1904, 1, 1)),
    (45355.75, False, date(2024, 3, 4)),
    (0, False, None), (-1, True, None), (3e6, False, None), (float("nan"), False, None),
])
def test_excel_dates(serial: float, date1904: bool, expected: date | None) -> None:
    assert excel_date(serial, date1904) == expected


def test_followers_find_masters_outside_the_kept_cells() -> None:
    """Only F14 is wanted; its master F13 is read anyway, by both parse paths."""
    from tests.xlsx.test_reader import package, read_both, worksheet

    sheet = worksheet(
        '<row r="13"><c r="F13"><f t="shared" ref="F13:F16" si="0">D13-C13</f><v>1</v></c>'
        '<c r="G13"><f t="array" ref="G13:G15">SUM(A1:A3*B1:B3)</f><v>6</v></c></row>'
        '<row r="14"><c r="F14"><f t="shared" si="0"/><v>2</v></c><c r="G14"><v>6</v></c>'
        '<c r="H14" t="s"><f t="shared" ref="H14:H15" si="1">"x"&amp;A14</f><v>0</v></c></row>'
        '<row r="15"><c r="F15"><f t="shared" si="0"/><v>3</v></c><c r="G15"><v>6</v></c>'
        '<c r="H15" t="str"><f t="shared" si="1"/><v>x</v></c></row>'
        '<row r="16"><c r="F16"><f t="shared" si="9"/><v>4</v></c><c r="G16"><v>7</v></c></row>'
    )
    data = package({"S": sheet}, shared="<si><t>x</t></si>")
    book = read_both(data, {"S": ["F14", "F15", "F16", "G14", "G15", "G16", "H15"]})
    cells = book.sheets[0].cells
    assert cells["F14"].formula == "D14-C14" and cells["F14"].value == 2
    assert cells["F15"].formula == "D15-C15"
    assert cells["F16"].formula == ""  # its master (si 9) is missing: never guessed
    assert cells["G14"].formula == cells["G15"].formula == "SUM(A1:A3*B1:B3)"
    assert cells["G16"].formula is None  # outside the array's range
    assert cells["H15"].formula == '"x"&A15'
