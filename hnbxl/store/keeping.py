"""What a compile keeps in the working folder: each return used, and a report name never used.

A compile keeps a copy of every return it used under ``returns/<SHA-256>.xlsx``
(so history's provenance can always be checked against the bytes), and names
its report so that no earlier report, on disk or in history, is replaced.
Both are decided here, before anything is published; :mod:`hnbxl.store.commit`
then writes them in one all-or-nothing step.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from hnbxl.core.fileio import sha256_hex, write_atomically
from hnbxl.core.issues import HnbxlError, Issue, Severity
from hnbxl.store.commit import FileToPublish, stored_path


class UsedReturn(Protocol):
    """What keeping needs of a return that was read (a ``returns.read.ReturnRead``)."""

    @property
    def path(self) -> Path: ...
    @property
    def display(self) -> str: ...
    @property
    def sha256(self) -> str: ...


def officer_path(path: Path) -> Path:
    """The officer workbook's name beside the committee's: ``…-2024-02-officer.xlsx``."""
    return path.with_name(f"{path.stem}-officer{path.suffix}")


def free_report_name(wanted: Path, root: Path, recorded: set[str]) -> Path:
    """``wanted``, or ``…-v2``, ``…-v3``: the first name no file and no compile holds.

    A report that went to committee is never replaced by a recompile; the
    PDF's and the officer workbook's names (same stem) must be free as well, so
    the three files always come from the same compile.
    """
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
        pair = (name, name.with_suffix(".pdf"), officer_path(name))
        if not any(p.exists() or p.is_symlink() or stored_path(p, root) in recorded
                   for p in pair):
            return name
        version += 1


def keep_returns(returns_dir: Path, used: Sequence[UsedReturn], issues: list[Issue]
                 ) -> dict[str, FileToPublish]:
    """The kept copy of every return used, named by its SHA-256 and checked against it.

    The return is read again and hashed, so a file changed on disk since it
    was validated is refused rather than kept under the wrong name.  A file
    already kept under that name is trusted only when its content has that
    SHA-256; a wrong one is replaced (its bytes saved under
    ``returns/mismatched/<its own SHA-256>.xlsx``) and the compile notes it.
    """
    kept: dict[str, FileToPublish] = {}
    for read in used:
        target = returns_dir / f"{read.sha256}.xlsx"
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
                aside = returns_dir / "mismatched" / f"{actual}.xlsx"
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


def chosen_note(set_aside: list[str]) -> str:
    """Why this return was used over others for the same owner (``--newest-wins``)."""
    if not set_aside:
        return ""
    return (f"newest of {len(set_aside) + 1} copies, used by --newest-wins; set aside: "
            + ", ".join(sorted(set_aside)))
