"""The rated tables: the Overview's workstreams and the deal conditions.

Both are one row per rated item (name, last period, this period, override
reason, how it is rated) and differ only in their items, their first header
and their widths, so one builder serves both; the Overview adds its
narrative under the table.
"""

from __future__ import annotations

from typing import Any

from hnbxl.core import fmt
from hnbxl.core.keys import ItemKey
from hnbxl.forms.builder import Builder, locked
from hnbxl.forms.model import (
    HEADER_ROW,
    RAG,
    TEXT,
    CheckItem,
    FixedCell,
    InputSpec,
    SheetLayout,
)
from hnbxl.forms.words import RULE_RATING, WHY_YOURS, YOUR_RATING, rule_words
from hnbxl.xlsx.columns import Column, Table


def _rated_columns(first_header: str, widths: tuple[float, float, float, float, float]
                   ) -> Table:
    """The one shape of a rated table; only its first header and its widths differ."""
    name, last, rating, reason, how = widths
    return Table((
        Column("name", first_header, name, "label"),
        Column("last_rating", "Last period", last, "last"),
        Column("rule_rating", RULE_RATING, rating, "rating"),  # a formula: what the rule gives
        Column("rating", YOUR_RATING, rating, RAG, input=True),
        Column("override_reason", WHY_YOURS, reason, TEXT, input=True),
        Column("how", "How it is rated", how, "guidance"),
    ))


OVERVIEW_COLUMNS = _rated_columns("Rating", (48, 20, 22, 36, 50))
#: Headed by the definition's ``[words] condition`` (its section title by default).
CONDITION_COLUMNS = _rated_columns("Condition", (70, 20, 22, 30, 40))


def rated_table(b: Builder, section: str, t: Table, items: tuple[Any, ...]
                ) -> tuple[list[FixedCell], list[InputSpec], int]:
    """Heading and one row per rated item, in the columns of ``t``.

    Returns the cells and the next free row.  Shared by the overview and the
    deal conditions, which differ only in their items (and the overview's narrative).
    """
    s = b.programme.sections[section].tab
    fixed = b.heading(s, b.programme.sections[section].title)
    fixed += b.header(s, HEADER_ROW, t)
    inputs: list[InputSpec] = []
    row = HEADER_ROW + 1
    for item in b.mine(section, items):
        key = ItemKey.make(section, item.id)
        how = rule_words(b.programme, item.rule)
        fixed += [
            locked(t, s, row, "name", item.name),
            locked(t, s, row, "last_rating", b.last_label(key)),
            locked(t, s, row, "how", how),
        ]
        ins, fx = b.rating_inputs(section, s, row, t, key, item.name, item.rule, how)
        inputs += ins
        fixed += fx
        if not item.rule.computed:
            b.checks.append(CheckItem(f"{fmt.clip(item.name, 60)}: rating",
                                      (key.field("rating"),)))
        row += 1
    return fixed, inputs, row


def overview(b: Builder) -> SheetLayout:
    """The workstreams' ratings, then the overview narrative across the table's width."""
    section, t = "overview", OVERVIEW_COLUMNS
    s = b.programme.sections[section].tab
    fixed, inputs, row = rated_table(b, section, t, b.programme.overview)
    row += 1
    ins, fx, heights = b.narrative_block(section, s, row, t, ("last_rating", "how"), 300)
    inputs += ins
    fixed += fx
    return SheetLayout(s, section, t.widths, tuple(fixed), tuple(inputs),
                       header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1),
                       row_heights=heights, table=t)


def conditions(b: Builder) -> SheetLayout:
    """The deal conditions' ratings."""
    section, t = "conditions", CONDITION_COLUMNS.with_header("name", b.programme.words.condition)
    fixed, inputs, _row = rated_table(b, section, t, b.programme.conditions)
    tab = b.programme.sections[section].tab
    return SheetLayout(tab, section, t.widths, tuple(fixed), tuple(inputs),
                       header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1), table=t)
