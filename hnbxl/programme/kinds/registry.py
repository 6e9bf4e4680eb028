"""The registry of rule kinds: a kind's name to the object that rates with it.

``kinds/__init__.py`` registers the kinds hnbxl comes with; a test may
register a kind of its own and unregister it when done.  Registering also
records the kind's parameter type in ``rule_kinds.RULE_PARAMS``, which
``Rule`` reads (the model cannot import the kinds, which are made of it).
"""

from __future__ import annotations

from hnbxl.programme.kinds.base import RatingCheck, RuleKind
from hnbxl.programme.rule_kinds import RULE_PARAMS

_KINDS: dict[str, RuleKind] = {}


def register(kind: RuleKind) -> RuleKind:
    """Make ``kind`` known by its name to the loader, the compile and the forms."""
    if kind.name in _KINDS:
        raise ValueError(f"a rule kind '{kind.name}' is already registered")
    _KINDS[kind.name] = kind
    RULE_PARAMS[kind.name] = kind.params
    return kind


def unregister(name: str) -> None:
    """Forget a kind (a test's own, once the test is done)."""
    del _KINDS[name]
    del RULE_PARAMS[name]


def kind_of(name: str) -> RuleKind:
    """The registered kind called ``name`` (a ``Rule`` can only have one of these)."""
    return _KINDS[name]


def form_kind(check: RatingCheck) -> RuleKind | None:
    """The kind that works out a form's check; None for one worked out ``elsewhere``."""
    return _KINDS.get(check.kind)


def kind_names() -> tuple[str, ...]:
    """Every registered kind's name, in the order registered."""
    return tuple(_KINDS)
