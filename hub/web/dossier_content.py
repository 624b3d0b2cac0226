"""A dossier's content, the same for its PDF and its workbook: the record's own fields, then one table per
relation, every value as the reader's query returned it (enum values with their Chinese label), and the mark
that every page carries: who reads it, when, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.web.dossier_query import Selected

LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Mark:
    """Printed on every page: the reader (user and agency), the time of the export and the stated purpose."""

    user: str
    agency: str
    agency_name: str
    at: datetime
    purpose: str

    @property
    def text(self) -> str:
        return (f"阅读人 reader: {self.user} ({self.agency_name} {self.agency}) · "
                f"导出时间 exported: {self.at.strftime('%Y-%m-%d %H:%M:%S UTC')} · 用途 purpose: {self.purpose or '-'}")


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Dossier:
    title: str
    mark: Mark
    fields: list[tuple[str, str]]
    tables: list[Table]
    file_stem: str  # e.g. "cadre-12", for the download's file name


def _label(value: Any, selected: Selected) -> str:
    if value is None:
        return ""
    if selected.enum is not None and isinstance(value, str):
        member = selected.enum.values.get(value)
        description = member.description if member is not None else None
        label = description.split(" (", 1)[0] if description else ""
        return f"{label} {value}" if label else value
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return str(value)


def _cell(value: Any, selected: Selected) -> str:
    if selected.is_list and isinstance(value, list):
        return LIST_SEPARATOR.join(_label(item, selected) for item in value)
    return _label(value, selected)


def _columns(selected: Sequence[Selected], prefix: str = "") -> list[str]:
    names: list[str] = []
    for item in selected:
        names.extend(_columns(item.children, f"{prefix}{item.name}.") if item.children else [f"{prefix}{item.name}"])
    return names


def _row(record: Mapping[str, Any] | None, selected: Sequence[Selected]) -> list[str]:
    """One relation row, flat: a nested object's fields as `unit.name`, a nested list's values joined."""
    cells: list[str] = []
    for item in selected:
        value = record.get(item.name) if record is not None else None
        if not item.children:
            cells.append(_cell(value, item))
        elif item.is_list:
            rows = [_row(element, item.children) for element in value or []]
            if rows:
                cells.extend(LIST_SEPARATOR.join(filter(None, column)) for column in zip(*rows, strict=True))
            else:
                cells.extend("" for _ in _columns(item.children))
        else:
            cells.extend(_row(value, item.children))
    return cells


def dossier(title: str, file_stem: str, mark: Mark, record: Mapping[str, Any],
            selected: Sequence[Selected]) -> Dossier:
    """The record's own fields (and those of a single related object, e.g. `unit.name`), then a table per list."""
    own = [item for item in selected if not (item.children and item.is_list)]
    fields = list(zip(_columns(own), _row(record, own), strict=True))
    tables = [
        Table(item.name, _columns(item.children), [_row(element, item.children) for element in record.get(item.name) or []])
        for item in selected if item.children and item.is_list
    ]
    return Dossier(title, mark, fields, tables, file_stem)


__all__ = ["Dossier", "Mark", "Table", "dossier"]
