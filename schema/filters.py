"""Filter and sort inputs of the list queries.

Every filter field and sort key names, in its `requires` metadata, the `Type.field`s it reveals.
The authorization layer drops a filter or sort key from an agency's schema unless that agency
may read all of them unmasked, so filters and sorts cannot serve as an oracle.

The standard filter fields and the sort keys are generated from the declared record fields
(`hub.record_fields`); the special conditions are hand-written in the filter classes below.
"""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

import strawberry
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute

from hub import models
from hub.models.enums import NegativeStatus
from hub.record_fields import RECORD_KINDS, Filter, RecordField, RecordKind, kind_of
from schema.enums import KinshipKind, computed_enum, graphql_type_of
from schema.loaders import Loaders

REQUIRES = "requires"

C = TypeVar("C", bound=type)


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


def order_input(type_name: str) -> tuple[type[enum.Enum], type]:
    """`<Type>OrderField` enum (values are field names) and `<Type>Order` input: the kind's declared sort keys."""
    keys = {field.attr.upper(): field.graphql_name for field in RECORD_KINDS[type_name].sort_fields}
    field_enum = strawberry.enum(computed_enum(f"{type_name}OrderField", keys), name=f"{type_name}OrderField")
    order_cls = type(
        f"{type_name}Order",
        (),
        {
            "__annotations__": {"field": field_enum, "direction": SortDirection},
            "direction": SortDirection.ASC,
        },
    )
    return field_enum, strawberry.input(order_cls, name=f"{type_name}Order")


CadreOrderField, CadreOrder = order_input("Cadre")
UnitOrderField, UnitOrder = order_input("Unit")
PostOrderField, PostOrder = order_input("Post")
PersonOrderField, PersonOrder = order_input("Person")
OrganizationOrderField, OrganizationOrder = order_input("Organization")
NegativeRecordOrderField, NegativeRecordOrder = order_input("NegativeRecord")


Clause = Callable[[Any, Loaders], ColumnElement[bool]]

FILTER_CLAUSES: dict[type, dict[str, Clause]] = {}


def _declared_condition(kind: RecordKind, field: RecordField) -> tuple[Any, Clause]:
    """The filter field (with the `Type.field`s it reveals) and clause of a field declared with a filter."""
    revealed = [f"{kind.type_name}.{field.policy_name}"]
    if field.references:
        revealed.append(f"{kind_of(field.references).type_name}.id")
    column = getattr(kind.model, field.attr)
    if field.filter is Filter.CONTAINS:
        return requires(*revealed), lambda value, _loaders: contains(column, value)
    return requires(*revealed), _equal(column)


def record_filter(type_name: str, description: str | None = None, **special: Clause) -> Callable[[C], C]:
    """`<Type>Filter`: the kind's declared filter fields, then the decorated class's hand-written ones, whose
    clauses are given by field name in `special`."""
    kind = RECORD_KINDS[type_name]

    def decorate(cls: C) -> C:
        own = inspect.get_annotations(cls)
        if set(own) != set(special):
            raise TypeError(f"{type_name}Filter: hand-written fields {sorted(own)}, clauses for {sorted(special)}")
        clauses: dict[str, Clause] = {}
        annotations: dict[str, Any] = {}
        for field in kind.filter_fields:
            annotations[field.filter_name] = graphql_type_of(field.python_type) | None
            default, clauses[field.filter_name] = _declared_condition(kind, field)
            setattr(cls, field.filter_name, default)
        cls.__annotations__ = {**annotations, **own}
        graphql_input = strawberry.input(cls, name=f"{type_name}Filter", description=description)
        FILTER_CLAUSES[graphql_input] = {**clauses, **special}
        return graphql_input

    return decorate


def _equal(column: Any) -> Clause:
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


def _person_relative_of(column: Any) -> Clause:
    def clause(value: Any, loaders: Loaders) -> ColumnElement[bool]:
        return exists(
            select(models.Kinship.id).where(
                models.Kinship.person_id == models.Person.id, column == value, loaders.scoped(models.Kinship)
            )
        )

    return clause


def _person_emigrated(value: bool, _loaders: Loaders) -> ColumnElement[bool]:
    return models.Person.emigrated_to.is_not(None) if value else models.Person.emigrated_to.is_(None)


@record_filter(
    "Cadre", description="Conditions on cadres; all given conditions must hold.", on_negative_list=_cadre_on_negative_list
)
class CadreFilter:
    on_negative_list: bool | None = requires(
        "Cadre.negativeRecords",
        "NegativeRecord.status",
        description="Has a negative record that is not cleared (among those the caller may see).",
    )


@record_filter("Unit")
class UnitFilter:
    """Only the declared filter fields."""


@record_filter("Post")
class PostFilter:
    """Only the declared filter fields."""


@record_filter(
    "Person",
    emigrated=_person_emigrated,
    relative_of_cadre_id=_person_relative_of(models.Kinship.cadre_id),
    kinship=_person_relative_of(models.Kinship.kind),
)
class PersonFilter:
    emigrated: bool | None = requires("Person.emigratedTo")
    relative_of_cadre_id: int | None = requires("Person.relativeOf", "Relative.cadre", "Cadre.id")
    kinship: KinshipKind | None = requires("Person.relativeOf", "Relative.kind")


@record_filter("Organization")
class OrganizationFilter:
    """Only the declared filter fields."""


@record_filter(
    "NegativeRecord",
    reported_from=lambda value, _loaders: models.NegativeRecord.reported_on >= value,
    reported_to=lambda value, _loaders: models.NegativeRecord.reported_on <= value,
)
class NegativeRecordFilter:
    reported_from: date | None = requires("NegativeRecord.reportedOn")
    reported_to: date | None = requires("NegativeRecord.reportedOn")


def filter_clauses(filter_input: Any, loaders: Loaders) -> list[ColumnElement[bool]]:
    if filter_input is None:
        return []
    builders = FILTER_CLAUSES[type(filter_input)]
    return [
        build(getattr(filter_input, name), loaders)
        for name, build in builders.items()
        if getattr(filter_input, name) is not None
    ]
