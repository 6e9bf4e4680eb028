"""The Key Measures sheet: one row per measure, its figure, rating and query cells."""

from __future__ import annotations

from dataclasses import replace

from hnbxl.core import fmt
from hnbxl.forms.builder import Builder
from hnbxl.forms.model import (
    CHOICE,
    COUNT,
    MONTH,
    CheckItem,
    FixedCell,
    InputSpec,
    SheetLayout,
)
from hnbxl.forms.queries import DISCLOSURE_CHOICES
from hnbxl.forms.words import (
    FIGURE_KIND,
    UNIT_PROMPTS,
    UNIT_WORDS,
    clip_prompt,
    rule_words,
)


def measures(b: Builder) -> SheetLayout:
    s, section = b.p.sections["measures"].tab, "measures"
    fixed = b.heading(s, b.p.sections[section].title)
    header_row = 4
    titles = ["Measure", "Detail", "Unit", "Last period figure", "Last period rating",
              "Figure", "Out of (for a share)", "If no figure, why", "Last update (month)",
              "This period rating", "Reason for override", "Explain a query",
              "Last period's explanation", "Small number: publish or suppress"]
    fixed += b.header(s, header_row, titles)
    inputs: list[InputSpec] = []
    month_range = b.list_range("Month", b.months())
    for i, m in enumerate(b.p.measures):
        row = header_row + 1 + i
        key = f"measures.{m.id}"
        short = fmt.clip(m.name, 60)
        unit_words = UNIT_WORDS[m.unit]
        fixed += [
            FixedCell(s, row, 0, m.name, "label"),
            FixedCell(s, row, 1, m.detail or None, "guidance"),
            FixedCell(s, row, 2, unit_words, "guidance"),
            FixedCell(s, row, 3, b.last_figure(key), "last"),
            FixedCell(s, row, 4, b.last_label(key), "last"),
        ]
        guidance = m.detail or m.name
        figure = InputSpec(
            f"{key}.figure", section, s, row, 5, FIGURE_KIND[m.unit],
            f"{short}: figure",
            prompt_title=clip_prompt(unit_words, 32),
            prompt=clip_prompt(f"{guidance}. {UNIT_PROMPTS[m.unit]}"),
            minimum=0,
            maximum=1 if m.unit == "percent" else None,
        )
        if m.unit == "status":
            figure = replace(figure, choices=m.statuses,
                             list_range=b.list_range(f"Status: {m.id}", m.statuses))
        inputs.append(figure)
        if m.unit == "count_with_share":
            inputs.append(InputSpec(
                f"{key}.share_base", section, s, row, 6, COUNT, f"{short}: out of",
                prompt_title="Out of",
                prompt="The whole group the figure is a share of (a whole number). "
                       "The report shows the figure with its share, e.g. 2 (33%).",
                minimum=1,
            ))
            b.checks.append(CheckItem(f"{short}: out of", (f"{key}.share_base",),
                                         when=f"{key}.figure"))
        else:
            fixed.append(FixedCell(s, row, 6, None, "blank"))
        inputs.append(InputSpec(
            f"{key}.reason", section, s, row, 7, CHOICE, f"{short}: if no figure, why",
            prompt_title="If no figure, why",
            prompt="Only when there is no figure this period: choose why. "
                   "Leave empty when you give a figure.",
            choices=b.p.figure_reasons, list_range=b.reason_range,
        ))
        inputs.append(InputSpec(
            f"{key}.last_update", section, s, row, 8, MONTH, f"{short}: last update",
            prompt_title="Last update",
            prompt="The month the figure's data is from, e.g. "
                   f"{b.period.previous().label}.",
            choices=b.months(), list_range=month_range,
        ))
        how = rule_words(b.p, m.rule, measure=m, period=b.period)
        ins, fx = b.rating_inputs(section, s, row, 9, key, m.name, m.rule.computed, how, 10)
        inputs += ins
        fixed += fx
        ins, fx = b.explanation_cells(section, s, row, 11, key, m.name,
                                         key in b.explained_items)
        inputs += ins
        fixed += fx
        if key in b.small_items:
            n = b.p.queries.small_number
            inputs.append(InputSpec(
                f"{key}.disclosure", section, s, row, 13, CHOICE,
                f"{short}: publish or suppress a small number",
                prompt_title="Small number",
                prompt=clip_prompt(f"Only when the figure is from 1 to {n - 1}: choose Suppress "
                             f"(the committee papers show 'fewer than {n}'), or Publish and "
                             "give the reason in 'Explain a query'."),
                choices=DISCLOSURE_CHOICES,
                list_range=b.list_range("Small number", DISCLOSURE_CHOICES),
            ))
        else:
            fixed.append(FixedCell(s, row, 13, None, "blank"))
        if m.figure_required:
            b.checks.append(CheckItem(f"{short}: figure, or why there is none",
                                         (f"{key}.figure", f"{key}.reason")))
        b.checks.append(CheckItem(f"{short}: last update", (f"{key}.last_update",),
                                     "warning", when=f"{key}.figure"))
        if not m.rule.computed:
            b.checks.append(CheckItem(f"{short}: rating",
                                         (f"{key}.rating", f"{key}.reason")))
    return SheetLayout(s, section, (44, 44, 14, 16, 18, 16, 12, 26, 14, 20, 30, 36, 30, 18),
                       tuple(fixed), tuple(inputs), header_row=header_row,
                       freeze=(header_row + 1, 1))
