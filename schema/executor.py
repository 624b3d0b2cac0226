"""Completing whole subtrees of values in one pass, with graphql-core's path as the reference and the fallback.

A page of records or a graph answer is thousands of small objects; graphql-core completes each field of each
one through several generic steps (resolve info, path, completion checks), which costs far more than reading
the row. When every field selected below a list or an object is one of the kinds below, the value is
completed here by a completer compiled once per execution from the selection:

- a plain attribute of a scalar or enum type (strawberry's default resolver), masked if the agency's cut
  schema masks it (`policies.schema_view` marks its masking resolvers with what they read and how they mask);
- a plain attribute holding an object or a list of objects (a connection's edges, an edge's node);
- a relation declared in `schema.relations`, followed through the request's scope-filtered loaders (when
  the context has them);
- `__typename`;
- a field whose resolver only reads its source, declared with the `SOURCE_READ` metadata (a graph node's
  property).

Lists are taken over where graphql-core completes a value, objects where it completes an object, so an
object a union or interface resolved to is completed here too; a list of an interface or union (graph nodes)
is completed here when its type resolver names the type (by a string) and every possible type compiles. Anything else (arguments, resolvers of their
own, unions below the value, deferred fragments, streamed lists, middleware) leaves the value to
graphql-core. So does anything unusual met while completing: an exception, a null in a non-null field, a
value the type cannot serialize, an awaitable, a relation that must be awaited. Then the whole value is
completed again by graphql-core, which produces exactly its usual result, errors and paths; everything the
compiled path calls only reads (attributes, or relations the loaders keep for the request), so reading
twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    GraphQLUnionType,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, collect_fields
from graphql.language import OperationType
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from sqlalchemy.exc import DBAPIError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from hub import models
from schema import sql_plans
from schema.relations import RELATION
from schema.sql_reads import SqlPage, SqlRecord, Unnamed, compile_page, compile_record, parameters

# Field metadata: `read(source)`, what the field's resolver returns, for a resolver that only reads its source.
SOURCE_READ = "source_read"

Completer = Callable[[Any], Any]
# Root fields whose resolvers return what `schema.sql_reads` reads in one statement.
SQL_ROOT_FIELDS: dict[str, type] = {"cadres": SqlPage, "cadre": SqlRecord}
# (schema, operation, boolean variables) -> whether every root field compiles; entries keep their keys alive.
_WHOLE_OPERATION: dict[tuple[int, int, tuple[tuple[str, bool], ...]], tuple[Any, Any, bool]] = {}
MAX_DECISIONS = 1024
IsAwaitable = Callable[[Any], bool]
TYPENAME = "__typename"

# Values that can be neither an exception nor awaitable, so the check is skipped for them.
_INERT_TYPES = frozenset({str, int, float, bool, dict, list, date, datetime, Decimal})


class _NoPlan(Exception):
    """The selection does not compile to one statement."""


class Fallback(Exception):
    """The compiled path cannot complete this value exactly as graphql-core would; graphql-core must."""


class CompiledSubtreeExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, completing lists and objects of plain fields and declared relations at once."""

    reads_sql = True  # completes the `SqlPage` and `SqlRecord` values of the list and record resolvers

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (type, id of the field details list) -> (the list, kept alive so its id stays unique; completer or None)
        self._completers: dict[tuple[GraphQLOutputType, int], tuple[FieldDetailsList, Completer | None]] = {}
        self._loaders = getattr(self.context_value, "loaders", None)
        manager = self.middleware_manager  # strawberry always passes one, usually empty
        self._compiling = manager is None or not manager.middlewares

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        if isinstance(result, (SqlPage, SqlRecord)):
            return self._complete_sql_read(return_type, field_details_list, info, path, result, position_context)
        if position_context is None and self._compiling and _is_list(return_type):
            completer = self._completer(return_type, field_details_list, info)
            if completer is not None:
                try:
                    return completer(result)
                except Exception:
                    pass
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if position_context is None and self._compiling:
            completer = self._completer(return_type, field_details_list, info)
            if completer is not None:
                try:
                    return completer(result)  # type: ignore[no-any-return]
                except Exception:
                    pass
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def _complete_sql_read(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        read: SqlPage | SqlRecord,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """The value in one SQL statement (`schema.sql_reads`) when the selection compiles, else read as before."""
        if position_context is None and self._compiling and self._whole_operation_reads_sql(read):
            try:
                return self._read_in_one_statement(return_type, field_details_list, read)
            except (Unnamed, _NoPlan):
                pass
            except DBAPIError:
                # A query reads only: its transaction ends, and the ordinary path meets the fault where it did
                # before (a failing relation keeps its path and the rest of the answer, an outage is a 503).
                read.rollback()
        value = read.fallback()
        if self.is_awaitable(value):
            async def complete_awaited() -> Any:
                completed = self.complete_value(return_type, field_details_list, info, path, await value, position_context)
                return await completed if self.is_awaitable(completed) else completed

            return complete_awaited()
        return self.complete_value(return_type, field_details_list, info, path, value, position_context)

    def _read_in_one_statement(
        self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList, read: SqlPage | SqlRecord
    ) -> Any:
        """The completed value from the plan kept for this shape, compiled first if there is none (_NoPlan if the
        selection does not compile; Unnamed if the rows hold an enum value the schema cannot name)."""
        where = sql_plans.where_key(read)
        node = field_details_list[0].node
        key = None
        if where is not None:
            key = sql_plans.plan_key(self.schema, node, _switches(self.variable_values), read, where[0])
            prepared = sql_plans.cached(key)
            if prepared is not None:
                return prepared.run(read, where[1])
        target = _named(return_type)
        if isinstance(read, SqlPage):
            plan = compile_page(self._collect, target, field_details_list, read)
        else:
            plan = compile_record(self._collect, target, field_details_list, read)
        if plan is None:
            raise _NoPlan
        if key is not None and where is not None:
            prepared = sql_plans.prepare(key, plan, read, (self.schema, node))
            if prepared is not None:
                return prepared.run(read, where[1])
        row = read.connection().execute(plan.statement, parameters(read)).first()
        return plan.build(row, read)

    def _whole_operation_reads_sql(self, read: SqlPage | SqlRecord) -> bool:
        """Every root field of the query is a page or a record whose selection compiles, so no field reads through
        the loaders: the rows one loader batch reads (and notes for the audit) stay as they were."""
        key = (id(self.schema), id(self.operation), _switches(self.variable_values))
        decided = _WHOLE_OPERATION.get(key)
        if decided is None or decided[0] is not self.schema or decided[1] is not self.operation:
            if len(_WHOLE_OPERATION) >= MAX_DECISIONS:
                _WHOLE_OPERATION.clear()
            decided = _WHOLE_OPERATION[key] = (self.schema, self.operation, self._every_root_field_compiles(read))
        return decided[2]

    def _every_root_field_compiles(self, read: SqlPage | SqlRecord) -> bool:
        root_type = self.schema.query_type
        if self.operation.operation is not OperationType.QUERY or root_type is None:
            return False
        grouped_field_set, new_defer_usages, _forbidden = collect_fields(
            self.schema, self.fragments, self.variable_values, root_type, self.operation, self.hide_suggestions
        )
        if new_defer_usages:
            return False
        for details in grouped_field_set.values():
            name = details[0].node.name.value
            field = root_type.fields.get(name)
            if name == TYPENAME:
                continue
            if field is None or name not in SQL_ROOT_FIELDS:
                return False
            target = _named(field.type)
            if SQL_ROOT_FIELDS[name] is SqlPage:
                probe_page = SqlPage(models.Cadre, [], (), 1, 0, read.rows, read.dialect, read.connection, read.rollback, read.fallback,
                                     read.on_cadres, getattr(read, "on_linked", lambda _table, _keys: None))
                compiled = compile_page(self._collect, target, details, probe_page)
            else:
                probe_record = SqlRecord(models.Cadre, 0, read.rows, read.dialect, read.connection, read.rollback, read.fallback,
                                         read.on_cadres)
                compiled = compile_record(self._collect, target, details, probe_record)
            if compiled is None:
                return False
        return True

    def _collect(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Any:
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
        return None if new_defer_usages else grouped_field_set

    def _completer(
        self, output_type: GraphQLOutputType, field_details_list: FieldDetailsList, info: GraphQLResolveInfo
    ) -> Completer | None:
        key = (output_type, id(field_details_list))
        cached = self._completers.get(key)
        if cached is None:
            streamed = _is_list(output_type) and _streamed(field_details_list)  # graphql-core streams it
            completer = None if streamed else self._compile(output_type, field_details_list, info)
            cached = self._completers[key] = (field_details_list, completer)
        return cached[1]

    def _compile(
        self, output_type: GraphQLOutputType, field_details_list: FieldDetailsList, info: GraphQLResolveInfo
    ) -> Completer | None:
        if isinstance(output_type, GraphQLNonNull):
            inner = self._compile(output_type.of_type, field_details_list, info)
            return None if inner is None else _non_null(inner)
        if isinstance(output_type, GraphQLList):
            inner = self._compile(output_type.of_type, field_details_list, info)
            return None if inner is None else _list_of(inner)
        if is_leaf_type(output_type):
            return _leaf(output_type, self.is_awaitable)
        if isinstance(output_type, GraphQLObjectType):
            return self._compile_object(output_type, field_details_list, info)
        if isinstance(output_type, (GraphQLInterfaceType, GraphQLUnionType)) and output_type.resolve_type is not None:
            possible = {}
            for object_type in info.schema.get_possible_types(output_type):
                completer = self._compile_object(object_type, field_details_list, info)
                if completer is None:
                    return None
                possible[object_type.name] = completer
            return _abstract(output_type, possible, info)
        return None

    def _compile_object(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList, info: GraphQLResolveInfo
    ) -> Completer | None:
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        steps: list[tuple[str, Completer]] = []
        for response_name, details in grouped_field_set.items():
            step = self._compile_field(object_type, details, info)
            if step is None:
                return None
            steps.append((response_name, step))
        return _object(object_type, steps, info, self.is_awaitable)

    def _compile_field(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, info: GraphQLResolveInfo
    ) -> Completer | None:
        """A function from the source object to the field's completed value (raising Fallback when unsure)."""
        if any(detail.node.arguments or detail.node.directives for detail in details):
            return None  # @skip and @include were applied when collecting; any other directive is graphql-core's
        name = details[0].node.name.value
        if name == TYPENAME:
            type_name = object_type.name
            return lambda _source: type_name
        field = object_type.fields.get(name)
        if field is None or field.args:
            return None
        relation = _relation(field)
        if relation is not None:
            if self._loaders is None:
                return None
            complete = self._compile(field.type, details, info)
            return None if complete is None else _following(relation, self._loaders, complete)
        plain = _plain_read(field)
        if plain is not None:
            leaf = _plain_leaf(field.type, *plain, self.is_awaitable)
            if leaf is not None:
                return leaf
            complete = self._compile(field.type, details, info)
            return None if complete is None else _reading(*plain, complete)
        source_read = _source_read(field)
        if source_read is not None:
            complete = self._compile(field.type, details, info)
            return None if complete is None else _reading(lambda source, _attribute: source_read(source), "", complete)
        masked = _masked_read(field)
        if masked is not None and is_leaf_type(_named(field.type)):
            complete = self._compile(field.type, details, info)
            return None if complete is None else _reading_masked(*masked, complete)
        return None


def _switches(variable_values: Any) -> tuple[tuple[str, bool], ...]:
    """The boolean variables (what `@skip` and `@include` may read), which decide what a selection collects."""
    coerced = getattr(variable_values, "coerced", variable_values) or {}
    return tuple(sorted((name, value) for name, value in coerced.items() if isinstance(value, bool)))


def _is_list(output_type: GraphQLOutputType) -> bool:
    if isinstance(output_type, GraphQLNonNull):
        output_type = output_type.of_type
    return isinstance(output_type, GraphQLList)


def _streamed(field_details_list: FieldDetailsList) -> bool:
    return any(
        directive.name.value == "stream" for detail in field_details_list for directive in detail.node.directives or ()
    )


def _named(output_type: GraphQLOutputType) -> Any:
    while isinstance(output_type, (GraphQLNonNull, GraphQLList)):
        output_type = output_type.of_type
    return output_type


def _definition(field: GraphQLField) -> Any:
    return (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)


def _plain_read(field: GraphQLField) -> tuple[Callable[[Any, str], Any], str] | None:
    """(read, attribute) when the field's resolver is strawberry's default one: `read(source, attribute)`."""
    resolve = field.resolve
    if resolve is None or getattr(resolve, "_is_default", False) is not True:
        return None
    definition = _definition(field)
    if definition is None or definition.base_resolver is not None or definition.extensions:
        return None
    return definition.default_resolver, definition.python_name


def _masked_read(field: GraphQLField) -> tuple[Callable[[Any, str], Any], str, Callable[[Any], Any]] | None:
    """(read, attribute, mask) for a masking resolver of a cut schema wrapped around a plain attribute."""
    resolve = field.resolve
    reads, mask = getattr(resolve, "reads", None), getattr(resolve, "masks", None)
    if reads is None or mask is None or getattr(reads, "_is_default", False) is not True:
        return None
    definition = _definition(field)
    if definition is None or definition.base_resolver is not None or definition.extensions:
        return None
    return definition.default_resolver, definition.python_name, mask


def _source_read(field: GraphQLField) -> Callable[[Any], Any] | None:
    definition = _definition(field)
    if definition is None or definition.extensions or field.args:
        return None
    return (getattr(definition, "metadata", None) or {}).get(SOURCE_READ)


def _abstract(abstract_type: Any, possible: dict[str, Completer], info: GraphQLResolveInfo) -> Completer:
    resolve_type = abstract_type.resolve_type

    def complete(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Exception):
            raise Fallback
        type_name = resolve_type(value, info, abstract_type)
        completer = possible.get(type_name) if isinstance(type_name, str) else None
        if completer is None:
            raise Fallback
        return completer(value)

    return complete


def _relation(field: GraphQLField) -> Any:
    definition = _definition(field)
    metadata = getattr(definition, "metadata", None) or {}
    if definition is None or definition.extensions:
        return None
    return metadata.get(RELATION)


def _non_null(inner: Completer) -> Completer:
    def complete(value: Any) -> Any:
        completed = inner(value)
        if completed is None:
            raise Fallback
        return completed

    return complete


def _list_of(inner: Completer) -> Completer:
    def complete(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            raise Fallback  # other iterables may be consumed by iterating: graphql-core's from the start
        return [inner(item) for item in value]

    return complete


def _leaf(leaf_type: Any, is_awaitable: IsAwaitable) -> Completer:
    coerce = leaf_type.coerce_output_value
    # An enum has few members: remember each member's name instead of searching the values every time.
    names: dict[Any, Any] | None = {} if isinstance(leaf_type, GraphQLEnumType) else None

    def complete(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Exception):
            raise Fallback
        if names is not None:
            try:
                name = names.get(value)
            except TypeError:  # unhashable: not an enum member
                raise Fallback from None
            if name is not None:
                return name
        if value.__class__ not in _INERT_TYPES and is_awaitable(value):
            raise Fallback  # graphql-core awaits it first
        try:
            coerced = coerce(value)
        except Exception as error:
            raise Fallback from error
        if coerced is None or coerced is Undefined:
            raise Fallback
        if names is not None:
            names[value] = coerced
        return coerced

    return complete


def _object(
    object_type: GraphQLObjectType, steps: list[tuple[str, Completer]], info: GraphQLResolveInfo,
    is_awaitable: IsAwaitable,
) -> Completer:
    is_type_of = object_type.is_type_of

    def complete(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Exception):
            raise Fallback
        # graphql-core awaits an awaitable before it checks the type; a type check of our types (an instance of
        # rows or of strawberry classes) turns any awaitable away, so only types without one look for awaitables.
        if is_type_of is None:
            if is_awaitable(value):
                raise Fallback
        elif is_type_of(value, info) is not True:
            raise Fallback
        return {response_name: step(value) for response_name, step in steps}

    return complete


def _plain_leaf(
    output_type: GraphQLOutputType, read: Callable[[Any, str], Any], attribute: str, is_awaitable: IsAwaitable
) -> Completer | None:
    """A plain attribute of a scalar or enum type, read and serialized in one step (the most common field)."""
    non_null = isinstance(output_type, GraphQLNonNull)
    leaf_type = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
    if not is_leaf_type(leaf_type):
        return None
    complete = _leaf(leaf_type, is_awaitable)
    # A str is serialized as itself by String (and ID); any other value goes through the type's serializer.
    text = leaf_type is GraphQLString or leaf_type is GraphQLID

    def step(source: Any) -> Any:
        try:
            value = read(source, attribute)
        except Exception as error:
            raise Fallback from error
        if text and value.__class__ is str:
            return value
        completed = complete(value)
        if completed is None and non_null:
            raise Fallback
        return completed

    return step


def _reading(read: Callable[[Any, str], Any], attribute: str, complete: Completer) -> Completer:
    def step(source: Any) -> Any:
        try:
            value = read(source, attribute)
        except Exception as error:
            raise Fallback from error
        return complete(value)

    return step


def _reading_masked(read: Callable[[Any, str], Any], attribute: str, mask: Callable[[Any], Any], complete: Completer) -> Completer:
    def step(source: Any) -> Any:
        try:
            value = mask(read(source, attribute))
        except Exception as error:
            raise Fallback from error
        return complete(value)

    return step


def _following(relation: Any, loaders: Any, complete: Completer) -> Completer:
    def step(source: Any) -> Any:
        try:
            value = relation.follow(loaders, source)
        except Exception as error:
            raise Fallback from error
        if value is not None and not isinstance(value, list) and hasattr(value, "__await__"):
            raise Fallback  # siblings unknown: the DataLoader batches it on graphql-core's path
        return complete(value)

    return step
