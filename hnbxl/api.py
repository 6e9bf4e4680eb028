"""The Python API behind the command line: generate, validate, compile.

Each function takes plain arguments and returns a result object; nothing here
prints or knows about click, so a user can import and script it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from hnbxl.core.fileio import unique_paths, write_atomically
from hnbxl.core.issues import HnbxlError, Issue, blocking
from hnbxl.core.periods import Period
from hnbxl.forms.generate import (
    DEFAULT_PASSWORD,
    GeneratedForm,
    form_filename,
    render_form,
)
from hnbxl.forms.layout import build_layout
from hnbxl.programme.definition import form_owners
from hnbxl.returns.feedback import FeedbackCopy, render_feedback
from hnbxl.returns.versions import DefinitionDiff, definition_diff
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
    replace_files: Sequence[Path] = (),
) -> list[GeneratedForm]:
    """Write the locked input workbook(s) for a period.

    An existing file at a form's name is replaced only when it is a blank
    form hnbxl made (its identity, no input changed) or is named in
    ``replace_files``; never a file history records or a kept return.

    ``owner`` None or ``"all"``: every section (one workbook, or one per owner
    with ``split``); an owner key: that owner's sections only.  Last period's
    values come from the workspace's history.  All workbooks are rendered
    before any is written, so a bad definition writes nothing.
    """
    period = Period.parse(period)
    bundled = workspace.uses_bundled
    programme = workspace.programme()
    if not password:
        raise HnbxlError("the sheet password must not be empty")
    owners = form_owners(programme, period, owner, split)
    last = workspace.history().snapshot_before(programme.id, period)
    out_dir = out_dir or workspace.forms_dir
    rendered = []
    known = workspace.history().risk_ids(programme.id, period)[0]
    for who in owners:
        layout = build_layout(programme, period, who, last, due, known_risk_ids=known)
        rendered.append((layout, render_form(layout, password)))
    from hnbxl.returns.blank import may_replace_form

    targets = [(out_dir / form_filename(programme, layout), data) for layout, data in rendered]
    for path, _data in targets:  # all checked before any is written
        may_replace_form(path, programme, workspace.root, workspace.history(),
                         replace_files)
    if bundled:  # the history made next is read with this programme from now on
        write_atomically((workspace.root / DEFINITION_FILE, workspace.definition_path
                          .read_bytes()))
    # Kept by hash before any form goes out: a return made from this version can be
    # read through its own layout even after programme.toml changes.
    workspace.history().store_definition(programme)
    written = []
    for (path, data), (layout, _data) in zip(targets, rendered, strict=True):
        write_atomically((path, data))
        written.append(GeneratedForm(path, layout.identity.owner, len(layout.inputs),
                                     layout.sheet_names))
    return written


def validate_returns(workspace: Workspace, files: Sequence[Path | str],
                     newest_wins: bool = False, progress: Progress | None = None,
                     period: Period | str | None = None,
                     allow_missing: Sequence[str] = (), jobs: int | None = None,
                     read_cache: bool = True) -> Validation:
    """Read and check returned workbooks; nothing is written but the read cache.

    Without ``period`` this answers "are these returns right?": each file is
    checked, and what the month still lacks is listed (``Validation.owners``)
    but does not block.  With ``period`` it answers "is the month ready to
    compile?": a return for another month is an error, and so is a missing
    section (unless its owner is in ``allow_missing``), exactly as compile
    would refuse it.  ``jobs``: processes reading the files (None: as many as
    pay for themselves, see :func:`hnbxl.returns.parallel.auto_jobs`); the
    result is the same for any number.  ``read_cache``: keep each file's reading
    in the folder's read cache (``.hnbxl-cache/``, the one thing validate writes),
    for a compile of the same bytes to reuse (:mod:`hnbxl.returns.readcache`);
    the result is the same without it.
    """
    from hnbxl.returns.readcache import cache_for
    from hnbxl.returns.validate import month_issues, validate_files

    programme = workspace.programme()
    paths = unique_paths(files)
    expected = Period.parse(period) if period is not None else None
    history = workspace.history()
    # only in a working folder: validating in any other folder leaves nothing there
    with cache_for(workspace.root, programme, history, storing=True,
                   enabled=read_cache and not workspace.uses_bundled) as cache:
        validation = validate_files(paths, programme, history, newest_wins, progress,
                                    expected, jobs, cache)
    validation.reused = cache.hits if cache is not None else 0
    if expected is not None:
        validation.issues.extend(month_issues(validation, allow_missing))
        validation.issues.sort(key=Issue.sort_key)
    return validation


@dataclass(frozen=True)
class CompileOptions:
    """How a compile treats its returns; passed by keyword, one place for every option."""

    out: Path | None = None  # the report's path (default: output/<programme>-<period>.xlsx)
    extracted_on: date | None = None  # "Extracted on" (default: today)
    allow_warnings: bool = False
    allow_queries: bool = False
    newest_wins: bool = False
    pdf: bool = False
    period: Period | str | None = None  # the month the returns must be for
    allow_missing: Sequence[str] = ()  # owner keys (or "all") whose returns may be absent
    jobs: int | None = None  # processes reading returns (None: automatic)
    read_cache: bool = True  # reuse what validate read of the same bytes


@dataclass
class CompileResult:
    files: int
    issues: list[Issue]
    written: bool = False
    period: Period | None = None
    output: Path | None = None
    pdf: Path | None = None
    officer: Path | None = None  # the officer workbook, beside the committee's
    compile_id: int | None = None
    replaced: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # crashed compiles put right first
    reused: int = 0  # returns taken from the read cache (validated before), not read again


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
    read_cache: bool = True,
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
    :func:`validate_returns`; a return whose bytes ``validate`` read in this folder
    is taken from the read cache unless ``read_cache`` is False (the result is the
    same).  The options are those of :class:`CompileOptions`.
    """
    from hnbxl.store.commit import recover
    from hnbxl.store.lock import folder_lock

    options = CompileOptions(
        out=out, extracted_on=extracted_on, allow_warnings=allow_warnings,
        allow_queries=allow_queries, newest_wins=newest_wins, pdf=pdf, period=period,
        allow_missing=allow_missing, jobs=jobs, read_cache=read_cache)
    with folder_lock(workspace.root, on_wait):
        notes = recover(workspace.history(), workspace.root,
                        (workspace.output_dir, workspace.returns_dir))
        result = _compile(workspace, files, options=options, progress=progress)
    result.notes = notes + result.notes
    return result


def _compile(workspace: Workspace, files: Sequence[Path | str], *, options: CompileOptions,
             progress: Progress | None) -> CompileResult:
    from hnbxl.report.assemble import assemble
    from hnbxl.report.publication import compile_record, report_files, returns_used
    from hnbxl.returns.readcache import cache_for
    from hnbxl.returns.validate import month_issues, not_received, validate_files
    from hnbxl.store.commit import publish
    from hnbxl.store.keeping import free_report_name, keep_returns

    o = options
    bundled = workspace.uses_bundled
    programme = workspace.programme()
    history = workspace.history()
    paths = unique_paths(files)
    expected = Period.parse(o.period) if o.period is not None else None
    # after recovery, which may change history: the cache is keyed by its state
    with cache_for(workspace.root, programme, history, storing=False,
                   enabled=o.read_cache) as cache:
        validation = validate_files(paths, programme, history, o.newest_wins, progress,
                                    expected, o.jobs, cache)
    issues = list(validation.issues)
    result = CompileResult(len(paths), issues, period=validation.period,
                           reused=cache.hits if cache is not None else 0)
    issues.extend(month_issues(validation, o.allow_missing))
    if blocking(issues, o.allow_warnings, o.allow_queries):
        issues.sort(key=Issue.sort_key)
        return result
    period = validation.period
    assert period is not None
    kept = keep_returns(workspace.returns_dir, validation.used, issues)
    last = history.snapshot_before(programme.id, period)
    assembled = assemble(programme, period, validation.values, last, issues,
                         returns_used(validation), o.extracted_on or date.today(),
                         not_received(validation), *history.risk_ids(programme.id, period),
                         past=history.timeline(programme.id, period))
    root = workspace.root
    target = free_report_name(o.out or workspace.output_dir / f"{programme.id}-{period.key}.xlsx",
                              root, history.recorded_paths())
    definition = ((root / DEFINITION_FILE, workspace.definition_path.read_bytes())
                  if bundled else None)  # the new history gets its programme beside it
    outputs = report_files(assembled.report, target, o.pdf, definition)
    record = compile_record(programme, period, validation, assembled, issues, kept, outputs, root)
    replaced = history.snapshot(programme.id, period) is not None
    result.compile_id = publish(history, root, record, [*kept.values(), *outputs])
    result.written, result.output, result.replaced = True, target, replaced
    result.officer = outputs[1].path
    result.pdf = outputs[2].path if o.pdf else None
    result.counts = {"returns": len(validation.used), "measures": len(programme.measures),
                     "risks": len(assembled.report.risks), "issues": len(issues)}
    issues.sort(key=Issue.sort_key)
    return result


def feedback_copies(workspace: Workspace, files: Sequence[Path | str],
                    out_dir: Path | None = None, password: str = DEFAULT_PASSWORD,
                    progress: Progress | None = None) -> list[FeedbackCopy]:
    """For each return, a fresh copy of its form with what was typed and every issue marked
    (:mod:`hnbxl.returns.feedback`).  The copy keeps the return's identity, so it
    validates as usual once corrected.  Files that cannot be read as a return get no
    copy; all copies are rendered before any is written."""
    from hnbxl.returns.validate import validate_files

    validation = validate_files(unique_paths(files), workspace.programme(),
                                workspace.history(), progress=progress)
    out_dir = out_dir or workspace.root / "feedback"
    taken: set[str] = set()  # this run's names: same-named inputs get distinct copies
    rendered = [render_feedback(read, read.layout, validation.issues, password, out_dir,
                                taken, workspace.root, workspace.history())
                for read in validation.reads if read.layout is not None]
    for copy, data in rendered:
        if copy.path is not None:
            write_atomically((copy.path, data))
    return [copy for copy, _ in rendered]


def diff_definitions(workspace: Workspace, old: str, new: str = "current") -> DefinitionDiff:
    """What changed between two versions of the definition (see
    :func:`hnbxl.returns.versions.definition_diff`): ``current``, a TOML file, a return
    (the version its form was made from) or a hash history keeps."""
    return definition_diff(workspace, old, new)


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
