"""Read uploaded report files (.xlsx with openpyxl, .csv) into rows, and write the per-agency template."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from hub.services.bulk_import import Column

Format = Literal["xlsx", "csv"]
FORMATS: tuple[Format, ...] = ("xlsx", "csv")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READ_PROGRESS_EVERY = 2000
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel in a Chinese locale saves CSV as GBK


class UnreadableFile(Exception):
    """The upload is not a spreadsheet the hub can read; the message says why."""


@dataclass
class Sheet:
    header: list[Any]
    rows: list[tuple[int, Sequence[Any]]]  # (row number in the file, cells); the header is row 1


def detect_format(data: bytes, content_type: str, filename: str) -> Format:
    """xlsx files are ZIP archives; anything else named or typed as CSV, or plain text, is read as CSV."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if filename.lower().endswith(".xlsx") or "spreadsheetml" in content_type:
        raise UnreadableFile("the file is named .xlsx but is not an Excel workbook")
    return "csv"


def read_sheet(data: bytes, kind: Format, progress: Callable[[int, int], None] | None = None) -> Sheet:
    if not data:
        raise UnreadableFile("the file is empty")
    rows = _xlsx_rows(data, progress) if kind == "xlsx" else _csv_rows(data)
    if not rows:
        raise UnreadableFile("the file has no header row")
    header = list(rows[0])
    return Sheet(header=header, rows=[(number, cells) for number, cells in enumerate(rows[1:], start=2)])


def _xlsx_rows(data: bytes, progress: Callable[[int, int], None] | None) -> list[Sequence[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise UnreadableFile(f"the workbook cannot be opened: {error}") from None
    try:
        sheet = workbook.worksheets[0]
        total = max((sheet.max_row or 1) - 1, 0)
        rows: list[Sequence[Any]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(values)
            if progress is not None and len(rows) % READ_PROGRESS_EVERY == 0:
                progress(len(rows) - 1, total)
        return _trim(rows)
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> list[Sequence[Any]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("the CSV file is neither UTF-8 nor GB18030 text")
    if "\x00" in text:
        raise UnreadableFile("the file is not a CSV text file")
    try:
        return _trim(list(csv.reader(io.StringIO(text, newline=""))))
    except csv.Error as error:
        raise UnreadableFile(f"the CSV file is malformed: {error}") from None


def _trim(rows: list[Sequence[Any]]) -> list[Sequence[Any]]:
    """Drop trailing empty rows (spreadsheets often carry formatted but empty ones)."""
    while rows and all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in rows[-1]):
        rows.pop()
    return rows


def _guidance(column: Column) -> str:
    values = column.allowed_values()
    kind = column.field.python_type
    required = "必填 required" if column.field.required else "选填 optional"
    if values:
        return f"{required}; one of: {', '.join(values)}"
    if getattr(kind, "__name__", "") == "date":
        return f"{required}; date YYYY-MM-DD"
    if kind is int:
        return f"{required}; whole number (the cadre's id in the hub)" if column.field.references else f"{required}; whole number"
    limit = f", at most {column.field.max_length} characters" if column.field.max_length else ""
    return f"{required}; text{limit}"


def write_template(columns: Sequence[Column], kind: Format, agency: str) -> bytes:
    """An empty report with the agency's writable columns: `中文 (fieldName)` headings, plus a guidance sheet."""
    headings = [column.heading for column in columns]
    if kind == "csv":
        text = io.StringIO()
        csv.writer(text).writerow(headings)
        return text.getvalue().encode("utf-8-sig")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "负面信息"
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    for index, column in enumerate(columns):
        sheet.column_dimensions[cell_letter(index)].width = 40 if column.field.multiline else 18
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("说明")
    guide.append(["列 column", "填写说明 how to fill"])
    for column in columns:
        guide.append([column.heading, _guidance(column)])
    guide.append([])
    guide.append([f"模板 template for agency '{agency}'", "只读取第一张工作表; only the first sheet is read; row 1 is the header"])
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 120
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cell_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


__all__ = ["FORMATS", "Format", "Sheet", "UnreadableFile", "XLSX_MEDIA_TYPE", "detect_format", "read_sheet", "write_template"]
