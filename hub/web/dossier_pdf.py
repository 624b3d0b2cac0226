"""A dossier as PDF (fpdf2), in a CJK font found on the machine, every page headed with its mark.

The font comes from fontconfig (`fc-list :lang=zh`, e.g. Debian's fonts-noto-cjk); without one the hub refuses
the PDF with a clear error rather than print boxes in place of Chinese text.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import lru_cache

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from hub.web.dossier_content import Dossier, Table

FONT_FAMILY = "cjk"
WIDE_TABLE = 6
MIN_COLUMN_WEIGHT, MAX_COLUMN_WEIGHT = 6, 80  # a relation with more columns is printed as one block of `field value` lines per row
FC_LIST_SECONDS = 10
PDF_MEDIA_TYPE = "application/pdf"


class NoCjkFont(Exception):
    """No font on this machine can print Chinese; the message says what to install."""


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int  # the face within a font collection (.ttc)


def _preference(family: str, style: str) -> tuple[bool, bool, bool]:
    """Simplified-Chinese sans regular first (sorting puts False first): a .ttc's faces differ in regional forms."""
    return (not any(name.endswith(" SC") for name in family.split(",")), "Regular" not in style, "Sans" not in family)


@lru_cache(maxsize=1)
def find_cjk_font() -> FontFile:
    """A font that covers Chinese, as fontconfig lists it; NoCjkFont if there is none (or no fontconfig)."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "--format", r"%{file}\t%{index}\t%{family}\t%{style}\n"],
            capture_output=True, text=True, timeout=FC_LIST_SECONDS, check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        listed = ""
    faces: list[tuple[tuple[bool, bool, bool], FontFile]] = []
    for line in listed.splitlines():
        path, index, family, style = (line.split("\t") + ["", "", ""])[:4]
        if path.lower().endswith((".ttc", ".ttf", ".otf")) and index.isdigit():
            faces.append((_preference(family, style), FontFile(path, int(index))))
    if not faces:
        raise NoCjkFont("no font on this machine covers Chinese (fontconfig lists none for :lang=zh); "
                        "install one, e.g. `apt-get install fonts-noto-cjk`, to export dossiers as PDF")
    return min(faces, key=lambda face: face[0])[1]


class _MarkedDocument(FPDF):
    def __init__(self, mark: str, title: str) -> None:
        super().__init__(orientation="landscape", format="A4")
        self.mark = mark
        self.dossier_title = title

    def header(self) -> None:
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(90, 90, 90)
        self.multi_cell(0, 4, self.mark, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.dossier_title} · 受控信息，仅限所述用途 controlled: for the stated purpose only · "
                        f"第 {self.page_no()}/{{nb}} 页", align="C")


def _heading(document: FPDF, text: str) -> None:
    document.ln(3)
    document.set_font(FONT_FAMILY, size=12)
    document.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font(FONT_FAMILY, size=9)


def _pairs(document: FPDF, pairs: list[tuple[str, str]]) -> None:
    with document.table(col_widths=(1, 3), first_row_as_headings=False, text_align="LEFT",
                        wrapmode=WrapMode.CHAR, cell_fill_color=(238, 242, 247),
                        cell_fill_mode=TableCellFillMode.COLUMNS) as table:
        for name, value in pairs:
            row = table.row()
            row.cell(name)
            row.cell(value)


def _column_widths(table: Table) -> tuple[int, ...]:
    """Relative widths by each column's longest text (capped), so a note's text gets the room, not its id."""
    return tuple(
        max(MIN_COLUMN_WEIGHT, min(MAX_COLUMN_WEIGHT, max(len(text) for text in [name, *(row[index] for row in table.rows)])))
        for index, name in enumerate(table.columns)
    )


def _table(document: FPDF, table: Table) -> None:
    _heading(document, f"{table.title} ({len(table.rows)})")
    if not table.rows:
        document.cell(0, 6, "无 none", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    if len(table.columns) > WIDE_TABLE:
        for number, cells in enumerate(table.rows, start=1):
            document.cell(0, 6, f"{table.title} #{number}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            _pairs(document, [(name, value) for name, value in zip(table.columns, cells, strict=True) if value])
            document.ln(2)
        return
    headings = FontFace(emphasis="", fill_color=(221, 230, 240))
    with document.table(text_align="LEFT", wrapmode=WrapMode.CHAR, headings_style=headings,
                        col_widths=_column_widths(table)) as grid:
        grid.row(table.columns)
        for cells in table.rows:
            grid.row(cells)


def write_pdf(dossier: Dossier) -> bytes:
    font = find_cjk_font()
    document = _MarkedDocument(dossier.mark.text, dossier.title)
    document.add_font(FONT_FAMILY, fname=font.path, collection_font_number=font.index)
    document.set_title(dossier.title)
    document.set_subject(dossier.mark.text)
    document.set_creator("cadre data hub")
    document.set_auto_page_break(auto=True, margin=15)
    document.add_page()
    document.set_font(FONT_FAMILY, size=16)
    document.cell(0, 10, dossier.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font(FONT_FAMILY, size=9)
    _pairs(document, dossier.fields)
    for table in dossier.tables:
        _table(document, table)
    return bytes(document.output())


__all__ = ["PDF_MEDIA_TYPE", "FontFile", "NoCjkFont", "find_cjk_font", "write_pdf"]
