"""Each rule kind's and query kind's parameters as a frozen type, registered by kind name.

A rule is ``Rule(kind, params)``; its ``params`` is the kind's own type
(``ThresholdParams`` in ``programme/kinds/threshold.py``...), built once when the definition is
read, so a misspelt parameter is an error at load and a reader sees which
parameters a kind has.  Code reads them as attributes (``params.amber_tolerance``);
the older ``params["amber_tolerance"]`` still works (each type is a read-only
mapping of its parameters that are set), so both can meet while code moves over.

A rule kind's parameters are a frozen dataclass deriving from :class:`Params`
in the kind's own module (``programme/kinds/``), registered with the kind; a
query kind's are here, one line in :data:`QUERY_PARAMS`.  See
docs/architecture.md ("A rule kind").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any


class Params(Mapping[str, Any]):
    """A kind's parameters: a frozen dataclass that is also a mapping of those that are set.

    A parameter left at None is absent (``"direction" in params`` is False), as
    the definition left it out.
    """

    def __getitem__(self, key: str) -> Any:
        value = getattr(self, key, None) if key in self._names() else None
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._names() if getattr(self, name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- rules


#: Each rule kind's parameter type, by kind name: filled by
#: :func:`hnbxl.programme.kinds.base.register` (each kind's type is in its own
#: module under ``programme/kinds/``), read by ``Rule`` to build its params.
RULE_PARAMS: dict[str, type[Params]] = {}


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class MovedParams(Params):
    """A figure that moved from last period's by more than a share or an amount."""

    share: float | None = None
    amount: float | None = None


@dataclass(frozen=True)
class NoParams(Params):
    """A query kind with nothing to set (unchanged, rating_vs_figure, ...)."""


@dataclass(frozen=True)
class RiskActionParams(Params):
    """A risk whose score rose or is above target while its action is last period's."""

    rose: bool = True
    above_target: bool = True


@dataclass(frozen=True)
class ShareParams(Params):
    """A share that disagrees with its count and base (field keys) by more than tolerance."""

    share: str
    count: str
    base: str
    tolerance: float = 0.005


QUERY_PARAMS: dict[str, type[Params]] = {
    "moved": MovedParams,
    "unchanged": NoParams,
    "rating_vs_figure": NoParams,
    "savings_over_budget": NoParams,
    "risk_action": RiskActionParams,
    "small_number": NoParams,
    "share": ShareParams,
}


def params_of(registry: Mapping[str, type[Params]], kind: str, given: Mapping[str, Any]
              ) -> Params:
    """``given`` (a mapping, or already a parameter type) as ``kind``'s parameter type.

    An unknown parameter is a TypeError: the reader of the definition gives
    only the parameters the kind declares.
    """
    wanted = registry[kind]
    if isinstance(given, wanted):
        return given
    return wanted(**dict(given))


__all__ = [
    "QUERY_PARAMS", "RULE_PARAMS", "MovedParams", "NoParams", "Params", "RiskActionParams",
    "ShareParams", "params_of",
]
