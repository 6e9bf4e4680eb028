"""Read one returned workbook back through the form layout that generated it.

The identity tells which programme, period and owner the file is; the layout
rebuilt from it says where every input lives and what every locked cell must
hold.  Only those cells are read (never up to ``max_row``), each input is
coerced with a warning or error naming its cell, and every locked cell is
compared with what the definition and history say it should hold, so an
edited label, budget or last-period value is reported, not trusted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hnbxl.core.issues import Issue, Severity
from hnbxl.core.periods import Period, PeriodError
from hnbxl.core.provenance import FieldValue, Provenance
from hnbxl.forms.feedback_sheet import FEEDBACK_SHEET
from hnbxl.forms.layout import (
    FORM_SCHEMA,
    IDENTITY_PREFIX,
    IDENTITY_SHEET,
    MONTH,
    FixedCell,
    FormLayout,
    Identity,
    build_layout,
)
from hnbxl.programme.definition import Programme
from hnbxl.programme.snapshot import PeriodSnapshot
from hnbxl.returns.coerce import coerce
from hnbxl.returns.versions import map_to_current, stored_version
from hnbxl.store.history import History
from hnbxl.xlsx.formulas import normalise_formula
from hnbxl.xlsx.numformats import excel_date, is_date_format
from hnbxl.xlsx.reader import Cell, SheetInfo, Workbook, WorkbookData
from hnbxl.xlsx.safety import Limits, UnsafeWorkbook

IDENTITY_CELLS = tuple(f"{col}{row}" for row in range(1, 13) for col in "AB")


@dataclass
class ReturnRead:
    """What one file gave: its identity, typed values with provenance, and its issues."""

    path: Path
    display: str
    sha256: str = ""
    identity: Identity | None = None
    layout: FormLayout | None = None
    values: dict[str, FieldValue] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    modified: str | None = None
    cell_values: dict[str, Any] = field(default_factory=dict)  # field -> the cell's raw value
    # the definition the form was made from, when it is an earlier version than the
    # current one (kept in history by hash); its values are mapped into the current one
    made_from: Programme | None = None
    # when history first kept the definition the form was made from (UTC, ISO): no
    # genuine save of the form can be earlier
    form_made: str | None = None

    def issue(self, code: str, severity: Severity, message: str, *, sheet: str = "",
              cell: str = "", field_key: str = "", found: object = "",
              expected: object = "") -> None:
        self.issues.append(Issue(code, severity, message, self.display, sheet, cell, field_key,
                                 _shown(found), _shown(expected)))

    @property
    def readable(self) -> bool:
        return self.layout is not None


def _pairs_text(pairs: Iterable[tuple[str, object]]) -> str:
    """``period=2024-02, owner=send``: an identity as a person reads it."""
    return ", ".join(f"{key}={value}" for key, value in pairs)


def _shown(value: object) -> str:
    """A value as an issue's found/expected quotes it: (empty), 5 not 5.0."""
    if value is None:
        return "(empty)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


LayoutCache = dict[Identity, tuple[FormLayout | None, list[Issue]]]


def read_return(path: Path, programme: Programme, history: History,
                limits: Limits | None = None, layouts: LayoutCache | None = None) -> ReturnRead:
    """Read and check one file; never raises for a bad file, it reports.

    ``layouts`` caches the rebuilt form per identity across a batch of returns:
    a hundred returns of the same form need the layout (and the history look-up)
    only once.
    """
    result = ReturnRead(Path(path), str(path))
    limits = limits or Limits()
    try:
        workbook = Workbook(Path(path), limits)
    except UnsafeWorkbook as exc:
        result.sha256 = exc.sha256
        result.issue(exc.code, Severity.ERROR, exc.message)
        return result
    with workbook:
        result.sha256 = workbook.sha256
        result.modified = workbook.modified
        if workbook.is_macro:
            result.issue("macro-workbook", Severity.WARNING,
                         "This is a macro-enabled workbook. Its macros were not run; only the "
                         "values were read. Ask for it to be saved as .xlsx.")
        cache = layouts if layouts is not None else {}
        try:
            # One pass when the document properties name the form (the usual case); the
            # identity sheet is read in the same pass and cross-checked.
            guess = _peek_identity(workbook.custom_properties, programme)
            guessed = _cached_layout(guess, programme, history, cache, result) if guess else None
            book = workbook.read(_wanted(guessed))
            identity = _identity(result, book, programme, history)
            if identity is None:
                return result
            version = result.made_from or programme
            layout = _cached_layout(identity, version, history, cache, result, report=True)
            if layout is None:
                return result
            if layout is not guessed:
                book = workbook.read(_wanted(layout))
        except UnsafeWorkbook as exc:
            result.issue(exc.code, Severity.ERROR, exc.message)
            return result
    result.layout = layout
    _check_structure(result, book, layout)
    _check_locked(result, book, layout)
    _read_inputs(result, book, layout)
    if result.made_from is not None:
        map_to_current(result, result.made_from, programme)
    return result


def _wanted(layout: FormLayout | None) -> dict[str, tuple[str, ...]]:
    wanted = {IDENTITY_SHEET: IDENTITY_CELLS}
    if layout is not None:
        wanted.update(layout.cells_by_sheet)
    return wanted


def _peek_identity(props: dict[str, str], programme: Programme) -> Identity | None:
    """The identity the properties claim, when it is plausibly this programme's form."""
    pairs = {k[len(IDENTITY_PREFIX):]: v for k, v in props.items()
             if k.startswith(IDENTITY_PREFIX)}
    try:
        identity = Identity.from_pairs(pairs)
        Period.parse(identity.period)
    except (KeyError, ValueError, PeriodError):
        return None
    if identity.programme != programme.id or identity.definition_hash != programme.hash:
        return None
    return identity


def _cached_layout(identity: Identity, programme: Programme, history: History,
                   cache: LayoutCache, result: ReturnRead, report: bool = False
                   ) -> FormLayout | None:
    """The rebuilt form for an identity, once per batch; its issues are added on ``report``."""
    if identity not in cache:
        scratch = ReturnRead(result.path, "")
        cache[identity] = (_layout(scratch, identity, programme, history), scratch.issues)
    layout, issues = cache[identity]
    if report:
        result.issues.extend(replace(i, file=result.display) for i in issues)
    return layout


# --------------------------------------------------------------------------- identity


def _identity(result: ReturnRead, book: WorkbookData, programme: Programme,
              history: History) -> Identity | None:
    props = {k[len(IDENTITY_PREFIX):]: v for k, v in book.custom_properties.items()
             if k.startswith(IDENTITY_PREFIX)}
    sheet = next((s for s in book.sheets if s.name == IDENTITY_SHEET), None)
    in_sheet: dict[str, str] = {}
    if sheet is not None:
        for row in range(1, 13):
            key, value = sheet.cells.get(f"A{row}"), sheet.cells.get(f"B{row}")
            if key is not None and isinstance(key.value, str):
                in_sheet[key.value] = "" if value is None or value.value is None else str(
                    value.value)
    if not props and not in_sheet:
        result.issue("not-an-hnbxl-return", Severity.ERROR,
                     "This workbook was not made by hnbxl generate (it carries no hnbxl "
                     "identity). Ask for the return to be filled in on the generated form.",
                     expected=f"a {programme.id} return made by hnbxl generate",
                     found="a workbook without an hnbxl identity")
        return None
    if props and in_sheet:
        for name in sorted(set(props) | set(in_sheet)):
            if props.get(name) != in_sheet.get(name):
                result.issue("identity-mismatch", Severity.ERROR,
                             f"The workbook's identity disagrees with itself on '{name}': the "
                             "hidden identity sheet or the document properties were edited.",
                             sheet=IDENTITY_SHEET, found=in_sheet.get(name),
                             expected=props.get(name))
                return None
    pairs = props or in_sheet
    try:
        identity = Identity.from_pairs(pairs)
        Period.parse(identity.period)
    except (KeyError, ValueError, PeriodError) as exc:
        result.issue("identity-unreadable", Severity.ERROR,
                     f"The workbook's hnbxl identity is incomplete or damaged ({exc}).",
                     found=_pairs_text(pairs.items()),
                     expected="the identity written by hnbxl generate")
        return None
    version = programme
    if identity.programme == programme.id and identity.definition_hash != programme.hash:
        earlier = stored_version(history, identity.definition_hash)
        if earlier is not None and earlier.id == programme.id:
            version = result.made_from = earlier
    checks = [
        ("wrong-form-schema", "form_schema", identity.form_schema, FORM_SCHEMA,
         "The form was made by another version of hnbxl."),
        ("wrong-programme", "programme", identity.programme, programme.id,
         "This is a return for another programme."),
        ("wrong-definition", "definition_hash", identity.definition_hash, version.hash,
         "The form was generated from a version of the programme definition that this "
         "history does not hold (forms generated from now on keep theirs). Compile with "
         "--definition and the TOML it was made from, or generate the form again."),
        ("wrong-form-version", "form_version", identity.form_version, version.form_version,
         "The form is from another form version."),
    ]
    for code, what, found, expected, message in checks:
        if found != expected:
            result.issue(code, Severity.ERROR, message, found=f"{what} {found}",
                         expected=f"{what} {expected}")
            return None
    unknown = [s for s in identity.sections if s not in version.sections]
    if unknown or (identity.owner != "all" and identity.owner not in version.owners):
        result.issue("identity-unreadable", Severity.ERROR,
                     "The workbook names sections or an owner the programme does not have.",
                     found=f"owner {identity.owner}, sections {','.join(identity.sections)}",
                     expected=f"owners {', '.join(version.owners)}")
        return None
    result.identity = identity
    return identity


def _layout(result: ReturnRead, identity: Identity, programme: Programme,
            history: History) -> FormLayout | None:
    from datetime import date

    from hnbxl.programme.definition import DefinitionError

    period = Period.parse(identity.period)
    last: PeriodSnapshot | None = None
    if identity.last_period:
        last = history.snapshot_by_digest(programme.id, Period.parse(identity.last_period),
                                          identity.last_digest)
        if last is None:
            result.issue(
                "last-period-unknown", Severity.ERROR,
                f"The form shows last period's values from a compile of "
                f"{Period.parse(identity.last_period).label} that this history does not hold. "
                "Validate it in the working folder the form was generated from.",
                found=f"last period {identity.last_period} ({identity.last_digest})",
                expected=f"a compile of {identity.last_period} in {history.path}")
            return None
    owner = None if identity.owner == "all" else identity.owner
    try:
        due = date.fromisoformat(identity.due) if identity.due else None
        layout = build_layout(programme, period, owner, last, due)
    except (DefinitionError, ValueError) as exc:
        result.issue("form-not-rebuildable", Severity.ERROR,
                     f"The form for {period.label} cannot be rebuilt from the definition: {exc}")
        return None
    if layout.identity != identity:
        result.issue("identity-unreadable", Severity.ERROR,
                     "The workbook's identity does not match the form hnbxl would generate "
                     "for it.", found=_pairs_text(identity.as_pairs()),
                     expected=_pairs_text(layout.identity.as_pairs()))
        return None
    return layout


# --------------------------------------------------------------------------- structure


def _check_structure(result: ReturnRead, book: WorkbookData, layout: FormLayout) -> None:
    expected = [*layout.sheet_names, IDENTITY_SHEET]
    found = [s.name for s in book.sheets]
    missing = [name for name in expected if name not in found]
    # A feedback copy's first sheet (what to fix) is hnbxl's own: its return is still valid.
    if found and found[0] == FEEDBACK_SHEET:
        found = found[1:]
    added = [name for name in found if name not in expected]
    for name in missing:
        result.issue("sheet-missing", Severity.ERROR,
                     f"The sheet '{name}' has been deleted or renamed; its values cannot be read.",
                     sheet=name, found="no such sheet", expected=f"a sheet named '{name}'")
    for name in added:
        result.issue("sheet-added", Severity.WARNING,
                     f"A sheet '{name}' was added; hnbxl ignores it. Put figures in the form's "
                     "own cells.", sheet=name, found=f"extra sheet '{name}'",
                     expected="only the form's sheets")
    kept = [name for name in found if name in expected]
    if kept != [name for name in expected if name in found]:
        result.issue("sheets-reordered", Severity.WARNING,
                     "The sheets have been moved into another order.",
                     found=", ".join(kept), expected=", ".join(expected))
    sheets = {s.name: s for s in book.sheets}
    for sheet in layout.sheets:
        info = sheets.get(sheet.name)
        if info is None or info.protected:
            continue
        message = (f"Sheet protection was removed from '{sheet.name}'. Its locked cells were "
                   "checked against the definition.")
        code = "protection-removed"
        if sheet.inputs:
            # Sorting only the input columns moves figures and reasons onto other rows;
            # every value is still well-formed, so nothing in the cells can prove a swap.
            # The committee needs to know that, not only the officer: a code of its own.
            code = "inputs-may-have-moved"
            message += (" Its inputs may have moved (for example by sorting or pasting) and "
                        "must be checked row by row: each figure, rating and reason against "
                        "the label on its row.")
        result.issue(code, Severity.WARNING, message, sheet=sheet.name,
                     found="unprotected", expected="protected")
    if not book.structure_locked:
        # LibreOffice writes an empty <workbookProtection/> when it saves, so this is only
        # noted: the sheet checks above catch what structure protection would have stopped.
        result.issue("structure-unlocked", Severity.INFO,
                     "The workbook's structure protection is gone (LibreOffice drops it when "
                     "it saves); the sheets were checked one by one.",
                     found="structure unlocked", expected="structure locked")


def _check_locked(result: ReturnRead, book: WorkbookData, layout: FormLayout) -> None:
    sheets = {s.name: s for s in book.sheets}
    for sheet in layout.sheets:
        info = sheets.get(sheet.name)
        if info is None:
            continue
        cells = info.cells
        for fixed in sheet.fixed:
            if not fixed.checked:
                continue
            cell = cells.get(fixed.cell)
            if cell is not None and _same(fixed, cell):
                continue
            problem = _locked_difference(fixed, cell)
            if problem:
                found, expected = problem
                what = "last period's value" if fixed.style == "last" else (
                    "formula" if fixed.formula else "locked cell")
                result.issue("locked-cell-changed", Severity.ERROR,
                             f"This {what} was changed; the return cannot be trusted until it "
                             "holds what the form gave.", sheet=sheet.name, cell=fixed.cell,
                             found=found, expected=expected)


def _same(fixed: FixedCell, cell: Cell) -> bool:
    """The usual case, decided cheaply: the cell holds exactly what the form gave (the
    same text or number, or the same formula text).  Anything else is judged by
    :func:`_locked_difference`, which also accepts other spellings of the same."""
    if fixed.formula:
        return cell.formula == fixed.formula
    expected, value = fixed.value, cell.value
    kind = type(expected)
    return (kind is str or kind is int or kind is float) and expected != "" and (
        type(value) is kind and value == expected)


def _locked_difference(fixed: FixedCell, cell: Cell | None) -> tuple[str, str] | None:
    if fixed.formula:
        got = (cell.formula if cell is not None else None) or ""
        if _norm_formula(got) != _norm_formula(fixed.formula):
            return (f"={got}" if got else _shown(cell.value if cell else None), fixed.formula)
        return None
    value = cell.value if cell is not None else None
    expected = fixed.value
    if expected is None or expected == "":
        if value is None or value == "":
            return None
        return _shown(value), "(empty)"
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(
                float(value) - float(expected)) <= 1e-9 * max(1.0, abs(float(expected))):
            return None
        if isinstance(value, str) and value == str(expected):
            return None  # list values written as numbers may come back as text
        return _shown(value), _shown(expected)
    if isinstance(value, str) and value == expected:
        return None
    if isinstance(value, int | float) and str(expected) == _shown(value):
        return None
    return _shown(value), str(expected)


def _norm_formula(text: str) -> str:
    """Formula text as written by any client, compared by meaning (see
    :func:`hnbxl.xlsx.formulas.normalise_formula`): LibreOffice drops the quotes
    around a sheet name that needs none and may drop ``$``; Excel adds ``_xlfn.``
    prefixes; case and spacing vary.  String literals are compared exactly."""
    return normalise_formula(text)


# --------------------------------------------------------------------------- inputs


def _as_shown(sheet: SheetInfo, ref: str, cell: Cell, is_month: bool,
              date1904: bool) -> tuple[object, str]:
    """A cell's value as the person saw it: a number shown as a date is that date.

    Number formats are otherwise ignored, but a date format on a number is
    evidence (Excel turned a count typed as ``3/4`` into 4 March 2024, and
    every client shows the date), and a number in a month cell is a date
    serial.  Both are read in the workbook's date system, 1900 or 1904.
    """
    value = cell.value
    if cell.type != "n" or not isinstance(value, int | float) or isinstance(value, bool):
        return value, cell.type
    if is_month or ((code := sheet.formats.get(ref)) is not None and is_date_format(code)):
        day = excel_date(value, date1904)
        if day is not None:
            return day, "d"
    return value, cell.type


def _read_inputs(result: ReturnRead, book: WorkbookData, layout: FormLayout) -> None:
    sheets = {s.name: s for s in book.sheets}
    scale = layout.programme.scale
    scale_labels = {state.label: state.key for state in scale.states}
    for spec in layout.inputs:
        info = sheets.get(spec.sheet)
        if info is None:
            continue
        cell = info.cells.get(spec.cell)
        if cell is None or (cell.value is None and not cell.formula):
            continue
        if cell.value is not None:
            result.cell_values[spec.field] = cell.value  # kept as is, for a feedback copy
        if cell.formula is not None and not cell.has_cached:
            result.issue("formula-no-value", Severity.ERROR,
                         "This cell holds a formula with no saved result. Open the file in "
                         "Excel, let it calculate, save it and send it again (or type the "
                         "value instead of a formula).", sheet=spec.sheet, cell=spec.cell,
                         field_key=spec.field, found=f"={cell.formula}",
                         expected="a value, or a formula saved with its result")
            continue
        if cell.formula is not None:
            result.issue("formula-in-input", Severity.INFO,
                         "This input holds a formula; its saved result was used.",
                         sheet=spec.sheet, cell=spec.cell, field_key=spec.field,
                         found=f"={cell.formula}", expected="a typed value")
        raw, raw_type = _as_shown(info, spec.cell, cell, spec.kind == MONTH, book.date1904)
        coerced = coerce(spec, raw, raw_type, scale_labels=scale_labels,
                         application=book.application)
        for problem in coerced.problems:
            result.issue(problem.code, problem.severity, problem.message, sheet=spec.sheet,
                         cell=spec.cell, field_key=spec.field, found=problem.found,
                         expected=problem.expected)
        provenance = Provenance(result.display, result.sha256, spec.sheet, spec.cell)
        if coerced.no_figure:
            reason_field = spec.field.sibling("reason")
            if layout.has(reason_field) and reason_field not in result.values:
                result.values[reason_field] = FieldValue(
                    reason_field, layout.programme.not_applicable,
                    provenance, cell.value)
            continue
        if coerced.value is not None:
            result.values[spec.field] = FieldValue(spec.field, coerced.value, provenance,
                                                   cell.value)


# --------------------------------------------------------------------------- workers


@dataclass
class Sent:
    """A read as a worker process sends it back: without its layout and definition
    version, which are large, shared by every read of the form, and rebuilt once
    by the receiving process (:func:`restore`)."""

    read: ReturnRead
    had_layout: bool
    made_from: str | None  # hash of the earlier definition version the form was made from


def sent_back(read: ReturnRead) -> Sent:
    made_from = read.made_from.hash if read.made_from is not None else None
    return Sent(replace(read, layout=None, made_from=None), read.layout is not None, made_from)


def restore(sent: Sent, programme: Programme, history: History, layouts: LayoutCache
            ) -> ReturnRead:
    """The read as the worker made it: layout and version rebuilt here, once per form."""
    read = sent.read
    if sent.made_from is not None:
        read.made_from = stored_version(history, sent.made_from)
    if sent.had_layout and read.identity is not None:
        read.layout = _cached_layout(read.identity, read.made_from or programme, history,
                                     layouts, read)
    if sent.had_layout and read.layout is None:  # history changed under us: read it here
        return read_return(read.path, programme, history, layouts=layouts)
    return read


__all__ = ["LayoutCache", "ReturnRead", "Sent", "read_return", "restore", "sent_back"]
