"""How much an issue matters: error, warning, query or info.

Kept apart from :mod:`hnbxl.core.issues` so the code catalogue
(:mod:`hnbxl.core.codes`) can declare severities without an import cycle.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    QUERY = "query"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.QUERY: 2, Severity.INFO: 3}
