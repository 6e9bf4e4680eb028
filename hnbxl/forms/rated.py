"""The rated tables: the Overview's workstreams and the deal conditions.

Both are one row per rated item (name, last period, this period, override
reason, how it is rated) and differ only in their items, so one builder
serves both; the Overview adds its narrative under the table.
"""

from __future__ import annotations

from typing import Any

from hnbxl.core import fmt
from hnbxl.forms.builder import Builder
from hnbxl.forms.model import (
    HEADER_ROW,
    CheckItem,
    FixedCell,
    InputSpec,
    SheetLayout,
)
from hnbxl.forms.words import (
    rule_words,
)


def rated_table(b: Builder, section: str, first_header: str, items: tuple[Any, ...]
                ) -> tuple[list[FixedCell], list[InputSpec], int]:
    """Heading and one row per rated item: name, last period, this period, override reason.

    Returns the cells and the next free row.  Shared by the overview and the
    deal conditions, which differ only in their items (and the overview's narrative).
    """
    s = b.p.sections[section].tab
    fixed = b.heading(s, b.p.sections[section].title)
    fixed += b.header(s, HEADER_ROW, [first_header, "Last period", "This period",
                                         "Reason for override", "How it is rated"])
    inputs: list[InputSpec] = []
    row = HEADER_ROW + 1
    for item in items:
        key = f"{section}.{item.id}"
        how = rule_words(b.p, item.rule)
        fixed += [
            FixedCell(s, row, 0, item.name, "label"),
            FixedCell(s, row, 1, b.last_label(key), "last"),
            FixedCell(s, row, 4, how, "guidance"),
        ]
        ins, fx = b.rating_inputs(section, s, row, 2, key, item.name,
                                     item.rule.computed, how, 3)
        inputs += ins
        fixed += fx
        if not item.rule.computed:
            b.checks.append(CheckItem(f"{fmt.clip(item.name, 60)}: rating",
                                         (f"{key}.rating",)))
        row += 1
    return fixed, inputs, row

def overview(b: Builder) -> SheetLayout:
    section = "overview"
    s = b.p.sections[section].tab
    fixed, inputs, row = rated_table(b, section, "Rating", b.p.overview)
    row += 1
    inputs.append(b.narrative_input(section, s, row, "overview", 1, 4))
    fixed.append(FixedCell(s, row, 0, b.narrative_label("overview"), "label"))
    return SheetLayout(s, section, (48, 20, 22, 36, 50), tuple(fixed), tuple(inputs),
                       header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1),
                       row_heights={row: 300})

def conditions(b: Builder) -> SheetLayout:
    section = "conditions"
    fixed, inputs, _row = rated_table(b, section, "Deal condition", b.p.conditions)
    tab = b.p.sections[section].tab
    return SheetLayout(tab, section, (70, 20, 22, 30, 40), tuple(fixed),
                       tuple(inputs), header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))
