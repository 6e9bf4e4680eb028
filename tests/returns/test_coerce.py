"""Coercion of one raw cell: every documented example, plus properties that must always hold."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnbxl.core.issues import Severity
from hnbxl.core.periods import Period
from hnbxl.forms.layout import (
    CHOICE,
    COUNT,
    GRID,
    MONEY,
    MONTH,
    NARRATIVE,
    PERCENT,
    RAG,
    RISK_DIRECTION_LABELS,
    SCORE,
    TEXT,
    InputSpec,
)
from hnbxl.returns.coerce import NO_FIGURE_WORDS, PROBLEM_CODES, Coerced, coerce, excel_serial_date

SCALE = {"Green - On Track": "green", "Amber - Off Track": "amber", "Red - At Risk": "red"}


def _months(last: Period, n: int = 24) -> tuple[str, ...]:
    out, month = [], last
    for _ in range(n):
        out.append(month.label)
        month = month.previous()
    return tuple(out)


def spec(kind: str, **extra: object) -> InputSpec:
    return InputSpec("measures.x.figure", "measures", "Key Measures", 5, 5, kind, "X: figure",
                     **extra)  # type: ignore[arg-type]


SPECS = {
    COUNT: spec(COUNT, minimum=0),
    PERCENT: spec(PERCENT, minimum=0, maximum=1),
    MONEY: spec(MONEY),
    GRID: spec(GRID, minimum=1, maximum=5),
    SCORE: spec(SCORE, choices=("1", "2", "3", "4", "5", "6", "8", "9", "10", "12", "15", "16",
                                "20", "25")),
    MONTH: spec(MONTH, choices=_months(Period(2024, 2))),  # Mar-22 .. Feb-24
    RAG: spec(RAG, choices=tuple(SCALE)),
    CHOICE: spec(CHOICE, choices=tuple(RISK_DIRECTION_LABELS.values())),
    TEXT: spec(TEXT, max_length=2000),
    NARRATIVE: spec(NARRATIVE, max_length=32767, word_limit=600),
}
MONEY_MIN0 = spec(MONEY, minimum=0)
COUNT_MIN1 = spec(COUNT, minimum=1)
MONTH_FREE = spec(MONTH)
REASONS = spec(CHOICE, choices=("Data coming", "NA", "Annual figure - not due this period"))


def run(s: InputSpec, raw: object, cell_type: str = "s") -> Coerced:
    return coerce(s, raw, cell_type, scale_labels=SCALE)


E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO  # N: note (info)
NOFIG = "NOFIG"  # marker: value None and no_figure True

# (spec, raw, cell type, expected value, expected (code, severity) or None)
CASES = [
    # empty: nothing to report here
    (SPECS[COUNT], None, "", None, None),
    (SPECS[COUNT], "", "s", None, None),
    (SPECS[NARRATIVE], "  \n\t ", "s", None, None),
    (SPECS[RAG], "   ", "s", None, None),
    # error values, any kind
    (SPECS[COUNT], "#DIV/0!", "e", None, ("error-value", E)),
    (SPECS[TEXT], "#REF!", "e", None, ("error-value", E)),
    (SPECS[MONTH], "#N/A", "e", None, ("error-value", E)),
    # numbers in number cells
    (SPECS[COUNT], 169, "n", 169, None),
    (SPECS[COUNT], 169.0, "n", 169, None),
    (SPECS[COUNT], 2.5, "n", None, ("not-whole", E)),
    (SPECS[COUNT], -5, "n", None, ("negative-count", E)),
    (SPECS[COUNT], 168.99999999999997, "n", 169, ("rounded-to-whole", N)),
    (COUNT_MIN1, 0, "n", None, ("below-minimum", E)),
    (SPECS[COUNT], True, "b", None, ("bool-in-number", E)),
    (SPECS[MONEY], False, "b", None, ("bool-in-number", E)),
    (SPECS[COUNT], float("nan"), "n", None, ("not-a-number", E)),
    (SPECS[COUNT], "2024-01-15", "d", None, ("date-in-number", E)),
    # numbers typed as text
    (SPECS[MONEY], "£17,287", "s", 17287.0, ("text-number-accepted", W)),
    (SPECS[MONEY], "17,287.50", "s", 17287.5, ("text-number-accepted", W)),
    (SPECS[MONEY], "(1,234)", "s", -1234.0, ("text-number-accepted", W)),
    (SPECS[MONEY], "£(1,234)", "s", -1234.0, ("text-number-accepted", W)),
    (SPECS[MONEY], "-£5.25", "s", -5.25, ("text-number-accepted", W)),
    (SPECS[MONEY], "£1.2m", "s", None, ("ambiguous-number", E)),
    (SPECS[MONEY], "1.5k", "s", None, ("ambiguous-number", E)),
    (SPECS[MONEY], "2 bn", "s", None, ("ambiguous-number", E)),
    (SPECS[MONEY], "17.287", "s", None, ("ambiguous-number", E)),
    (SPECS[MONEY], "1.234,56", "s", None, ("ambiguous-number", E)),
    (SPECS[MONEY], "1.234.567", "s", None, ("ambiguous-number", E)),
    (SPECS[MONEY], "$5", "s", None, ("wrong-unit", E)),
    (SPECS[MONEY], -17287.5, "n", -17287.5, None),
    (MONEY_MIN0, -1, "n", None, ("below-minimum", E)),
    (MONEY_MIN0, "(1,234)", "s", None, ("below-minimum", E)),
    (SPECS[COUNT], " 169 ", "s", 169, ("text-number-accepted", W)),
    (SPECS[COUNT], "169", "s", 169, ("text-number-accepted", W)),
    (SPECS[COUNT], "1,234", "s", 1234, ("text-number-accepted", W)),
    (SPECS[COUNT], "1,234,567", "s", 1234567, ("text-number-accepted", W)),
    (SPECS[COUNT], "-5", "s", None, ("negative-count", E)),
    (SPECS[COUNT], "(1,234)", "s", None, ("negative-count", E)),
    (SPECS[COUNT], "2.5", "s", None, ("not-whole", E)),
    (SPECS[COUNT], "12,34", "s", None, ("ambiguous-number", E)),
    (SPECS[COUNT], "1,23,456", "s", None, ("ambiguous-number", E)),
    (SPECS[COUNT], "1 234", "s", None, ("ambiguous-number", E)),
    (SPECS[COUNT], "abc", "s", None, ("not-a-number", E)),
    (SPECS[COUNT], "1e5", "s", None, ("not-a-number", E)),
    (SPECS[COUNT], "£17,287", "s", None, ("wrong-unit", E)),
    (SPECS[COUNT], "6.06%", "s", None, ("wrong-unit", E)),
    (SPECS[COUNT], "9" * 400, "s", None, ("number-too-large", E)),
    # no figure
    (SPECS[COUNT], "n/a", "s", NOFIG, ("no-figure-text", W)),
    (SPECS[COUNT], "NA", "s", NOFIG, ("no-figure-text", W)),
    (SPECS[PERCENT], "N/A", "s", NOFIG, ("no-figure-text", W)),
    (SPECS[MONEY], "-", "s", NOFIG, ("no-figure-text", W)),
    (SPECS[MONEY], "—", "s", NOFIG, ("no-figure-text", W)),
    (SPECS[COUNT], " n.a. ", "s", NOFIG, ("no-figure-text", W)),
    (SPECS[GRID], "n/a", "s", None, ("no-figure-text", E)),
    (SPECS[SCORE], "NA", "s", None, ("no-figure-text", E)),
    # percentages
    (SPECS[PERCENT], 0.0606, "n", 0.0606, None),
    (SPECS[PERCENT], 1, "n", 1.0, None),
    (SPECS[PERCENT], 0, "n", 0.0, None),
    (SPECS[PERCENT], "6.06%", "s", 0.0606, ("text-number-accepted", W)),
    (SPECS[PERCENT], "100%", "s", 1.0, ("text-number-accepted", W)),
    (SPECS[PERCENT], 6.06, "n", None, ("percent-out-of-range", E)),
    (SPECS[PERCENT], 100, "n", None, ("percent-out-of-range", E)),
    (SPECS[PERCENT], 150, "n", None, ("percent-out-of-range", E)),
    (SPECS[PERCENT], -0.05, "n", None, ("percent-out-of-range", E)),
    (SPECS[PERCENT], "150%", "s", None, ("percent-out-of-range", E)),
    (SPECS[PERCENT], "-5%", "s", None, ("percent-out-of-range", E)),
    (SPECS[PERCENT], "6.06", "s", None, ("percent-out-of-range", E)),
    (SPECS[PERCENT], "0.5", "s", None, ("ambiguous-percent", E)),
    (SPECS[PERCENT], "£5", "s", None, ("wrong-unit", E)),
    # likelihood, impact and target scores
    (SPECS[GRID], 3, "n", 3, None),
    (SPECS[GRID], 3.0, "n", 3, None),
    (SPECS[GRID], "4", "s", 4, ("text-number-accepted", W)),
    (SPECS[GRID], 6, "n", None, ("out-of-range", E)),
    (SPECS[GRID], 0, "n", None, ("out-of-range", E)),
    (SPECS[GRID], 2.5, "n", None, ("not-whole", E)),
    (SPECS[SCORE], 12, "n", 12, None),
    (SPECS[SCORE], "12", "s", 12, ("text-number-accepted", W)),
    (SPECS[SCORE], 7, "n", None, ("not-in-list", E)),
    (SPECS[SCORE], 7.5, "n", None, ("not-whole", E)),
    # months
    (SPECS[MONTH], "Jan-24", "s", Period(2024, 1), None),
    (SPECS[MONTH], " jan-24 ", "s", Period(2024, 1), None),
    (SPECS[MONTH], "January 2024", "s", Period(2024, 1), ("month-text-accepted", W)),
    (SPECS[MONTH], "Jan 2024", "s", Period(2024, 1), ("month-text-accepted", W)),
    (SPECS[MONTH], "2024-01", "s", Period(2024, 1), ("month-text-accepted", W)),
    (SPECS[MONTH], "01/2024", "s", Period(2024, 1), ("month-text-accepted", W)),
    (MONTH_FREE, "Jan-24", "s", Period(2024, 1), None),
    (MONTH_FREE, "Jan-19", "s", Period(2019, 1), None),
    (SPECS[MONTH], "01/02/2024", "s", None, ("ambiguous-date", E)),
    (SPECS[MONTH], "1/2/24", "s", None, ("ambiguous-date", E)),
    (SPECS[MONTH], "15/01/2024", "s", Period(2024, 1), ("date-as-month", W)),
    (SPECS[MONTH], "05/05/2023", "s", Period(2023, 5), ("date-as-month", W)),
    (SPECS[MONTH], "2024-01-15", "s", Period(2024, 1), ("date-as-month", W)),
    (SPECS[MONTH], "15 January 2024", "s", Period(2024, 1), ("date-as-month", W)),
    (SPECS[MONTH], "15-Jan-24", "s", Period(2024, 1), ("date-as-month", W)),
    (SPECS[MONTH], 45306, "n", Period(2024, 1), ("date-as-month", W)),
    (SPECS[MONTH], 45306.75, "n", Period(2024, 1), ("date-as-month", W)),
    (SPECS[MONTH], "2024-01-15", "d", Period(2024, 1), ("date-as-month", W)),
    (SPECS[MONTH], "2024-01-15T00:00:00", "d", Period(2024, 1), ("date-as-month", W)),
    (SPECS[MONTH], datetime(2024, 1, 15), "d", Period(2024, 1), ("date-as-month", W)),
    (MONTH_FREE, 60, "n", Period(1900, 2), ("date-as-month", W)),
    (MONTH_FREE, 0, "n", None, ("not-a-month", E)),
    (MONTH_FREE, 2958466, "n", None, ("not-a-month", E)),
    (SPECS[MONTH], "Jan-20", "s", None, ("month-out-of-range", E)),
    (SPECS[MONTH], "Mar-24", "s", None, ("month-out-of-range", E)),
    (SPECS[MONTH], 60, "n", None, ("month-out-of-range", E)),
    (SPECS[MONTH], "31/02/2024", "s", None, ("not-a-month", E)),
    (SPECS[MONTH], "Q3", "s", None, ("not-a-month", E)),
    (SPECS[MONTH], True, "b", None, ("not-a-month", E)),
    # ratings
    (SPECS[RAG], "Amber - Off Track", "s", "amber", None),
    (SPECS[RAG], "  amber - OFF track ", "s", "amber", None),
    (SPECS[RAG], "Amber", "s", "amber", ("rating-word-accepted", W)),
    (SPECS[RAG], "red", "s", "red", ("rating-word-accepted", W)),
    (SPECS[RAG], "Amber – Off Track", "s", "amber", ("label-spelling-accepted", W)),
    (SPECS[RAG], "Purple", "s", None, ("not-in-list", E)),
    (SPECS[RAG], "Off Track", "s", None, ("not-in-list", E)),
    (SPECS[RAG], 1, "n", None, ("not-in-list", E)),
    # choices
    (SPECS[CHOICE], "→ No change", "s", "→ No change", None),
    (SPECS[CHOICE], " ↑ increasing ", "s", "↑ Increasing", None),
    (SPECS[CHOICE], "no change", "s", "→ No change", ("choice-word-accepted", W)),
    (SPECS[CHOICE], "Increasing", "s", "↑ Increasing", ("choice-word-accepted", W)),
    (SPECS[CHOICE], "DECREASING", "s", "↓ Decreasing", ("choice-word-accepted", W)),
    (SPECS[CHOICE], "→", "s", "→ No change", ("choice-word-accepted", W)),
    (SPECS[CHOICE], "↑", "s", "↑ Increasing", ("choice-word-accepted", W)),
    (SPECS[CHOICE], "↓", "s", "↓ Decreasing", ("choice-word-accepted", W)),
    (SPECS[CHOICE], "★", "s", "★ New", ("choice-word-accepted", W)),
    (SPECS[CHOICE], "↑Increasing", "s", "↑ Increasing", ("label-spelling-accepted", W)),
    (SPECS[CHOICE], "sideways", "s", None, ("not-in-list", E)),
    (REASONS, "na", "s", "NA", None),
    (REASONS, "Annual figure – not due this period", "s", "Annual figure - not due this period",
     ("label-spelling-accepted", W)),
    # text
    (SPECS[TEXT], "=SUM(A1:A3)", "s", "=SUM(A1:A3)", None),
    (SPECS[TEXT], "+44 1225 713000", "s", "+44 1225 713000", None),
    (SPECS[TEXT], "-5 on last year", "s", "-5 on last year", None),
    (SPECS[TEXT], "@team", "s", "@team", None),
    (SPECS[TEXT], "  kept exactly  ", "s", "  kept exactly  ", None),
    (SPECS[TEXT], "bell\x07here", "s", "bellhere", ("control-characters", W)),
    (SPECS[TEXT], "\x07", "s", None, ("control-characters", W)),
    (SPECS[TEXT], "pay \u202e001\u202c now", "s", "pay \u202e001\u202c now",
     ("invisible-characters", W)),
    (SPECS[TEXT], "a\u2066b\u2069\u200e\u200f\u061c", "s", "a\u2066b\u2069\u200e\u200f\u061c",
     ("invisible-characters", W)),
    (SPECS[TEXT], "zero\u200bwidth\ufeff\u2060", "s", "zero\u200bwidth\ufeff\u2060",
     ("invisible-characters", W)),
    (SPECS[TEXT], "soft\u00adhyphen from Word", "s", "soft\u00adhyphen from Word", None),
    (SPECS[TEXT], 169.0, "n", "169", ("number-as-text", N)),
    (SPECS[TEXT], 0.25, "n", "0.25", ("number-as-text", N)),
    (SPECS[TEXT], True, "b", "TRUE", ("bool-as-text", N)),
    (SPECS[TEXT], "2024-01-15", "d", "2024-01-15", ("date-as-text", N)),
    (spec(TEXT, max_length=5), "abcdef", "s", None, ("too-long", E)),
    (SPECS[NARRATIVE], "Line one.\n\nLine  two.  ", "s", "Line one.\n\nLine  two.  ", None),
    (spec(NARRATIVE, max_length=1000, word_limit=3), "one two\nthree", "s", "one two\nthree",
     None),
    (spec(NARRATIVE, max_length=1000, word_limit=3), "one two three four", "s", None,
     ("too-many-words", E)),    # a count or an amount over the definition's maximum
    (spec(COUNT, minimum=0, maximum=100), 101, "n", None, ("above-maximum", E)),
    (spec(MONEY, maximum=1000), "£1,000.01", "s", None, ("above-maximum", E)),
]


@pytest.mark.parametrize(("s", "raw", "cell_type", "value", "problem"), CASES,
                         ids=[f"{c[0].kind}-{c[1]!r}-{c[2]}" for c in CASES])
def test_examples(s: InputSpec, raw: object, cell_type: str, value: object,
                  problem: tuple[str, Severity] | None) -> None:
    got = run(s, raw, cell_type)
    if value == NOFIG:
        assert got.value is None and got.no_figure
    else:
        assert not got.no_figure
        assert got.value == value
        assert type(got.value) is type(value)
    codes = [(p.code, p.severity) for p in got.problems]
    if problem is None:
        assert codes == []
    else:
        assert problem in codes
    for p in got.problems:
        assert p.code in PROBLEM_CODES
        assert p.found and p.expected and p.message.endswith(".")


def test_percent_text_is_exact_decimal() -> None:
    assert run(SPECS[PERCENT], "6.06%").value == float(Decimal("0.0606"))
    assert run(SPECS[PERCENT], "0.1%").value == float(Decimal("0.001"))


def test_messages_read_for_an_officer() -> None:
    p = run(SPECS[COUNT], "12,34").problems[0]
    assert p.found == "12,34"
    assert p.expected == "a number such as 1,234 or 12.34"
    assert p.message == ("The number '12,34' could mean 1,234 or 12.34; "
                         "type it again without the comma.")
    p = run(SPECS[PERCENT], 6.06, "n").problems[0]
    assert p.expected == "a percentage from 0% to 100%, e.g. 6.06% (in the form, type 6.06)"
    p = run(SPECS[MONEY], "£17,287").problems[0]
    assert "17,287" in p.message
    p = run(SPECS[RAG], "Purple").problems[0]
    assert all(label in p.message for label in SCALE)
    p = run(SPECS[MONTH], "Jan-20").problems[0]
    assert "Mar-22 to Feb-24" in p.message
    p = run(SPECS[MONTH], "01/02/2024").problems[0]
    assert "1 February 2024" in p.message and "2 January 2024" in p.message
    p = run(SPECS[TEXT], "a\x07b\x1fc\x07").problems[0]
    assert p.found == "U+0007, U+001F"
    p = run(SPECS[GRID], "n/a").problems[0]
    assert p.severity is Severity.ERROR


def test_long_choice_list_is_cut_short() -> None:
    many = spec(CHOICE, choices=tuple(f"Option {i}" for i in range(20)))
    p = run(many, "Option 99").problems[0]
    assert p.code == "not-in-list" and "and 14 more" in p.message


def test_rating_word_shared_by_two_labels_is_refused() -> None:
    scale = {"Amber - Off Track": "amber", "Amber - Recovering": "amber_rec"}
    got = coerce(SPECS[RAG], "Amber", "s", scale_labels=scale)
    assert got.value is None and got.problems[0].code == "not-in-list"


def test_custom_no_figure_words() -> None:
    got = coerce(SPECS[COUNT], "nil", "s", scale_labels=SCALE, no_figure_words=("nil",))
    assert got.no_figure and got.value is None
    assert "n/a" in NO_FIGURE_WORDS


def test_excel_serial_dates() -> None:
    assert excel_serial_date(1) == (1900, 1, 1)
    assert excel_serial_date(59) == (1900, 2, 28)
    assert excel_serial_date(60) == (1900, 2, 29)  # the day Excel invented
    assert excel_serial_date(61) == (1900, 3, 1)
    assert excel_serial_date(45306) == (2024, 1, 15)
    assert excel_serial_date(2958465) == (9999, 12, 31)
    assert excel_serial_date(0) is None
    assert excel_serial_date(2958466) is None
    assert excel_serial_date(float("inf")) is None


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        run(spec("colour"), "red")


def test_date_object_in_text_and_month() -> None:
    assert run(SPECS[TEXT], date(2024, 1, 15), "d").value == "2024-01-15"
    assert run(SPECS[MONTH], date(2024, 1, 15), "d").value == Period(2024, 1)


# --------------------------------------------------------------------------- properties


@given(st.integers(min_value=0))
def test_count_text_forms(n: int) -> None:
    for text in (f"{n}", f"{n:,}", f" {n} "):
        got = run(SPECS[COUNT], text)
        assert got.value == n and type(got.value) is int
        assert [p.code for p in got.problems] == ["text-number-accepted"]


@given(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False,
                   allow_infinity=False))
def test_percent_text_forms(d: Decimal) -> None:
    got = run(SPECS[PERCENT], f"{d}%")
    assert got.value == float(d / 100)
    assert not got.has_error


_WORKBOOK_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@pytest.mark.slow
@settings(max_examples=300)
@given(st.text(), st.sampled_from(sorted(SPECS)))
def test_any_text_never_raises(text: str, kind: str) -> None:
    got = run(SPECS[kind], text)
    if text == "" or text.isspace():
        assert got == Coerced(None)
        return
    assert got.value is not None or got.problems
    if got.has_error:
        assert got.value is None
    for p in got.problems:
        assert p.code in PROBLEM_CODES
        for part in (p.found, p.expected, p.message):
            assert isinstance(part, str) and not _WORKBOOK_UNSAFE.search(part)


@pytest.mark.slow  # a long property run (seconds)
@given(st.text().filter(lambda t: not _WORKBOOK_UNSAFE.search(t) and t.strip() != ""
                        and not t.isspace()))
def test_text_round_trip(text: str) -> None:
    for s in (SPECS[TEXT], SPECS[NARRATIVE]):
        got = run(spec(s.kind, max_length=None, word_limit=None), text)
        assert got.value == text
        assert got.problems == ()


@given(st.integers(min_value=1, max_value=2958465))
def test_serial_month_matches_python_dates(serial: int) -> None:
    if serial == 60:
        return
    got = run(MONTH_FREE, serial, "n")
    year, month, day = excel_serial_date(serial)  # type: ignore[misc]
    assert date(year, month, day)  # a real day
    if 1900 <= year <= 2999:
        assert got.value == Period(year, month)
    else:
        assert got.value is None and got.problems[0].code == "not-a-month"


@pytest.mark.parametrize(("application", "advice"), [
    ("Microsoft Excel", "type 52 in the form's percentage cell (Excel adds the % sign)"),
    ("Microsoft Macintosh Excel", "type 52 in the form's percentage cell (Excel adds"),
    ("LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2",
     "type 52 in the form's percentage cell (LibreOffice adds the % sign)"),
    (None, "type 52% with the % sign in the form's percentage cell"),
    ("Google Sheets", "type 52% with the % sign"),
])
def test_percent_advice_names_what_to_type_in_the_client_that_saved_the_file(
        application: str | None, advice: str) -> None:
    got = coerce(SPECS[PERCENT], 52, "n", scale_labels=SCALE, application=application)
    [problem] = got.problems
    assert problem.code == "percent-out-of-range" and "5200%" in problem.message
    assert advice in problem.message
