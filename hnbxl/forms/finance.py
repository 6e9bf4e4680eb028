"""The Finance sheet: the KPI and Programme Mitigations tables, and the narrative."""

from __future__ import annotations

from hnbxl.core import fmt
from hnbxl.core.cells import a1
from hnbxl.forms.builder import Builder
from hnbxl.forms.model import (
    CHOICE,
    MONEY,
    CheckItem,
    FixedCell,
    InputSpec,
    SheetLayout,
)
from hnbxl.forms.words import (
    FAVOURABLE_WORDS,
    clip_prompt,
    rule_words,
)


def finance(b: Builder) -> SheetLayout:
    s, section = b.p.sections["finance"].tab, "finance"
    fixed = b.heading(s, b.p.sections[section].title)
    inputs: list[InputSpec] = []
    titles = ["Baseline", "Budget", "This quarter", "If no figure, why", "Variance",
              "Last period rating", "Override rating", "Reason for override",
              "Explain a query", "Last period's explanation"]
    row = 4
    first_header = row
    for table, table_title in (("kpis", "KPI"), ("mitigations", "Programme Mitigations")):
        rows = [r for r in b.p.finance_rows if r.table == table]
        if not rows:
            continue
        fixed += b.header(s, row, [table_title, *titles])
        row += 1
        for fr in rows:
            key = f"finance.{fr.id}"
            amounts = b.p.finance_for(fr, b.period)
            short = fmt.clip(fr.name, 60)
            last_q = b.last.figures.get(f"{key}.this_quarter") if b.last else None
            fixed += [
                FixedCell(s, row, 0, fr.name, "label"),
                FixedCell(s, row, 1, amounts.baseline, "money"),
                FixedCell(s, row, 2, amounts.budget, "money"),
                FixedCell(
                    s, row, 5, "",
                    formula=f"=IF(ISNUMBER({a1(row, 3)}),{a1(row, 3)}-{a1(row, 2)},\"\")",
                    style="money", operation="minus",
                    operands=(f"{key}.this_quarter",), constant=amounts.budget,
                ),
                FixedCell(s, row, 6, b.last_label(key), "last"),
            ]
            inputs.append(InputSpec(
                f"{key}.this_quarter", section, s, row, 3, MONEY, f"{short}: this quarter",
                prompt_title="This quarter (£)",
                prompt=clip_prompt(
                    "This quarter's forecast for the year, in pounds. "
                    f"{FAVOURABLE_WORDS[fr.favourable]} is good. "
                    f"Last period: {last_q or b.p.not_reported_label}."),
            ))
            inputs.append(InputSpec(
                f"{key}.reason", section, s, row, 4, CHOICE, f"{short}: if no figure, why",
                prompt_title="If no figure, why",
                prompt="Only when there is no figure this quarter: choose why.",
                choices=b.p.figure_reasons, list_range=b.reason_range,
            ))
            how = rule_words(b.p, fr.rule, fr)
            ins, fx = b.rating_inputs(section, s, row, 7, key, fr.name,
                                         fr.rule.computed, how, 8)
            inputs += ins
            fixed += fx
            ins, fx = b.explanation_cells(section, s, row, 9, key, fr.name,
                                             key in b.explained_items)
            inputs += ins
            fixed += fx
            b.checks.append(CheckItem(f"{short}: this quarter, or why there is none",
                                         (f"{key}.this_quarter", f"{key}.reason")))
            if not fr.rule.computed:
                b.checks.append(CheckItem(f"{short}: rating", (f"{key}.rating",)))
            row += 1
        row += 1
    inputs.append(b.narrative_input(section, s, row, "finance", 1, 8))
    fixed.append(FixedCell(s, row, 0, b.narrative_label("finance"), "label"))
    return SheetLayout(s, section, (44, 15, 15, 15, 22, 14, 18, 18, 30, 36, 30),
                       tuple(fixed),
                       tuple(inputs), header_row=first_header, freeze=(first_header + 1, 1),
                       row_heights={row: 240})
