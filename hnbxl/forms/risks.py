"""The Risk Log: carried risks to update, spare rows for new ones, the score formula."""

from __future__ import annotations

from hnbxl.core import fmt
from hnbxl.core.cells import a1
from hnbxl.forms.builder import Builder
from hnbxl.forms.model import (
    CHOICE,
    GRID,
    MONTH,
    RISK_DIRECTION_LABELS,
    RISK_STATUS_LABELS,
    SCORE,
    SHORT_TEXT_LIMIT,
    TEXT,
    CheckItem,
    FixedCell,
    InputSpec,
    SheetLayout,
)
from hnbxl.forms.words import (
    band_words,
)
from hnbxl.programme.definition import Risk
from hnbxl.programme.derived import matches


def risks(b: Builder) -> SheetLayout:
    s, section = b.p.sections["risks"].tab, "risks"
    scoring = b.p.risk_scoring
    fixed = b.heading(s, b.p.sections[section].title)
    header_row = 4
    fixed += b.header(s, header_row, ["ID", "Risk name", "Risk (if ... then ...)",
                                         "Likelihood", "Impact", "Score", "Action",
                                         "Direction", "Target score", "Updated (month)",
                                         "Status", "Explain a query",
                                         "Last period's explanation"])
    carried: tuple[Risk, ...] = b.last.open_risks if b.last else b.p.risks
    carried = tuple(r for r in carried if r.status == "open")
    inputs: list[InputSpec] = []
    direction_labels = tuple(RISK_DIRECTION_LABELS.values())
    dir_range = b.list_range("Direction", direction_labels)
    status_range = b.list_range("Risk status", tuple(RISK_STATUS_LABELS.values()))
    score_range = b.list_range("Risk score", scoring.valid_scores)
    month_range = b.list_range("Month", b.months())
    rows: list[tuple[str, Risk | None]] = [(r.id, r) for r in carried]
    rows += [(f"N{i + 1}", None) for i in range(scoring.spare_rows)]
    for i, (risk_id, risk) in enumerate(rows):
        row = header_row + 1 + i
        key = f"risks.{risk_id}"
        label = risk.name if risk else f"New risk {risk_id[1:]}"
        short = fmt.clip(label, 60)
        fixed.append(FixedCell(s, row, 0, risk_id, "label"))
        if risk:
            fixed += [FixedCell(s, row, 1, risk.name, "label"),
                      FixedCell(s, row, 2, risk.risk, "guidance")]
        else:
            inputs += [
                InputSpec(f"{key}.name", section, s, row, 1, TEXT, f"{label}: name",
                          prompt_title="New risk: name",
                          prompt="A short name for a new risk. Leave the row empty if "
                                 "there is no new risk.", max_length=200),
                InputSpec(f"{key}.risk", section, s, row, 2, TEXT, f"{label}: risk",
                          prompt_title="New risk: description",
                          prompt="If this happens then ... (what would follow).",
                          max_length=SHORT_TEXT_LIMIT),
            ]
        grid_prompt = (f"A whole number from 1 to {{max}}. Score = likelihood x impact; "
                       f"bands: {band_words(b.p)}.")
        inputs += [
            InputSpec(f"{key}.likelihood", section, s, row, 3, GRID, f"{short}: likelihood",
                      prompt_title="Likelihood",
                      prompt=grid_prompt.format(max=scoring.likelihood_max),
                      minimum=1, maximum=scoring.likelihood_max,
                      prefill=risk.likelihood if risk else None),
            InputSpec(f"{key}.impact", section, s, row, 4, GRID, f"{short}: impact",
                      prompt_title="Impact", prompt=grid_prompt.format(max=scoring.impact_max),
                      minimum=1, maximum=scoring.impact_max,
                      prefill=risk.impact if risk else None),
        ]
        score = risk.score if risk else ""
        fixed.append(FixedCell(
            s, row, 5, score,
            formula=f"=IF(AND(ISNUMBER({a1(row, 3)}),ISNUMBER({a1(row, 4)})),"
                    f"{a1(row, 3)}*{a1(row, 4)},\"\")",
            style="value", operation="product",
            operands=(f"{key}.likelihood", f"{key}.impact"),
        ))
        inputs += [
            InputSpec(f"{key}.action", section, s, row, 6, TEXT, f"{short}: action",
                      prompt_title="Action",
                      prompt="What is being done about this risk now.",
                      max_length=SHORT_TEXT_LIMIT, prefill=risk.action if risk else None),
            InputSpec(f"{key}.direction", section, s, row, 7, CHOICE, f"{short}: direction",
                      prompt_title="Direction since last period",
                      prompt="→ Same, ↑ Up (risk increasing), ↓ Down (decreasing), "
                             "★ New (first reported).",
                      choices=direction_labels, list_range=dir_range,
                      prefill=b.initial_direction(risk)),
            InputSpec(f"{key}.target", section, s, row, 8, SCORE, f"{short}: target score",
                      prompt_title="Target score",
                      prompt="The score this risk should come down to; never above its "
                             "current score.",
                      choices=tuple(str(v) for v in scoring.valid_scores),
                      list_range=score_range, prefill=risk.target if risk else None),
            InputSpec(f"{key}.updated", section, s, row, 9, MONTH, f"{short}: updated",
                      prompt_title="Updated",
                      prompt="The month this risk was last reviewed.",
                      choices=b.months(), list_range=month_range,
                      prefill=risk.updated.label if risk else None),
            InputSpec(f"{key}.status", section, s, row, 10, CHOICE, f"{short}: status",
                      prompt_title="Status",
                      prompt="Open, or Closed to take it off the log from next period.",
                      choices=tuple(RISK_STATUS_LABELS.values()), list_range=status_range,
                      prefill=RISK_STATUS_LABELS["open"] if risk else None),
        ]
        ins, fx = b.explanation_cells(
            section, s, row, 11, key, label, risk is not None and any(
                matches(ref, key) for rule in b.risk_rules for ref in rule.of))
        inputs += ins
        fixed += fx
        needed = ("likelihood", "impact", "action", "direction", "target", "updated", "status")
        for part in needed:
            b.checks.append(CheckItem(
                f"{short}: {part}", (f"{key}.{part}",),
                when=None if risk else f"{key}.name"))
        if not risk:
            b.checks.append(CheckItem(f"{label}: description", (f"{key}.risk",),
                                         when=f"{key}.name"))
    return SheetLayout(s, section, (6, 30, 50, 11, 9, 8, 50, 14, 10, 12, 10, 36, 30),
                       tuple(fixed),
                       tuple(inputs), header_row=header_row, freeze=(header_row + 1, 2))
