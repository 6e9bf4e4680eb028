"""How tall a row must be for its wrapped text: shared by both workbooks we write.

Neither Excel nor LibreOffice can be relied on to size a row for wrapped text in
a file written by XlsxWriter (LibreOffice keeps the default height and draws
the text over the next row), so the writers set each row's height from the
text it holds, measured here.
"""

from __future__ import annotations

# Column widths are counted in the digit width of the workbook's Normal font,
# which is Arial like every cell, so text measured in digits takes the same
# share of a column whichever font a machine shows for Arial.  Widths are
# DejaVu Sans's (the widest stand-in), relative to its digit: rows come out a
# little generous, never cut short.
_ADVANCE = (  # thousandths of an em for ASCII 32..126 in DejaVu Sans
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698,
    770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732,
    684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
    634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592,
    525, 636, 337, 636, 838,
)
_DIGIT = 636  # the advance of "0", the unit of a column's width
_OTHER_ADVANCE = 900  # arrows, stars, accented letters: as wide as the widest symbols
_BOLD = 1.15  # DejaVu Sans Bold is about 13% wider than regular
_SAFETY = 1.04  # Arial's letters, relative to its digits, are a little wider than DejaVu's
_LINE = 1.17  # line height as a multiple of the font size
_ROW_PADDING = 2.5  # points above and below the text in a row
CELL_PADDING = 0.5  # digits of a column's width not available to text


def text_width(text: str, size: float, bold: bool, base_size: float) -> float:
    """Width of ``text`` on one line, in digits of the Normal font (``base_size`` points)."""
    units = 0
    for char in text:
        code = ord(char)
        units += _ADVANCE[code - 32] if 32 <= code < 127 else _OTHER_ADVANCE
    return units / _DIGIT * size / base_size * (_BOLD if bold else 1.0) * _SAFETY


def line_count(text: str, available: float, size: float, bold: bool,
               base_size: float) -> int:
    """How many lines ``text`` takes when wrapped at word breaks in ``available`` digits.

    Like Excel and LibreOffice, a word longer than the line (a SHA-256) is
    broken across lines.
    """
    space = text_width(" ", size, bold, base_size)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            width = text_width(word, size, bold, base_size)
            wanted = width if used == 0 else used + space + width
            if wanted <= available:
                used = wanted
                continue
            if used > 0:
                lines += 1
            while width > available:
                lines += 1
                width -= available
            used = width
    return max(lines, 1)


def row_height(lines: int, size: float) -> float:
    """Points for ``lines`` lines of ``size``-point text, with the row's padding."""
    return round(lines * size * _LINE + 2 * _ROW_PADDING, 2)
