"""A new financial year: next year's baselines and budgets added to a definition as text.

The finance team sets a year's baselines and budgets once, before April's
forms go out.  ``hnbxl definition next-year 2024/25`` appends one
``[years."2024/25"]`` table to ``programme.toml`` with every finance row's
latest amounts carried forward and a note saying they are not yet the agreed
figures; the officer edits the numbers and deletes the note.  Appending keeps
every comment and line of the file as the officer wrote it, the definition
stays the one source of truth (``definition diff`` shows the change, history
keeps each version), and no new form kind has to be sent, tamper-checked and
compiled for a once-a-year task.  (A finance form asking for next year's
figures was the alternative; see docs/definition.md.)
"""

from __future__ import annotations

from hnbxl.core.issues import HnbxlError
from hnbxl.core.periods import parse_financial_year
from hnbxl.programme.definition import parse_programme
from hnbxl.programme.model import Programme, amounts_lines
from hnbxl.programme.toml_write import toml_key, toml_string


def next_year(p: Programme) -> str:
    """The year after the latest year any finance row has amounts for."""
    years = [y for row in p.finance_rows for y in row.amounts]
    if not years:
        raise HnbxlError(f"{p.source}: no finance row has amounts for any year; name the year "
                         "(for example 2024/25)")
    first, _ = parse_financial_year(max(years))
    return f"{first + 1}/{(first + 2) % 100:02d}"


def year_block(p: Programme, year: str) -> str:
    """The text to append: the year's note and every row lacking its amounts, carried forward."""
    parse_financial_year(year)
    missing = [row.id for row in p.finance_rows if year not in row.amounts]
    if not missing:
        raise HnbxlError(f"{p.source}: every finance row already has amounts for {year}; "
                         "nothing to add")
    if year in p.year_notes or f"[years.{toml_key(year)}" in p.text:
        lines = "\n".join(amounts_lines(p, year)[1:])
        raise HnbxlError(
            f"{p.source}: it already has a [years.{toml_key(year)}] table; add these lines to "
            f"its amounts by hand:\n{lines}")
    note = (f"{year} baselines and budgets carried forward from the year before; not yet "
            "the agreed figures")
    return "\n".join([
        f"# {year}: written by `hnbxl definition next-year {year}`.  Each row's latest",
        "# amounts are carried forward: edit every baseline and budget to the year's agreed",
        "# figures, then delete the note (the report shows it until then).",
        f"[years.{toml_key(year)}]",
        f"note = {toml_string(note)}",
        "",
        *amounts_lines(p, year),
        "",
    ])


def add_year(p: Programme, year: str) -> tuple[str, str]:
    """The definition's text with ``year``'s block appended, and the block.

    The new text is loaded before it is returned, so a block that would not
    load is never written.
    """
    block = year_block(p, year)
    text = p.text.rstrip("\n") + "\n\n" + block
    parse_programme(text, p.source)
    return text, block
