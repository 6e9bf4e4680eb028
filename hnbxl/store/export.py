"""The typed, tidy export of the history: one row per period x item x field (pandas).

Analysts take the months into pandas or Power BI for their own trends and
checks, so every value keeps its type: a figure is a number in
``value_number`` (a percentage as its fraction, money in pounds), words are in
``value_text``, months and the period are dates.  Each row carries what the
committee saw about its item in that period (rating key, label and grade, the
override reason, the risk score and band, the finance variance), the version
of the definition it was compiled under, and where the value came from (file,
sheet, cell and the file's SHA-256).

Files:

* CSV: UTF-8 with a byte-order mark, so Excel opens it with £ and accents
  intact.  Text that Excel would run as a formula (a field starting with
  ``=``, ``+``, ``-``, ``@``, tab or carriage return) is written with a
  leading apostrophe, as the OWASP guidance on CSV injection says; number
  columns are never touched, so -5 in ``value_number`` stays the number -5.
* xlsx: one Excel table (``TidyHistory``); text stays text, dates are dates.
* Parquet: with the optional ``parquet`` extra (pyarrow).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from hnbxl.core.fileio import write_atomically
from hnbxl.core.fmt import is_number
from hnbxl.core.issues import HnbxlError
from hnbxl.core.keys import FieldKey, ItemKey
from hnbxl.core.periods import Period
from hnbxl.core.provenance import plain_values
from hnbxl.programme.definition import FinanceRow, Programme
from hnbxl.programme.disclosure import suppressed_items
from hnbxl.store.history import History, PeriodRecord

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = (
    "period", "period_label", "section", "item", "item_name", "field",
    "value_number", "value_text", "value_date", "unit",
    "rating_key", "rating_label", "grade", "override_reason", "rating_note",
    "risk_score", "risk_band", "variance", "definition_version",
    "source_file", "source_sheet", "source_cell", "source_sha256",
    # the words the committee papers showed instead of this value (a suppressed small
    # number, or a share that would reveal one); empty when they showed it
    "suppressed",
)
NUMBER_COLUMNS = ("value_number", "risk_score", "variance")
DATE_COLUMNS = ("period", "value_date")
FORMATS = (".csv", ".xlsx", ".parquet")
#: A CSV field starting with one of these is run as a formula by Excel (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DEFINITION = "programme definition"  # the source of baselines and budgets
_UNITS = {"count_with_share": "count"}
SUPPRESSED_FIELDS = ("figure", "share_base")  # what a suppressed item's papers left out
_STATUS_WORDS = {"open": "Open", "closed": "Closed"}  # as the form's status list says them


def neutralise(text: str) -> str:
    """Text a spreadsheet will show, never run: a leading apostrophe before a formula start."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def tidy_history(history: History | Path, programme: Programme,
                 publishable: bool = False) -> pd.DataFrame:
    """Every active compile of ``programme`` as the typed tidy table (see the module).

    ``publishable``: a copy fit to publish, with every suppressed small number
    withheld as the papers withheld it: its value (and a share that would give it
    away) replaced by the words the papers showed, its explanation and its
    rating's reason left out.  The ``suppressed`` column still marks those rows.
    """
    import pandas as pd

    history = history if isinstance(history, History) else History(history)
    if not history.path.exists():
        raise HnbxlError(f"{history.path}: no history yet; compile a period first")
    rows = [row for record in history.timeline(programme.id)
            for row in _rows(programme, record, publishable)]
    table = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for column in NUMBER_COLUMNS:
        table[column] = pd.to_numeric(table[column]).astype("float64")
    for column in DATE_COLUMNS:
        table[column] = pd.to_datetime(table[column])
    text = [c for c in COLUMNS if c not in NUMBER_COLUMNS and c not in DATE_COLUMNS]
    table[text] = table[text].astype(object).where(table[text].notna(), "")
    return table


def export_history(history: History | Path, programme: Programme, out: Path,
                   publishable: bool = False) -> int:
    """Write the tidy table as .csv, .xlsx or .parquet; returns the row count.

    The table is made in memory and written whole by
    :func:`~hnbxl.core.fileio.write_atomically` (a temporary file unique to
    the run, created exclusively, then renamed), so a failed export leaves
    any earlier one as it was and a planted symlink is never written
    through.  It never replaces a file history records, a kept return, its
    own history or definition, or an hnbxl form or return
    (:mod:`hnbxl.store.guard`); a full disk or a size limit names the file.

    ``publishable`` writes the copy fit to publish (see :func:`tidy_history`).
    """
    from hnbxl.store.guard import refuse_replacing

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise HnbxlError(f"{out}: export to {', '.join(FORMATS)} (found '{out.suffix}')")
    if suffix == ".parquet":
        _need_pyarrow()
    history = history if isinstance(history, History) else History(history)
    inputs = [history.path] + ([Path(programme.source)] if programme.source else [])
    refuse_replacing(out, root=history.path.parent, history=history, inputs=inputs,
                     command="history --export")
    table = tidy_history(history, programme, publishable)
    buffer = io.BytesIO()
    if suffix == ".csv":
        _write_csv(table, buffer)
    elif suffix == ".xlsx":
        _write_xlsx(table, buffer)
    else:
        table.to_parquet(buffer, index=False)
    write_atomically((out, buffer.getvalue()))
    return len(table)


def _need_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise HnbxlError("writing Parquet needs pyarrow: pip install 'hnbxl[parquet]' "
                         "(or export to .csv or .xlsx)") from None


def _write_csv(table: pd.DataFrame, path: Path | IO[bytes]) -> None:
    safe = table.copy()
    for column in COLUMNS:
        if column not in NUMBER_COLUMNS and column not in DATE_COLUMNS:
            safe[column] = safe[column].map(neutralise)
    for column in DATE_COLUMNS:
        safe[column] = safe[column].dt.strftime("%Y-%m-%d")
    # utf-8-sig: the byte-order mark makes Excel read the file as UTF-8 (£, é).
    # Text is quoted, numbers are not, so a reader types the columns correctly.
    safe.to_csv(path, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC,
                na_rep="", lineterminator="\r\n")


def _write_xlsx(table: pd.DataFrame, path: Path | IO[bytes]) -> None:
    with pd_excel_writer(path) as writer:
        # Excel reserves the sheet name "History" (and repairs a file using it).
        sheet = "Tidy history"
        table.to_excel(writer, index=False, header=False, startrow=1, sheet_name=sheet)
        ws = writer.sheets[sheet]
        ws.add_table(0, 0, max(len(table), 1), len(COLUMNS) - 1, {
            "name": "TidyHistory", "style": "Table Style Light 9",
            "columns": [{"header": c} for c in COLUMNS]})
        for i, column in enumerate(COLUMNS):
            width = 12 if column in DATE_COLUMNS or column in NUMBER_COLUMNS else 18
            ws.set_column(i, i, 40 if column in ("item_name", "value_text") else width)
        ws.freeze_panes(1, 0)


def pd_excel_writer(path: Path | IO[bytes]) -> pd.ExcelWriter:
    """An ExcelWriter that keeps text as text (a narrative of ``=...`` is not a formula)."""
    import pandas as pd

    return pd.ExcelWriter(
        path, engine="xlsxwriter", date_format="yyyy-mm-dd", datetime_format="yyyy-mm-dd",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False}})


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class _Item:
    """What the committee saw about one item in one period, put on each of its rows."""

    rating_key: str = ""
    rating_label: str = ""
    grade: str = ""
    override_reason: str = ""
    rating_note: str = ""
    risk_score: int | None = None
    risk_band: str = ""
    variance: float | None = None


#: Fields of a suppressed item whose words could give its figure away in a published copy.
WITHHELD_TEXT = ("explanation",)


def _rows(programme: Programme, rec: PeriodRecord, publishable: bool = False
          ) -> Iterator[dict[str, Any]]:
    names = _names(programme, rec)
    items = _items(programme, rec)
    hidden = suppressed_items(programme, plain_values(rec.values))
    sections = {key: s.name for key, s in programme.sections.items()}  # the definition's words
    base = {"period": rec.period.first_day(), "period_label": rec.period.label,
            "definition_version": rec.definition_hash}

    def row(item: str, field: str, **cols: Any) -> dict[str, Any]:
        context = items.get(item, _Item())
        out = {**base, "section": sections.get(ItemKey(item).section, ""), "item": item,
               "item_name": names.get(item, item), "field": field,
               **context.__dict__, **cols}
        if publishable and item in hidden:
            out["rating_note"] = ""  # "4 is above the target of 3" would pin it down
            if field in SUPPRESSED_FIELDS:
                out["value_number"], out["value_text"] = None, hidden[item]
            elif field in WITHHELD_TEXT:
                out["value_text"] = ""
        return out

    for key, fv in rec.values.items():
        item, field = str(FieldKey(key).item), FieldKey(key).field
        value, p = fv.value, fv.provenance
        yield row(item, field, unit=_unit(programme, item, field, value),
                  **_typed(programme, field, value), source_file=Path(p.file).name,
                  source_sheet=p.sheet, source_cell=p.cell, source_sha256=p.sha256,
                  suppressed=hidden.get(item, "") if field in SUPPRESSED_FIELDS else "")
    for item in rec.ratings:
        if ItemKey(item).field("rating") in rec.values:
            continue  # rated by the owner: the row above, with its cell
        # A rule's rating: the rating_note says how it was reached.
        yield row(item, "rating", unit="rating", value_text=items[item].rating_label)
    year = rec.period.financial_year(programme.financial_year_start_month)
    for fin in programme.finance_rows:
        item = ItemKey.make("finance", fin.id)
        amounts = fin.amounts.get(year)
        if amounts is not None:
            for field, value in (("baseline", amounts.baseline), ("budget", amounts.budget)):
                yield row(item, field, unit="money", value_number=float(value),
                          source_file=DEFINITION)
        quarter = rec.values.get(item.field("this_quarter"))
        if items[item].variance is not None and quarter is not None:
            p = quarter.provenance
            yield row(item, "variance", unit="money", value_number=items[item].variance,
                      source_file=Path(p.file).name, source_sheet=p.sheet, source_cell=p.cell,
                      source_sha256=p.sha256)
    for risk in rec.risks:
        item = ItemKey.make("risks", risk.id)
        yield row(item, "score", unit="score", value_number=float(risk.score))
        if item.field("status") not in rec.values:  # carried in the log, not typed this month
            yield row(item, "status", unit="text",
                      value_text=_STATUS_WORDS.get(risk.status, risk.status))


def _names(programme: Programme, rec: PeriodRecord) -> dict[str, str]:
    names: dict[str, str] = {item: name for item, name, _rule in programme.rated_items()}
    for key, narrative in programme.narratives.items():
        names[key] = narrative.label
    names.update({ItemKey.make("risks", r.id): f"{r.id} {r.name}" for r in rec.risks})
    return names


def _items(programme: Programme, rec: PeriodRecord) -> dict[str, _Item]:
    scale = programme.scale
    out: dict[str, _Item] = {}
    year = rec.period.financial_year(programme.financial_year_start_month)
    finance: dict[str, FinanceRow] = {ItemKey.make("finance", f.id): f
                                      for f in programme.finance_rows}
    for item, r in rec.ratings.items():
        try:
            state = scale.get(r.rag)
        except KeyError:  # a state the definition no longer has: its key, said as such
            label, grade = f"{r.rag} (no longer in the scale)", ""
        else:
            label, grade = state.label, state.grade or ""
        variance = None
        fin = finance.get(item)
        quarter = rec.values.get(ItemKey(item).field("this_quarter"))
        amounts = fin.amounts.get(year) if fin is not None else None
        if amounts is not None and quarter is not None and is_number(quarter.value):
            variance = float(quarter.value) - float(amounts.budget)
        out[item] = _Item(r.rag, label, grade, (r.reason or "") if r.overridden else "",
                          r.basis, variance=variance)
    for risk in rec.risks:
        band = programme.risk_scoring.band_for(risk.score)
        band_label = scale.get(band).label if band is not None else "in no band"
        out[ItemKey.make("risks", risk.id)] = _Item(risk_score=risk.score, risk_band=band_label)
    return out


def _unit(programme: Programme, item: str, field: str, value: object) -> str:
    if isinstance(value, Period):
        return "month"
    section, rest = ItemKey(item).section, ItemKey(item).ident
    if section == "measures" and field == "figure":
        if is_number(value):
            unit = {m.id: m.unit for m in programme.measures}.get(rest, "number")
            return _UNITS.get(unit, unit)
        return "text"
    if field == "share_base":
        return "count"
    if section == "finance" and field == "this_quarter":
        return "money" if is_number(value) else "text"
    if section == "risks" and field in ("likelihood", "impact", "target"):
        return "score"
    if field in ("rating", "override"):
        return "rating"
    return "number" if is_number(value) else "text"


def _typed(programme: Programme, field: str, value: object) -> dict[str, Any]:
    """The value in its column: a number, a date (a month's first day) or text."""
    if isinstance(value, bool):
        return {"value_text": "yes" if value else "no"}
    if isinstance(value, int | float):
        return {"value_number": float(value)}
    if isinstance(value, Period):
        return {"value_date": value.first_day(), "value_text": value.label}
    if isinstance(value, date):
        return {"value_date": value}
    if value is None:
        return {}
    text = str(value)
    if field in ("rating", "override"):
        try:
            return {"value_text": programme.scale.get(text).label, "rating_key": text}
        except KeyError:
            pass
    return {"value_text": text}
