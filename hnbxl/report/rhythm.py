"""Rows that are not due this period: the latest figure, its period and the next due date.

A quarterly finance row is asked for only in its due months.  In the months
between, the report shows the latest figure it has, says which period that
figure is for ("Q1 2024/25") and when the next one is due, and rates it as
it was rated then, instead of "not reported".  History keeps each figure
only against the period it was given in; the carrying happens here, in the
report, from the earlier periods history holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from hnbxl.core.periods import Period
from hnbxl.core.provenance import FieldValue
from hnbxl.programme.definition import Programme
from hnbxl.report.rules import NO_FIGURE, RatingResult
from hnbxl.store.history import PeriodRecord


@dataclass(frozen=True)
class Carried:
    """A not-due row's latest figure: given in ``given``, for ``belongs_to``."""

    given: Period
    belongs_to: str  # "Q1 2024/25", "2024/25"
    next_due: Period
    values: dict[str, FieldValue]

    @property
    def words(self) -> str:
        return f"{self.belongs_to} figure; next due {self.next_due.label}."


def not_due(programme: Programme, period: Period) -> dict[str, Period]:
    """Item key -> its next due period, for every rated row and narrative not due now."""
    out = {}
    for section in programme.sections:
        for row in (None, *programme.rows(section)):
            key = f"{section}.{row.id}" if row is not None else f"{section}.narrative"
            rhythm = programme.rhythm_of(section, row)
            if not rhythm.is_due(period):
                out[key] = rhythm.next_due(period)
    return out


def carry(programme: Programme, period: Period, past: Sequence[PeriodRecord]
          ) -> tuple[dict[str, Carried], dict[str, Period]]:
    """(carried rows, rows with nothing to carry -> next due) for the rows not due now."""
    carried: dict[str, Carried] = {}
    nothing: dict[str, Period] = {}
    fy = programme.financial_year_start_month
    for key, next_due in not_due(programme, period).items():
        section, row = programme.row_of(key)
        rhythm = programme.rhythm_of(section, row)
        for record in reversed(past):
            if record.period >= period:
                continue
            held = {f: v for f, v in record.values.items()
                    if f == key or f.startswith(key + ".")}
            if held:
                carried[key] = Carried(record.period, rhythm.belongs_to(record.period, fy),
                                       next_due, held)
                break
        else:
            nothing[key] = next_due
    return carried, nothing


def with_rhythm(ratings: dict[str, RatingResult], carried: dict[str, Carried],
                nothing: dict[str, Period], programme: Programme) -> dict[str, RatingResult]:
    """Ratings whose note says the figure's period and the next due date."""
    out = dict(ratings)
    for key, c in carried.items():
        if key in out:
            out[key] = replace(out[key], basis=f"{c.words} {out[key].basis}")
    for key, next_due in nothing.items():
        if key in out and out[key].basis in (NO_FIGURE, "Not rated this period.",
                                             "No figure this quarter."):
            section, row = programme.row_of(key)
            out[key] = replace(out[key], basis=(
                f"Not due until {next_due.label} "
                f"({programme.rhythm_of(section, row).words})."))
    return out
