"""The Finance sheet: the KPI and mitigations tables, and the narrative."""

from __future__ import annotations

from functools import partial

from hnbxl.core import fmt
from hnbxl.core.cells import a1
from hnbxl.core.keys import ItemKey
from hnbxl.forms.builder import Builder, locked, table_input
from hnbxl.forms.model import (
    CHOICE,
    HEADER_ROW,
    MONEY,
    RAG,
    TEXT,
    CheckItem,
    InputSpec,
    SheetLayout,
)
from hnbxl.forms.words import (
    FAVOURABLE_WORDS,
    RULE_RATING,
    WHY_YOURS,
    YOUR_RATING,
    clip_prompt,
    rule_words,
)
from hnbxl.xlsx.columns import Column, Table

#: The columns of both finance tables (KPIs, then Programme Mitigations); the
#: first is headed by the table's own title.
FINANCE_COLUMNS = Table((
    Column("name", "", 44, "label"),
    Column("baseline", "Baseline", 15, "money"),
    Column("budget", "Budget", 15, "money"),
    # The figure asked for is this quarter's forecast outturn for the year: so headed.
    Column("this_quarter", "Forecast for the year", 15, MONEY, input=True),
    Column("reason", "If no figure, why", 22, CHOICE, input=True),
    Column("variance", "Variance", 14, "money"),  # a formula: the forecast less budget
    Column("last_rating", "Last period rating", 18, "last"),
    Column("rule_rating", RULE_RATING, 18, "rating"),  # a formula: what the rule gives
    Column("rating", YOUR_RATING, 18, RAG, input=True),
    Column("override_reason", WHY_YOURS, 30, TEXT, input=True),
    Column("explanation", "Explain a query", 36, TEXT, input=True),
    Column("last_explanation", "Last period's explanation", 30, "last"),
))
FINANCE_TABLES = ("kpis", "mitigations")  # each headed by its ``[words]`` (kpi, mitigation)


def finance(b: Builder) -> SheetLayout:
    """Each finance table that has rows, a blank row after each, then the narrative."""
    s, section = b.programme.sections["finance"].tab, "finance"
    fixed = b.heading(s, b.programme.sections[section].title)
    inputs: list[InputSpec] = []
    t = FINANCE_COLUMNS
    row = first_header = HEADER_ROW
    titles = {"kpis": b.programme.words.kpi, "mitigations": b.programme.words.mitigation}
    for table in FINANCE_TABLES:
        table_title = titles[table]
        rows = [r for r in b.mine(section, b.programme.finance_rows) if r.table == table]
        if not rows:
            continue
        fixed += b.header(s, row, t.with_header("name", table_title))
        row += 1
        for fr in rows:
            key = ItemKey.make("finance", fr.id)
            amounts = b.programme.finance_for(fr, b.period)
            short = fmt.clip(fr.name, 60)
            this_q, budget = a1(row, t.col("this_quarter")), a1(row, t.col("budget"))
            last_q = b.last.figures.get(key.field("this_quarter")) if b.last else None
            fixed += [
                locked(t, s, row, "name", fr.name),
                locked(t, s, row, "baseline", amounts.baseline),
                locked(t, s, row, "budget", amounts.budget),
                locked(
                    t, s, row, "variance", "",
                    formula=f"=IF(ISNUMBER({this_q}),{this_q}-{budget},\"\")",
                    operation="minus",
                    operands=(key.field("this_quarter"),), constant=amounts.budget,
                ),
                locked(t, s, row, "last_rating", b.last_label(key)),
            ]
            cell = partial(table_input, t, key, section, s, row)
            inputs.append(cell(
                "this_quarter", f"{short}: forecast for the year",
                prompt_title="Forecast for the year (£)",
                prompt=clip_prompt(
                    "The forecast for the whole year, as this quarter's monitoring gives "
                    "it, in pounds. "
                    f"{FAVOURABLE_WORDS[fr.favourable]} is good. "
                    f"Last period: {last_q or b.programme.not_reported_label}."),
            ))
            inputs.append(cell(
                "reason", f"{short}: if no figure, why",
                prompt_title="If no figure, why",
                prompt="Only when there is no figure this quarter: choose why.",
                choices=b.programme.figure_reasons, list_range=b.reason_range,
            ))
            how = rule_words(b.programme, fr.rule, fr)
            ins, fx = b.rating_inputs(section, s, row, t, key, fr.name, fr.rule, how)
            inputs += ins
            fixed += fx
            ins, fx = b.explanation_cells(section, s, row, t, key, fr.name,
                                          key in b.explained_items)
            inputs += ins
            fixed += fx
            b.checks.append(CheckItem(f"{short}: forecast for the year, or why there is none",
                                      (key.field("this_quarter"), key.field("reason"))))
            if not fr.rule.computed:
                b.checks.append(CheckItem(f"{short}: rating", (key.field("rating"),)))
            row += 1
        row += 1
    ins, fx, heights = b.narrative_block(section, s, row, t, ("baseline", "override_reason"),
                                         240)
    inputs += ins
    fixed += fx
    return SheetLayout(s, section, t.widths, tuple(fixed), tuple(inputs),
                       header_row=first_header, freeze=(first_header + 1, 1),
                       row_heights=heights, table=t)
