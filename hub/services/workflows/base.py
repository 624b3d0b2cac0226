"""What every workflow step needs: the acting agency, visible rows, refusals, versions and the decision ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hub import models
from hub.agencies import Agencies, unknown_agency
from hub.services.record_writes import (
    InputField,
    RecordNotFound,
    StaleVersion,
    ValidationFailed,
    Violation,
    _check_field,
)
from hub.validation import DomainValidationError

Row = TypeVar("Row", bound=models.Base)
MAX_TEXT = 10000


class WrongState(Exception):
    """The step does not apply to the row in its current state (an illegal transition, a closed review...)."""

    def __init__(self, message: str, current_state: str) -> None:
        super().__init__(message)
        self.current_state = current_state


class NotAllowed(Exception):
    """The caller's agency may not take this step (on this row)."""


@dataclass(frozen=True)
class Actor:
    """The agency and user taking a step, what the policy lets them write and read, their row scope and the
    agencies the policy declares (the codes a step may record)."""

    agency_code: str
    user: str
    writable: frozenset[str]
    readable: frozenset[str]  # readable unmasked
    row_clause: Callable[[str], ColumnElement[bool]] = field(default=lambda _table: true())
    agencies: Agencies = field(default_factory=Agencies)
    unit_id: int | None = None  # the employing unit the token names, if any

    @property
    def agency(self) -> str:
        """The acting agency's code, recorded as who took the step."""
        if self.agency_code not in self.agencies:
            raise NotAllowed(f"agency {unknown_agency(self.agency_code)}")
        return self.agency_code

    def may(self, operation: str) -> bool:
        return f"Mutation.{operation}" in self.writable or "*" in self.writable

    def require(self, operation: str) -> None:
        """Defence in depth: the agency's schema already hides the mutations it may not call."""
        if not self.may(operation):
            raise NotAllowed(f"your agency may not {operation}")

    def reads(self, fields: Iterable[str]) -> bool:
        return "*" in self.readable or all(name in self.readable for name in fields)

    def scope(self, model: type[models.Base]) -> ColumnElement[bool]:
        return self.row_clause(model.__tablename__)


def visible(session: Session, actor: Actor, model: type[Row], row_id: int, label: str | None = None) -> Row:
    """The row if it exists within the caller's scope; otherwise RecordNotFound (the same for both)."""
    row = session.scalar(select(model).where(model.id == row_id, actor.scope(model)))  # type: ignore[attr-defined]
    if row is None:
        raise RecordNotFound(f"no {label or model.__name__} with id {row_id} is visible to you")
    return row


def check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise StaleVersion(row.version)


def flush(session: Session, row: Any | None = None) -> None:
    """Flush; a concurrent change to a versioned row becomes StaleVersion with the version now stored."""
    try:
        session.flush()
    except StaleDataError:
        if row is None:
            raise
        model, row_id = type(row), row.id
        session.rollback()
        current = session.scalar(select(model.version).where(model.id == row_id))
        raise StaleVersion(int(current or 0)) from None


def flush_unique(session: Session, message: str, current_state: str) -> None:
    """Flush rows guarded by a unique constraint; losing a race to a concurrent request is a WrongState."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise WrongState(message, current_state) from None


class Problems:
    """Collects every broken input rule, then refuses them all at once."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def add(self, field_name: str, message: str) -> None:
        self.violations.append(Violation(field_name, message))

    def text(self, field_name: str, value: str | None, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
        """Clean text the way record writes do: NFC, no control characters but line breaks, length, required."""
        spec = InputField(field_name, str, required=required, max_length=max_length, multiline=True)
        try:
            return _check_field(spec, value) or ""
        except DomainValidationError as error:
            self.add(field_name, error.message)
            return ""

    def declared(self, field_name: str, codes: Sequence[str], agencies: Agencies) -> list[str]:
        """The codes, sorted and each once; one the policy does not declare is a problem (no row may name it)."""
        chosen = sorted(set(codes))
        for code in chosen:
            if code not in agencies:
                self.add(field_name, unknown_agency(code))
        return chosen

    def raise_if_any(self) -> None:
        if self.violations:
            raise ValidationFailed(self.violations)


def refuse(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed([Violation(field_name, message)])


def record_decision(
    session: Session,
    actor: Actor,
    action: str,
    subject: models.Base,
    *,
    cadre_id: int | None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
) -> models.Decision:
    """Append one step to the accountability ledger, in the step's own transaction."""
    decision = models.Decision(
        agency=actor.agency, user=actor.user, action=action, subject=type(subject).__name__,
        subject_id=subject.id, cadre_id=cadre_id, from_state=from_state, to_state=to_state, note=note,  # type: ignore[attr-defined]
    )
    session.add(decision)
    return decision
