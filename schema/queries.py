"""The Query root: one record by id and Relay-style lists with filter, sort and pagination."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from hub import models
from schema.context import RequestContext, context_of
from schema.filters import (
    CadreFilter,
    CadreOrder,
    NegativeRecordFilter,
    NegativeRecordOrder,
    OrganizationFilter,
    OrganizationOrder,
    PersonFilter,
    PersonOrder,
    PostFilter,
    PostOrder,
    UnitFilter,
    UnitOrder,
    filter_clauses,
    order_clauses,
)
from schema.pagination import Connection, page_bounds, paginate
from schema.read_rows import read_type, select_rows
from schema.record_types import (
    CadreType,
    NegativeRecordType,
    OrganizationType,
    PersonType,
    PostType,
    UnitType,
    reference,
)
from schema.sql_reads import SqlPage, SqlRecord


def list_records(
    info: Info, model: type[models.Base], filter_input: Any, order_by: Any, first: int | None, after: str | None
) -> Any:
    """The connection of the page, or (for cadres, on an executor that reads SQL) an `SqlPage` it reads in one
    statement when the selection allows."""
    context = context_of(info)
    where = [context.loaders.scoped(model), *filter_clauses(filter_input, context.loaders)]

    def connection() -> Connection[Any]:
        statement = select_rows(model).where(*where).order_by(*order_clauses(model, order_by))
        read = paginate(context.session, statement, first, after, read=read_type(model)._make)
        context.loaders.loaded([edge.node for edge in read.edges])
        return read

    if model is not models.Cadre or not _reads_sql(info, context):
        return connection()
    size, start = page_bounds(first, after)
    return SqlPage(
        model, where, order_by or (), size, start, context.access.rows, _dialect(context), context.session.connection,
        context.session.rollback, connection, _noting(context), _noting_linked(context), splice=context.splice_json,
    )


def _reads_sql(info: Info, context: RequestContext) -> bool:
    """The context allows it and the schema's executor completes `SqlPage` and `SqlRecord` values."""
    return context.sql_reads and getattr(info.schema.execution_context_class, "reads_sql", False) is True


def _dialect(context: RequestContext) -> str:
    return context.session.get_bind().dialect.name


def _noting(context: RequestContext) -> Any:
    def note(cadre_ids: list[int]) -> None:
        context.read_log.cadre_ids.update(cadre_ids)
        context.sql_reads_done += 1

    return note


def _noting_linked(context: RequestContext) -> Any:
    def note(table: str, keys: list[int]) -> None:
        for key in keys:
            context.read_log.note_linked(table, key)

    return note


def record(info: Info, model: type[models.Base], row_id: int) -> Any:
    """The row by id through the loaders, or an `SqlRecord` the executor may read in one statement."""
    context = context_of(info)
    if not _reads_sql(info, context):
        return reference(info, model, row_id)
    return SqlRecord(
        model, row_id, context.access.rows, _dialect(context), context.session.connection,
        context.session.rollback, lambda: reference(info, model, row_id), _noting(context), splice=context.splice_json,
    )


@strawberry.type
class RecordQueries:
    @strawberry.field(description="One cadre by id; null when absent or outside the caller's scope.")
    def cadre(self, info: Info, id: int) -> CadreType | None:
        return record(info, models.Cadre, id)  # type: ignore[no-any-return]

    @strawberry.field
    def cadres(
        self,
        info: Info,
        filter: CadreFilter | None = None,
        order_by: list[CadreOrder] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CadreType]:
        return list_records(info, models.Cadre, filter, order_by, first, after)

    @strawberry.field
    async def unit(self, info: Info, id: int) -> UnitType | None:
        return await reference(info, models.Unit, id)

    @strawberry.field
    def units(
        self,
        info: Info,
        filter: UnitFilter | None = None,
        order_by: list[UnitOrder] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[UnitType]:
        return list_records(info, models.Unit, filter, order_by, first, after)

    @strawberry.field
    async def post(self, info: Info, id: int) -> PostType | None:
        return await reference(info, models.Post, id)

    @strawberry.field
    def posts(
        self,
        info: Info,
        filter: PostFilter | None = None,
        order_by: list[PostOrder] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PostType]:
        return list_records(info, models.Post, filter, order_by, first, after)

    @strawberry.field
    async def person(self, info: Info, id: int) -> PersonType | None:
        return await reference(info, models.Person, id)

    @strawberry.field
    def persons(
        self,
        info: Info,
        filter: PersonFilter | None = None,
        order_by: list[PersonOrder] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PersonType]:
        return list_records(info, models.Person, filter, order_by, first, after)

    @strawberry.field
    async def organization(self, info: Info, id: int) -> OrganizationType | None:
        return await reference(info, models.Organization, id)

    @strawberry.field
    def organizations(
        self,
        info: Info,
        filter: OrganizationFilter | None = None,
        order_by: list[OrganizationOrder] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OrganizationType]:
        return list_records(info, models.Organization, filter, order_by, first, after)

    @strawberry.field
    async def negative_record(self, info: Info, id: int) -> NegativeRecordType | None:
        return await reference(info, models.NegativeRecord, id)

    @strawberry.field
    def negative_records(
        self,
        info: Info,
        filter: NegativeRecordFilter | None = None,
        order_by: list[NegativeRecordOrder] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NegativeRecordType]:
        return list_records(info, models.NegativeRecord, filter, order_by, first, after)
