"""What one request may see: the interface the schema needs from the authorization layer.

The schema never decides access itself; `policies.enforcement` builds an `AccessView` from the
Casbin policy for the calling agency and the request carries it in its context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import ColumnElement, true


class RowScope(Protocol):
    """Row predicates: which records of a kind the caller may see or touch."""

    def clause(self, table: str) -> ColumnElement[bool]:
        """A SQL predicate over the named table's columns."""
        ...

    def cadre_scope_names(self) -> tuple[str, ...]:
        """The policy's scope names for cadres (`all`, `management`, `own_unit`), for stores queried without SQL."""
        ...


@dataclass(frozen=True)
class AllRows:
    """No row restriction (the all-access principal used by the CLI, seeding and benchmarks)."""

    def clause(self, table: str) -> ColumnElement[bool]:
        return true()

    def cadre_scope_names(self) -> tuple[str, ...]:
        return ("all",)


@dataclass(frozen=True)
class Principal:
    user: str
    agency: str
    roles: tuple[str, ...] = ()
    jurisdiction: str | None = None
    level: str | None = None  # "city" or "county": the management authority (管理权限) of the caller
    unit_id: int | None = None


@dataclass(frozen=True)
class AccessView:
    """The compiled decision for one principal: readable, masked and writable `Type.field`s and row scope."""

    principal: Principal
    readable: frozenset[str]
    masked: frozenset[str]
    writable: frozenset[str]
    rows: RowScope = field(default_factory=AllRows)

    def can_read(self, type_name: str, field_name: str) -> bool:
        key = f"{type_name}.{field_name}"
        return key in self.readable or key in self.masked

    def can_read_unmasked(self, type_name: str, field_name: str) -> bool:
        return f"{type_name}.{field_name}" in self.readable

    def can_write(self, type_name: str, field_name: str) -> bool:
        return f"{type_name}.{field_name}" in self.writable
