"""What one request may see: the interface the schema needs from the authorization layer.

The schema never decides access itself; `policies.enforcement` builds an `AccessView` from the
Casbin policy for the calling agency and the request carries it in its context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import ColumnElement, true

from hub.agencies import Agencies


class RowScope(Protocol):
    """Row predicates: which records of a kind the caller may see or touch."""

    def clause(self, table: str) -> ColumnElement[bool]:
        """A SQL predicate over the named table's columns."""
        ...

    def cadre_scope_names(self) -> tuple[str, ...]:
        """The policy's scope names for cadres (`all`, `management`, `own_unit`), for stores queried without SQL."""
        ...

    def children_of_visible(self, table: str, column: str, parent_table: str) -> ColumnElement[bool]:
        """`clause(table)` for rows whose `column` is the id of a `parent_table` row the caller may see."""
        ...

    def referenced_by_visible(self, table: str, by_table: str, by_column: str) -> ColumnElement[bool]:
        """`clause(table)` for rows that a `by_table` row the caller may see points to through `by_column`."""
        ...


@dataclass(frozen=True)
class AllRows:
    """No row restriction (the all-access principal used by the CLI, seeding and benchmarks)."""

    def clause(self, table: str) -> ColumnElement[bool]:
        return true()

    def cadre_scope_names(self) -> tuple[str, ...]:
        return ("all",)

    def children_of_visible(self, table: str, column: str, parent_table: str) -> ColumnElement[bool]:
        return true()

    def referenced_by_visible(self, table: str, by_table: str, by_column: str) -> ColumnElement[bool]:
        return true()


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
    """The compiled decision for one principal: readable, masked and writable `Type.field`s and row scope, and the
    agencies the policy declares (what an agency field may name; none unless given)."""

    principal: Principal
    readable: frozenset[str]
    masked: frozenset[str]
    writable: frozenset[str]
    rows: RowScope = field(default_factory=AllRows)
    agencies: Agencies = field(default_factory=Agencies)

    def can_read(self, type_name: str, field_name: str) -> bool:
        key = f"{type_name}.{field_name}"
        return key in self.readable or key in self.masked

    def can_read_unmasked(self, type_name: str, field_name: str) -> bool:
        return f"{type_name}.{field_name}" in self.readable

    def can_write(self, type_name: str, field_name: str) -> bool:
        return f"{type_name}.{field_name}" in self.writable
