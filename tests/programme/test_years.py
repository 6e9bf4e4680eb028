"""A new financial year: every row lacking amounts named at once, and a block that loads."""

from __future__ import annotations

import tomllib

import pytest

from hnbxl.core.periods import Period
from hnbxl.programme.definition import DefinitionError, load_programme, parse_programme
from hnbxl.programme.years import add_year, next_year

WILTSHIRE = load_programme()


def test_the_bundled_programme_runs_into_2024_25_with_its_amounts_marked_illustrative() -> None:
    assert "Illustrative" in WILTSHIRE.year_notes["2024/25"]
    for row in WILTSHIRE.finance_rows:
        assert row.amounts["2024/25"] == row.amounts["2023/24"]


def test_a_year_without_amounts_names_every_row_with_lines_that_load() -> None:
    row = WILTSHIRE.finance_rows[0]
    with pytest.raises(DefinitionError) as caught:
        WILTSHIRE.finance_for(row, Period.parse("2025-04"))
    message = str(caught.value)
    assert "for 9 finance rows" in message and all(
        r.id in message for r in WILTSHIRE.finance_rows)
    assert message.endswith("add the lines below to the definition:")  # the lines follow
    lines = caught.value.detail
    parsed = tomllib.loads(lines)["years"]["2025/26"]["amounts"]
    assert parsed["total_hnb_spend"] == {"baseline": 97098336, "budget": 103744143}
    fixed = parse_programme(WILTSHIRE.text + "\n" + lines + "\n")
    assert fixed.finance_for(fixed.finance_rows[0], Period.parse("2025-04")).budget == 103744143


def test_next_year_appends_a_block_that_loads_and_keeps_the_file() -> None:
    assert next_year(WILTSHIRE) == "2025/26"
    text, block = add_year(WILTSHIRE, "2025/26")
    assert text.startswith(WILTSHIRE.text.rstrip("\n")) and text.endswith(block)
    p = parse_programme(text)
    assert "not yet the agreed figures" in p.year_notes["2025/26"]
    assert all("2025/26" in r.amounts for r in p.finance_rows)


def test_a_year_given_twice_or_for_an_unknown_row_is_refused() -> None:
    twice = WILTSHIRE.text + '\n[years."2023/24".amounts]\nws1 = { baseline = 0, budget = 1 }\n'
    with pytest.raises(DefinitionError, match="give the year's amounts once"):
        parse_programme(twice)
    typo = WILTSHIRE.text.replace("\nws5 = {", "\nws6 = {")
    with pytest.raises(DefinitionError, match=r"amounts\.ws6: is not a finance row"):
        parse_programme(typo)
    with pytest.raises(DefinitionError, match="not a financial year"):
        parse_programme(WILTSHIRE.text + '\n[years."2024"]\nnote = "x"\n')
