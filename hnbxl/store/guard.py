"""What an output may replace: never what the officer needs.

Every command that writes a file asks here first.  It refuses, naming the
file and what it is, to replace:

* one of the command's own inputs (however the path is spelled, hard links
  included);
* a return kept in ``returns/`` (history's copy of what was compiled);
* a file history records: a report or PDF that went to committee, a kept
  return, any file a compile published;
* a workbook carrying an hnbxl identity (a form or a return), unless the
  caller has decided it may (``generate`` replaces a blank form it made).

A symbolic link at the target is judged by what it points to, so a link
cannot launder a recorded file into a replaceable one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from hnbxl.core.errors import HnbxlError
from hnbxl.store.commit import resolve, stored_path
from hnbxl.store.history import History


class WouldReplace(HnbxlError):
    """An output would replace a file the officer needs; nothing was written."""


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (one spelling, a link, a hard link)."""
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def _inside(path: Path, folder: Path) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def refuse_replacing(target: Path, *, root: Path, history: History | None,
                     inputs: Iterable[Path] = (), forms_allowed: bool = False,
                     command: str = "this command") -> None:
    """Raise :class:`WouldReplace` when writing ``target`` would replace what matters.

    ``forms_allowed``: the caller has checked a workbook with an hnbxl identity
    at ``target`` may go (a blank form generate made).
    """
    target = Path(target)
    for source in inputs:
        if same_file(target, Path(source)):
            raise WouldReplace(f"{target}: is one of {command}'s own inputs ({source}); "
                               "it would be replaced. Choose another output (--out)")
    if _inside(target, root / "returns"):
        raise WouldReplace(f"{target}: is in the working folder's returns/, where history "
                           "keeps the returns it compiled; choose another output")
    if history is not None:
        recorded = history.recorded_paths(kept_returns=True)
        if stored_path(target, root) in recorded or any(
                same_file(target, resolve(stored, root)) for stored in recorded
                if os.path.lexists(resolve(stored, root))):
            raise WouldReplace(f"{target}: history records this file (a compiled report, "
                               "PDF or kept return); it would be replaced. Choose another "
                               "output name")
    if not forms_allowed and target.is_file() and carries_identity(target):
        raise WouldReplace(f"{target}: is an hnbxl form or return (it carries an hnbxl "
                           "identity); it would be replaced. Choose another output name")


def free_name(folder: Path, stem: str, suffix: str, taken: set[str], root: Path,
              history: History | None) -> Path:
    """``stem.xlsx``, or ``stem-2.xlsx``...: the first name no file, input or record holds.

    For outputs that never replace anything (a feedback copy: an earlier copy
    may be the owner's corrected return); names in ``taken`` are this run's
    own, so two inputs of one name (a/send.xlsx, b/send.xlsx) get two outputs.
    An existing name (an input among them) is never chosen; nor is one history
    records (a report since moved away), nor any in ``returns/``.
    """
    if _inside(folder / f"{stem}{suffix}", root / "returns"):
        raise WouldReplace(f"{folder}: is the working folder's returns/, where history keeps "
                           "the returns it compiled; choose another --out")
    recorded = history.recorded_paths(kept_returns=True) if history is not None else set()
    for number in range(1, 10_000):
        name = folder / (f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}")
        if not (str(name) in taken or os.path.lexists(name)
                or stored_path(name, root) in recorded):
            return name
    raise WouldReplace(f"{folder}: no free name for {stem}{suffix} (up to -9999); tidy the "
                       "folder or choose another --out")


def carries_identity(path: Path) -> bool:
    """Whether ``path`` is a workbook with hnbxl identity properties (a form or a return)."""
    from hnbxl.xlsx.reader import Workbook
    from hnbxl.xlsx.safety import UnsafeWorkbook

    try:
        with Workbook(path) as book:
            return any(key.startswith("hnbxl_") for key in book.custom_properties)
    except (UnsafeWorkbook, OSError, ValueError):
        return False


__all__ = ["WouldReplace", "carries_identity", "free_name", "refuse_replacing", "same_file"]
