"""The Key Measures sheet: one row per measure, its figure, rating and query cells."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from hnbxl.core import fmt
from hnbxl.core.keys import ItemKey
from hnbxl.forms.builder import Builder, blank, locked, table_input
from hnbxl.forms.model import (
    CHOICE,
    COUNT,
    HEADER_ROW,
    MONTH,
    RAG,
    TEXT,
    CheckItem,
    InputSpec,
    SheetLayout,
)
from hnbxl.forms.words import (
    FIGURE_KIND,
    RULE_RATING,
    UNIT_PROMPTS,
    UNIT_WORDS,
    WHY_YOURS,
    YOUR_RATING,
    clip_prompt,
    rule_words,
    sentence,
)
from hnbxl.programme.disclosure import DISCLOSURE_CHOICES
from hnbxl.xlsx.columns import Column, Table

#: The Key Measures table, left to right.  Every cell of a measure's row is
#: placed by its column's field, so a column is added, moved or resized here only.
MEASURE_COLUMNS = Table((
    Column("name", "Measure", 44, "label"),
    Column("detail", "Detail", 44, "guidance"),
    Column("unit", "Unit", 14, "guidance"),
    Column("last_figure", "Last period figure", 16, "last"),
    Column("last_rating", "Last period rating", 18, "last"),
    Column("figure", "Figure", 16, input=True),  # its kind follows the measure's unit
    Column("share_base", "Out of (for a share)", 12, COUNT, input=True),
    Column("reason", "If no figure, why", 26, CHOICE, input=True),
    Column("last_update", "Last update (month)", 14, MONTH, input=True),
    Column("rule_rating", RULE_RATING, 20, "rating"),  # a formula: what the rule gives
    Column("rating", YOUR_RATING, 20, RAG, input=True),
    Column("override_reason", WHY_YOURS, 30, TEXT, input=True),
    # The publish-or-suppress choice sits just before the cell that gives its reason.
    Column("disclosure", "Small number: publish or suppress", 18, CHOICE, input=True),
    Column("explanation", "Explain a query (or why you publish)", 36, TEXT, input=True),
    Column("last_explanation", "Last period's explanation", 30, "last"),
))


def measures(b: Builder) -> SheetLayout:
    """One row per measure of the definition, in its order."""
    s, section = b.programme.sections["measures"].tab, "measures"
    fixed = b.heading(s, b.programme.sections[section].title)
    t, header_row = MEASURE_COLUMNS, HEADER_ROW
    fixed += b.header(s, header_row, t)
    inputs: list[InputSpec] = []
    month_range = b.list_range("Month", b.months())
    for i, m in enumerate(b.mine(section, b.programme.measures)):
        row = header_row + 1 + i
        key = ItemKey.make("measures", m.id)
        short = fmt.clip(m.name, 60)
        unit_words = UNIT_WORDS[m.unit]
        fixed += [
            locked(t, s, row, "name", m.name),
            locked(t, s, row, "detail", m.detail or None),
            locked(t, s, row, "unit", unit_words),
            locked(t, s, row, "last_figure", b.last_figure(key)),
            locked(t, s, row, "last_rating", b.last_label(key)),
        ]
        guidance = m.detail or m.name
        cell = partial(table_input, t, key, section, s, row)
        figure = cell(
            "figure", f"{short}: figure", kind=FIGURE_KIND[m.unit],
            prompt_title=clip_prompt(unit_words, 32),
            prompt=clip_prompt(f"{sentence(guidance)} {UNIT_PROMPTS[m.unit]}"),
            minimum=0,
            maximum=1 if m.unit == "percent" else None,
        )
        if m.unit == "status":
            figure = replace(figure, choices=m.statuses,
                             list_range=b.list_range(f"Status: {m.id}", m.statuses))
        inputs.append(figure)
        if m.unit == "count_with_share":
            inputs.append(cell(
                "share_base", f"{short}: out of",
                prompt_title="Out of",
                prompt="The whole group the figure is a share of (a whole number). "
                       "The report shows the figure with its share, e.g. 2 (33%).",
                minimum=1,
            ))
            b.checks.append(CheckItem(f"{short}: out of", (key.field("share_base"),),
                                      when=key.field("figure")))
        else:
            fixed.append(blank(t, s, row, "share_base"))
        inputs.append(cell(
            "reason", f"{short}: if no figure, why",
            prompt_title="If no figure, why",
            prompt="Only when there is no figure this period: choose why. "
                   "Leave empty when you give a figure.",
            choices=b.programme.figure_reasons, list_range=b.reason_range,
        ))
        inputs.append(cell(
            "last_update", f"{short}: last update",
            prompt_title="Last update",
            prompt="The month the figure's data is from, e.g. "
                   f"{b.period.previous().label}.",
            choices=b.months(), list_range=month_range,
        ))
        how = rule_words(b.programme, m.rule, measure=m, period=b.period)
        ins, fx = b.rating_inputs(section, s, row, t, key, m.name, m.rule, how)
        inputs += ins
        fixed += fx
        ins, fx = b.explanation_cells(section, s, row, t, key, m.name,
                                      key in b.explained_items)
        inputs += ins
        fixed += fx
        if key in b.small_items:
            n = b.programme.queries.small_number
            inputs.append(cell(
                "disclosure", f"{short}: publish or suppress a small number",
                prompt_title="Small number",
                prompt=clip_prompt(f"Only when the figure is from 1 to {n - 1}: choose Suppress "
                                   f"(the committee papers show 'fewer than {n}'), or Publish and "
                                   "give the reason in the next cell."),
                choices=DISCLOSURE_CHOICES,
                list_range=b.list_range("Small number", DISCLOSURE_CHOICES),
            ))
        else:
            fixed.append(blank(t, s, row, "disclosure"))
        if m.figure_required:
            b.checks.append(CheckItem(f"{short}: figure, or why there is none",
                                      (key.field("figure"), key.field("reason"))))
        b.checks.append(CheckItem(f"{short}: last update", (key.field("last_update"),),
                                  "warning", when=key.field("figure")))
        if not m.rule.computed:
            b.checks.append(CheckItem(f"{short}: rating",
                                      (key.field("rating"), key.field("reason"))))
    return SheetLayout(s, section, t.widths, tuple(fixed), tuple(inputs), header_row=header_row,
                       freeze=(header_row + 1, 1), table=t)
