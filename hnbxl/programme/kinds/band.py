"""``band``: a risk's score (likelihood x impact) in the risk scoring's bands.

Risks are rated this way from ``[risk_scoring]``; no rated row may take a
band rule (the definition check refuses it), so the compile never rates a
row with it and the form shows no formula for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from hnbxl.core.keys import ItemKey
from hnbxl.core.periods import Period
from hnbxl.programme.kinds.base import KindBase, Rating, RowToRate
from hnbxl.programme.kinds.compare import label
from hnbxl.programme.model import FinanceRow, Measure, Programme, RagScale, RiskScoring, Rule
from hnbxl.programme.rule_kinds import Params
from hnbxl.programme.toml_table import TableReader


@dataclass(frozen=True)
class BandParams(Params):
    """A risk's score in the risk scoring's bands (risks only; no row takes it)."""


def band_for_score(scoring: RiskScoring, score: int) -> str | None:
    """The RAG key of the band a risk score falls in; None when no band covers it."""
    return scoring.band_for(score)


def rate_band(scale: RagScale, scoring: RiskScoring, score: int | None) -> Rating:
    """A risk score rated by the programme's bands (likelihood x impact)."""
    if score is None:
        return Rating(scale.no_data.key, "No score this period.")
    key = band_for_score(scoring, score)
    if key is None:
        return Rating(scale.no_data.key, f"Score {score} is in no band.")
    return Rating(key, f"Score {score} is in the {label(scale, key)} band.")


class Band(KindBase):
    """Named so a definition can say it; refused on every rated row."""

    name = "band"
    params = BandParams

    def check(self, reader: TableReader, programme: Programme, key: str, rule: Rule,
              where: str) -> NoReturn:
        reader.fail(where, "a band rule rates risk scores; rows take manual, threshold, "
                    "variance, derived or cap")

    def rate(self, row: RowToRate) -> NoReturn:
        raise ValueError(f"{row.key}: a band rule cannot rate a {ItemKey(row.key).section} row")

    def words(self, programme: Programme, rule: Rule, *, measure: Measure | None,
              finance_row: FinanceRow | None, period: Period | None) -> str:
        return "Worked out by rule."


KIND = Band()
