"""A SQLite connection for text from files: a non-UTF-8 name must not stop a compile.

A file name that is not UTF-8 (common in zips made on Windows) reaches Python
with lone surrogates, which SQLite cannot store; history keeps each such
character as its ``\\xNN`` escape instead (the name the officer reads in the
report).  Every value is still a parameter, never SQL text.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from hnbxl.core.terminal import storable


def _safe_params(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: storable(v) if isinstance(v, str) else v for k, v in params.items()}
    return tuple(storable(v) if isinstance(v, str) else v for v in params)


class TextSafeConnection(sqlite3.Connection):
    """A connection whose text parameters UTF-8 can always encode.

    A file name that is not UTF-8 reaches Python with lone surrogates, which
    SQLite cannot store; each is kept as its ``\\xNN`` escape instead of
    failing the compile.  Every value is still a parameter, never SQL text.
    """

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return super().execute(sql, _safe_params(parameters))

    def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:
        return super().executemany(sql, (_safe_params(p) for p in seq))


__all__ = ["TextSafeConnection"]
