"""Reading a TOML table key by key, so that every mistake names its key and line.

tomllib gives plain dicts; a definition is edited by an officer, not a
programmer, so each key is asked for by name and type, a key nobody asked for
is an error with a suggestion (``did you mean owner?``), and the error names
the line the key is on.  Nothing here knows what a programme is: the loader
(``loader.py``, ``parse_rules.py``) says which keys a table has.
"""

from __future__ import annotations

import difflib
import re
from types import EllipsisType
from typing import Any, NoReturn, TypeGuard, TypeVar, overload

from hnbxl.programme.model import DefinitionError

IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")

# The type of a default a caller gives for a key it does not require (often None).
_D = TypeVar("_D")


def line_from_message(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m[1]) if m else None


class Table:
    """A TOML table being read: tracks its key path and which keys were used."""

    def __init__(self, loader: TableReader, data: object, path: str):
        # ``loader`` reports the errors, so each names the file and the line
        self.loader, self.path = loader, path
        if not isinstance(data, dict):
            loader.fail(path, f"expected a table, found {_type_name(data)}")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, kind: type | tuple[type, ...], default: object = ...) -> Any:
        """The value of ``name``, checked to be of ``kind`` (``default`` when absent;
        required when no default).  ``Any`` because TOML values are dynamic; the
        typed readers below (``text``, ``integer``...) are what the loader uses."""
        self.used.add(name)
        if name not in self.data:
            if default is ...:
                typo = difflib.get_close_matches(name, [k for k in self.data if k not in
                                                        self.used], n=1, cutoff=0.75)
                if typo:  # the typo is the error, not the key it hides
                    self.loader.fail(self.key(typo[0]),
                                     f"unknown key '{typo[0]}' (did you mean {name}?)")
                self.loader.fail(self.key(name), "missing; this key is required")
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.loader.fail(self.key(name), f"expected {_kind_words(kinds)}, found true/false")
        if int in kinds and float in kinds and isinstance(value, int):
            return value
        if not isinstance(value, kinds):
            self.loader.fail(
                self.key(name), f"expected {_kind_words(kinds)}, found {_type_name(value)}"
            )
        return value

    @overload
    def text(self, name: str, *, allow_empty: bool = ...) -> str: ...
    @overload
    def text(self, name: str, default: _D, allow_empty: bool = ...) -> str | _D: ...

    def text(self, name: str, default: object = ..., allow_empty: bool = False) -> object:
        value = self.get(name, str, default)
        if isinstance(value, str) and not allow_empty and not value.strip():
            self.loader.fail(self.key(name), "is empty; give the text")
        return value

    @overload
    def choice(self, name: str, options: tuple[str, ...]) -> str: ...
    @overload
    def choice(self, name: str, options: tuple[str, ...], default: _D) -> str | _D: ...

    def choice(self, name: str, options: tuple[str, ...], default: object = ...) -> object:
        value = self.get(name, str, default)
        if value is not None and value not in options:
            self.loader.fail(
                self.key(name), f"'{value}' is not one of: {', '.join(options)}"
            )
        return value

    @overload
    def integer(self, name: str, low: int, high: int) -> int: ...
    @overload
    def integer(self, name: str, low: int, high: int, default: _D) -> int | _D: ...

    def integer(self, name: str, low: int, high: int, default: object = ...) -> object:
        value = self.get(name, int, default)
        if value is not None and not low <= value <= high:
            self.loader.fail(self.key(name), f"{value} is outside {low}-{high}")
        return value

    @overload
    def number(self, name: str) -> float: ...
    @overload
    def number(self, name: str, default: _D) -> float | _D: ...

    def number(self, name: str, default: object = ...) -> object:
        value: object = self.get(name, (int, float), default)
        return value

    def table(self, name: str, default: EllipsisType | None = ...) -> Table:
        value = self.get(name, dict, default)
        return Table(self.loader, value if value is not None else {}, self.key(name))

    def tables(self, name: str, required: bool = True) -> list[Table]:
        value = self.get(name, list, ... if required else [])
        out = []
        for i, item in enumerate(value):
            out.append(Table(self.loader, item, f"{self.key(name)}[{i}]"))
        if required and not out:
            self.loader.fail(self.key(name), "is empty; at least one entry is needed")
        return out

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(self.used), n=1, cutoff=0.6)
            hint = (f"did you mean {close[0]}?" if close else
                    f"known keys here are: {', '.join(sorted(self.used))}")
            self.loader.fail(self.key(unknown[0]), f"unknown key '{unknown[0]}' ({hint})")


def _all_text(values: list[object]) -> TypeGuard[list[str]]:
    return all(isinstance(value, str) for value in values)


def _type_name(value: object) -> str:
    return {
        str: "text", int: "a whole number", float: "a number", bool: "true/false",
        list: "a list", dict: "a table",
    }.get(type(value), type(value).__name__)


def _kind_words(kinds: tuple[type, ...]) -> str:
    return " or ".join(_type_name(k()) if k is not type(None) else "nothing" for k in kinds)


class TableReader:
    """What every part of the loader shares: the file's name and text, and ``fail``.

    ``fail`` raises a :class:`DefinitionError` with the line of the key, found
    in the text, because tomllib reports lines only for syntax errors.
    """

    def __init__(self, source: str, text: str):
        self.source, self.text = source, text

    def fail(self, key: str, message: str) -> NoReturn:
        raise DefinitionError(self.source, key, message, find_line(self.text, key))

    def ident(self, table: Table, name: str) -> str:
        """An id: it becomes part of item keys (``measures.<id>``) and of form cells' names."""
        value = table.text(name)
        if not IDENT.match(value):
            self.fail(
                table.key(name),
                f"'{value}' is not a usable id; use letters, digits and _ "
                "(start with a letter, at most 40)",
            )
        return value

    def text_list(self, table: Table, name: str) -> list[str]:
        values: list[object] = table.get(name, list)
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                self.fail(f"{table.key(name)}[{i}]", "expected non-empty text")
        if len(set(values)) != len(values):
            self.fail(table.key(name), "has the same entry twice")
        assert _all_text(values)  # each was checked above
        return values

    def colour(self, t: Table, name: str, default: str | None = None) -> str:
        value = t.text(name) if default is None else t.text(name, default)
        if not COLOUR.match(value):
            self.fail(t.key(name), f"'{value}' is not a colour; write it as #RRGGBB")
        return value.upper()


def find_line(text: str, key: str) -> int | None:
    """Best effort: the line of ``key`` (``measures[3].unit``) in the TOML text.

    tomllib reports lines only for syntax errors, so for a semantic error we
    walk the text: find the n-th ``[[array]]`` header, then the key after it.
    """
    if not key or key == "TOML":
        return None
    parts = re.findall(r"([^.\[\]]+)(?:\[(\d+)\])?", key)
    lines = text.splitlines()
    start = 0
    header_path: list[str] = []
    for name, index in parts:
        header_path.append(name)
        if index:
            header = "[[" + ".".join(header_path) + "]]"
            seen = -1
            for i in range(start, len(lines)):
                if lines[i].strip().startswith(header):
                    seen += 1
                    if seen == int(index):
                        start = i
                        break
            else:
                found = _inline_item(lines, start, name, int(index))
                if found is None:
                    return None
                start = found
            continue
        header = "[" + ".".join(header_path) + "]"
        for i in range(start, len(lines)):
            stripped = lines[i].strip()
            if stripped.startswith(header):
                start = i
                break
            if re.match(rf"^{re.escape(name)}\s*=", stripped) or re.search(
                rf"[{{,]\s*{re.escape(name)}\s*=", stripped
            ):
                start = i
                break
    return start + 1


def _inline_item(lines: list[str], start: int, name: str, index: int) -> int | None:
    """The line of the ``index``-th ``{ ... }`` of an inline array ``name = [...]``."""
    for i in range(start, len(lines)):
        found = re.search(rf"(^|[{{,\s]){re.escape(name)}\s*=\s*\[", lines[i])
        if found:
            seen, col = -1, found.end()
            for j in range(i, len(lines)):
                for char in lines[j][col if j == i else 0:]:
                    if char == "{":
                        seen += 1
                        if seen == index:
                            return j
            return i
    return None
