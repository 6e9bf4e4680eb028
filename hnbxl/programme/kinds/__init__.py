"""The rule kinds, one module each, registered here by name (:mod:`.registry`).

Adding a kind: a module beside these with its parameter type, ``parse``,
``rate``, ``words`` and (if the form can work it out) ``form``, ``formula``
and ``label``, as a :class:`~hnbxl.programme.kinds.base.KindBase` subclass
(the hooks are described on :class:`~hnbxl.programme.kinds.base.RuleKind`);
then one ``register`` line below.  The order here is the order the
definition's error message lists the kinds in.
"""

from __future__ import annotations

from hnbxl.programme.kinds import band, cap, derived, manual, threshold, variance
from hnbxl.programme.kinds.base import (
    FormRow,
    KindBase,
    Rating,
    RatingCheck,
    RowToRate,
    RuleInputs,
    RuleKind,
)
from hnbxl.programme.kinds.registry import form_kind, kind_names, kind_of, register, unregister

register(manual.KIND)
register(threshold.KIND)
register(variance.KIND)
register(band.KIND)
register(derived.KIND)
register(cap.KIND)

__all__ = [
    "FormRow", "KindBase", "Rating", "RatingCheck", "RowToRate", "RuleInputs", "RuleKind",
    "form_kind", "kind_names", "kind_of", "register", "unregister",
]
