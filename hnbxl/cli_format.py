"""What the command line prints: issues, owners, progress, compiles, ratings, files.

Terminal formatting only, apart from :mod:`hnbxl.cli` (which parses arguments)
and from the library (which returns results and never prints).  Every line is
printed by :func:`hnbxl.core.terminal.echo` and every field that came from a
file (names, sheets, cell text, found and expected) goes through
:func:`~hnbxl.core.terminal.visible` first.  Library
imports happen inside functions, so ``hnbxl --help`` stays light.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from types import TracebackType

    from click._termui_impl import ProgressBar  # what click.progressbar returns

    from hnbxl.api import CompileResult
    from hnbxl.core.periods import Period
    from hnbxl.programme.definition import Programme
    from hnbxl.returns.validate import Progress, Validation
    from hnbxl.store.workspace import Workspace

from hnbxl.core.terminal import echo, style, visible

SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "query": "magenta", "info": "cyan"}


def print_issues(issues: list[Any], files: int, allow_warnings: bool,
                 allow_queries: bool = False) -> None:
    """Issues grouped by file: severity, code, sheet!cell, found and expected."""
    from hnbxl.core.fmt import plural
    from hnbxl.core.issues import summary_line

    current = None
    # LibreOffice always drops the structure lock when it saves: one quiet line, below.
    unlocked = [i for i in issues if i.code == "structure-unlocked"]
    for issue in issues:
        if issue.code == "structure-unlocked":
            continue
        if issue.file != current:
            current = issue.file
            echo(style(issue.file or "(all returns)", bold=True))
        sev = click.style(f"{issue.severity:<7}", fg=SEVERITY_COLOURS.get(str(issue.severity)))
        place = f" {visible(issue.place)}" if issue.place else ""
        echo(f"  {sev} {issue.code}{place}: {visible(issue.message)}")
        if issue.found or issue.expected:
            echo(f"          found: {visible(issue.found or '-')}; "
                 f"expected: {visible(issue.expected or '-')}")
    if unlocked:
        echo(click.style(
            f"note: {plural(len(unlocked), 'return')} saved without the workbook's structure "
            "lock (LibreOffice always drops it); each sheet was checked instead.", dim=True))
    blocking = [i for i in issues if i.blocks(allow_warnings, allow_queries)]
    verdict = (click.style(f"{len(blocking)} blocking", fg="red", bold=True) if blocking
               else click.style("nothing blocks", fg="green", bold=True))
    echo(f"{summary_line(issues, files)}: {verdict}")


def print_owners(result: Validation, expected: Period | None = None) -> None:
    """Which owners have returned, and whose sections are still missing.

    ``expected``: the period asked for (``--period``), named when no return is for it.
    """
    month = result.period or expected
    period = f" for {month.label}" if month else ""
    echo(f"Returns{period}:")
    owners = result.owners()
    width = max((len(visible(s.name)) for s in owners), default=0)  # long names keep the column
    for status in owners:
        parts = []
        if status.files:
            parts.append(visible(", ".join(status.files)))
        if status.repeated:
            parts.append(style("; ".join(
                f"{title} returned {n} times (choose one)" for title, n in status.repeated),
                fg="yellow"))
        if status.missing:
            parts.append(style(f"missing: {', '.join(status.missing)}", fg="red"))
        echo(f"  {visible(status.name):<{width}}  {'; '.join(parts)}")


class progress_bar:
    """A progress bar on stderr when many files are read; silent for a few."""

    THRESHOLD = 5

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label
        self._bar: ProgressBar[int] | None = None

    def __enter__(self) -> Progress | None:
        if self.total < self.THRESHOLD:
            return None
        self._bar = click.progressbar(length=self.total, label=self.label, file=sys.stderr,
                                      show_pos=True)
        self._bar.__enter__()
        return self.update

    def update(self, done: int, _total: int, _name: str) -> None:
        assert self._bar is not None
        self._bar.update(done - self._bar.pos)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, exc, tb)


def describe(result: CompileResult) -> str:
    """One line for a written compile (an ``api.CompileResult``): what, from what."""
    assert result.period is not None and result.output is not None
    c = result.counts
    from hnbxl.core.fmt import plural

    held = (f"{plural(c.get('returns', 0), 'return')}; "
            f"{plural(c.get('measures', 0), 'measure')}, {plural(c.get('risks', 0), 'risk')}, "
            f"{plural(c.get('issues', 0), 'issue')} noted")
    again = " (replaces the earlier compile, kept in history)" if result.replaced else ""
    pdf = f", {result.pdf}" if result.pdf else ""
    officer = f" and the officer workbook {result.officer}" if result.officer else ""
    return (f"Wrote {result.output}{pdf}{officer}: {result.period.label} report from "
            f"{held}{again}.")


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


def print_history(root: Path, records: list[Any]) -> None:
    """Each compile: what became of it (in use, replaced by, replaces), and each of its
    files named by what it is, with its hash and whether it is still there as compiled."""
    replaces = {r.replaced_by: r.id for r in records if not r.active}
    echo(f"{'Period':8} {'Compile':>7}  {'Extracted':10}  {'Returns':>7}  What happened")
    for r in records:
        if not r.active:
            state = f"replaced by compile {r.replaced_by}"
        elif r.id in replaces:
            state = f"in use; replaces compile {replaces[r.id]}"
        else:
            state = "in use"
        echo(f"{r.period.label:8} {r.id:>7}  {r.extracted_on:10}  {r.returns:>7}  {state}")
        files = [("workbook", r.output, r.output_sha256)]
        files += [("PDF", r.pdf, r.pdf_sha256)] if r.pdf else []
        files += [("officer", r.officer, r.officer_sha256)] if r.officer else []
        for what, path, digest in files:
            echo(f"  {what:<8} {visible(path)}")
            echo(f"  {'':<8} sha256 {digest}  {file_state(root, path, digest)}")


def warn_placeholders(programme: Programme) -> None:
    """A warning for each placeholder address the forms would send returns to."""
    from hnbxl.programme.contacts import placeholder_contacts

    for key, address in placeholder_contacts(programme):
        echo(style(
            f"warning: the forms ask for returns to {address} ({key} in programme.toml), "
            "a placeholder address no one reads; put the real address there and generate "
            "again before sending them.", fg="yellow"), err=True)


def file_state(root: Path, stored: str, digest: str | None) -> str:
    """Whether a recorded output is still there with the bytes history recorded."""
    from hnbxl.core.fileio import sha256_file
    from hnbxl.store.commit import resolve

    path = resolve(stored, root)
    if not path.is_file():
        return "MISSING"
    try:
        same = sha256_file(path) == digest
    except OSError:
        return "unreadable"
    return "present" if same else "CHANGED since compiled"


def not_due_lines(programme: Programme, period: Period) -> list[str]:
    """One line per owner with rows but nothing due in ``period`` (no form from --split)."""
    from hnbxl.programme.definition import next_due_words

    return [f"No form for {o.name}: nothing due in {period.label} "
            f"({next_due_words(programme, key, period)})."
            for key, o in programme.owners.items()
            if programme.sections_of(key) and not programme.sections_due(key, period)]
