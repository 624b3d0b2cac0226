"""Create, update and delete mutations for every record kind, generated from `hub.services.specs`.

Each input field carries `writes` metadata naming the `Type.field` whose write permission it needs;
the authorization layer drops input fields (and whole mutations) an agency may not use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info
from strawberry.types.unset import UNSET

from hub import audit
from hub.agencies import AgencyCode
from hub.models import Cadre
from hub.services.record_writes import RecordNotFound, RecordWriter, StaleVersion, ValidationFailed, WriteGate
from hub.services.specs import RECORD_SPECS, InputField, RecordSpec
from schema import record_types
from schema.context import RequestContext, context_of
from schema.enums import Agency
from schema.errors import FieldError, NotFound, ValidationErrors, VersionConflict

WRITES = "writes"

OUTPUT_TYPES: dict[str, type] = record_types.DECLARED_TYPES


@strawberry.input(description="One weighted fit dimension; the weights of a post sum to 1.")
class FitWeightInput:
    dimension: str
    weight: float


@strawberry.type(description="The record was deleted.")
class Deleted:
    id: int


def _graphql_input_type(field: InputField) -> Any:
    if field.python_type is dict:
        return list[FitWeightInput]
    if field.python_type is AgencyCode:
        return Agency
    return field.python_type


def _to_value(field: InputField, value: Any) -> Any:
    if field.python_type is dict and value is not None:
        return {weight.dimension: weight.weight for weight in value}
    return value


def _input_class(spec: RecordSpec, prefix: str, all_optional: bool) -> type:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field in spec.fields:
        graphql_type = _graphql_input_type(field)
        metadata = {WRITES: f"{spec.type_name}.{field.policy_name}"}
        if field.required and not all_optional:
            annotations[field.attr] = graphql_type
            namespace[field.attr] = strawberry.field(metadata=metadata)
        else:
            annotations[field.attr] = graphql_type | None
            namespace[field.attr] = strawberry.field(default=UNSET, metadata=metadata)
    namespace["__annotations__"] = annotations
    name = f"{prefix}{spec.type_name}Input"
    return strawberry.input(type(name, (), namespace), name=name)


def _given_values(spec: RecordSpec, data: Any) -> dict[str, Any]:
    return {
        field.attr: _to_value(field, getattr(data, field.attr))
        for field in spec.fields
        if getattr(data, field.attr) is not UNSET
    }


def _gate(context: RequestContext) -> WriteGate:
    access = context.access
    return WriteGate(writable=access.writable, row_clause=access.rows.clause, agencies=access.agencies)


def _errors(failure: ValidationFailed) -> ValidationErrors:
    return ValidationErrors(errors=[FieldError(field=v.field, message=v.message) for v in failure.violations])


# Attempts of a write without an expected version whose row a concurrent write changed in between.
STALE_RETRIES = 5


def audit_write(
    context: RequestContext, operation_name: str, cadre_ids: Iterable[int], fields: Iterable[str], operation: str = "write",
) -> None:
    """Append the write's audit entry (who, which cadres, which `Type.field`s, why) in the write's transaction."""
    principal = context.access.principal
    audit.append(
        context.session,
        audit.AccessRecord(
            user=principal.user,
            agency=principal.agency,
            operation=operation,
            operation_name=operation_name,
            cadre_ids=tuple(sorted(set(cadre_ids))),
            fields=tuple(sorted(set(fields))),
            purpose=context.purpose,
        ),
    )


def _written_fields(spec: RecordSpec, written: Iterable[str]) -> list[str]:
    return [f"{spec.type_name}.{spec.field_by_attr(attr).policy_name}" for attr in written]


def _audit_refused(context: RequestContext, spec: RecordSpec, operation_name: str, tried: Iterable[str],
                   writer: RecordWriter) -> Callable[[], None]:
    """The `write_refused` entry of a write the service refused: the cadres it was aimed at and the fields tried."""
    return lambda: audit_write(
        context, operation_name, writer.target_cadre_ids, _written_fields(spec, tried), operation="write_refused"
    )


def _audit_write(context: RequestContext, spec: RecordSpec, operation_name: str, written: dict[str, Any], row: Any) -> None:
    cadre_id = row.id if isinstance(row, Cadre) else getattr(row, "cadre_id", None)
    audit_write(
        context,
        operation_name,
        (cadre_id,) if cadre_id is not None else (),
        _written_fields(spec, written),
    )


def run_write(
    context: RequestContext, action: Callable[[], Any], audit_entry: Callable[[Any], None], *, last_writer_wins: bool = False,
    refusal_entry: Callable[[], None] | None = None,
) -> Any:
    """Run one write in its own transaction with its audit entry: commit both, or roll back everything.

    `last_writer_wins`: the caller named no version it expects, so a concurrent change of the same row is
    not a conflict: the write is applied again on top of it (as if the two had come one after the other).
    `refusal_entry`: appends the audit entry of a refused write (invalid, out of scope, or aimed at a row the
    caller cannot see), committed in a transaction of its own after the write's is rolled back.
    """
    session = context.session
    try:
        for attempt in range(1, STALE_RETRIES + 1):
            try:
                result = action()
                audit_entry(result)
                session.commit()
                break
            except StaleVersion:
                session.rollback()
                if not last_writer_wins or attempt == STALE_RETRIES:
                    raise
    except ValidationFailed as failure:
        session.rollback()
        _append_refusal(context, refusal_entry)
        return _errors(failure)
    except RecordNotFound as missing:
        session.rollback()
        _append_refusal(context, refusal_entry)
        return NotFound(message=str(missing))
    except StaleVersion as stale:
        session.rollback()
        return VersionConflict(
            message="the record changed since you read it; reload it and apply your change again",
            current_version=stale.current_version,
        )
    except BaseException:
        session.rollback()
        raise
    context.read_log.wrote = True
    context.after_write()
    return result


def _append_refusal(context: RequestContext, refusal_entry: Callable[[], None] | None) -> None:
    if refusal_entry is None:
        return
    with context.session.begin():
        refusal_entry()


def _mutation_fields(spec: RecordSpec) -> dict[str, Any]:
    output = OUTPUT_TYPES[spec.type_name]
    create_input = _input_class(spec, "Create", all_optional=False)
    update_input = _input_class(spec, "Update", all_optional=True)
    # The resolvers' return annotations, built for this record kind (values, not type aliases).
    create_result: object = Annotated[output | ValidationErrors, strawberry.union(f"Create{spec.type_name}Result")]
    update_result: object = Annotated[
        output | ValidationErrors | NotFound | VersionConflict, strawberry.union(f"Update{spec.type_name}Result")
    ]
    delete_result: object = Annotated[
        Deleted | ValidationErrors | NotFound, strawberry.union(f"Delete{spec.type_name}Result")
    ]

    def create(info: Info, input: Any) -> Any:
        context = context_of(info)
        writer = RecordWriter(context.session, spec, _gate(context))
        values = _given_values(spec, input)
        return run_write(
            context,
            lambda: writer.create(values),
            lambda row: _audit_write(context, spec, f"create{spec.type_name}", values, row),
            refusal_entry=_audit_refused(context, spec, f"create{spec.type_name}", values, writer),
        )

    def update(info: Info, id: int, input: Any, expected_version: int | None = None) -> Any:
        context = context_of(info)
        writer = RecordWriter(context.session, spec, _gate(context))
        values = _given_values(spec, input)
        return run_write(
            context,
            lambda: writer.update(id, values, expected_version),
            lambda row: _audit_write(context, spec, f"update{spec.type_name}", values, row),
            last_writer_wins=expected_version is None,
            refusal_entry=_audit_refused(context, spec, f"update{spec.type_name}", values, writer),
        )

    def delete(info: Info, id: int) -> Any:
        context = context_of(info)
        writer = RecordWriter(context.session, spec, _gate(context))
        deleted: list[Any] = []

        def action() -> Deleted:
            deleted.append(writer.delete(id))
            return Deleted(id=id)

        every_field = {field.attr: None for field in spec.fields}
        return run_write(
            context, action, lambda _result: _audit_write(context, spec, f"delete{spec.type_name}", every_field, deleted[0]),
            refusal_entry=_audit_refused(context, spec, f"delete{spec.type_name}", every_field, writer),
        )

    create.__annotations__ = {"info": Info, "input": create_input, "return": create_result}
    update.__annotations__ = {
        "info": Info, "id": int, "input": update_input, "expected_version": int | None, "return": update_result,
    }
    delete.__annotations__ = {"info": Info, "id": int, "return": delete_result}
    name = spec.type_name[0].lower() + spec.type_name[1:]
    return {
        f"create_{name}": strawberry.mutation(create, name=f"create{spec.type_name}"),
        f"update_{name}": strawberry.mutation(
            update, name=f"update{spec.type_name}",
            description="expectedVersion, when given, refuses the write if the record changed since it was read.",
        ),
        f"delete_{name}": strawberry.mutation(delete, name=f"delete{spec.type_name}"),
    }


def _build_mutation_type() -> type:
    namespace: dict[str, Any] = {}
    for spec in RECORD_SPECS:
        namespace.update(_mutation_fields(spec))
    return strawberry.type(type("Mutation", (), namespace), name="Mutation")


Mutation = _build_mutation_type()

__all__ = ["WRITES", "Decimal", "Deleted", "FitWeightInput", "Mutation", "audit_write", "date", "run_write"]
