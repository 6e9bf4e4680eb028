"""The Python API behind the command line: generate, validate, compile.

Each function takes plain arguments and returns a result object; nothing here
prints or knows about click, so a user can import and script it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hnbxl.core.fileio import sha256_hex, write_atomically
from hnbxl.core.issues import HnbxlError, Issue, Severity, blocking
from hnbxl.core.periods import Period
from hnbxl.forms.generate import (
    DEFAULT_PASSWORD,
    GeneratedForm,
    form_filename,
    render_form,
)
from hnbxl.forms.layout import build_layout
from hnbxl.store.history import ReturnRecord
from hnbxl.store.workspace import DEFINITION_FILE, Workspace

if TYPE_CHECKING:
    from hnbxl.returns.validate import Progress, Validation


def generate_forms(
    workspace: Workspace,
    period: Period | str,
    owner: str | None = None,
    split: bool = False,
    due: date | None = None,
    out_dir: Path | None = None,
    password: str = DEFAULT_PASSWORD,
) -> list[GeneratedForm]:
    """Write the locked input workbook(s) for a period.

    ``owner`` None or ``"all"``: every section (one workbook, or one per owner
    with ``split``); an owner key: that owner's sections only.  Last period's
    values come from the workspace's history.  All workbooks are rendered
    before any is written, so a bad definition writes nothing.
    """
    period = Period.parse(period)
    bundled = workspace.uses_bundled
    programme = workspace.programme()
    if owner not in (None, "all") and owner not in programme.owners:
        raise HnbxlError(
            f"'{owner}' is not an owner of {programme.id}; owners are: "
            f"{', '.join(programme.owners)} (or all)")
    if not password:
        raise HnbxlError("the sheet password must not be empty")
    last = workspace.history().snapshot_before(programme.id, period)
    if owner not in (None, "all"):
        owners: list[str | None] = [owner]
    elif split:
        owners = [key for key in programme.owners if programme.sections_of(key)]
    else:
        owners = [None]
    out_dir = out_dir or workspace.forms_dir
    rendered = []
    for who in owners:
        layout = build_layout(programme, period, who, last, due)
        rendered.append((layout, render_form(layout, password)))
    if bundled:  # the history made next is read with this programme from now on
        write_atomically((workspace.root / DEFINITION_FILE, workspace.definition_path
                          .read_bytes()))
    # Kept by hash before any form goes out: a return made from this version can be
    # read through its own layout even after programme.toml changes.
    workspace.history().store_definition(programme)
    written = []
    for layout, data in rendered:
        path = out_dir / form_filename(programme, layout)
        write_atomically((path, data))
        written.append(GeneratedForm(path, layout.identity.owner, len(layout.inputs),
                                     layout.sheet_names))
    return written


def unique_paths(paths: Sequence[Path | str]) -> tuple[Path, ...]:
    """Return paths as given, each file once (however it was spelled), in a stable order."""
    seen: dict[str, Path] = {}
    for path in paths:
        seen.setdefault(str(Path(path).resolve()), Path(path))
    return tuple(sorted(seen.values(), key=str))


def validate_returns(workspace: Workspace, files: Sequence[Path | str],
                     newest_wins: bool = False, progress: Progress | None = None,
                     period: Period | str | None = None,
                     allow_missing: Sequence[str] = (), jobs: int | None = None) -> Validation:
    """Read and check returned workbooks; nothing is written anywhere.

    Without ``period`` this answers "are these returns right?": each file is
    checked, and what the month still lacks is listed (``Validation.owners``)
    but does not block.  With ``period`` it answers "is the month ready to
    compile?": a return for another month is an error, and so is a missing
    section (unless its owner is in ``allow_missing``), exactly as compile
    would refuse it.  ``jobs``: processes reading the files (None: as many as
    pay for themselves, see :func:`hnbxl.returns.parallel.auto_jobs`); the
    result is the same for any number.
    """
    from hnbxl.returns.validate import month_issues, validate_files

    programme = workspace.programme()
    paths = unique_paths(files)
    expected = Period.parse(period) if period is not None else None
    validation = validate_files(paths, programme, workspace.history(), newest_wins, progress,
                                expected, jobs)
    if expected is not None:
        validation.issues.extend(month_issues(validation, allow_missing))
        validation.issues.sort(key=Issue.sort_key)
    return validation


@dataclass
class CompileResult:
    files: int
    issues: list[Issue]
    written: bool = False
    period: Period | None = None
    output: Path | None = None
    pdf: Path | None = None
    compile_id: int | None = None
    replaced: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # crashed compiles put right first

    def describe(self) -> str:
        assert self.period is not None and self.output is not None
        c = self.counts
        held = (f"{c.get('returns', 0)} returns; {c.get('measures', 0)} measures, "
                f"{c.get('risks', 0)} risks, {c.get('issues', 0)} issues noted")
        again = " (replaces the earlier compile, kept in history)" if self.replaced else ""
        pdf = f" and {self.pdf}" if self.pdf else ""
        return f"Wrote {self.output}{pdf}: {self.period.label} report from {held}{again}."


def compile_returns(
    workspace: Workspace,
    files: Sequence[Path | str],
    out: Path | None = None,
    extracted_on: date | None = None,
    allow_warnings: bool = False,
    allow_queries: bool = False,
    newest_wins: bool = False,
    pdf: bool = False,
    progress: Progress | None = None,
    period: Period | str | None = None,
    allow_missing: Sequence[str] = (),
    on_wait: Callable[[str], None] | None = None,
    jobs: int | None = None,
) -> CompileResult:
    """Validate, rate and write the committee report; all or nothing.

    The whole compile holds the working folder's lock (``on_wait`` hears once
    when it has to wait for another compile), and first puts right any compile
    a crash interrupted.  When anything blocks, nothing is written.  Otherwise
    the report (and PDF) are rendered in memory and published with the kept
    returns by :func:`hnbxl.store.commit.publish`: recorded as pending, staged,
    renamed, marked done.  A recompile never replaces an earlier report file:
    it gets the next free name (``…-v2.xlsx``), and history lists both.
    ``allow_missing`` (owner keys, or ``"all"``) lets the report go out with
    those owners' sections shown as Not received.  ``jobs`` as for
    :func:`validate_returns`.
    """
    from hnbxl.store.commit import recover
    from hnbxl.store.lock import folder_lock

    with folder_lock(workspace.root, on_wait):
        notes = recover(workspace.history(), workspace.root,
                        (workspace.output_dir, workspace.returns_dir))
        result = _compile(workspace, files, out, extracted_on, allow_warnings, newest_wins,
                          pdf, progress, period, allow_missing, allow_queries, jobs)
    result.notes = notes + result.notes
    return result


def _compile(workspace: Workspace, files: Sequence[Path | str], out: Path | None,
             extracted_on: date | None, allow_warnings: bool, newest_wins: bool, pdf: bool,
             progress: Progress | None, period: Period | str | None,
             allow_missing: Sequence[str], allow_queries: bool,
             jobs: int | None = None) -> CompileResult:
    from hnbxl.report.assemble import assemble
    from hnbxl.report.model import ReturnUsed
    from hnbxl.report.workbook import render_report, report_pdf
    from hnbxl.returns.validate import month_issues, not_received, validate_files
    from hnbxl.store.commit import FileToPublish, publish, stored_path
    from hnbxl.store.history import NewCompile, RatingRecord

    bundled = workspace.uses_bundled
    programme = workspace.programme()
    history = workspace.history()
    paths = unique_paths(files)
    expected = Period.parse(period) if period is not None else None
    validation = validate_files(paths, programme, history, newest_wins, progress, expected,
                                jobs)
    issues = list(validation.issues)
    result = CompileResult(len(paths), issues, period=validation.period)
    issues.extend(month_issues(validation, allow_missing))
    if blocking(issues, allow_warnings, allow_queries):
        issues.sort(key=Issue.sort_key)
        return result
    period = validation.period
    assert period is not None
    kept = _keep_returns(workspace, validation.used, issues)
    last = history.snapshot_before(programme.id, period)
    notes: dict[str, list[str]] = {}
    for old, new in validation.set_aside:
        notes.setdefault(new.display, []).append(Path(old.display).name)
    returns = [
        ReturnUsed(r.display, r.sha256, r.identity.owner if r.identity else "",
                   r.identity.sections if r.identity else (),
                   _chosen_note(notes.get(r.display, [])))
        for r in validation.used
    ]
    assembled = assemble(programme, period, validation.values, last, issues, returns,
                         extracted_on or date.today(), not_received(validation),
                         *history.risk_ids(programme.id, period),
                         past=history.timeline(programme.id, period))
    xlsx = render_report(assembled.report)
    pdf_data = report_pdf(assembled.report) if pdf else None
    target = _free_name(out or workspace.output_dir / f"{programme.id}-{period.key}.xlsx",
                        workspace, history.recorded_paths())
    outputs = [FileToPublish("output", target, xlsx, sha256_hex(xlsx))]
    if pdf_data is not None:
        outputs.append(FileToPublish("pdf", target.with_suffix(".pdf"), pdf_data,
                                     sha256_hex(pdf_data)))
    root = workspace.root
    if bundled:  # the new history gets its programme beside it, in the same commit
        definition = workspace.definition_path.read_bytes()
        outputs.append(FileToPublish("definition", root / DEFINITION_FILE, definition,
                                     sha256_hex(definition)))
    record = NewCompile(
        programme=programme.id,
        period=period,
        definition_hash=programme.hash,
        extracted_on=assembled.report.extracted_on.isoformat(),
        output=stored_path(target, root),
        output_sha256=outputs[0].sha256,
        pdf=stored_path(outputs[1].path, root) if pdf_data is not None else None,
        pdf_sha256=outputs[1].sha256 if pdf_data is not None else None,
        returns=tuple(
            ReturnRecord(r.sha256, r.display, stored_path(kept[r.sha256].path, root),
                         r.identity.owner if r.identity else "",
                         r.identity.sections if r.identity else (),
                         _chosen_note(notes.get(r.display, [])))
            for r in validation.used),
        values=tuple(sorted((replace(v, field=assembled.field_key(k))
                             for k, v in validation.values.items()), key=lambda v: v.field)),
        ratings=tuple(RatingRecord(k, v.key, v.computed, v.overridden, v.reason, v.basis)
                      for k, v in assembled.ratings.items()),
        figures=assembled.figures,
        risks=assembled.risks,
        issues=tuple(issues),
        definition_text=programme.text,
        definition_source=programme.source,
    )
    replaced = history.snapshot(programme.id, period) is not None
    result.compile_id = publish(history, root, record, [*kept.values(), *outputs])
    result.written, result.output, result.replaced = True, target, replaced
    result.pdf = outputs[1].path if pdf_data is not None else None
    result.counts = {"returns": len(validation.used), "measures": len(programme.measures),
                     "risks": len(assembled.report.risks), "issues": len(issues)}
    issues.sort(key=Issue.sort_key)
    return result


def _chosen_note(set_aside: list[str]) -> str:
    if not set_aside:
        return ""
    return (f"newest of {len(set_aside) + 1} copies, used by --newest-wins; set aside: "
            + ", ".join(sorted(set_aside)))


def _free_name(wanted: Path, workspace: Workspace, recorded: set[str]) -> Path:
    """``wanted``, or ``…-v2``, ``…-v3``: the first name no file and no compile holds.

    A report that went to committee is never replaced by a recompile; the
    PDF's name (same stem) must be free as well, so a workbook and its PDF
    always come from the same compile.
    """
    from hnbxl.store.commit import stored_path

    if wanted.suffix.lower() == ".pdf":
        raise HnbxlError(f"{wanted}: the workbook needs a name that does not end in .pdf")
    if wanted.parent.exists() and not wanted.parent.is_dir():
        raise HnbxlError(f"{wanted.parent}: is a file, not a folder; the report cannot be "
                         "written there")
    version = 1
    while True:
        name = wanted if version == 1 else wanted.with_name(
            f"{wanted.stem}-v{version}{wanted.suffix}")
        if name.is_dir():
            raise HnbxlError(f"{name}: is a folder, so the report cannot be written there; "
                             "move the folder away or choose another --out")
        pair = (name, name.with_suffix(".pdf"))
        if not any(p.exists() or p.is_symlink() or stored_path(p, workspace.root) in recorded
                   for p in pair):
            return name
        version += 1


def _keep_returns(workspace: Workspace, used: list[Any], issues: list[Issue]
                  ) -> dict[str, Any]:
    """The kept copy of every return used, named by its SHA-256 and checked against it.

    The return is read again and hashed, so a file changed on disk since it
    was validated is refused rather than kept under the wrong name.  A file
    already kept under that name is trusted only when its content has that
    SHA-256; a wrong one is replaced (its bytes saved under
    ``returns/mismatched/<its own SHA-256>.xlsx``) and the compile notes it.
    """
    from hnbxl.store.commit import FileToPublish

    kept: dict[str, Any] = {}
    for read in used:
        target = workspace.returns_dir / f"{read.sha256}.xlsx"
        try:
            data = Path(read.path).read_bytes()
        except FileNotFoundError:
            raise HnbxlError(f"{read.display}: the file was removed while it was being "
                             "compiled; nothing was changed") from None
        if sha256_hex(data) != read.sha256:
            raise HnbxlError(f"{read.display}: the file changed while it was being "
                             "compiled; compile again")
        existing = False
        if target.is_dir():
            raise HnbxlError(f"{target}: is a folder where the kept return belongs; move "
                             "it away and compile again")
        if target.is_file():
            held = target.read_bytes()
            actual = sha256_hex(held)
            existing = actual == read.sha256
            if not existing:
                aside = workspace.returns_dir / "mismatched" / f"{actual}.xlsx"
                if not aside.exists():
                    write_atomically((aside, held))  # never a half-written file under a hash
                issues.append(Issue(
                    "kept-return-replaced", Severity.INFO,
                    f"The kept copy {target.name} did not hold this return (its content has "
                    f"SHA-256 {actual[:12]}...); it was replaced by the return itself and "
                    f"its bytes set aside as returns/mismatched/{aside.name}.",
                    file=read.display, found=f"SHA-256 {actual}",
                    expected=f"SHA-256 {read.sha256}"))
        kept[read.sha256] = FileToPublish("return", target, data, read.sha256, existing)
    return kept


@dataclass(frozen=True)
class FeedbackCopy:
    source: str  # the return as the officer gave it
    path: Path  # the copy to send back
    marked: int  # issues marked on cells
    unplaced: tuple[Issue, ...]  # issues about the whole file, to say in the covering email
    # Queries to explain: what, and the cell to explain it in ("Key Measures!L6").
    queries: tuple[tuple[str, str], ...] = ()


def feedback_copies(workspace: Workspace, files: Sequence[Path | str],
                    out_dir: Path | None = None, password: str = DEFAULT_PASSWORD,
                    progress: Progress | None = None) -> list[FeedbackCopy]:
    """For each return, a fresh copy of its form with what was typed and every issue marked.

    The submitter's values are kept exactly as they were in the cells (wrong
    ones included, so they see what to fix); each cell with an issue is
    marked and carries a comment saying what was found and what is expected.
    Locked cells come back as the form gave them, so an edited label is
    undone.  The copy keeps the return's identity, so it validates as usual
    once corrected.  Files that cannot be read as a return get no copy.
    """
    from pathlib import PurePath

    from hnbxl.returns.validate import validate_files

    programme = workspace.programme()
    paths = unique_paths(files)
    validation = validate_files(paths, programme, workspace.history(), progress=progress)
    out_dir = out_dir or workspace.root / "feedback"
    rendered = []
    for read in validation.reads:
        if read.layout is None:
            continue
        mine = [i for i in validation.issues if i.file == read.display]
        notes: dict[tuple[str, str], str] = {}
        for issue in mine:
            if issue.sheet and issue.cell:
                text = f"{issue.severity.upper()}: {issue.message}"
                if issue.code == "locked-cell-changed":
                    text = (f"This locked cell had been changed to '{issue.found}'; it is back "
                            "as the form gave it. Please leave locked cells as they are.")
                elif issue.found or issue.expected:
                    text += f"\nFound: {issue.found or '-'}\nExpected: {issue.expected or '-'}"
                key = (issue.sheet, issue.cell)
                notes[key] = f"{notes[key]}\n\n{text}" if key in notes else text
        to_explain = _queries_to_explain(read.layout, mine, notes)
        values: dict[str, Any] = {spec.field: read.cell_values.get(spec.field)
                                  for spec in read.layout.inputs}
        data = render_form(read.layout, password, values=values, notes=notes)
        target = out_dir / f"{PurePath(read.display).stem}-feedback.xlsx"
        unplaced = tuple(i for i in mine if not (i.sheet and i.cell))
        rendered.append((FeedbackCopy(read.display, target, len(notes), unplaced,
                                      to_explain), data))
    for copy, data in rendered:
        write_atomically((copy.path, data))
    return [copy for copy, _ in rendered]


def _queries_to_explain(layout: Any, issues: list[Issue],
                        notes: dict[tuple[str, str], str]) -> tuple[tuple[str, str], ...]:
    """Each unexplained query's explanation cell, marked with what to explain there."""
    out = []
    for issue in issues:
        if issue.severity is not Severity.QUERY:
            continue
        check = next((q for q in layout.queries
                      if q.field == issue.field and q.code == issue.code), None)
        if check is None:
            continue
        cells = [layout.input(check.explanation)]
        if check.disclosure:
            cells.append(layout.input(check.disclosure))
        for spec in cells:
            key = (spec.sheet, spec.cell)
            text = f"QUERY to explain here: {check.label}. See {issue.place}."
            notes[key] = f"{notes[key]}\n\n{text}" if key in notes else text
        out.append((check.label, f"{cells[0].sheet}!{cells[0].cell}"))
    return tuple(out)


def ratings_table(workspace: Workspace, periods: int = 6, width: int = 44) -> str:
    """Every rating over the latest ``periods`` compiled periods, as a plain text table.

    For a look in the terminal: each item's name (shortened to ``width``) and,
    per period, the rating's first words ("Green", "Amber", "No data") or what
    happened to the item ("New Green", "Closed", "Not yet added").
    """
    from hnbxl.report.timeline import ratings_over_time

    programme = workspace.programme()
    records = workspace.history().timeline(programme.id)
    if not records:
        return f"No compiled periods in {workspace.history_path}."
    rows = ratings_over_time(programme, records)
    shown = records[-periods:]
    start = len(records) - len(shown)
    col = 15

    def short(text: str) -> str:
        word = text.split(" - ")[0].replace("New: ", "New ")
        return word if len(word) <= col - 1 else word[: col - 2] + "…"

    def name(text: str) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = [f"{'Item':{width}}  " + "".join(f"{r.period.label:{col}}" for r in shown)]
    section = ""
    for row in rows:
        if row.section != section:
            section = row.section
            lines.append(f"{section}:")
        lines.append(f"{name(row.name):{width}}  "
                     + "".join(f"{short(c.text):{col}}" for c in row.cells[start:]))
    return "\n".join(line.rstrip() for line in lines)


@dataclass(frozen=True)
class DefinitionDiff:
    old: str  # which version, in words: "a1b2c3d4e5f6 (stored 2024-03-02...)"
    new: str
    changes: list[Any]  # hnbxl.programme.diff.Change


def diff_definitions(workspace: Workspace, old: str, new: str = "current") -> DefinitionDiff:
    """What changed between two versions of the definition.

    Each version is ``current`` (the working folder's programme.toml), a TOML
    file, a return (.xlsx: the version its form was made from) or a hash
    (or its first characters) of a version history keeps.
    """
    from hnbxl.programme.diff import diff_definitions as diff

    old_name, old_text = _definition_version(workspace, old)
    new_name, new_text = _definition_version(workspace, new)
    return DefinitionDiff(old_name, new_name, diff(old_text, new_text))


def _definition_version(workspace: Workspace, spec: str) -> tuple[str, str]:
    from hnbxl.programme.definition import load_programme
    from hnbxl.xlsx.reader import Workbook

    if spec == "current":
        programme = load_programme(workspace.definition_path)
        return f"current ({workspace.definition_path}, {programme.hash[:12]})", programme.text
    path = Path(spec)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        if not path.is_file():
            raise HnbxlError(f"{spec}: no such file")
        from hnbxl.xlsx.safety import UnsafeWorkbook

        try:
            with Workbook(path) as book:
                digest = book.custom_properties.get("hnbxl_definition_hash", "")
        except UnsafeWorkbook as exc:
            raise HnbxlError(f"{spec}: {exc.message}") from None
        if not digest:
            raise HnbxlError(f"{spec}: carries no hnbxl identity, so it names no definition")
        found = workspace.history().definition_text(digest)
        if found is None:
            raise HnbxlError(f"{spec} was made from definition {digest[:12]}, which "
                             f"{workspace.history_path} does not hold")
        return f"{found[0][:12]} (the version {path.name} was made from)", found[2]
    if path.suffix.lower() == ".toml":
        if not path.is_file():
            raise HnbxlError(f"{spec}: no such file")
        programme = load_programme(path)
        return f"{path} ({programme.hash[:12]})", programme.text
    found = workspace.history().definition_text(spec) if len(spec) >= 4 else None
    if found is None:
        known = ", ".join(h[:12] for h, _s, _t in
                          workspace.history().definitions(load_programme(
                              workspace.definition_path).id)) or "none"
        raise HnbxlError(f"'{spec}' is not 'current', a .toml or .xlsx file, or the start of "
                         f"a definition hash history holds (it holds: {known})")
    return f"{found[0][:12]} ({found[1]}, from history)", found[2]


@dataclass(frozen=True)
class YearAdded:
    year: str
    path: Path  # the definition written
    block: str  # what was appended


def add_financial_year(workspace: Workspace, year: str | None = None) -> YearAdded:
    """Append next year's baselines and budgets, carried forward for editing, to the definition.

    ``year`` defaults to the year after the latest one any finance row has.
    A folder on the bundled programme gets its own ``programme.toml`` first.
    """
    from hnbxl.programme.years import add_year, next_year

    programme = workspace.programme()
    year = year or next_year(programme)
    text, block = add_year(programme, year)
    path = workspace.definition_override or workspace.root / DEFINITION_FILE
    write_atomically((path, text.encode("utf-8")))
    return YearAdded(year, path, block)
