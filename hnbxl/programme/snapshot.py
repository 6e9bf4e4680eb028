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
from hnbxl.programme.definition import Risk


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
