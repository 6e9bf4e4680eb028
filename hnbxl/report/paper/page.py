"""The paper's page: A4, one sans font, type sizes, headings, running header and footer.

The running header (report title and period, the extraction date) and footer
("Page x of y") are typst's page header and footer, which typst marks as
artifacts in the tagged PDF: a screen reader reads the report once, not the
title again on every page.  Sizes are chosen for a printed committee paper:
body text 10 pt, tables 9.5 pt, nothing below 8.5 pt (the running lines).
"""

from __future__ import annotations

from hnbxl.report.paper.markup import Code, lit

FONT = "Liberation Sans"  # bundled in hnbxl/data/fonts (SIL Open Font Licence)
BODY_PT = 10.0
TABLE_PT = 9.5
RUNNING_PT = 8.5
INK = "#000000"
QUIET = "#404040"  # secondary text (a row's note): 10:1 on white
RULE = "#808080"
HEADER_FILL = "#1F3864"  # table header rows: white on dark blue, 12.6:1

# The page and the styles every part of the paper shares.  Static typst: the
# only values from a report are the running lines, passed in quoted by lit().
_PREAMBLE = """\
#set page(
  paper: "a4",
  margin: (x: 16mm, top: 20mm, bottom: 18mm),
  header: context {
    set text(size: __RUNNING__)
    grid(columns: (1fr, auto), align: (left, right), __HEADER_LEFT__, __HEADER_RIGHT__)
    v(-2pt)
    line(length: 100%, stroke: 0.4pt + rgb("__RULE__"))
  },
  footer: context {
    set text(size: __RUNNING__)
    grid(columns: (1fr, auto, 1fr), align: (left, center, right),
      __FOOTER_LEFT__,
      [Page #counter(page).display() of #counter(page).final().first()],
      [])
  },
)
#set text(font: "__FONT__", size: __BODY__, lang: "en", region: "GB", fill: rgb("__INK__"),
          hyphenate: false)
#set par(justify: false, leading: 0.55em, spacing: 0.9em)
#show heading: set text(weight: "bold")
#show heading.where(level: 1): set text(size: 17pt)
#show heading.where(level: 2): set text(size: 13pt)
#show heading.where(level: 3): set text(size: 11pt)
#show heading: set block(above: 1.3em, below: 0.7em)
#set table(stroke: 0.5pt + rgb("__RULE__"), inset: (x: 4pt, y: 3.5pt), align: left + top)
#set table.cell(breakable: false)
#show table: set text(size: __TABLE__)
#show table: set par(leading: 0.45em)
#show table.cell.where(y: 0): set text(fill: white, weight: "bold")
#let head(..cells) = table.header(..cells.pos().map(c => table.cell(fill: rgb("__HEADER__"), c)))
#let rag(fill, ink, label, trend) = table.cell(fill: fill, text(fill: ink,
  if trend == "" { label } else { [#label #linebreak() #trend] }))
#let named(name, note) = if note == "" { name } else {
  [#name #linebreak() #text(fill: rgb("__QUIET__"), note)]
}
#let num(x) = align(right, x)
"""


def preamble(header_left: str, header_right: str, footer_left: str) -> Code:
    """The page set-up, with the running lines (from the report) quoted."""
    values = {
        "__RUNNING__": f"{RUNNING_PT:g}pt", "__BODY__": f"{BODY_PT:g}pt",
        "__TABLE__": f"{TABLE_PT:g}pt", "__FONT__": FONT, "__INK__": INK, "__RULE__": RULE,
        "__QUIET__": QUIET, "__HEADER__": HEADER_FILL,
        "__HEADER_LEFT__": lit(header_left), "__HEADER_RIGHT__": lit(header_right),
        "__FOOTER_LEFT__": lit(footer_left),
    }
    text = _PREAMBLE
    for key, value in values.items():
        text = text.replace(key, value)
    return Code(text)
