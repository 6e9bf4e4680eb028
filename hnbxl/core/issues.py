"""One issue model for validate, compile and the report.

Every problem found in a return becomes an :class:`Issue` that names the file,
sheet and cell, what was found and what was expected, so the officer can act
on it without opening a debugger.  Severities follow the systems councils
already send returns through: an *error* must be fixed; a *warning* (a value
read by interpretation, such as ``£17,287`` typed as text) stops a compile
unless ``--allow-warnings``; a *query* (a figure that looks implausible and
has no explanation) stops it unless ``--allow-queries``; *info* is only noted,
an explained query among it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from hnbxl.core import codes
from hnbxl.core.cells import cell_order
from hnbxl.core.errors import HnbxlError as HnbxlError  # where most code imports it from
from hnbxl.core.severity import Severity as Severity  # re-exported: Issue's field type


@dataclass(frozen=True)
class Issue:
    """A problem with a place.  ``file`` is the path as the officer gave it."""

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    field: str = ""
    found: str = ""
    expected: str = ""

    def __post_init__(self) -> None:
        codes.check(self.code, self.severity)  # every issue is a catalogued code

    @classmethod
    def of(cls, code: str, message: str, *, severity: Severity | None = None,
           **place: str) -> Issue:
        """An issue with the catalogue's usual severity for ``code`` unless one is given."""
        return cls(code, severity or codes.check(code).severity, message, **place)

    @property
    def place(self) -> str:
        """``Key Measures!F7`` or the sheet alone, or '' for a whole-file issue."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.cell

    def blocks(self, allow_warnings: bool = False, allow_queries: bool = False) -> bool:
        """Whether this issue stops a compile: queries and warnings each have their own flag."""
        if self.severity is Severity.ERROR:
            return True
        if self.severity is Severity.WARNING:
            return not allow_warnings
        if self.severity is Severity.QUERY:
            return not allow_queries
        return False

    def to_dict(self) -> dict[str, str]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        data["place"] = self.place
        return data

    def sort_key(self) -> tuple[str, int, str, tuple[int, str], str]:
        return (self.file, self.severity.rank, self.sheet, cell_order(self.cell), self.code)


def blocking(issues: list[Issue], allow_warnings: bool = False,
             allow_queries: bool = False) -> list[Issue]:
    return [issue for issue in issues if issue.blocks(allow_warnings, allow_queries)]


def summary_line(issues: list[Issue], files: int) -> str:
    """``3 files: 1 error, 2 warnings, 0 queries, 1 info`` (plural-aware)."""
    counts = {sev: 0 for sev in Severity}
    for issue in issues:
        counts[issue.severity] += 1

    def plural(n: int, word: str, many: str) -> str:
        return f"{n} {word if n == 1 else many}"

    return ", ".join(
        [
            plural(files, "file", "files"),
            plural(counts[Severity.ERROR], "error", "errors"),
            plural(counts[Severity.WARNING], "warning", "warnings"),
            plural(counts[Severity.QUERY], "query", "queries"),
            plural(counts[Severity.INFO], "info", "info"),
        ]
    )
