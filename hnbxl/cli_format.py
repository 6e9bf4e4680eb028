"""What the command line prints: issues, owners, progress, compiles, ratings, files.

Terminal formatting only, apart from :mod:`hnbxl.cli` (which parses arguments)
and from the library (which returns results and never prints).  Library
imports happen inside functions, so ``hnbxl --help`` stays light.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "query": "magenta", "info": "cyan"}


def print_issues(issues: list[Any], files: int, allow_warnings: bool,
                 allow_queries: bool = False) -> None:
    """Issues grouped by file: severity, code, sheet!cell, found and expected."""
    from hnbxl.core.issues import summary_line

    current = None
    for issue in issues:
        if issue.file != current:
            current = issue.file
            click.echo(click.style(issue.file or "(all returns)", bold=True))
        sev = click.style(f"{issue.severity:<7}", fg=SEVERITY_COLOURS.get(str(issue.severity)))
        place = f" {issue.place}" if issue.place else ""
        click.echo(f"  {sev} {issue.code}{place}: {issue.message}")
        if issue.found or issue.expected:
            click.echo(f"          found: {issue.found or '-'}; expected: {issue.expected or '-'}")
    blocking = [i for i in issues if i.blocks(allow_warnings, allow_queries)]
    verdict = (click.style(f"{len(blocking)} blocking", fg="red", bold=True) if blocking
               else click.style("nothing blocks", fg="green", bold=True))
    click.echo(f"{summary_line(issues, files)}: {verdict}")


def print_owners(result: Any) -> None:
    """Which owners have returned, and whose sections are still missing."""
    period = f" for {result.period.label}" if result.period else ""
    click.echo(f"Returns{period}:")
    for status in result.owners():
        parts = []
        if status.files:
            parts.append(", ".join(status.files))
        if status.repeated:
            parts.append(click.style("; ".join(
                f"{title} returned {n} times (choose one)" for title, n in status.repeated),
                fg="yellow"))
        if status.missing:
            parts.append(click.style(f"missing: {', '.join(status.missing)}", fg="red"))
        click.echo(f"  {status.name:<24} {'; '.join(parts)}")


class progress_bar:
    """A progress bar on stderr when many files are read; silent for a few."""

    THRESHOLD = 5

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label
        self._bar: Any = None

    def __enter__(self) -> Any:
        if self.total < self.THRESHOLD:
            return None
        self._bar = click.progressbar(length=self.total, label=self.label, file=sys.stderr,
                                      show_pos=True)
        self._bar.__enter__()
        return self.update

    def update(self, done: int, _total: int, _name: str) -> None:
        assert self._bar is not None
        self._bar.update(done - self._bar.pos)

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def describe(result: Any) -> str:
    """One line for a written compile (an ``api.CompileResult``): what, from what."""
    assert result.period is not None and result.output is not None
    c = result.counts
    held = (f"{c.get('returns', 0)} returns; {c.get('measures', 0)} measures, "
            f"{c.get('risks', 0)} risks, {c.get('issues', 0)} issues noted")
    again = " (replaces the earlier compile, kept in history)" if result.replaced else ""
    pdf = f" and {result.pdf}" if result.pdf else ""
    return f"Wrote {result.output}{pdf}: {result.period.label} report from {held}{again}."


def ratings_table(workspace: Any, periods: int = 6, width: int = 44) -> str:
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
