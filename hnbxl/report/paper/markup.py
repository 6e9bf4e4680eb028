"""Typst markup from Python values, with every text quoted so it cannot become code.

Every string that reaches the paper from a return or the definition (a
narrative, a measure's name, an owner's reason) is written as a typst
*string literal* in code mode, never as markup: inside ``"..."`` only ``\\``
and ``"`` mean anything, and both are escaped, so ``#panic()``, ``*bold*``,
``$x$``, ``<label>``, ``@ref`` or ``]`` in a narrative are printed as typed.
A line break in a cell stays a line break in the string (``\\n``), not a
break in the markup; other control characters, which no font can draw and a
reader cannot see, are left out (typst's PDF/UA check refuses them).

The helpers return typst *code* (``Code``), which only this package writes;
the type keeps "already markup" apart from "text to quote".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NewType

Code = NewType("Code", str)

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def lit(text: str) -> Code:
    """``text`` as a typst string literal: printed exactly, never run."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            continue
        elif ch in "\u2028\u2029":
            out.append("\\n")
        else:
            out.append(ch)
    return Code('"' + "".join(out) + '"')


def call(function: str, *args: Code, **named: Code) -> Code:
    """``function(arg, ..., name: value)`` in code mode; arguments are already code."""
    parts = [*args, *(f"{key.replace('_', '-')}: {value}" for key, value in named.items())]
    return Code(f"{function}({', '.join(parts)})")


def array(items: Iterable[Code]) -> Code:
    """A typst array; a trailing comma keeps a one-item array an array."""
    return Code("(" + "".join(f"{item}, " for item in items) + ")")


def colour(hex_colour: str) -> Code:
    """``rgb("#RRGGBB")`` from a colour the definition checked (``#`` and six hex digits)."""
    value = hex_colour.strip()
    if len(value) != 7 or value[0] != "#" or any(c not in "0123456789abcdefABCDEF"
                                                 for c in value[1:]):
        raise ValueError(f"not a #RRGGBB colour: {hex_colour!r}")
    return Code(f'rgb("{value.upper()}")')


def pt(value: float) -> Code:
    return Code(f"{value:g}pt")


def number(value: float) -> Code:
    return Code(f"{value:.3f}".rstrip("0").rstrip("."))


def line(code: Code) -> Code:
    """A statement of the document (markup mode): ``#`` and the code."""
    return Code(f"#{code}\n")


def block(*lines: Code) -> Code:
    """A content block ``[...]`` of statements."""
    return Code("[" + "".join(lines) + "]")
