"""The Instructions sheet: what the form is, who fills what, and how."""

from __future__ import annotations

from hnbxl.core import fmt
from hnbxl.forms.builder import Builder
from hnbxl.forms.model import (
    CHECK,
    INSTRUCTIONS,
    FixedCell,
    SheetLayout,
)


def instructions(b: Builder) -> SheetLayout:
    s = INSTRUCTIONS
    fy_start = b.programme.financial_year_start_month
    lines: list[tuple[str, str]] = [
        (f"{b.programme.title} - {b.period.label} return", "title"),
        (f"{b.programme.council}. For the {b.programme.committee}.", "subtitle"),
        ("", "blank"),
        (f"Period: {b.period.label} (financial year "
         f"{b.period.financial_year(fy_start)}, quarter {b.period.quarter(fy_start)})",
         "label"),
        (f"Return by: {fmt.long_date(b.identity.due)}" if b.identity.due
         else "Return by: the date in the covering email", "label"),
        (f"Return to: {b.programme.return_to}", "label"),
        ("", "blank"),
        ("Who fills what", "header"),
    ]
    for section in b.identity.sections:
        sec = b.programme.sections[section]
        # rows may have owners of their own: one owner's form holds only that owner's rows
        owners = [b.identity.owner] if b.identity.owner != "all" else list(dict.fromkeys(
            [sec.owner] + [b.programme.owner_of(section, r) for r in b.programme.rows(section)]))
        names = ", ".join(b.programme.owners[k].name for k in owners)
        lines.append((f"{sec.tab} sheet ({sec.title}): {names}", "label"))
    lines += [
        ("", "blank"),
        ("How to fill it in", "header"),
        ("1. Type only in the yellow cells. Grey cells are locked: they hold the labels, "
         "budgets and last period's values the committee already has.", "label"),
        ("2. Choose ratings, statuses and months from the dropdown in the cell.", "label"),
        ("3. Select a cell to see its guidance. A cell turns red when its value breaks "
         "the rule for that cell (this can happen when you paste).", "label"),
        ("4. If a figure is not available, leave the figure empty and choose why in "
         "'If no figure, why'.", "label"),
        ("5. Paste values only (Paste Special > Values), so the checks stay in place.",
         "label"),
        (f"6. Open the {CHECK} sheet before you send it: it counts what is still "
         "missing, and the queries not yet explained.", "label"),
        ("7. Save as .xlsx with the same file name and send it back. Do not rename, add "
         "or remove sheets.", "label"),
    ]
    if b.queries_possible:
        lines.append((
            "8. A figure turning orange is a query: it looks unusual (a big change, no "
            "change, a small number...). If it is right, say why in 'Explain a query' on "
            "the same row; for a small number choose Suppress or Publish.", "label"))
    lines += [
        ("", "blank"),
        ("Ratings", "header"),
    ]
    for state in b.programme.scale.states:
        lines.append((state.label, f"rag:{state.key}"))
    lines.append((f"{b.programme.scale.no_data.label}: shown in the report when there is "
                  "nothing to rate.", f"rag:{b.programme.scale.no_data.key}"))
    fixed = [FixedCell(s, i, 0, text or None, style) for i, (text, style) in enumerate(lines)]
    return SheetLayout(s, None, (110,), tuple(fixed), ())
