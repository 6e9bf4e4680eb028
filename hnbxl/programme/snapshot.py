"""What a compiled period leaves behind for the next one.

A :class:`PeriodSnapshot` is the slice of history that the next period's form
and report need: each row's final rating, each figure as the report showed it,
and the risk log.  The generator prints it as "last period"; the reader checks
those locked cells against it; the report computes trends from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hnbxl.core.fileio import sha256_hex
from hnbxl.core.periods import Period
from hnbxl.programme.definition import Programme, Risk


@dataclass(frozen=True)
class PeriodSnapshot:
    period: Period
    ratings: dict[str, str] = field(default_factory=dict)  # item key -> RAG key
    figures: dict[str, str] = field(default_factory=dict)  # item key -> display text
    risks: tuple[Risk, ...] = ()
    # Figures as numbers (field -> value), for the query rules that compare with last period.
    values: dict[str, Any] = field(default_factory=dict)
    # Explanations of last period's queries (item -> text), shown locked in the next form.
    explanations: dict[str, str] = field(default_factory=dict)

    @property
    def open_risks(self) -> tuple[Risk, ...]:
        return tuple(r for r in self.risks if r.status == "open")

    @property
    def digest(self) -> str:
        """A short content hash: which last-period values a form was generated with."""
        payload = {
            "period": self.period.key,
            "ratings": self.ratings,
            "figures": self.figures,
            "risks": [
                [r.id, r.name, r.risk, r.likelihood, r.impact, r.action, r.direction,
                 r.target, r.updated.key, r.status]
                for r in self.risks
            ],
        }
        if self.explanations:  # shown locked in the form; absent, digests stay as they were
            payload["explanations"] = self.explanations
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return sha256_hex(text.encode("utf-8"))[:16]


def spare_risk_ids(programme: Programme, last: PeriodSnapshot | None,
                   known_ids: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The id each spare row of the risk form gives a new risk: ``R6``, ``R7``, ...

    The prefix and the numbers after the highest any risk has had (in the
    definition, last period, or ``known_ids`` from history), one per spare row
    in order.  The form shows them and the compile gives them, so a risk added
    on the second spare row is the id that row showed even if the first was
    left empty.
    """
    prefix = programme.risk_scoring.id_prefix
    used = set(known_ids) | {r.id for r in programme.risks}
    if last is not None:
        used |= {r.id for r in last.risks}
    numbers = [int(i[len(prefix):]) for i in used
               if i.startswith(prefix) and i[len(prefix):].isdigit()]
    first = max(numbers, default=0) + 1
    return tuple(f"{prefix}{first + k}" for k in range(programme.risk_scoring.spare_rows))
