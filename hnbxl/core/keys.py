"""Field keys: which row of which section, and which of its cells, in one value.

Every value a return carries is keyed ``<section>.<id>.<field>``
(``measures.ehcp_cost.figure``, ``risks.R3.likelihood``); a section's
narrative is ``<section>.narrative``.  History, the tidy export and the
form's defined names all keep that dotted text, so the keys here *are* that
text (``str`` subclasses: equal to, hashed as and stored as the plain
string) and only add how it is made and taken apart, in this one place,
instead of f-strings and ``split(".")`` across the code.
"""

from __future__ import annotations


class ItemKey(str):
    """A row: ``<section>.<id>`` (``finance.savings``), or a section alone (its narrative)."""

    __slots__ = ()

    @classmethod
    def make(cls, section: str, ident: str = "") -> ItemKey:
        return cls(f"{section}.{ident}" if ident else section)

    @property
    def section(self) -> str:
        return self.partition(".")[0]

    @property
    def ident(self) -> str:
        """The row's id within its section ('' for a section's own narrative)."""
        return self.partition(".")[2]

    def field(self, name: str) -> FieldKey:
        """One cell of this row: ``measures.x`` -> ``measures.x.figure``."""
        return FieldKey(f"{self}.{name}")


class FieldKey(str):
    """One cell of a return: ``<item>.<field>`` (``measures.ehcp_cost.figure``)."""

    __slots__ = ()

    @classmethod
    def make(cls, section: str, ident: str, field: str) -> FieldKey:
        return ItemKey.make(section, ident).field(field)

    @property
    def item(self) -> ItemKey:
        """The row the cell is on: everything before the last dot."""
        return ItemKey(self.rpartition(".")[0])

    @property
    def field(self) -> str:
        """Which cell of the row: the part after the last dot (``figure``)."""
        return self.rpartition(".")[2]

    @property
    def section(self) -> str:
        return self.partition(".")[0]

    @property
    def defined_name(self) -> str:
        """The form's defined name for the cell: ``f_measures__x__figure``.

        Valid in Excel and LibreOffice: letters, digits and underscores only.
        """
        return "f_" + self.replace(".", "__")

    def sibling(self, field: str) -> FieldKey:
        """Another cell of the same row: ``x.figure`` -> ``x.reason``."""
        return self.item.field(field)


def matches(pattern: str, key: str) -> bool:
    """Whether an item key fits a reference: exactly, or a section's ``<section>.*``."""
    if pattern.endswith(".*"):
        return key.startswith(pattern[:-1])
    return pattern == key


__all__ = ["FieldKey", "ItemKey", "matches"]
