"""What any definition must be before its tables are read: text, finite, shallow, printable.

The loader reads known keys by name and type; these checks run first, over
every value of the parsed TOML, so a hostile or damaged ``programme.toml``
gets one line naming the key instead of an error from deep inside hnbxl:

* the bytes: UTF-8 (a byte-order mark is accepted, with a note); UTF-16 or
  other binary is refused with a line saying how to save it;
* numbers: ``nan`` and ``inf`` are valid TOML but no amount or threshold, and
  neither is a number past Excel's 15 digits (an integer of hundreds of digits
  is valid TOML too, and too large for a float);
* nesting: arrays or tables nested deeper than any definition needs;
* text: control characters (escape sequences, bidi controls) that would
  reach a form, a report or the terminal, and strings longer than a cell.
"""

from __future__ import annotations

import math
import re
from typing import Any, NoReturn

from hnbxl.core.terminal import BIDI_CONTROLS, visible
from hnbxl.programme.model import DefinitionError

MAX_DEPTH = 24  # a definition needs about five levels
MAX_TEXT = 32_767  # Excel's limit on a cell
MAX_NUMBER = 1e15  # Excel keeps 15 significant digits; no amount or threshold is larger
_BOM = b"\xef\xbb\xbf"
# C0 controls but tab, line feed and carriage return (multi-line strings keep
# their line breaks), DEL, C1 controls and bidi controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
                      + "".join(sorted(BIDI_CONTROLS)) + "]")


def decode_definition(raw: bytes, source: str) -> tuple[str, list[str]]:
    """The definition's text and any notes about its encoding."""
    notes = []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 1 and b"\x00" in raw[:200]):
        raise DefinitionError(source, "encoding", "the file is UTF-16 (or binary), not UTF-8 "
                              "text; save it as UTF-8 (in Notepad: Save As, Encoding UTF-8)")
    if raw.startswith(_BOM):
        raw = raw[len(_BOM):]
        notes.append(f"{source} starts with a UTF-8 byte-order mark; it was read as UTF-8 "
                     "(saving it as UTF-8 without a BOM avoids this note)")
    try:
        return raw.decode("utf-8"), notes
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise DefinitionError(source, "encoding", f"not UTF-8 text ({exc.reason} at byte "
                              f"{exc.start}); save it as UTF-8", line) from None


def check_values(data: dict[str, Any], source: str, text: str) -> None:
    """Raise :class:`DefinitionError` naming the first key whose value no definition holds."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        key, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            _fail(source, text, key, f"nested more than {MAX_DEPTH} levels deep; a "
                  "definition's tables and lists are a few levels at most")
        if isinstance(value, dict):
            for name, item in value.items():
                _check_text(source, text, f"{key}.{name}" if key else name, name, "name")
                stack.append((f"{key}.{name}" if key else name, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{key}[{i}]", item, depth + 1) for i, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            _fail(source, text, key, f"{value} is not a number hnbxl can use; write a "
                  "finite number (or leave the key out where it is optional)")
        elif isinstance(value, (int, float)) and not isinstance(value, bool) \
                and abs(value) > MAX_NUMBER:
            shown = str(value) if len(str(value)) <= 20 else f"{str(value)[:17]}..."
            _fail(source, text, key, f"{shown} is beyond what a spreadsheet holds exactly; "
                  "write a number from -1e15 to 1e15")
        elif isinstance(value, str):
            _check_text(source, text, key, value, "text")


def _check_text(source: str, text: str, key: str, value: str, what: str) -> None:
    if len(value) > MAX_TEXT:
        _fail(source, text, key, f"the {what} is {len(value):,} characters long, more than "
              f"the {MAX_TEXT:,} an Excel cell holds")
    found = _CONTROL.search(value)
    if found:
        _fail(source, text, key, f"the {what} holds the control character "
              f"{visible(found.group())} (an escape, a bidirectional control or similar), "
              "which would reach forms, reports and terminals; remove it")


def _fail(source: str, text: str, key: str, message: str) -> NoReturn:
    raise DefinitionError(source, visible(key) or "(top level)", message,
                          _line_of(text, key))


def _line_of(text: str, key: str) -> int | None:
    """The line the key's last name is set on (its first mention), when it can be found."""
    name = re.sub(r"\[\d+\]$", "", key).rsplit(".", 1)[-1]
    if not name:
        return None
    match = re.search(rf"(?:^|[ \t{{,])\"?{re.escape(name)}\"?[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


__all__ = ["MAX_DEPTH", "check_values", "decode_definition"]
