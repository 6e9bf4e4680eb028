"""Turn one raw cell into a typed value, as the person who typed it would expect.

The reader hands over what the workbook holds (``raw``, with its cell type:
``"s"`` text, ``"n"`` number, ``"b"`` true/false, ``"e"`` a formula error,
``"d"`` ISO date text, ``""`` empty) and the :class:`~hnbxl.forms.layout.InputSpec`
that says what the cell is for.  :func:`coerce` returns the canonical value
and, for anything it had to interpret or could not use, a :class:`Problem`
with the value as found and the form expected, in words a council finance or
SEND officer can act on.

The rule throughout is *read, never guess*.  Text that can only mean one
number (``£17,287``, ``(1,234)``, `` 169 ``) is read, with a warning that
says what was read, because a text cell is a sign something was pasted or
formatted oddly.  Text that could mean two things (``12,34``: 1,234 or 12.34;
``01/02/2024``: 1 February or 2 January; ``0.5`` in a percentage: 50% or
0.5%; ``£1.2m``) is refused with an error, because a wrong figure in a
committee report is worse than a missing one.

Invariant: whenever a problem is an ERROR, ``value`` is ``None``; the value
as found is in the problem's ``found``.

This module decides what a cell holds and which kind reads it; each kind has
its own module, because each has its own ambiguities: ``coerce_numbers``,
``coerce_months``, ``coerce_lists`` (ratings and choices) and ``coerce_text``.
``coerce_result`` holds what they all give back (:class:`Coerced`,
:class:`Problem`) and the wording they quote values in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from hnbxl.core import codes
from hnbxl.core.issues import Severity
from hnbxl.forms.layout import CHOICE, MONTH, NARRATIVE, NUMERIC_KINDS, RAG, TEXT, InputSpec
from hnbxl.returns.coerce_lists import choice_value, rag_value
from hnbxl.returns.coerce_months import excel_serial_date, month_value
from hnbxl.returns.coerce_numbers import numeric_value
from hnbxl.returns.coerce_result import Coerced, Problem, fail, visible
from hnbxl.returns.coerce_text import text_value

__all__ = [
    "NO_FIGURE_WORDS",
    "PROBLEM_CODES",
    "Coerced",
    "Problem",
    "coerce",
    "excel_serial_date",
]

# Text that means "there is no figure" in a figure cell.  Dashes cover what
# autocorrect and other fonts make of a typed hyphen.
NO_FIGURE_WORDS: tuple[str, ...] = ("n/a", "na", "n.a.", "n.a", "-", "–", "—")

_NO_FIGURE_FOLDED = frozenset(w.casefold() for w in NO_FIGURE_WORDS)

# Every code :func:`coerce` can return, with its severity and title: a view of
# the catalogue (hnbxl.core.codes), where each is declared with what to do.
PROBLEM_CODES: dict[str, tuple[str, str]] = {
    code: ("/".join(codes.CATALOGUE[code].severities), codes.CATALOGUE[code].title)
    for code in codes.in_group("cell")
}


# --------------------------------------------------------------------------- entry point


def coerce(
    spec: InputSpec,
    raw: object,
    cell_type: str,
    *,
    scale_labels: Mapping[str, str],
    no_figure_words: Iterable[str] = NO_FIGURE_WORDS,
    application: str | None = None,
) -> Coerced:
    """Read ``raw`` (as the workbook held it) as a value of ``spec.kind``.

    ``scale_labels`` maps each RAG label to its key.  ``no_figure_words`` is
    the text that means "no figure" in a figure cell.  Never raises for a
    known kind, whatever the text; an unknown kind is a programming error.
    """
    if cell_type == "e":
        found = visible(str(raw)) if raw not in (None, "") else "an error"
        return fail(Problem(
            "error-value", Severity.ERROR, found, "a value, not a formula error",
            f"The cell shows the error '{found}' instead of a value; type the value itself.",
        ))
    if raw is None or (isinstance(raw, str) and (raw == "" or raw.isspace())):
        return Coerced(None)
    shape, value = _shape(raw, cell_type)
    kind = spec.kind
    if kind in NUMERIC_KINDS:
        words = _NO_FIGURE_FOLDED if no_figure_words is NO_FIGURE_WORDS else frozenset(
            w.casefold() for w in no_figure_words)
        return numeric_value(spec, shape, value, words, application)
    if kind == MONTH:
        return month_value(spec, shape, value)
    if kind == RAG:
        return rag_value(shape, value, scale_labels)
    if kind == CHOICE:
        return choice_value(spec, shape, value)
    if kind in (TEXT, NARRATIVE):
        return text_value(spec, shape, value)
    raise ValueError(f"unknown input kind '{kind}' for {spec.field}")


def _shape(raw: object, cell_type: str) -> tuple[str, object]:
    """What the cell holds: ("bool", bool), ("date", date), ("number", float|int) or text."""
    if isinstance(raw, bool):
        return "bool", raw
    if cell_type == "b":
        if isinstance(raw, int | float):
            return "bool", bool(raw)
        return "bool", str(raw).strip().upper() in ("1", "TRUE")
    if isinstance(raw, datetime | date):
        return "date", raw
    if cell_type == "d" and isinstance(raw, str):
        parsed = _iso_date(raw)
        if parsed is not None:
            return "date", parsed
    if isinstance(raw, int | float):
        return "number", raw
    if isinstance(raw, Decimal):
        return "number", float(raw)
    if cell_type == "n" and isinstance(raw, str):
        try:
            return "number", float(raw.strip())
        except ValueError:
            pass
    return "text", raw if isinstance(raw, str) else str(raw)


def _iso_date(text: str) -> date | None:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None

