"""Import a whole report of records in one transaction: every row validated, everything or nothing written.

The rules are those of GraphQL writes: `RecordWriter` checks each row's fields, write permissions and references
(looked up in batches here), and every written row must fall inside the caller's row scope. Errors name the
spreadsheet row, the column and the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import cached_property
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from graph_sync.outbox import PROJECTED_TABLES
from hub.agencies import Agencies, AgencyCode
from hub.models import enums
from hub.models.labels import enum_labels
from hub.record_fields import RECORD_KINDS
from hub.services.record_writes import OUTSIDE_SCOPE, RecordWriter, ValidationFailed, WriteGate
from hub.services.scope_check import rows_inside
from hub.services.specs import InputField, RecordSpec
from hub.validation import DomainValidationError

logger = logging.getLogger(__name__)
BATCH_SIZE = 1000
HEADER_ROW = 1

# Chinese column labels of the negative list (负面清单) report, by attribute.
NEGATIVE_RECORD_LABELS: dict[str, str] = RECORD_KINDS["NegativeRecord"].labels

# Chinese names accepted (and shown in templates) for the values of the report's closed vocabularies, from the one
# declaration of labels (`hub/models/enum_labels.csv`); an agency's are the policy's (`agencies.csv`).
ENUM_LABELS: dict[type[Enum], dict[Enum, str]] = {
    vocabulary: {member: enum_labels()[vocabulary.__name__][member.name].zh for member in vocabulary}
    for vocabulary in (enums.NegativeCategory, enums.Severity, enums.NegativeStatus)
}

Progress = Callable[[str, int, int], None]


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class Choice:
    """One value of a closed vocabulary: its name (as GraphQL spells it), what is written, its Chinese name."""

    name: str
    value: Any  # the enum member, or the agency's code
    label: str | None

    def spellings(self) -> list[str]:
        """NAME, name, the stored value, the Chinese name and the template's `NAME 标签`."""
        stored = self.value.value if isinstance(self.value, Enum) else self.value
        words = [self.name, self.name.lower(), str(stored)]
        return words + [self.label, f"{self.name} {self.label}"] if self.label else words


def choices_of(spec_field: InputField, agencies: Agencies) -> tuple[Choice, ...]:
    """The values an enum or agency field takes, in order; none for other fields."""
    kind = spec_field.python_type
    if kind is AgencyCode:
        return tuple(Choice(agency.enum_name, agency.code, agency.name_zh) for agency in agencies)
    if isinstance(kind, type) and issubclass(kind, Enum):
        labels = ENUM_LABELS.get(kind, {})
        return tuple(Choice(member.name, member, labels.get(member)) for member in kind)
    return ()


@dataclass(frozen=True)
class Column:
    """One column of a report file: a writable input field with its Chinese label (and values, if it has a list)."""

    field: InputField
    label: str
    choices: tuple[Choice, ...] = ()

    @property
    def name(self) -> str:
        return self.field.graphql_name

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.name})"

    def allowed_values(self) -> list[str]:
        return [f"{choice.name} {choice.label}" if choice.label else choice.name for choice in self.choices]

    @cached_property
    def spelled(self) -> dict[str, Any]:
        """Every accepted spelling of each choice, and the value it stands for."""
        lookup: dict[str, Any] = {}
        for choice in self.choices:
            lookup.update(dict.fromkeys(choice.spellings(), choice.value))
        return lookup


@dataclass(frozen=True)
class RowError:
    row: int  # the row number in the file (the header is row 1)
    column: str | None  # the column's field name, or None when the whole row or file is concerned
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    cadre_ids: set[int] = field(default_factory=set)
    columns: list[Column] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self, max_errors: int = 1000) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "imported": self.imported if self.ok else 0,
            "errorCount": len(self.errors),
            "errors": [error.as_dict() for error in self.errors[:max_errors]],
        }


def report_columns(
    spec: RecordSpec, writable: frozenset[str], labels: dict[str, str], agencies: Agencies
) -> list[Column]:
    """The columns the caller may fill: the spec's fields whose `Type.field` it may write, in spec order."""
    return [
        Column(spec_field, labels.get(spec_field.attr, spec_field.graphql_name), choices_of(spec_field, agencies))
        for spec_field in spec.fields
        if "*" in writable or f"{spec.type_name}.{spec_field.policy_name}" in writable
    ]


def _heading_name(cell: Any) -> str:
    """`类别 (category)` → `category`; a bare field name or Chinese label is returned as it is."""
    text = str(cell or "").strip().replace("（", "(").replace("）", ")")
    if text.endswith(")") and "(" in text:
        return text[text.rindex("(") + 1 : -1].strip()
    return text


def map_header(
    header: Sequence[Any], spec: RecordSpec, writable: frozenset[str], labels: dict[str, str], agencies: Agencies
) -> tuple[list[Column | None], list[RowError]]:
    """Which column each header cell names; errors for unknown, unwritable, repeated and missing required columns."""
    allowed = {column.name: column for column in report_columns(spec, writable, labels, agencies)}
    every = {column.name: column for column in report_columns(spec, frozenset({"*"}), labels, agencies)}
    by_label = {column.label: column.name for column in every.values()}
    mapped: list[Column | None] = []
    errors: list[RowError] = []
    for position, cell in enumerate(header):
        name = _heading_name(cell)
        name = by_label.get(name, name)
        error: RowError | None = None
        if not name:
            pass
        elif name not in every:
            error = RowError(HEADER_ROW, name, f"column {position + 1} is not a field of {spec.type_name}")
        elif name not in allowed:
            error = RowError(HEADER_ROW, name, "your agency may not write this field")
        elif any(column is not None and column.name == name for column in mapped):
            error = RowError(HEADER_ROW, name, "the column appears twice")
        if error is not None:
            errors.append(error)
        mapped.append(allowed[name] if name and error is None else None)
    present = {column.name for column in mapped if column is not None}
    for column in every.values():
        if column.field.required and column.name not in present:
            reason = "required column is missing" if column.name in allowed else "required, but your agency may not write it"
            errors.append(RowError(HEADER_ROW, column.name, reason))
    return mapped, errors


class CellError(ValueError):
    pass


def _convert_choice(column: Column, raw: Any) -> Any:
    text = str(raw).strip()
    value = column.spelled.get(text) or column.spelled.get(text.upper())
    if value is None:
        raise CellError(f"'{text}' is not one of {', '.join(choice.name for choice in column.choices)}")
    return value


def _convert_date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CellError(f"'{raw}' is not a date (write YYYY-MM-DD)") from None


def _convert_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise CellError(f"'{raw}' is not a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = str(raw).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    raise CellError(f"'{raw}' is not a whole number")


def _convert_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "yes", "1", "是"}:
        return True
    if text in {"false", "no", "0", "否"}:
        return False
    raise CellError(f"'{raw}' is not yes/no")


def convert_cell(column: Column, raw: Any) -> Any:
    """A spreadsheet cell as the column's input field's Python value; None for an empty cell."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if column.choices:
        return _convert_choice(column, raw)
    spec_field = column.field
    kind = spec_field.python_type
    if kind is date:
        return _convert_date(raw)
    if kind is int:
        return _convert_int(raw)
    if kind is bool:
        return _convert_bool(raw)
    if kind is str:
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return raw if isinstance(raw, str) else str(raw)
    raise CellError(f"{spec_field.graphql_name} cannot be imported from a spreadsheet")


class BatchRecordWriter(RecordWriter):
    """`RecordWriter` whose reference checks use visible ids fetched once per batch instead of once per row."""

    def __init__(self, session: Session, spec: RecordSpec, gate: WriteGate) -> None:
        super().__init__(session, spec, gate)
        self._visible: dict[str, set[int]] = {}
        self._permitted: set[frozenset[str]] = set()

    def prefetch(self, batch: Iterable[dict[str, Any]]) -> None:
        rows = list(batch)
        self._visible = {}
        for spec_field in self.spec.fields:
            target = spec_field.references
            if target is None:
                continue
            wanted = {row[spec_field.attr] for row in rows if isinstance(row.get(spec_field.attr), int)}
            found: Iterable[int] = self.session.scalars(
                select(target.id).where(target.id.in_(wanted), self.gate.scope(target.__tablename__))  # type: ignore[attr-defined]
            ) if wanted else []
            self._visible[spec_field.attr] = set(found)

    def validate(self, values: dict[str, Any]) -> dict[str, Any]:
        """The cleaned values of a new row, or `ValidationFailed` with every violation."""
        missing = {spec.attr: None for spec in self.spec.fields if spec.required and spec.attr not in values}
        return self._validate({**missing, **values}, current={})

    def _check_reference(self, spec: InputField, value: int) -> None:
        visible = self._visible.get(spec.attr)
        if visible is None:
            super()._check_reference(spec, value)
        elif value not in visible:
            assert spec.references is not None
            raise DomainValidationError(spec.graphql_name, f"no {spec.references.__name__} with id {value} is visible to you")

    def _check_permissions(self, values: dict[str, Any]) -> None:
        """Rows of one file mostly give the same columns: decide each set of columns once."""
        given = frozenset(values)
        if given not in self._permitted:
            super()._check_permissions(values)
            self._permitted.add(given)

    def insert(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert validated rows; their new ids, in no particular order. Graph-projected tables go through the flush (outbox)."""
        model = self.spec.model
        if not rows:
            return []
        if model.__tablename__ in PROJECTED_TABLES:
            records = [model(**row) for row in rows]
            self.session.add_all(records)
            self.session.flush()
            return [record.id for record in records]  # type: ignore[attr-defined]
        table = model.__table__
        assert isinstance(table, Table)
        if self.session.get_bind().dialect.name == "sqlite":
            return self._insert_on_sqlite(table, rows)
        return list(self.session.scalars(insert(model).returning(model.id), list(rows)))  # type: ignore[attr-defined]

    def _insert_on_sqlite(self, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
        """One Core executemany, several times faster than the ORM's INSERT ... RETURNING: the import holds
        SQLite's one write lock for less time, so the audit entries of concurrent reads wait less for it.

        The rows just inserted hold the highest ids: the statement ran under the write lock, which this
        transaction keeps until it ends, and SQLite gives each new row the highest id plus one.
        """
        connection = self.session.connection()
        connection.execute(table.insert(), list(rows))
        last = int(connection.scalar(select(func.max(table.c.id))) or 0)
        return list(range(last - len(rows) + 1, last + 1))

    def out_of_scope(self, ids: Sequence[int]) -> set[tuple[Any, ...]]:
        """The values (`row_key`) of just-written rows that fall outside the rows the caller may write.

        Whether a row is in scope depends only on its values, so rows are matched back by them.
        """
        model = self.spec.model
        table = model.__tablename__
        outside = self.session.scalars(select(model).where(model.id.in_(ids), ~self.gate.scope(table)))  # type: ignore[attr-defined]
        return {self.row_key({spec.attr: getattr(row, spec.attr) for spec in self.spec.fields}) for row in outside}

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values.get(spec.attr) for spec in self.spec.fields)


@dataclass(frozen=True)
class ParsedRow:
    number: int
    values: dict[str, Any]


def parse_rows(
    columns: Sequence[Column | None], rows: Iterable[tuple[int, Sequence[Any]]], result: ImportResult
) -> list[ParsedRow]:
    """Convert every non-empty row's cells; conversion failures become row errors."""
    parsed: list[ParsedRow] = []
    for number, cells in rows:
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        result.rows += 1
        values: dict[str, Any] = {}
        failed = False
        for position, cell in enumerate(cells):
            column = columns[position] if position < len(columns) else None
            if column is None:
                if cell is not None and str(cell).strip():
                    result.errors.append(RowError(number, None, f"a value in column {position + 1}, which has no heading"))
                    failed = True
                continue
            try:
                value = convert_cell(column, cell)
            except CellError as error:
                result.errors.append(RowError(number, column.name, str(error)))
                failed = True
                continue
            if value is not None:
                values[column.field.attr] = value
        if isinstance(cadre_id := values.get("cadre_id"), int):
            result.cadre_ids.add(cadre_id)  # audited whether the row is written or refused
        if not failed:
            parsed.append(ParsedRow(number, values))
    return parsed


def validate_rows(
    session: Session, spec: RecordSpec, gate: WriteGate, parsed: Sequence[ParsedRow], result: ImportResult,
    progress: Progress = _no_progress,
) -> list[tuple[int, dict[str, Any]]]:
    """Validate every row, in batches, without writing anything: (row number, cleaned values) of the valid rows.

    Fields, permissions and references are checked as for a GraphQL write; whether a row would fall inside the
    caller's row scope is asked of the database over the row's values (`scope_check`), so a file that fails
    never takes the write lock. Every row's problems are collected in `result.errors`.
    """
    writer = BatchRecordWriter(session, spec, gate)
    table = spec.model.__table__
    assert isinstance(table, Table)  # a declarative model's table; SQLAlchemy types it as any FromClause
    scope = gate.scope(table.name)
    valid: list[tuple[int, dict[str, Any]]] = []
    total = len(parsed)
    for start in range(0, total, BATCH_SIZE):
        batch = parsed[start : start + BATCH_SIZE]
        writer.prefetch(row.values for row in batch)
        cleaned_batch: list[tuple[int, dict[str, Any]]] = []
        for row in batch:
            try:
                cleaned_batch.append((row.number, writer.validate(row.values)))
            except ValidationFailed as failure:
                result.errors.extend(RowError(row.number, v.field, v.message) for v in failure.violations)
        inside = rows_inside(session, table, scope, [cleaned for _number, cleaned in cleaned_batch])
        for position, (number, cleaned) in enumerate(cleaned_batch):
            if position in inside:
                valid.append((number, cleaned))
            else:
                result.errors.append(RowError(number, None, OUTSIDE_SCOPE))
        session.expunge_all()  # keep the identity map small on large files
        progress("validate", min(start + BATCH_SIZE, total), total)
    result.errors.sort(key=lambda error: error.row)
    return valid


def insert_rows(
    session: Session, spec: RecordSpec, gate: WriteGate, valid: Sequence[tuple[int, dict[str, Any]]],
    result: ImportResult, progress: Progress = _no_progress,
) -> None:
    """Insert validated rows in batches inside the caller's transaction; rows the scope refuses after all are errors.

    The scope was checked before writing; checking the written rows again inside the transaction catches a
    cadre that left the caller's scope in between.
    """
    writer = BatchRecordWriter(session, spec, gate)
    total = len(valid)
    for start in range(0, total, BATCH_SIZE):
        batch = valid[start : start + BATCH_SIZE]
        try:
            ids = writer.insert([cleaned for _number, cleaned in batch])
        except IntegrityError:
            # The database's own message names tables and constraints: logged, not shown.
            logger.exception("the database refused import rows %s-%s", batch[0][0], batch[-1][0])
            raise ImportRefused(f"the database refused rows {batch[0][0]}-{batch[-1][0]}; nothing was imported") from None
        outside = writer.out_of_scope(ids) if ids else set()
        for number, cleaned in batch:
            if outside and writer.row_key(cleaned) in outside:
                result.errors.append(RowError(number, None, OUTSIDE_SCOPE))
            else:
                result.imported += 1
        session.expunge_all()
        progress("write", min(start + BATCH_SIZE, total), total)


class ImportRefused(Exception):
    """The file as a whole cannot be imported (its header, its format, or the database refused it)."""


def import_report(
    session: Session,
    spec: RecordSpec,
    gate: WriteGate,
    header: Sequence[Any],
    rows: Iterable[tuple[int, Sequence[Any]]],
    labels: dict[str, str],
    progress: Progress = _no_progress,
) -> ImportResult:
    """Check the header, convert and validate every row; only when all are valid, write them in a new transaction.

    The caller commits the writes (with its audit entry) or rolls them back when `result` has errors.
    """
    columns, header_errors = map_header(header, spec, gate.writable, labels, gate.agencies)
    result = ImportResult(columns=[column for column in columns if column is not None])
    if header_errors:
        result.errors = header_errors
        return result
    parsed = parse_rows(columns, rows, result)
    if result.rows == 0:
        result.errors.append(RowError(HEADER_ROW + 1, None, "the file has no rows below its header"))
        return result
    valid = validate_rows(session, spec, gate, parsed, result, progress)
    if result.errors:
        return result
    session.commit()  # ends the read transaction of the validation: the writes start one of their own
    insert_rows(session, spec, gate, valid, result, progress)
    return result


__all__ = [
    "BATCH_SIZE",
    "ENUM_LABELS",
    "NEGATIVE_RECORD_LABELS",
    "OUTSIDE_SCOPE",
    "BatchRecordWriter",
    "Choice",
    "Column",
    "ImportRefused",
    "ImportResult",
    "RowError",
    "convert_cell",
    "import_report",
    "map_header",
    "report_columns",
]
