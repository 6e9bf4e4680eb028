"""How often a section or a row reports: monthly, quarterly or annually.

A finance owner reports quarterly and an annual survey once a year; asking
them every month for a figure that is not due filled Wiltshire-shaped forms
with "Quarterly figure - not due this month".  A :class:`Rhythm` names the
months a figure is due (the periods whose forms ask for it).  A figure given
in a due month belongs to that month's quarter (quarterly) or financial year
(annually), which is what the report calls it ("Q1 2024/25") while it is the
latest, until the next due month.

Pure: the loader reads the keys; forms, returns and the report ask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from hnbxl.core.periods import MONTH_ABBR, MONTH_FULL, Period

FREQUENCIES = ("monthly", "quarterly", "annually")
DUE_MONTHS = {"monthly": 12, "quarterly": 4, "annually": 1}


@dataclass(frozen=True)
class Rhythm:
    frequency: str = "monthly"
    due: tuple[int, ...] = ()  # months 1-12 the figure is due in; all for monthly

    def is_due(self, period: Period) -> bool:
        return self.frequency == "monthly" or period.month in self.due

    def next_due(self, period: Period) -> Period:
        """The first due period after ``period``."""
        p = period.next()
        while not self.is_due(p):
            p = p.next()
        return p

    def belongs_to(self, period: Period, fy_start: int) -> str:
        """What a figure given in ``period`` is for: ``Q1 2024/25``, ``2024/25`` or ``Jun-24``."""
        year = period.financial_year(fy_start)
        if self.frequency == "quarterly":
            return f"Q{period.quarter(fy_start)} {year}"
        if self.frequency == "annually":
            return year
        return period.label

    @property
    def words(self) -> str:
        """"quarterly (due Jun, Sep, Dec, Mar)", for prompts and notes."""
        if self.frequency == "monthly":
            return "monthly"
        return f"{self.frequency} (due {', '.join(MONTH_ABBR[m - 1] for m in self.due)})"


MONTHLY = Rhythm()


def parse_rhythm(frequency: str, due: list[str] | None, fy_start: int) -> Rhythm:
    """A rhythm from ``frequency`` and its ``due`` month names; ``ValueError`` says what is wrong.

    Due months are kept in financial-year order, so "Jun, Sep, Dec, Mar" reads
    as the year runs.
    """
    if frequency not in FREQUENCIES:
        raise ValueError(f"'{frequency}' is not one of {', '.join(FREQUENCIES)}")
    if frequency == "monthly":
        if due:
            raise ValueError("a monthly figure is due every month; give due only for "
                             "quarterly or annually")
        return MONTHLY
    wanted = DUE_MONTHS[frequency]
    if not due:
        raise ValueError(f"a {frequency} figure needs due = [...] naming the "
                         f"{'month' if wanted == 1 else f'{wanted} months'} it is due, "
                         + ('e.g. ["Mar"]' if wanted == 1 else 'e.g. ["Jun", "Sep", "Dec", "Mar"]'))
    names = {name.lower(): i + 1 for names in (MONTH_ABBR, MONTH_FULL)
             for i, name in enumerate(names)}
    months = []
    for name in due:
        month = names.get(name.strip().lower()) if isinstance(name, str) else None
        if month is None:
            raise ValueError(f"'{name}' is not a month (Jan ... Dec)")
        months.append(month)
    if len(set(months)) != len(months) or len(months) != wanted:
        raise ValueError(f"a {frequency} figure is due in {wanted} different "
                         f"month{'s' if wanted > 1 else ''}; found {len(set(months))}")
    if frequency == "quarterly":
        quarters = {Period(2000, m).quarter(fy_start) for m in months}
        if len(quarters) != 4:
            raise ValueError("give one due month in each quarter of the financial year")
    ordered = tuple(sorted(months, key=lambda m: (m - fy_start) % 12))
    return Rhythm(frequency, ordered)
