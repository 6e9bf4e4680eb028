"""``manual``: the owner chooses the rating; there is no rule to work out."""

from __future__ import annotations

from dataclasses import dataclass

from hnbxl.core.periods import Period
from hnbxl.programme.kinds.base import NO_RULE, FormRow, KindBase, Rating, RatingCheck, RowToRate
from hnbxl.programme.kinds.compare import check_key
from hnbxl.programme.model import FinanceRow, Measure, Programme, RagScale, Rule
from hnbxl.programme.rule_kinds import Params


@dataclass(frozen=True)
class ManualParams(Params):
    """An owner chooses the rating; nothing to set."""


def rate_manual(scale: RagScale, chosen: str | None) -> Rating:
    """The owner's own rating; no data when the owner gave none."""
    if chosen is None:
        return Rating(scale.no_data.key, "Not rated this period.")
    return Rating(check_key(scale, chosen, "the rating"), "Rated by the owner.")


class Manual(KindBase):
    """Not overridden (``Rule.computed`` is False): the owner's rating is the owner's judgement."""

    name = "manual"
    params = ManualParams

    def rate(self, row: RowToRate) -> Rating:
        return rate_manual(row.programme.scale, row.inputs.manual.get(row.key))

    def words(self, programme: Programme, rule: Rule, *, measure: Measure | None,
              finance_row: FinanceRow | None, period: Period | None) -> str:
        return "Rated by the owner."

    def form(self, row: FormRow) -> RatingCheck:
        return RatingCheck(row.item, self.name, words=NO_RULE)


KIND = Manual()
