"""Numbers and states as every rule kind compares and names them.

Comparisons that involve arithmetic (variance fractions, cap multiples) are
done on exact fractions of the numbers as written; a rule gives a grade and
shows it as the state of the scale that carries it.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hnbxl.programme.model import RagScale


def exact(value: float | int) -> Fraction:
    """The number as written, exactly: ``0.05`` is 1/20, not the nearest binary double.

    ``repr`` of a float is the shortest text that reads back to it, which is the
    text the officer typed for any number with up to 15 significant digits.
    Comparisons that involve arithmetic (variance fractions, cap multiples) are
    done on these, so a value exactly on a boundary the definition gives lands
    on the side the definition says, not where binary rounding pushes it.
    """
    if isinstance(value, bool):
        raise TypeError("a rating figure cannot be true/false")
    if isinstance(value, int):
        return Fraction(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a usable figure")
    return Fraction(repr(float(value)))


def missing(value: float | None) -> bool:
    """None, and NaN (what a blank cell becomes in pandas), both mean no figure."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def check_key(scale: RagScale, key: str, what: str) -> str:
    """``key`` if it is a state of the scale (or its no-data state), else a ValueError."""
    try:
        return scale.get(key).key
    except KeyError:
        known = ", ".join(s.key for s in (*scale.states, scale.no_data))
        raise ValueError(f"{what} '{key}' is not a key of the RAG scale ({known})") from None


def grades(scale: RagScale) -> tuple[str, str, str]:
    """The state keys that show a green, an amber and a red result (``RagScale.for_grade``)."""
    return (scale.for_grade("green").key, scale.for_grade("amber").key,
            scale.for_grade("red").key)


def grade_labels(scale: RagScale) -> tuple[str, str, str]:
    """The labels of the states that show a green, an amber and a red result."""
    green, amber, red = (scale.for_grade(g).label for g in ("green", "amber", "red"))
    return green, amber, red


def label(scale: RagScale, key: str) -> str:
    """What a person reads for a state: its label, never its key."""
    return scale.get(key).label
