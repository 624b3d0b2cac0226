"""Filter and sort inputs of the list queries.

Every filter field and sort key names, in its `requires` metadata, the `Type.field`s it reveals.
The authorization layer drops a filter or sort key from an agency's schema unless that agency
may read all of them unmasked, so filters and sorts cannot serve as an oracle.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute

from hub import models
from hub.models.enums import NegativeStatus
from schema.enums import (
    Agency,
    KinshipKind,
    ManagementLevel,
    NegativeCategory,
    NegativeStatus as NegativeStatusEnum,
    OrganizationKind,
    Rank,
    Severity,
)
from schema.loaders import Loaders

REQUIRES = "requires"


def requires(*fields: str, description: str | None = None) -> Any:
    """An optional filter field that reveals the given `Type.field`s."""
    return strawberry.field(default=None, metadata={REQUIRES: fields}, description=description)


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    return column.like(like_pattern(text), escape="\\")


@strawberry.enum
class SortDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def order_clauses(model: type[models.Base], order_by: Sequence[Any] | None) -> list[Any]:
    """Sort keys (enum values are the GraphQL field names) followed by id, for a stable order."""
    clauses: list[Any] = []
    for key in order_by or ():
        column = getattr(model, snake(key.field.value))
        clauses.append(column.desc() if key.direction == SortDirection.DESC else column.asc())
    clauses.append(model.id.asc())  # type: ignore[attr-defined]
    return clauses


def order_input(type_name: str, fields: Sequence[str]) -> tuple[type[enum.Enum], type]:
    """`<Type>OrderField` enum (values are field names) and `<Type>Order` input for a record type."""
    field_enum = strawberry.enum(
        enum.Enum(f"{type_name}OrderField", {snake(name).upper(): name for name in fields}),  # type: ignore[misc]
        name=f"{type_name}OrderField",
    )
    order_cls = type(
        f"{type_name}Order",
        (),
        {
            "__annotations__": {"field": field_enum, "direction": SortDirection},
            "direction": SortDirection.ASC,
        },
    )
    return field_enum, strawberry.input(order_cls, name=f"{type_name}Order")


CadreOrderField, CadreOrder = order_input(
    "Cadre", ["id", "name", "birthDate", "rank", "managementLevel", "reserveTier", "workStartDate"]
)
UnitOrderField, UnitOrder = order_input("Unit", ["id", "name", "jurisdiction"])
PostOrderField, PostOrder = order_input("Post", ["id", "title", "rank", "quota"])
PersonOrderField, PersonOrder = order_input("Person", ["id", "name", "birthDate"])
OrganizationOrderField, OrganizationOrder = order_input("Organization", ["id", "name", "industry"])
NegativeRecordOrderField, NegativeRecordOrder = order_input(
    "NegativeRecord", ["id", "reportedOn", "occurredOn", "severity", "status", "category"]
)


@strawberry.input(description="Conditions on cadres; all given conditions must hold.")
class CadreFilter:
    name_contains: str | None = requires("Cadre.name")
    unit_id: int | None = requires("Cadre.unit", "Unit.id")
    rank: Rank | None = requires("Cadre.rank")
    management_level: ManagementLevel | None = requires("Cadre.managementLevel")
    reserve_tier: int | None = requires("Cadre.reserveTier")
    jurisdiction: str | None = requires("Cadre.jurisdiction")
    on_negative_list: bool | None = requires(
        "Cadre.negativeRecords",
        "NegativeRecord.status",
        description="Has a negative record that is not cleared (among those the caller may see).",
    )


@strawberry.input
class UnitFilter:
    name_contains: str | None = requires("Unit.name")
    jurisdiction: str | None = requires("Unit.jurisdiction")
    level: ManagementLevel | None = requires("Unit.level")


@strawberry.input
class PostFilter:
    title_contains: str | None = requires("Post.title")
    unit_id: int | None = requires("Post.unit", "Unit.id")
    rank: Rank | None = requires("Post.rank")
    is_key_post: bool | None = requires("Post.isKeyPost")


@strawberry.input
class PersonFilter:
    name_contains: str | None = requires("Person.name")
    jurisdiction: str | None = requires("Person.jurisdiction")
    emigrated: bool | None = requires("Person.emigratedTo")
    relative_of_cadre_id: int | None = requires("Person.relativeOf", "Relative.cadre", "Cadre.id")
    kinship: KinshipKind | None = requires("Person.relativeOf", "Relative.kind")


@strawberry.input
class OrganizationFilter:
    name_contains: str | None = requires("Organization.name")
    kind: OrganizationKind | None = requires("Organization.kind")
    industry: str | None = requires("Organization.industry")


@strawberry.input
class NegativeRecordFilter:
    cadre_id: int | None = requires("NegativeRecord.cadre", "Cadre.id")
    category: NegativeCategory | None = requires("NegativeRecord.category")
    status: NegativeStatusEnum | None = requires("NegativeRecord.status")
    severity: Severity | None = requires("NegativeRecord.severity")
    reporting_agency: Agency | None = requires("NegativeRecord.reportingAgency")
    reported_from: date | None = requires("NegativeRecord.reportedOn")
    reported_to: date | None = requires("NegativeRecord.reportedOn")


def _equal(column: Any) -> Callable[[Any, Loaders], ColumnElement[bool]]:
    return lambda value, _loaders: column == value


def _cadre_on_negative_list(value: bool, loaders: Loaders) -> ColumnElement[bool]:
    listed = exists(
        select(models.NegativeRecord.id).where(
            models.NegativeRecord.cadre_id == models.Cadre.id,
            models.NegativeRecord.status != NegativeStatus.CLEARED,
            loaders.scoped(models.NegativeRecord),
        )
    )
    return listed if value else ~listed


def _person_relative_of(column: Any) -> Callable[[Any, Loaders], ColumnElement[bool]]:
    def clause(value: Any, loaders: Loaders) -> ColumnElement[bool]:
        return exists(
            select(models.Kinship.id).where(
                models.Kinship.person_id == models.Person.id, column == value, loaders.scoped(models.Kinship)
            )
        )

    return clause


FILTER_CLAUSES: dict[type, dict[str, Callable[[Any, Loaders], ColumnElement[bool]]]] = {
    CadreFilter: {
        "name_contains": lambda value, _l: contains(models.Cadre.name, value),
        "unit_id": _equal(models.Cadre.unit_id),
        "rank": _equal(models.Cadre.rank),
        "management_level": _equal(models.Cadre.management_level),
        "reserve_tier": _equal(models.Cadre.reserve_tier),
        "jurisdiction": _equal(models.Cadre.jurisdiction),
        "on_negative_list": _cadre_on_negative_list,
    },
    UnitFilter: {
        "name_contains": lambda value, _l: contains(models.Unit.name, value),
        "jurisdiction": _equal(models.Unit.jurisdiction),
        "level": _equal(models.Unit.level),
    },
    PostFilter: {
        "title_contains": lambda value, _l: contains(models.Post.title, value),
        "unit_id": _equal(models.Post.unit_id),
        "rank": _equal(models.Post.rank),
        "is_key_post": _equal(models.Post.is_key_post),
    },
    PersonFilter: {
        "name_contains": lambda value, _l: contains(models.Person.name, value),
        "jurisdiction": _equal(models.Person.jurisdiction),
        "emigrated": lambda value, _l: models.Person.emigrated_to.is_not(None)
        if value
        else models.Person.emigrated_to.is_(None),
        "relative_of_cadre_id": _person_relative_of(models.Kinship.cadre_id),
        "kinship": _person_relative_of(models.Kinship.kind),
    },
    OrganizationFilter: {
        "name_contains": lambda value, _l: contains(models.Organization.name, value),
        "kind": _equal(models.Organization.kind),
        "industry": _equal(models.Organization.industry),
    },
    NegativeRecordFilter: {
        "cadre_id": _equal(models.NegativeRecord.cadre_id),
        "category": _equal(models.NegativeRecord.category),
        "status": _equal(models.NegativeRecord.status),
        "severity": _equal(models.NegativeRecord.severity),
        "reporting_agency": _equal(models.NegativeRecord.reporting_agency),
        "reported_from": lambda value, _l: models.NegativeRecord.reported_on >= value,
        "reported_to": lambda value, _l: models.NegativeRecord.reported_on <= value,
    },
}


def filter_clauses(filter_input: Any, loaders: Loaders) -> list[ColumnElement[bool]]:
    if filter_input is None:
        return []
    builders = FILTER_CLAUSES[type(filter_input)]
    return [
        build(getattr(filter_input, name), loaders)
        for name, build in builders.items()
        if getattr(filter_input, name) is not None
    ]
