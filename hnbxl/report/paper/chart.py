"""The trajectory against the cap drawn from the figures, as vector lines in typst.

Three series by period: the cap rule's figure reported (Wiltshire's
cumulative DSG deficit), the budgeted path and the cap, named in the
programme's words.  A period with no figure is a *gap*: the line stops
before it and starts again after it (a lone point gets its marker), so a
missing figure is never drawn as £0.  The figure carries alt text that says
what the chart shows and its latest figures, and the same numbers stand in a
table under it (:func:`hnbxl.report.paper.tables.trajectory`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from hnbxl.core.fmt import money, money_millions
from hnbxl.programme.definition import Words
from hnbxl.report.model import Trajectory
from hnbxl.report.paper.markup import Code, call, colour, lit, number

WIDTH, HEIGHT = 178.0, 62.0  # mm: the drawing, axis labels included
LEFT, BOTTOM, TOP = 20.0, 8.0, 3.0  # mm of it for the y labels, the x labels, headroom
STYLES = (  # colour, dashed, markers: the figure reported, the budgeted path, the cap
    ("#1F3864", False, True),
    ("#595959", True, False),
    ("#C00000", False, False),
)


def series_names(words: Words) -> tuple[str, str, str]:
    """The three lines' names in the programme's words (``[words]``)."""
    return (f"{words.trajectory_figure} reported", "Budgeted path", words.cap)
LABEL_PT = 8.5


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks covering ``low`` to ``high`` (steps of 1, 2, 2.5 or 5 x 10^n)."""
    if high <= low:
        pad = abs(high) * 0.05 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(ticks[-1] + step)
    return ticks


def millions(value: float, step: float) -> str:
    """An axis label in pounds: ``£84.5m``, with as many decimals as the step needs."""
    if step < 100_000:
        return money(value)
    places = 0
    while places < 3 and abs(step / 10 ** (6 - places) - round(step / 10 ** (6 - places))) > 1e-9:
        places += 1
    return money_millions(value, places)


def runs(values: Sequence[float | None]) -> list[list[int]]:
    """The indexes of each unbroken run of figures: a missing figure ends a run."""
    out: list[list[int]] = []
    current: list[int] = []
    for i, v in enumerate(values):
        if v is None:
            if current:
                out.append(current)
            current = []
        else:
            current.append(i)
    if current:
        out.append(current)
    return out


def _mm(value: float) -> Code:
    return Code(f"{number(value)}mm")


def alt_text(t: Trajectory, words: Words) -> str:
    """What the chart shows, in words, with the latest period's figures."""
    first, last = t.points[0], t.points[-1]
    missing = [p.period_label for p in t.points if p.actual is None]

    def said(value: float | None) -> str:
        return money(value) if value is not None else "no figure"

    gaps = (f" No deficit was reported for {', '.join(missing)}; the line has a gap there."
            if missing else "")
    return (f"Line chart: {t.name} by period, {first.period_label} to "
            f"{last.period_label}, against the budgeted path and {words.the_cap}. "
            f"{last.period_label}: reported {said(last.actual)}, budgeted {said(last.budget)}, "
            f"cap {said(last.cap)}.{gaps} The table below gives every figure.")


def chart(t: Trajectory, words: Words) -> Code:
    """``#figure(...)``: the drawing, its alt text and its caption."""
    series = ([p.actual for p in t.points], [p.budget for p in t.points],
              [p.cap for p in t.points])
    known = [v for values in series for v in values if v is not None]
    ticks = nice_ticks(min(known), max(known)) if known else [0.0, 1.0]
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    n = len(t.points)

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    parts: list[Code] = []
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for tick in ticks:  # gridlines and their labels
        parts.append(_place(0, y(tick) - 1.6, _label(millions(tick, step), LEFT - 2, "right")))
        parts.append(_place(LEFT, y(tick), call(
            "line", length=_mm(plot_w), stroke=Code('0.4pt + rgb("#D0D0D0")'))))
    every = max(1, math.ceil(n / 12))
    for i, p in enumerate(t.points):  # period labels
        if i % every == 0 or i == n - 1:
            parts.append(_place(x(i) - 10, TOP + plot_h + 1.5,
                                _label(p.period_label, 20, "center")))
    for values, (hex_colour, dashed, markers) in zip(series, STYLES, strict=True):
        stroke = Code(f"(paint: {colour(hex_colour)}, thickness: 1.4pt"
                      + (', dash: "dashed"' if dashed else "") + ")")
        for run in runs(values):
            for a, b in pairwise(run):
                va, vb = values[a], values[b]
                assert va is not None and vb is not None
                parts.append(_place(0, 0, call("line", start=_point(x(a), y(va)),
                                               end=_point(x(b), y(vb)), stroke=stroke)))
            if markers or len(run) == 1:
                for i in run:
                    v = values[i]
                    assert v is not None
                    parts.append(_place(x(i) - 1.1, y(v) - 1.1, call(
                        "circle", radius=Code("1.1mm"), fill=colour(hex_colour))))
    drawing = Code(f"box(width: {_mm(WIDTH)}, height: {_mm(HEIGHT)}, {{\n    "
                   + "\n    ".join(parts) + "\n  })")
    legend = Code("[" + " #h(6mm) ".join(
        f"#box(line(length: 8mm, stroke: (paint: {colour(c)}, thickness: 1.4pt"
        + (', dash: "dashed"' if d else "") + "))) #h(1.5mm) #" + lit(name)
        for name, (c, d, _m) in zip(series_names(words), STYLES, strict=True)) + "]")
    body = Code(f"{{\n  set text(size: {LABEL_PT}pt)\n  {drawing}\n  v(1mm)\n  {legend}\n}}")
    return Code("#" + call(
        "figure", body, alt=lit(alt_text(t, words)),
        caption=Code("[#" + lit(f"{t.name}: reported, budgeted and capped, by period") + "]"),
    ) + "\n")


def _label(words: str, width: float, align: str) -> Code:
    return call("box", Code(f"align({align}, {lit(words)})"), width=_mm(width))


def _point(x: float, y: float) -> Code:
    return Code(f"({_mm(x)}, {_mm(y)})")


def _place(dx: float, dy: float, what: Code) -> Code:
    return call("place", Code("top + left"), what, dx=_mm(dx), dy=_mm(dy))
