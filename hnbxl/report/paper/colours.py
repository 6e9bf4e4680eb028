"""Rating fills the committee can read: WCAG 2 contrast of text on its fill.

A rating is printed as its words on its colour.  The definition chooses the
colour and (optionally) the text colour; some pairs people choose read badly
(white on amber).  :func:`legible` keeps the definition's text colour when it
reaches the WCAG AA contrast for normal text (4.5:1) on the fill, and else
takes black or white, whichever contrasts more.  One of the two always
reaches 4.58:1 or more (the worst fill, luminance 0.18, gives both 4.58:1),
so the fill itself, the colour members know, is never changed.
"""

from __future__ import annotations

AA = 4.5  # WCAG 2.x, level AA, normal-size text
BLACK = "#000000"
WHITE = "#FFFFFF"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.x) of ``#RRGGBB``."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def legible(fill: str, text: str | None = None) -> tuple[str, str]:
    """(fill, text colour) with a contrast of at least 4.5:1: the asked text colour if it
    reaches it, else black or white."""
    fill = fill.upper()
    if text and contrast(fill, text) >= AA:
        return fill, text.upper()
    return fill, max((BLACK, WHITE), key=lambda ink: contrast(fill, ink))
