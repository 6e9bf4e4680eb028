"""The Risk Log: carried risks to update, spare rows for new ones, the score formula."""

from __future__ import annotations

from functools import partial

from hnbxl.core import fmt
from hnbxl.core.cells import a1
from hnbxl.core.keys import ItemKey, matches
from hnbxl.forms.builder import Builder, locked, table_input
from hnbxl.forms.model import (
    CHOICE,
    GRID,
    HEADER_ROW,
    MONTH,
    RISK_DIRECTION_LABELS,
    RISK_STATUS_LABELS,
    SCORE,
    SHORT_TEXT_LIMIT,
    TEXT,
    CheckItem,
    InputSpec,
    SheetLayout,
)
from hnbxl.forms.words import (
    band_words,
)
from hnbxl.programme.definition import Risk
from hnbxl.xlsx.columns import Column, Table

#: The Risk Log's columns.  A carried risk's name and description are locked
#: (label, guidance); on a spare row for a new risk they are inputs.
RISK_COLUMNS = Table((
    Column("id", "ID", 6, "label"),
    Column("name", "Risk name", 30, TEXT, input=True),
    Column("risk", "Risk (if ... then ...)", 50, TEXT, input=True),
    Column("likelihood", "Likelihood", 11, GRID, input=True),
    Column("impact", "Impact", 9, GRID, input=True),
    Column("score", "Score", 8, "value"),  # a formula: likelihood x impact
    Column("action", "Action", 50, TEXT, input=True),
    Column("direction", "Direction", 14, CHOICE, input=True),
    Column("target", "Target score", 10, SCORE, input=True),
    Column("updated", "Updated (month)", 12, MONTH, input=True),
    Column("status", "Status", 10, CHOICE, input=True),
    Column("closing_note", "Closing note (if closed)", 36, TEXT, input=True),
    Column("explanation", "Explain a query", 36, TEXT, input=True),
    Column("last_explanation", "Last period's explanation", 30, "last"),
))


def risks(b: Builder) -> SheetLayout:
    """The open risks carried from last period (or the definition), then spare rows."""
    s, section = b.programme.sections["risks"].tab, "risks"
    scoring = b.programme.risk_scoring
    fixed = b.heading(s, b.programme.sections[section].title)
    t, header_row = RISK_COLUMNS, HEADER_ROW
    fixed += b.header(s, header_row, t)
    carried: tuple[Risk, ...] = b.last.open_risks if b.last else b.programme.risks
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
        key = ItemKey.make("risks", risk_id)
        shown = risk_id if risk else b.spare_risk_ids[i - len(carried)]
        label = risk.name if risk else f"New risk {shown}"
        short = fmt.clip(label, 60)
        cell = partial(table_input, t, key, section, s, row)
        # a spare row shows the id its risk will get; history may give the next
        # number between generating and reading, so that cell is not compared
        fixed.append(locked(t, s, row, "id", shown, checked=risk is not None))
        if risk:
            fixed += [locked(t, s, row, "name", risk.name, style="label"),
                      locked(t, s, row, "risk", risk.risk, style="guidance")]
        else:
            inputs += [
                cell("name", f"{label}: name",
                     prompt_title="New risk: name",
                     prompt="A short name for a new risk. Leave the row empty if "
                            "there is no new risk.", max_length=200),
                cell("risk", f"{label}: risk",
                     prompt_title="New risk: description",
                     prompt="If this happens then ... (what would follow).",
                     max_length=SHORT_TEXT_LIMIT),
            ]
        grid_prompt = (f"A whole number from 1 to {{max}}. Score = likelihood x impact; "
                       f"bands: {band_words(b.programme)}.")
        inputs += [
            cell("likelihood", f"{short}: likelihood",
                 prompt_title="Likelihood",
                 prompt=grid_prompt.format(max=scoring.likelihood_max),
                 minimum=1, maximum=scoring.likelihood_max,
                 prefill=risk.likelihood if risk else None),
            cell("impact", f"{short}: impact",
                 prompt_title="Impact", prompt=grid_prompt.format(max=scoring.impact_max),
                 minimum=1, maximum=scoring.impact_max,
                 prefill=risk.impact if risk else None),
        ]
        score = risk.score if risk else ""
        likelihood, impact = a1(row, t.col("likelihood")), a1(row, t.col("impact"))
        fixed.append(locked(
            t, s, row, "score", score,
            formula=f"=IF(AND(ISNUMBER({likelihood}),ISNUMBER({impact})),"
                    f"{likelihood}*{impact},\"\")",
            operation="product", operands=(key.field("likelihood"), key.field("impact")),
        ))
        inputs += [
            cell("action", f"{short}: action",
                 prompt_title="Action",
                 prompt="What is being done about this risk now.",
                 max_length=SHORT_TEXT_LIMIT, prefill=risk.action if risk else None),
            cell("direction", f"{short}: direction",
                 prompt_title="Direction since last period",
                 prompt="→ No change, ↑ Increasing (the risk is growing), ↓ Decreasing, "
                        "★ New (first reported).",
                 choices=direction_labels, list_range=dir_range,
                 prefill=b.initial_direction(risk)),
            cell("target", f"{short}: target score",
                 prompt_title="Target score",
                 prompt="The score this risk should come down to; never above its "
                        "current score.",
                 choices=tuple(str(v) for v in scoring.valid_scores),
                 list_range=score_range, prefill=risk.target if risk else None),
            cell("updated", f"{short}: updated",
                 prompt_title="Updated",
                 prompt="The month this risk was last reviewed.",
                 choices=b.months(), list_range=month_range,
                 prefill=risk.updated.label if risk else None),
            cell("status", f"{short}: status",
                 prompt_title="Status",
                 prompt="Open, or Closed to take it off the log from next period.",
                 choices=tuple(RISK_STATUS_LABELS.values()), list_range=status_range,
                 prefill=RISK_STATUS_LABELS["open"] if risk else None),
            cell("closing_note", f"{short}: closing note",
                 prompt_title="Closing note",
                 prompt="Only when Status is Closed: why the risk is closed. The report "
                        "shows it in place of the action.",
                 max_length=SHORT_TEXT_LIMIT),
        ]
        ins, fx = b.explanation_cells(
            section, s, row, t, key, label, risk is not None and any(
                matches(ref, key) for rule in b.risk_rules for ref in rule.of))
        inputs += ins
        fixed += fx
        needed = ("likelihood", "impact", "action", "direction", "target", "updated", "status")
        for part in needed:
            b.checks.append(CheckItem(
                f"{short}: {part}", (key.field(part),),
                when=None if risk else key.field("name")))
        if not risk:
            b.checks.append(CheckItem(f"{label}: description", (key.field("risk"),),
                                      when=key.field("name")))
    return SheetLayout(s, section, t.widths, tuple(fixed), tuple(inputs),
                       header_row=header_row, freeze=(header_row + 1, 2), table=t)
