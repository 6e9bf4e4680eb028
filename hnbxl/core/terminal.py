"""Text from files made visible and harmless before it reaches a terminal or JSON.

A return's sender chooses its file name, sheet names and every cell's text,
and all of them are printed to the officer's terminal.  An escape sequence
there could set the window title, clear the screen or hide a line; a
carriage return overwrites what was printed before it on the line; U+009B
is a one-character escape (CSI) for some terminals; bidirectional controls
reorder what is shown.  So every printer passes such text through
:func:`visible` (one field) or :func:`printable` (a whole line the program
composed, keeping its own colours and line breaks), and ``--json`` output is
made by :func:`json_text`.

Each unsafe character is shown as a Python-style escape (``\\x1b``,
``\\r``, ``\\u202e``), so the officer can see it was there.  A file name
that is not UTF-8 reaches Python as lone surrogates (``surrogateescape``):
each such byte is shown as ``\\xff``.
"""

from __future__ import annotations

import json
import re
from typing import TextIO

#: Bidirectional controls: they reorder how the text around them is shown.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: Other characters a terminal treats as a line break or does not show.
_INVISIBLE = "\u2028\u2029\ufeff\u200b\u2060"

# C0 controls, DEL, C1 controls (U+0080-U+009F, U+009B among them), bidi
# controls, line/paragraph separators, surrogates (lone; a str holds no pairs)
# and non-characters.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + _INVISIBLE
    + "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_UNSAFE_IN_LINE = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))
# The colours the program itself adds (click.style): Select Graphic Rendition only.
_SGR = re.compile(r"\x1b\[[0-9;]{0,32}m")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: object) -> str:
    """One field (a file name, sheet name, cell text, message) safe to print on one line.

    Every control character (line breaks too), escape, bidi control, lone
    surrogate and non-character becomes a visible escape; everything else,
    accented letters and emoji included, is kept as it is.
    """
    return _UNSAFE.sub(_escape, str(text))


def printable(text: object) -> str:
    """A line (or lines) the program composed, made safe: its own colours and line breaks kept.

    Fields from files should already have gone through :func:`visible`; this
    is the last guard at the printing edge.  Only complete colour sequences
    (``ESC [ … m``) and ``\\n`` survive; any other escape or control is shown.
    """
    text = str(text)
    out, pos = [], 0
    for match in _SGR.finditer(text):
        out.append(_UNSAFE_IN_LINE.sub(_escape, text[pos:match.start()]))
        out.append(match.group())
        pos = match.end()
    out.append(_UNSAFE_IN_LINE.sub(_escape, text[pos:]))
    return "".join(out)


def echo(text: object = "", err: bool = False) -> None:
    """Print a line: every line the command line prints goes through here.

    Fields that came from a file (names, sheet names, cell text, found and
    expected values) are passed through :func:`visible` where the line is
    composed; :func:`printable` is the last guard, keeping only the colours
    hnbxl adds and its own line breaks.
    """
    import click

    click.echo(printable(text), err=err)


def style(text: object, *, fg: str | None = None, bold: bool | None = None) -> str:
    """``click.style`` of text made visible first (a file's text is never styled raw)."""
    import click

    return click.style(visible(text), fg=fg, bold=bold)


def show_warning(message: Warning | str, category: type[Warning], filename: str,
                 lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
    """A Python warning (XlsxWriter's, say) as one harmless line on stderr."""
    echo(f"hnbxl: warning: {visible(' '.join(str(message).split()))}", err=True)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


_UNSAFE_IN_JSON = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "").replace(
    "\ud800-\udfff", ""))
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` that UTF-8 can encode: a lone surrogate (a non-UTF-8 file name's byte,
    an ``_xD800_`` escape) shown as its escape, for a workbook or the history.

    The terminal and ``--json`` keep the original (a name's bytes survive
    there); a file hnbxl writes cannot hold a lone surrogate at all.
    """
    return _SURROGATE.sub(_escape, text) if _SURROGATE.search(text) else text


def json_text(data: object, indent: int | None = 2) -> str:
    """``data`` as JSON that is valid UTF-8 and prints no control to a terminal.

    Readable non-ASCII text stays as it is; C1 and bidi controls, separators
    and non-characters are written as ``\\uXXXX`` escapes, and so are lone
    surrogates: a non-UTF-8 file name's byte ``0xff`` is ``\\udcff``, which
    ``json.loads`` gives back and ``os.fsencode`` turns into the same byte.
    (``json.dumps`` already escapes C0 controls.)
    """
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    text = _SURROGATE.sub(_json_escape, text)
    return _UNSAFE_IN_JSON.sub(_json_escape, text)


__all__ = ["BIDI_CONTROLS", "echo", "json_text", "printable", "show_warning",
           "storable", "style", "visible"]
