"""Where things are heading: the months side by side, for the report's trend sheets.

A committee asks every month where the programme is heading, so the report
carries every compiled period, not just this one and the last: the cap rule's
figure against its cap and the budgeted path, every rating over time (with
new, closed and not-received items said in words), and each figure's numbers
for the sparklines.  Pure: it takes history's records (and this period's, made
the same way) and returns plain model objects.
"""

from __future__ import annotations

from collections.abc import Sequence

from hnbxl.core.keys import ItemKey
from hnbxl.core.provenance import plain_values
from hnbxl.programme.definition import Programme
from hnbxl.programme.disclosure import suppressed_items
from hnbxl.report.model import (
    FigureSeries,
    TimelineCell,
    TimelineRow,
    Trajectory,
    TrajectoryPoint,
    rating_view,
)
from hnbxl.report.rules import band_for_score, cap_for_year
from hnbxl.store.history import PeriodRecord

NOT_RECEIVED = "Not received"  # the period was compiled without this item's rating
NOT_YET = "Not yet added"  # the item did not exist yet
CLOSED = "Closed"
NOT_IN_LOG = "Closed earlier"
NEW = "New"
#: Units whose figures are numbers a sparkline can draw.
NUMERIC_UNITS = {"count": "count", "count_with_share": "count", "percent": "percent",
                 "money": "money", "days": "decimal", "number": "decimal"}


def trajectory(programme: Programme, records: Sequence[PeriodRecord]) -> Trajectory | None:
    """The cap rule's figure, budget and cap per period; None without a cap rule."""
    found = next(((key, name, rule) for key, name, rule in programme.rated_items()
                  if rule.kind == "cap"), None)
    if found is None:
        return None
    _key, rating_name, rule = found
    source = rule.params["source"]
    row = programme.finance_row(ItemKey(source).ident)
    points = []
    for rec in records:
        year = rec.period.financial_year(programme.financial_year_start_month)
        amounts = row.amounts.get(year)
        cap = cap_for_year(rule.params["caps"], year)
        points.append(TrajectoryPoint(
            rec.period.label, _number(rec, f"{source}.this_quarter"),
            float(amounts.budget) if amounts is not None else None,
            float(cap[1]) if cap is not None else None))
    return Trajectory(row.name, rating_name, tuple(points))


def figure_series(programme: Programme, records: Sequence[PeriodRecord]
                  ) -> tuple[FigureSeries, ...]:
    """Each numeric measure's figure and each finance row's quarter, period by period.

    A figure the papers must not show (a small number its owner suppressed, or a
    share that would give it away) is a gap here, as in that month's report.
    """
    hidden = [suppressed_items(programme, plain_values(r.values))
              for r in records]
    out = []
    for m in programme.measures:
        if m.unit in NUMERIC_UNITS:
            key = ItemKey.make("measures", m.id)
            # a running total's line climbs every month and drops at the year's start:
            # the name says so, so the drop is not read as an improvement
            name = f"{m.name} (year to date)" if m.cumulative else m.name
            out.append(FigureSeries(key, name, NUMERIC_UNITS[m.unit], tuple(
                None if key in h else _number(r, key.field("figure"))
                for r, h in zip(records, hidden, strict=True)),
                tuple(key in h for h in hidden)))
    for row in programme.finance_rows:
        key = ItemKey.make("finance", row.id)
        out.append(FigureSeries(key, row.name, "money",
                                tuple(_number(r, key.field("this_quarter")) for r in records)))
    return tuple(out)


def ratings_over_time(programme: Programme, records: Sequence[PeriodRecord]
                      ) -> tuple[TimelineRow, ...]:
    """Every rated item down the side, one cell per period, in words and colour."""
    scale = programme.scale
    keys = {s.key for s in (*scale.states, scale.no_data)}
    rows = []
    for item, name, _rule in programme.rated_items():
        cells, seen = [], False
        for i, rec in enumerate(records):
            found = rec.ratings.get(item)
            if found is None or found.rag not in keys:
                # In history before (or a rating this scale no longer has): not received.
                cells.append(TimelineCell(NOT_RECEIVED if seen or found else NOT_YET))
                continue
            view = rating_view(scale, found.rag)
            new = not seen and i > 0
            text = f"{NEW}: {view.label}" if new else view.label
            if found.rag == scale.no_data.key and found.basis.startswith(NOT_RECEIVED):
                text = found.basis  # "Not received from Finance" (compile --allow-missing)
            cells.append(TimelineCell(text, view))
            seen = True
        rows.append(TimelineRow(programme.sections[item.section].name, item, name,
                                tuple(cells)))
    return (*rows, *_risk_rows(programme, records))


def _risk_rows(programme: Programme, records: Sequence[PeriodRecord]) -> list[TimelineRow]:
    """Each risk ever in the log: its band by score, New when added, Closed when closed."""
    scale = programme.scale
    order: dict[str, str] = {}
    for rec in records:
        for logged in rec.risks:
            order.setdefault(logged.id, logged.name)
    rows = []
    for risk_id, name in order.items():
        cells, first, closed = [], None, False
        for i, rec in enumerate(records):
            risk = next((r for r in rec.risks if r.id == risk_id), None)
            if risk is None:
                cells.append(TimelineCell(NOT_IN_LOG if closed or first is not None
                                          else NOT_YET))
                continue
            if risk.status == "closed":
                closed = True
                cells.append(TimelineCell(CLOSED))
                continue
            view = rating_view(scale, _band(programme, risk.score))
            text = f"{view.label} (score {risk.score})"
            if first is None and i > 0:
                text = f"{NEW}: {text}"
            first = first if first is not None else i
            cells.append(TimelineCell(text, view))
        rows.append(TimelineRow(programme.sections["risks"].name, ItemKey.make("risks", risk_id),
                                f"{risk_id} {name}", tuple(cells)))
    return rows


def _band(programme: Programme, score: int) -> str | None:
    key = band_for_score(programme.risk_scoring, score)
    return key if key in {s.key for s in programme.scale.states} else None


def _number(rec: PeriodRecord, field: str) -> float | None:
    found = rec.values.get(field)
    value: object = found.value if found is not None else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
