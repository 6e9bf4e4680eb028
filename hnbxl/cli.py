"""The command line: parses arguments, calls :mod:`hnbxl.api`, prints.

Imports of the library happen inside each command, so ``hnbxl --help``
answers without loading pandas or XlsxWriter.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import click

from hnbxl import __version__
from hnbxl.cli_format import (
    describe,
    not_due_lines,
    print_history,
    print_issues,
    print_owners,
    progress_bar,
    ratings_table,
    warn_placeholders,
)
from hnbxl.core.terminal import echo, show_warning, style, visible

if TYPE_CHECKING:
    from types import FrameType

    from hnbxl.api import CompileResult
    from hnbxl.core.periods import Period
    from hnbxl.store.workspace import Workspace

_P = ParamSpec("_P")
_T = TypeVar("_T")

_F = TypeVar("_F", bound=Callable[..., Any])

WORKDIR_HELP = (
    "Working folder: programme.toml, history.sqlite, returns/ (default: the current folder; "
    "it must exist; one holding neither a programme.toml nor a history uses the bundled "
    "Wiltshire programme)."
)


def _workspace(workdir: Path, definition: Path | None) -> Workspace:
    """The working folder, checked, with any compile a crash interrupted put right first."""
    from hnbxl.store.workspace import Workspace

    ws = _run(Workspace.open, workdir, definition)
    for note in _run(ws.recover):
        echo(f"hnbxl: {visible(note)}", err=True)
    notice = _run(ws.bundled_notice)
    if notice:
        echo(f"hnbxl: {visible(notice)}", err=True)
    for note in _run(ws.definition_notes):
        echo(f"hnbxl: {visible(note)}", err=True)
    return ws


def _period(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Period | None:
    if value is None:
        return None
    from hnbxl.core.periods import Period, PeriodError

    try:
        return Period.parse(value)
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from None


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write it as 2024-03-04") from None


def _owners(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]
            ) -> tuple[str, ...]:
    for owner in value:
        if "." in owner or "/" in owner or "\\" in owner:
            raise click.BadParameter(
                f"'{owner}' looks like a file, not an owner key: name an owner "
                "(--missing-owner send), or write --allow-missing for any owner")
    return value


def missing_owners(allow_missing: bool, owners: tuple[str, ...]) -> tuple[str, ...]:
    """What validate and compile allow to be missing: "all" for the flag, else the owners."""
    return ("all", *owners) if allow_missing else owners


# The options validate and compile share, declared once: the same returns asked the
# same questions (validate --period answers exactly what compile would).
returns_argument = click.argument("files", nargs=-1, required=True,
                                  type=click.Path(dir_okay=False, path_type=Path))
expected_period_option = click.option(
    "--period", "-p", "expected_period", callback=_period,
    help="The period the returns must be for (e.g. 2024-02); a return for another "
         "month is then an error.")
newest_wins_option = click.option(
    "--newest-wins", is_flag=True,
    help="When an owner returned twice, use the newest and set the older aside.")


def _jobs(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    if value is None or value == "auto":
        return None
    if not value.isdigit() or int(value) < 1:
        raise click.BadParameter(f"'{value}' is not a number of processes: give 1 or more, "
                                 "or auto")
    return int(value)


jobs_option = click.option(
    "--jobs", "-j", callback=_jobs, metavar="N",
    help="Processes reading the returns: auto (the default) shares a big batch out over "
         "the idle cores and reads a few returns in one process; 1 always reads in one. The "
         "result is the same either way.")


def allow_options(*, warnings: str, queries: str) -> Callable[[_F], _F]:
    """--allow-warnings and --allow-queries, with each command's words for what they allow."""
    def apply(command: _F) -> _F:
        command = click.option("--allow-queries", is_flag=True, help=queries)(command)
        return click.option("--allow-warnings", is_flag=True, help=warnings)(command)
    return apply


def allow_missing_option(command: _F) -> _F:
    """--allow-missing (a flag: it never takes the file after it) and --missing-owner OWNER.

    The flag was once an option with an optional owner, so ``--allow-missing
    finance.xlsx`` took the file for an owner; a flag takes nothing, wherever
    it is typed, and an owner has an option of its own.
    """
    command = click.option(
        "--missing-owner", "missing_owner", multiple=True, callback=_owners, metavar="OWNER",
        help="Like --allow-missing, for this owner only (an owner key; repeatable).")(command)
    return click.option(
        "--allow-missing", "allow_missing", is_flag=True,
        help="Compile although a return has not arrived: its owner's sections show as "
             "'Not received' and their ratings as no data. For one owner only, use "
             "--missing-owner OWNER instead.")(command)


def _run(func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Call the library.  Its errors are turned into one line by :class:`_Main`."""
    return func(*args, **kwargs)


def _one_line(text: str, limit: int = 500) -> str:
    from hnbxl.core import fmt

    return fmt.clip(visible(fmt.one_line(text)), limit)


class _Main(click.Group):
    """The ``hnbxl`` group: every error a command raises becomes one line on stderr.

    An :class:`~hnbxl.core.errors.HnbxlError` is printed as its message and
    exits with its ``exit_code`` (1); a file-system error names the file; any
    other exception is a bug, printed as one line asking for ``--debug``, which
    shows the full traceback instead.  Usage errors stay click's (exit 2).
    """

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except click.exceptions.ClickException as exc:
            exc.message = visible(exc.message)  # it may quote a file name or argument
            raise
        except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM where a command has no words of its own
            echo("\nhnbxl: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            if debug:
                raise
            from hnbxl.core.errors import HnbxlError

            detail = ""
            if isinstance(exc, HnbxlError):
                message, status, detail = str(exc), exc.exit_code, exc.detail
            elif isinstance(exc, OSError):  # a folder not writable, a disk full
                where = f"{exc.filename}: " if exc.filename else ""
                message, status = f"{where}{exc.strerror or exc}; nothing was changed", 1
            else:
                message = (f"unexpected error ({type(exc).__name__}: {_one_line(str(exc), 200)})"
                           "; run again with --debug to see where, and report it")
                status = 1
            echo(f"hnbxl: {_one_line(message)}", err=True)
            if detail:
                echo(detail.rstrip("\n"), err=True)
            sys.exit(status)


workdir_option = click.option(
    "--workdir", "-w", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help=WORKDIR_HELP)
definition_option = click.option(
    "--definition", type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Programme definition (TOML) to use instead of the working folder's.")


def _terminate(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: staged files go, nothing is recorded


@click.group(cls=_Main,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hnbxl")
@click.option("--debug", is_flag=True,
              help="Show the full traceback of an error instead of one line.")
def main(debug: bool) -> None:
    """Locked input workbooks, validated returns and the committee highlight report.

    \b
    A month's work:
      hnbxl init myfolder                         make a working folder (once)
      hnbxl generate -w myfolder --period 2024-02 --split --due 2024-03-01
      ...staff fill in the workbooks and send them back...
      hnbxl validate -w myfolder returned/*.xlsx  check them, with the cell of every problem
      hnbxl feedback -w myfolder returned/x.xlsx  send a copy back with its problems marked
      hnbxl compile  -w myfolder returned/*.xlsx  write the committee workbook
    """
    import signal
    import warnings

    warnings.showwarning = show_warning  # a library's warning may quote a file's text
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)
    sys.unraisablehook = _quiet_interrupt


def _quiet_interrupt(unraisable: sys.UnraisableHookArgs) -> None:
    """A Ctrl-C that Python could not raise (it landed in an import's cleanup) prints no traceback.

    Python has already dropped that interrupt; printing "Exception ignored ... Traceback"
    would only alarm the officer.  Any other unraisable exception is shown as usual.
    """
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@definition_option
def init(directory: Path, definition: Path | None) -> None:
    """Make a working folder: a programme definition to edit and an empty history.

    Nothing already in DIRECTORY is overwritten.
    """
    from hnbxl.store.workspace import init_workspace

    ws = _run(init_workspace, directory, definition)
    echo(f"Working folder ready: {visible(ws.root)}")
    echo(f"  programme: {visible(ws.root / 'programme.toml')} (edit it for your programme)")
    echo(f"  history:   {visible(ws.history_path)}")
    echo(f"Next: hnbxl generate --workdir {visible(ws.root)} --period YYYY-MM")


@main.command()
@click.option("--period", "-p", required=True, callback=_period,
              help="The month, e.g. 2024-02, Feb-24 or 'February 2024'.")
@click.option("--owner", default=None,
              help="Only this owner's sections (an owner key from the definition), or 'all'.")
@click.option("--split", is_flag=True, help="One workbook per owner instead of one for all.")
@click.option("--due", callback=_date, help="Return date shown in the workbook (2024-03-01).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the workbooks (default: WORKDIR/forms).")
@click.option("--password", envvar="HNBXL_PASSWORD", default=None,
              help="Sheet protection password (or set HNBXL_PASSWORD). Protection guides "
                   "people; the tamper check on reading is what catches edits.")
@click.option("--replace", "replace_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Replace this file although it is not a blank form hnbxl made (a filled-in "
                   "return, say); repeatable. Without it only blank forms are replaced.")
@workdir_option
@definition_option
def generate(period: Period, owner: str | None, split: bool, due: date | None,
             out_dir: Path | None, password: str | None, replace_files: tuple[Path, ...],
             workdir: Path, definition: Path | None) -> None:
    """Write the locked input workbook(s) for a period, with last period's values filled in."""
    from hnbxl.forms.generate import DEFAULT_PASSWORD

    from .api import generate_forms

    if split and owner not in (None, "all"):
        raise click.UsageError("--split makes one workbook per owner; leave out --owner")
    forms = _run(generate_forms, _workspace(workdir, definition), period, owner=owner,
                 split=split, due=due, out_dir=out_dir, password=password or DEFAULT_PASSWORD,
                 replace_files=replace_files)
    for form in forms:
        who = "all sections" if form.owner == "all" else f"owner {form.owner}"
        echo(f"{visible(form.path)}  ({who}, {form.inputs} input cells)")
    programme = _workspace(workdir, definition).programme()
    if split or owner in (None, "all"):
        for line in not_due_lines(programme, period):  # a quarterly owner between due months
            echo(line)
    warn_placeholders(programme)
    echo(f"Wrote {len(forms)} workbook{'s' if len(forms) != 1 else ''} for "
               f"{period.label}.")


@main.command()
@returns_argument
@expected_period_option
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
@newest_wins_option
@allow_options(
    warnings="Exit 0 when warnings remain (as compile --allow-warnings would accept).",
    queries="Exit 0 when unexplained queries remain (as compile --allow-queries would).")
@allow_missing_option
@jobs_option
@workdir_option
@definition_option
def validate(files: tuple[Path, ...], expected_period: Period | None, as_json: bool,
             newest_wins: bool,
             allow_warnings: bool, allow_queries: bool, allow_missing: bool,
             missing_owner: tuple[str, ...],
             jobs: int | None, workdir: Path,
             definition: Path | None) -> NoReturn:
    """Check returned workbooks; every problem names the file, sheet and cell.

    \b
    Two questions:
      validate FILE...            are these returns right? (check each as it
                                  arrives; what the month still lacks is
                                  listed, but does not count against them)
      validate --period P FILE... is the month ready? exits 1 exactly when
                                  compile with the same files and options
                                  would refuse, and says why

    Exit code 0 when nothing blocks, 1 when something does, 2 for a usage error.
    """
    from hnbxl.core.terminal import json_text

    from .api import validate_returns

    try:
        with progress_bar(len(files), "Reading returns") as progress:
            result = _run(validate_returns, _workspace(workdir, definition), files,
                          newest_wins=newest_wins, progress=progress, period=expected_period,
                          allow_missing=missing_owners(allow_missing, missing_owner),
                          jobs=jobs)
    except Exception as exc:  # --json is always JSON: the error too (and one line on stderr)
        if as_json:
            echo(json_text({"error": str(exc), "blocking": True}))
        raise
    if as_json:
        echo(json_text(result.to_dict(allow_warnings, allow_queries)))
    else:
        print_issues(result.issues, result.files, allow_warnings, allow_queries)
        print_owners(result, expected_period)
    sys.exit(1 if result.blocking(allow_warnings, allow_queries) else 0)


@main.command()
@returns_argument
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the copies (default: WORKDIR/feedback).")
@click.option("--password", envvar="HNBXL_PASSWORD", default=None,
              help="Sheet protection password (or set HNBXL_PASSWORD).")
@workdir_option
@definition_option
def feedback(files: tuple[Path, ...], out_dir: Path | None, password: str | None,
             workdir: Path, definition: Path | None) -> None:
    """Write each return back to its sender with every issue marked on its cell.

    The copy keeps what was typed, marks each cell with a problem in red with a
    comment saying what was found and what is expected, and restores any
    locked cell that was edited.  Send it back; once corrected it validates
    as usual.
    """
    from hnbxl.forms.generate import DEFAULT_PASSWORD

    from .api import feedback_copies

    with progress_bar(len(files), "Reading returns") as progress:
        copies = _run(feedback_copies, _workspace(workdir, definition), files, out_dir,
                      password or DEFAULT_PASSWORD, progress)
    for copy in copies:
        if copy.path is None:
            echo(style(f"{copy.source}: no copy made: {copy.error}", fg="red"))
            continue
        echo(f"{visible(copy.path)}  ({copy.marked} cell{'s' if copy.marked != 1 else ''} "
             f"marked; from {visible(copy.source)})")
        for issue in copy.unplaced:
            echo(f"  also tell them: {visible(issue.message)}")
        for what, cell in copy.queries:
            echo(f"  to explain in {visible(cell)}: {visible(what)}")
    skipped = len(files) - len(copies)
    if skipped:
        echo(f"{skipped} file{'s' if skipped != 1 else ''} could not be read as a return "
             "(see hnbxl validate); no copy was made for them.")
    if any(copy.path is None for copy in copies):
        sys.exit(1)  # a copy that could not be made is a failure (the others were written)


@main.command(name="compile")
@returns_argument
@expected_period_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Output workbook (default: WORKDIR/output/<programme>-<period>.xlsx).")
@click.option("--extracted-on", callback=_date,
              help="Date shown as 'Extracted on' (default: today), e.g. 2024-03-04.")
@allow_options(
    warnings="Compile even when warnings remain (errors always stop it).",
    queries="Compile even when queries remain unexplained (they reach Data Quality).")
@newest_wins_option
@allow_missing_option
@click.option("--pdf", is_flag=True,
              help="Also write the committee paper as an accessible PDF (no LibreOffice needed).")
@jobs_option
@workdir_option
@definition_option
def compile_command(files: tuple[Path, ...], expected_period: Period | None, out: Path | None,
                    extracted_on: date | None,
                    allow_warnings: bool, allow_queries: bool, newest_wins: bool,
                    allow_missing: bool, missing_owner: tuple[str, ...], pdf: bool,
                    jobs: int | None,
                    workdir: Path, definition: Path | None) -> None:
    """Compile returned workbooks into the committee highlight report.

    The period comes from the returns (all must agree), or is checked against
    --period.  When anything blocks,
    the issues are printed and nothing is written: no output, no history.
    """
    from .api import compile_returns

    result = None
    try:
        ws = _workspace(workdir, definition)  # recovery holds the folder: a signal may land there
        with progress_bar(len(files), "Reading returns") as progress:
            result = _run(compile_returns, ws, files, out=out,
                          extracted_on=extracted_on, allow_warnings=allow_warnings,
                          allow_queries=allow_queries, newest_wins=newest_wins, pdf=pdf,
                          progress=progress, period=expected_period,
                          allow_missing=missing_owners(allow_missing, missing_owner), jobs=jobs,
                          on_wait=lambda text: echo(f"hnbxl: {visible(text)}", err=True))
        for note in result.notes:
            echo(f"hnbxl: {visible(note)}", err=True)
        if result.issues:
            print_issues(result.issues, result.files, allow_warnings, allow_queries)
        if not result.written:
            echo("Nothing was written: fix the errors above (or use --allow-warnings "
                       "when only warnings remain, --allow-queries for unexplained queries) "
                       "and compile again.", err=True)
            sys.exit(1)
        echo(visible(describe(result)))
    except KeyboardInterrupt as exc:
        from hnbxl.store.commit import InterruptedAfterCommit

        _interrupted(result, exc.compile_id if isinstance(exc, InterruptedAfterCommit) else None)


def _interrupted(result: CompileResult | None, compile_id: int | None) -> NoReturn:
    """After Ctrl-C (or SIGTERM): say whether the compile was recorded; the exit code agrees.

    Exit 0 when it was (the report and history are complete; only printing
    was cut short), 130 when it was not (nothing was published or recorded).
    ``compile_id`` is the compile an interrupt after the commit point recorded.
    """
    if result is not None and result.written:
        compile_id = result.compile_id
    if compile_id is not None:
        where = f": {visible(result.output)}" if result is not None and result.output else ""
        echo(f"\nhnbxl: interrupted, but the compile was recorded (compile "
                   f"{compile_id}{where}); see hnbxl history", err=True)
        sys.exit(0)
    echo("\nhnbxl: interrupted; the compile was not recorded and no report was "
               "written", err=True)
    sys.exit(130)


@main.group()
def definition() -> None:
    """The programme definition: its versions, what changed, next year's budgets."""


@definition.command("diff")
@click.argument("old")
@click.argument("new", default="current")
@workdir_option
@definition_option
def definition_diff(old: str, new: str, workdir: Path, definition: Path | None) -> None:
    """Show what changed from OLD to NEW (default: current).

    \b
    Each is one of:
      current        the working folder's programme.toml (or --definition)
      FILE.toml      a definition file
      RETURN.xlsx    the version that return's form was made from
      HASH           a version history keeps (the first few characters do)
    Run `hnbxl definition list` for the versions history keeps.
    """
    from .api import diff_definitions

    result = _run(diff_definitions, _workspace(workdir, definition), old, new)
    echo(f"From {visible(result.old)}")
    echo(f"to   {visible(result.new)}:")
    for change in result.changes:
        echo(f"  {visible(change.text)}")
    if not result.changes:
        echo("  no change")


@definition.command("next-year")
@click.argument("year", required=False)
@workdir_option
@definition_option
def definition_next_year(year: str | None, workdir: Path, definition: Path | None) -> None:
    """Add YEAR's baselines and budgets (e.g. 2024/25) to the definition, for editing.

    Appends one [years."YEAR"] table to programme.toml (or --definition) with
    every finance row's latest amounts carried forward and a note, shown in
    the report, saying they are not yet the agreed figures.  Edit the numbers
    and delete the note.  YEAR defaults to the year after the latest one given.
    """
    from .api import add_financial_year

    added = _run(add_financial_year, _workspace(workdir, definition), year)
    echo(f"Added {visible(added.year)} to {visible(added.path)}:")
    echo(added.block.rstrip("\n"))
    echo(f"Edit each baseline and budget to the agreed {added.year} figures, then delete "
               "the note.")


@definition.command("list")
@workdir_option
@definition_option
def definition_list(workdir: Path, definition: Path | None) -> None:
    """List the definition versions history keeps (each form's version is kept)."""
    from hnbxl.programme.definition import load_programme

    ws = _workspace(workdir, definition)
    programme = _run(load_programme, ws.definition_path)
    versions = _run(ws.history().definitions, programme.id)
    for digest, source, stored in versions:
        now = "  (current)" if digest == programme.hash else ""
        echo(f"{visible(digest[:12])}  {visible(stored)}  {visible(source)}{now}")
    if not versions:
        echo(f"No definition versions in {visible(ws.history_path)} yet (generate keeps them).")


@main.command()
@click.option("--all", "show_all", is_flag=True, help="Also list compiles that were replaced.")
@click.option("--export", "export_to", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every value, rating and figure of every period as one typed tidy "
                   "table (.csv, .xlsx, or .parquet with the 'parquet' extra) for pandas or "
                   "Power BI. It holds suppressed small numbers (marked in its 'suppressed' "
                   "column): it is for the officer.")
@click.option("--publishable", is_flag=True,
              help="With --export: a copy fit to publish, each suppressed small number "
                   "withheld as the papers withheld it (value, share, explanation, reason).")
@click.option("--ratings", "ratings", is_flag=True,
              help="Print every rating over the latest periods as a small table.")
@click.option("--periods", "periods", type=click.IntRange(1, 24), default=6, show_default=True,
              help="How many of the latest periods --ratings shows.")
@workdir_option
@definition_option
def history(show_all: bool, export_to: Path | None, publishable: bool, ratings: bool,
            periods: int, workdir: Path, definition: Path | None) -> None:
    """List the compiled periods in the working folder's history: each compile's
    committee workbook, officer workbook and PDF, with their SHA-256."""
    ws = _workspace(workdir, definition)
    programme = _run(ws.programme)
    if publishable and export_to is None:
        raise click.UsageError("--publishable goes with --export FILE")
    if export_to is not None:
        from hnbxl.store.export import export_history

        rows = _run(export_history, ws.history(), programme, export_to, publishable)
        kind = ("fit to publish: suppressed small numbers withheld" if publishable else
                "for the officer: suppressed small numbers kept, marked 'suppressed'")
        echo(f"Wrote {visible(export_to)}: {rows} rows, one per period, item and field "
             f"(typed values, ratings, risk scores, variances and sources); {kind}.")
        return
    if ratings:
        echo(_run(ratings_table, ws, periods))
        return
    records = _run(ws.history().compiles, programme.id, include_replaced=show_all)
    if not records:
        echo(f"No compiled periods in {visible(ws.history_path)}.")
        return
    print_history(ws.root, records)
