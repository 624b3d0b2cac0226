"""Create, update and delete any record kind: every rule checked first, all or nothing, within the caller's scope."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hub.agencies import Agencies, AgencyCode, unknown_agency
from hub.services.scope_check import rows_inside
from hub.services.specs import InputField, RecordSpec
from hub.validation import DomainValidationError, validate_id_number

CONTROL_ALLOWED_IN_TEXT = {"\n", "\t", "\r"}
WRITE_REFUSED = "the record cannot be written as given"
OUTSIDE_SCOPE = "the record would fall outside the rows your agency may write"


@dataclass(frozen=True)
class Violation:
    field: str
    message: str


class ValidationFailed(Exception):
    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.message}" for v in violations))
        self.violations = violations


class RecordNotFound(Exception):
    pass


class StaleVersion(Exception):
    def __init__(self, current_version: int) -> None:
        super().__init__(f"the record is at version {current_version}")
        self.current_version = current_version


@dataclass(frozen=True)
class WriteGate:
    """What the caller may write: permitted `Type.field`s, the row predicate each table must satisfy and the
    agencies the policy declares (the codes an agency field may name)."""

    writable: frozenset[str]
    row_clause: Any  # Callable[[str], ColumnElement[bool]]
    agencies: Agencies

    def scope(self, table: str) -> ColumnElement[bool]:
        return self.row_clause(table)


def _clean_text(spec: InputField, value: str) -> str:
    normalized = unicodedata.normalize("NFC", value)
    for char in normalized:
        if unicodedata.category(char) == "Cc" and not (spec.multiline and char in CONTROL_ALLOWED_IN_TEXT):
            raise DomainValidationError(spec.graphql_name, "contains a control character")
    if spec.max_length is not None and len(normalized) > spec.max_length:
        raise DomainValidationError(spec.graphql_name, f"is longer than {spec.max_length} characters")
    if spec.required and not normalized.strip():
        raise DomainValidationError(spec.graphql_name, "is required")
    if spec.attr == "id_number":
        return validate_id_number(normalized, spec.graphql_name)
    return normalized


def _check_field(spec: InputField, value: Any) -> Any:
    if value is None:
        if spec.required:
            raise DomainValidationError(spec.graphql_name, "is required")
        return None
    if isinstance(value, str):
        return _clean_text(spec, value)
    return value


class RecordWriter:
    """All-or-nothing writes of one record kind. The caller owns the transaction and rolls back on failure."""

    def __init__(self, session: Session, spec: RecordSpec, gate: WriteGate) -> None:
        self.session = session
        self.spec = spec
        self.gate = gate
        # The cadres a write was aimed at (the cadre itself, or the one the record concerns), kept so that a
        # refused write can be audited with them after its transaction is rolled back.
        self.target_cadre_ids: set[int] = set()

    def create(self, values: dict[str, Any]) -> Any:
        self._note_targets(None, values)
        missing = {spec.attr: None for spec in self.spec.fields if spec.required and spec.attr not in values}
        cleaned = self._validate({**missing, **values}, current={})
        self._refuse_outside_scope(cleaned)
        row = self.spec.model(**cleaned)
        self.session.add(row)
        self._flush()
        self._ensure_in_scope(row)
        return row

    def update(self, row_id: int, values: dict[str, Any], expected_version: int | None = None) -> Any:
        if self.spec.type_name == "Cadre":
            self.target_cadre_ids.add(row_id)
        row = self.get_in_scope(row_id)
        self._note_targets(row, values)
        current = {spec.attr: getattr(row, spec.attr) for spec in self.spec.fields}
        if expected_version is not None and getattr(row, "version", expected_version) != expected_version:
            raise StaleVersion(row.version)
        cleaned = self._validate(values, current=current)
        stored = {column.key: getattr(row, column.key) for column in self.spec.model.__table__.columns}
        self._refuse_outside_scope({**stored, **cleaned})
        for attr, value in cleaned.items():
            setattr(row, attr, value)
        try:
            self._flush()
        except StaleDataError:
            raise StaleVersion(self._current_version(row_id)) from None
        self._ensure_in_scope(row)
        return row

    def delete(self, row_id: int) -> Any:
        """Delete the row (the caller needs write permission on every field); returns the deleted row."""
        if self.spec.type_name == "Cadre":
            self.target_cadre_ids.add(row_id)
        row = self.get_in_scope(row_id)
        self._note_targets(row, {})
        self._check_permissions({spec.attr: None for spec in self.spec.fields})
        self.session.delete(row)
        self.session.flush()
        return row

    def get_in_scope(self, row_id: int) -> Any:
        model = self.spec.model
        row = self.session.scalar(select(model).where(model.id == row_id, self.gate.scope(model.__tablename__)))  # type: ignore[attr-defined]
        if row is None:
            raise RecordNotFound(f"no {self.spec.type_name} with id {row_id} is visible to you")
        return row

    def _note_targets(self, row: Any, values: dict[str, Any]) -> None:
        owner = getattr(row, "cadre_id", None) if row is not None and self.spec.type_name != "Cadre" else None
        for cadre_id in (owner, values.get("cadre_id")):
            if isinstance(cadre_id, int):
                self.target_cadre_ids.add(cadre_id)

    def _current_version(self, row_id: int) -> int:
        model = self.spec.model
        self.session.rollback()
        return int(self.session.scalar(select(model.version).where(model.id == row_id)) or 0)  # type: ignore[attr-defined]

    def _validate(self, values: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
        violations: list[Violation] = []
        cleaned: dict[str, Any] = {}
        self._check_permissions(values)
        for attr, value in values.items():
            spec = self.spec.field_by_attr(attr)
            try:
                cleaned[attr] = _check_field(spec, value)
                if spec.references is not None and value is not None:
                    self._check_reference(spec, value)
                if spec.python_type is AgencyCode and cleaned[attr] is not None:
                    self._check_agency(spec, cleaned[attr])
            except DomainValidationError as error:
                violations.append(Violation(error.field, error.message))
        violations.extend(self._workflow_violations(cleaned, current))
        merged = {**current, **cleaned}
        for check in self.spec.checks:
            try:
                check(merged)
            except DomainValidationError as error:
                violations.append(Violation(error.field, error.message))
        violations.extend(self._unique_violations(cleaned, current))
        if violations:
            raise ValidationFailed(violations)
        return cleaned

    def _workflow_violations(self, cleaned: dict[str, Any], current: dict[str, Any]) -> list[Violation]:
        """Statuses and conclusions move only through the workflow operations, never through plain writes."""
        violations = []
        for attr, initial in self.spec.workflow_fields.items():
            if attr not in cleaned:
                continue
            allowed = current.get(attr) if current else initial
            if cleaned[attr] != allowed:
                name = self.spec.field_by_attr(attr).graphql_name
                if current:
                    violations.append(Violation(name, "changes only through the workflow operations"))
                elif initial is None:
                    violations.append(Violation(name, "is set by the workflow operations, not on create"))
                else:
                    violations.append(Violation(name, f"a new record starts as {initial.value.upper()}"))
        return violations

    def _check_permissions(self, values: dict[str, Any]) -> None:
        if "*" in self.gate.writable:
            return
        refused = [
            Violation(spec.graphql_name, "your agency may not write this field")
            for spec in (self.spec.field_by_attr(attr) for attr in values)
            if f"{self.spec.type_name}.{spec.policy_name}" not in self.gate.writable
        ]
        if refused:
            raise ValidationFailed(refused)

    def _check_reference(self, spec: InputField, value: int) -> None:
        target = spec.references
        assert target is not None
        visible = self.session.scalar(
            select(exists().where(target.id == value, self.gate.scope(target.__tablename__)))  # type: ignore[attr-defined]
        )
        if not visible:
            raise DomainValidationError(spec.graphql_name, f"no {target.__name__} with id {value} is visible to you")

    def _check_agency(self, spec: InputField, code: str) -> None:
        if code not in self.gate.agencies:
            raise DomainValidationError(spec.graphql_name, unknown_agency(code))

    def _unique_violations(self, cleaned: dict[str, Any], current: dict[str, Any]) -> list[Violation]:
        """Values already taken by a row the caller may see. A row it may not see is not looked for: its
        existence must not show (the database's constraint still refuses the write, see `_flush`)."""
        model = self.spec.model
        scope = self.gate.scope(model.__tablename__)
        violations = []
        for column in model.__table__.columns:
            value = cleaned.get(column.key)
            if column.unique and value is not None and value != current.get(column.key):
                if self.session.scalar(select(exists().where(column == value, scope))):
                    name = self.spec.field_by_attr(column.key).graphql_name
                    violations.append(Violation(name, "is already registered"))
        return violations

    def _refuse_outside_scope(self, candidate: dict[str, Any]) -> None:
        """Refuse a row whose values would put it outside the caller's scope, before anything is written.

        Decided over the values alone (`scope_check`), so it comes before the database's unique constraints are
        consulted: a value held by a row the caller may not see cannot change which refusal an out-of-scope
        write gets.
        """
        table = self.spec.model.__table__
        assert isinstance(table, Table)
        if not rows_inside(self.session, table, self.gate.scope(table.name), [candidate]):
            raise ValidationFailed([Violation("input", OUTSIDE_SCOPE)])

    def _flush(self) -> None:
        """Flush the write; a constraint the checks above could not report (a unique value held by a row outside
        the caller's scope, a concurrent write) refuses it without naming the field or the other row."""
        try:
            self.session.flush()
        except IntegrityError:
            raise ValidationFailed([Violation("input", WRITE_REFUSED)]) from None

    def _ensure_in_scope(self, row: Any) -> None:
        model = self.spec.model
        in_scope = self.session.scalar(
            select(exists().where(model.id == row.id, self.gate.scope(model.__tablename__)))  # type: ignore[attr-defined]
        )
        if not in_scope:
            raise ValidationFailed([Violation("input", OUTSIDE_SCOPE)])
