"""Whether a workbook is a blank form hnbxl made: what ``generate`` may replace.

A blank form carries hnbxl's identity and every input still holds what the
form was made with (empty, or the prefilled value such as a risk's last
score).  Anything else at a form's name (a return someone filled in and saved
where forms go, a file that is not hnbxl's at all) is kept: generate refuses
and says so, unless the officer names the file with ``--replace``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hnbxl.programme.definition import Programme
from hnbxl.returns.read import read_return
from hnbxl.store.guard import WouldReplace, refuse_replacing, same_file
from hnbxl.store.history import History


def _same(typed: object, prefill: object) -> bool:
    if typed in (None, "") and prefill in (None, ""):
        return True
    if isinstance(typed, int | float) and isinstance(prefill, int | float):
        return float(typed) == float(prefill)
    return str(typed) == str(prefill)


def blank_form_state(path: Path, programme: Programme, history: History) -> str:
    """``"blank"``, ``"filled"`` (an hnbxl return with inputs typed), ``"unreadable"``
    (hnbxl's identity, but a form this version cannot read) or ``"other"``."""
    read = read_return(path, programme, history)
    if read.identity is not None and read.layout is None:
        return "unreadable"  # hnbxl's, but not readable here: an older form, say
    if read.identity is None or read.layout is None:
        return "other"
    for spec in read.layout.inputs:
        if not _same(read.cell_values.get(spec.field), spec.prefill):
            return "filled"
    return "blank"


def may_replace_form(path: Path, programme: Programme, root: Path, history: History,
                     replace_files: Sequence[Path] = ()) -> None:
    """Refuse to write a form over anything but a blank form generate made (or a named file).

    Never over a file history records or a kept return, named or not.
    """
    refuse_replacing(path, root=root, history=history, forms_allowed=True, command="generate")
    if not (path.exists() or path.is_symlink()) or any(
            same_file(path, Path(named)) for named in replace_files):
        return
    if path.is_dir():
        raise WouldReplace(f"{path}: is a folder where the form belongs; move it away or "
                           "choose another --out")
    state = blank_form_state(path, programme, history)
    if state == "blank":
        return
    what = {"filled": "a return with inputs filled in",
            "unreadable": "an hnbxl form this version cannot read (an older form?), so "
                          "whether it was filled in cannot be told"}.get(
        state, "not a blank form hnbxl made")
    raise WouldReplace(f"{path}: is {what}; generate replaces only its own blank forms. "
                       f"Move it away, choose another --out, or add --replace {path} to "
                       "replace it; nothing was written")


__all__ = ["blank_form_state", "may_replace_form"]
