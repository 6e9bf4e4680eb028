"""A table's columns, declared once: header, field, width, kind, and whether people type in it.

A table written cell by cell (a form's Key Measures, the Check sheet) used to
say its columns three times: a list of headers, a column number for each cell
and a tuple of widths, so adding a column meant renumbering integers in all
three.  A :class:`Table` is the one list; headers, widths and every column's
position are read from it by the column's field name, so a column is added,
moved or removed in one line.  Kept in the xlsx layer, below the forms and the
report, so that both can declare their tables with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property


@dataclass(frozen=True)
class Column:
    """One column: what heads it, what it holds, how wide it is and who fills it."""

    field: str  # the name the code addresses it by ("figure", "last_rating")
    header: str  # the words in its header cell
    width: float  # in Excel's character units
    # What its cells are: a locked cell's style ("label", "last", "money"), or an
    # input's kind ("rag", "month"); empty where it changes from row to row.
    kind: str = ""
    input: bool = False  # people type in it (on every row, or on some: a new risk's name)


@dataclass(frozen=True)
class Table:
    """Columns in order: the only place that says which column a field is in."""

    columns: tuple[Column, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {c.field: i for i, c in enumerate(self.columns)}
        if len(index) != len(self.columns):
            raise ValueError(f"two columns share a field: {[c.field for c in self.columns]}")
        object.__setattr__(self, "_index", index)

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __getitem__(self, field_name: str) -> Column:
        return self.columns[self.col(field_name)]

    def col(self, field_name: str) -> int:
        """The zero-based position of a column; a KeyError names a field the table lacks."""
        try:
            return self._index[field_name]
        except KeyError:
            raise KeyError(f"no column {field_name!r} in {list(self._index)}") from None

    def input_col(self, field_name: str) -> int:
        """The position of a column people type in: an input anywhere else is a mistake."""
        if not self[field_name].input:
            raise ValueError(f"column {field_name!r} is locked, not for input")
        return self.col(field_name)

    @cached_property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @cached_property
    def widths(self) -> tuple[float, ...]:
        return tuple(c.width for c in self.columns)

    def with_header(self, field_name: str, header: str) -> Table:
        """The same table with one column headed differently (a table repeated under titles)."""
        return Table(tuple(replace(c, header=header) if c.field == field_name else c
                           for c in self.columns))
