"""A dossier as a workbook (openpyxl): the record's fields, then a sheet per relation; every sheet opens with the
mark in its first row and prints it in every page's header."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from hub.web.dossier_content import Dossier, Table
from hub.web.spreadsheets import cell_letter

HEADING_FILL = PatternFill("solid", fgColor="DDE6F0")
MARK_FONT = Font(italic=True, color="555555")
SHEET_NAME_LIMIT = 31
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_HEADER_CODES = re.compile(r"&")  # `&` starts a code in Excel's header text


def _text(cell: Cell, value: str) -> None:
    """Stored as text, always: a value that begins with `=` is data here, never a formula a reader's Excel runs."""
    cell.value = value
    cell.data_type = "s"


def _marked(sheet: Worksheet, dossier: Dossier, width: int) -> None:
    mark = dossier.mark.text
    _text(sheet.cell(row=1, column=1), mark)
    sheet.cell(row=1, column=1).font = MARK_FONT
    if width > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    printed = _HEADER_CODES.sub("&&", mark)
    sheet.oddHeader.center.text = printed
    sheet.evenHeader.center.text = printed
    sheet.oddFooter.center.text = "&P / &N"
    sheet.evenFooter.center.text = "&P / &N"
    sheet.print_title_rows = "1:2"


def _headings(sheet: Worksheet, row: int, names: list[str]) -> None:
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(row=row, column=column)
        _text(cell, name)
        cell.font = Font(bold=True)
        cell.fill = HEADING_FILL


def _sheet_name(title: str, taken: set[str]) -> str:
    name = _NOT_IN_SHEET_NAME.sub("_", title)[:SHEET_NAME_LIMIT] or "sheet"
    candidate, number = name, 2
    while candidate.lower() in taken:
        suffix = f"~{number}"
        candidate, number = name[:SHEET_NAME_LIMIT - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def _table_sheet(sheet: Worksheet, dossier: Dossier, table: Table) -> None:
    _marked(sheet, dossier, max(len(table.columns), 1))
    _headings(sheet, 2, table.columns)
    for row_number, cells in enumerate(table.rows, start=3):
        for column, value in enumerate(cells, start=1):
            _text(sheet.cell(row=row_number, column=column), value)
    for index in range(len(table.columns)):
        sheet.column_dimensions[cell_letter(index)].width = 22
    sheet.freeze_panes = "A3"


def write_workbook(dossier: Dossier) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    taken: set[str] = set()
    first.title = _sheet_name("档案 file", taken)
    _marked(first, dossier, 2)
    _headings(first, 2, ["字段 field", "内容 value"])
    _text(first.cell(row=3, column=1), "档案 dossier")
    _text(first.cell(row=3, column=2), dossier.title)
    for row_number, (name, value) in enumerate(dossier.fields, start=4):
        _text(first.cell(row=row_number, column=1), name)
        _text(first.cell(row=row_number, column=2), value)
        first.cell(row=row_number, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    first.column_dimensions["A"].width = 26
    first.column_dimensions["B"].width = 80
    for table in dossier.tables:
        _table_sheet(workbook.create_sheet(_sheet_name(table.title, taken)), dossier, table)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


__all__ = ["write_workbook"]
