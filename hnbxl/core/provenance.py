"""Values read from returns, each with where it came from.

Nothing is compiled that cannot be traced to a file (by path and SHA-256), a
sheet and a cell: the Sources sheet of the report and the history both carry
this provenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Provenance:
    file: str  # the path as the officer gave it
    sha256: str
    sheet: str
    cell: str

    @property
    def place(self) -> str:
        return f"{self.sheet}!{self.cell}"


@dataclass(frozen=True)
class FieldValue:
    """A typed value for a field (see layout input kinds), with its provenance.

    ``value`` is canonical: a RAG key (``"amber"``), an ``int`` count, a
    ``float`` fraction for percentages, a ``float`` for money, a
    :class:`~hnbxl.core.periods.Period` for months, the key of a risk direction or
    status (``"down"``, ``"open"``), or text.  ``raw`` is what the cell held.
    """

    field: str
    value: Any
    provenance: Provenance
    raw: Any = None


def plain_values(values: Mapping[str, FieldValue]) -> dict[str, Any]:
    """Field -> canonical value, without provenance: what rules and disclosure read."""
    return {key: found.value for key, found in values.items()}
