"""The paper's tables, one function per table of the report model.

Each returns typst code for a ``table`` whose first row is a real header
(``table.header``: tagged TH, repeated when the table runs onto the next
page).  A rating is its words on its colour, with the text colour checked
for contrast (:mod:`hnbxl.report.paper.colours`); a row's note (how it was
rated, the owner's reason) stands in small grey words under its name, where
a member reads it with the row, rather than in a column of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hnbxl.core.fmt import money
from hnbxl.programme.definition import Words
from hnbxl.report.model import (
    FinanceLine,
    KeyLine,
    RatedRow,
    RatingView,
    Report,
    RiskLine,
    TimelineRow,
    Trajectory,
    TrajectoryPoint,
    Trend,
)
from hnbxl.report.paper.colours import legible
from hnbxl.report.paper.markup import Code, call, colour, lit

EMPTY = Code("[]")
KEEP_TOGETHER = 6  # rows
MONEY_WIDTH = "24mm"  # "£103,744,143" at 9.5 pt
RATING_WIDTH = "32mm"  # "Amber - Off Track" on one line at 9.5 pt
EMPTY_WIDTH = "17mm"  # last period in the first period reported: blank, as in the seed


def table(columns: Sequence[str], header: Sequence[str], rows: Iterable[Sequence[Code]]) -> Code:
    """A table: ``columns`` are typst track sizes (``"1fr"``, ``"22mm"``, ``"auto"``).

    A short table (:data:`KEEP_TOGETHER` rows or fewer) is kept on one page, so
    no page carries one orphaned row of it; a longer one runs on, its header
    repeated, never splitting a row.
    """
    cells = [call("head", *(lit(h) for h in header))]
    count = 0
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row of {len(row)} cells under {len(header)} headings")
        cells.extend(row)
        count += 1
    body = ",\n  ".join(cells)
    made = f"table(columns: ({', '.join(columns)},),\n  {body},\n)"
    if count <= KEEP_TOGETHER:
        made = f"block(breakable: false, {made})"
    return Code(f"#{made}\n")


def text(value: str) -> Code:
    return lit(value) if value.strip() else EMPTY


def number(value: str) -> Code:
    return call("num", lit(value))


def named(name: str, note: str = "") -> Code:
    return call("named", lit(name), lit(note.strip()))


def rating(view: RatingView | None, label: str | None = None,
           change: Trend | None = None) -> Code:
    """A rating's words on its colour (text colour made legible if need be), and under
    them the trend since last period ("→ No change") when there is one."""
    if view is None:
        return text(label or "")
    fill, ink = legible(view.colour, view.font_colour)
    return call("rag", colour(fill), colour(ink), lit(label if label is not None else view.label),
                lit(change.words if change is not None else ""))


def _heading(report: Report, key: str, default: str) -> str:
    return report.headings.get(key) or default


def _ratings(report: Report, header: tuple[str, ...]) -> tuple[str, ...]:
    """Last and this period's headings (this period's cell carries the trend)."""
    return (*header, _heading(report, "last_period", "Last Period"),
            _heading(report, "this_period", "This Period"))


def _rating_cells(report: Report, last: RatingView, this: RatingView,
                  change: Trend | None) -> list[Code]:
    """Last period (blank in the first period reported, as in the seed), then this
    period with its trend, once there is a last period to compare with."""
    if not report.last_period_label:
        return [EMPTY, rating(this)]
    return [rating(last), rating(this, change=change)]


def _rating_widths(report: Report) -> tuple[str, ...]:
    return (RATING_WIDTH if report.last_period_label else EMPTY_WIDTH, RATING_WIDTH)


def rated(report: Report, first: str, rows: Sequence[RatedRow]) -> Code:
    """The overview's or the deal conditions' ratings: last period beside this one."""
    return table(("1fr", *_rating_widths(report)), _ratings(report, (first,)),
                 ([named(r.name, r.note), *_rating_cells(report, r.last, r.this, r.trend)]
                  for r in rows))


def measures(report: Report) -> Code:
    return table(
        ("1.25fr", "1.25fr", "0.8fr", "14mm", *_rating_widths(report)),
        _ratings(report, ("Measure", "Detail", "Figure",
                          _heading(report, "last_update", "Last Update"))),
        ([named(m.name, m.note), text(m.detail), text(m.figure), text(m.last_update),
          *_rating_cells(report, m.last, m.this, m.trend)] for m in report.measures))


def _money(amount: float | None, words: str) -> Code:
    return number(money(amount)) if amount is not None else number(words)


def finance(report: Report, first: str, lines: Sequence[FinanceLine]) -> Code:
    return table(
        ("1fr", MONEY_WIDTH, MONEY_WIDTH, MONEY_WIDTH, MONEY_WIDTH, RATING_WIDTH),
        (first, _heading(report, "baseline", "Baseline"), _heading(report, "budget", "Budget"),
         _heading(report, "this_quarter", "This Quarter"),
         _heading(report, "variance", "Variance"), "RAG"),
        ([named(f.name, f.note), number(money(f.baseline)), number(money(f.budget)),
          _money(f.this_quarter, f.this_quarter_text), _money(f.variance, f.variance_text),
          rating(f.rating, change=f.trend if report.last_period_label else None)]
         for f in lines))


def _risk_action(risk: RiskLine) -> Code:
    """The action with its mark; a closed risk's closing note (its band says Closed)."""
    if risk.status == "closed":
        return named(risk.closing_note or risk.action, "")
    action = f"{risk.direction_mark} {risk.action}" if risk.direction_mark else risk.action
    return named(action, risk.direction_words)


def risks(report: Report) -> Code:
    """The risk log, as the seed's columns with the score's band in words and colour."""
    def score(r: RiskLine) -> Code:
        last = "new" if r.last_score is None else str(r.last_score)
        return named(str(r.score), f"was {last}" if report.last_period_label else "")

    return table(
        ("1.35fr", "14mm", RATING_WIDTH, "1.25fr", "13mm", "15mm"),
        ("Risk", "Score", "Band", "Action", "Target", "Updated"),
        ((named(f"{r.id} {r.name}", r.risk), score(r),
          rating(None, "Closed") if r.status == "closed" else rating(r.band), _risk_action(r),
          text(str(r.target)), text(r.updated)) for r in report.risks))


def trajectory(t: Trajectory, words: Words) -> Code:
    """The chart's figures: a missing one says so in words."""
    def figure(value: float | None) -> Code:
        return number(money(value)) if value is not None else number("No figure")

    def row(p: TrajectoryPoint) -> list[Code]:
        return [text(p.period_label), figure(p.actual), figure(p.budget), figure(p.cap)]

    return table(("1fr", "40mm", "40mm", "40mm"),
                 ("Period", words.trajectory_figure, "Budgeted path", words.cap),
                 (row(p) for p in t.points))


def ratings_over_time(report: Report, rows: Sequence[TimelineRow], first: int) -> Code:
    """Each rated item by period (from period ``first``), in words and colour."""
    periods = report.periods[first:]
    wide = len(periods) > 4  # on a landscape page: the periods share the width
    return table(
        ("48mm" if wide else "1fr", *(["1fr" if wide else RATING_WIDTH] * len(periods))),
        ("Item", *periods),
        ([named(r.name, r.section), *(rating(c.rating, c.text) for c in r.cells[first:])]
         for r in rows))


def rag_key(key: Sequence[KeyLine]) -> Code:
    """The RAG key: each rating in words and colour, and what it means."""
    return table(("36mm", "1fr"), ("Rating", "What it means"),
                 ((rating(line.rating), text(line.meaning)) for line in key))
