"""A tidy export of the history, one row per value per compiled period (pandas).

Analysts want the months side by side (trends, charts, their own checks), not
the committee layout: this gives them every value, rating and figure of every
active compile as a long table, with where each value came from.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from hnbxl.core.issues import HnbxlError
from hnbxl.store.history import History, HistoryError

if TYPE_CHECKING:
    import pandas as pd

_VALUES = """
SELECT c.period, c.id AS compile_id, 'value' AS kind, v.field AS item, v.value_json AS value,
       v.file, v.sha256, v.sheet, v.cell
FROM field_values v JOIN compiles c ON c.id = v.compile_id
WHERE c.programme = ? AND c.active = 1
"""
_RATINGS = """
SELECT c.period, c.id AS compile_id, 'rating' AS kind, r.item, r.rag AS value,
       '' AS file, '' AS sha256, '' AS sheet, '' AS cell
FROM ratings r JOIN compiles c ON c.id = r.compile_id
WHERE c.programme = ? AND c.active = 1
"""
_FIGURES = """
SELECT c.period, c.id AS compile_id, 'figure' AS kind, f.item, f.display AS value,
       '' AS file, '' AS sha256, '' AS sheet, '' AS cell
FROM figures f JOIN compiles c ON c.id = f.compile_id
WHERE c.programme = ? AND c.active = 1
"""


def tidy_history(history_path: Path, programme_id: str) -> pd.DataFrame:
    """Every active compile's values, ratings and figures as one long table."""
    import pandas as pd

    if not history_path.exists():
        raise HnbxlError(f"{history_path}: no history yet; compile a period first")
    with History(history_path).reading() as conn:
        try:
            frames = [pd.read_sql_query(q, conn, params=(programme_id,))
                      for q in (_VALUES, _RATINGS, _FIGURES)]
        except pd.errors.DatabaseError as exc:  # its message quotes the SQL: not for officers
            cause = exc.__cause__ if isinstance(exc.__cause__, sqlite3.Error) else exc
            raise HistoryError(f"{history_path}: the history could not be read "
                               f"({str(cause).splitlines()[0][:200]})") from None
    table = pd.concat(frames, ignore_index=True)
    is_value = table["kind"] == "value"
    table.loc[is_value, "value"] = table.loc[is_value, "value"].map(
        lambda text: _plain(json.loads(text)))
    return table.sort_values(["period", "kind", "item"], kind="stable").reset_index(drop=True)


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # money is kept as float; 17287.0 reads as 17287
    return "" if value is None else str(value)


def export_history(history_path: Path, programme_id: str, out: Path) -> int:
    """Write the tidy table as .csv or .xlsx (text stays text); returns the row count."""
    table = tidy_history(history_path, programme_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        if out.suffix.lower() == ".csv":
            table.to_csv(tmp, index=False)
        elif out.suffix.lower() == ".xlsx":
            with pd_excel_writer(tmp) as writer:
                # Excel reserves the sheet name "History" (and repairs a file using it).
                table.to_excel(writer, index=False, sheet_name="Tidy history")
        else:
            raise HnbxlError(f"{out}: export to .csv or .xlsx")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return len(table)


def pd_excel_writer(path: Path) -> pd.ExcelWriter:
    """An ExcelWriter that keeps text as text (a narrative of ``=...`` is not a formula)."""
    import pandas as pd

    return pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}})
