"""graphql-core execution with a shortcut for objects whose selected fields are all plain attributes.

A graph answer is ~1,500 small objects (nodes and edges) of three to five scalar fields each; graphql-core
spends far more time per field (resolve info, path, completion) and per list item than reading the
attribute costs. When every field selected on an object type is a strawberry "basic" field (no resolver,
no extension, no permission, not masked by the policy cut, no arguments) of a scalar or enum type, its
objects are completed here in one loop: the attribute read strawberry's resolver would do, then the same
output coercion. Anything else (a null in a non-null position, a value that fails coercion, an awaitable,
an exception, a streamed list, middleware) goes to graphql-core's own path, which then produces exactly
its usual result or error; reading an attribute twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


class PlainField(NamedTuple):
    response_name: str
    read: Callable[[Any, str], Any]  # strawberry's default resolver (getattr unless configured otherwise)
    attribute: str
    leaf_type: GraphQLLeafType
    non_null: bool


PlainPlan = tuple[PlainField, ...]

# Values that can be neither an exception nor awaitable, so the check is skipped for them.
_INERT_TYPES = frozenset({str, int, float, bool, dict, list})


def _unwrap(output_type: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if isinstance(output_type, GraphQLNonNull):
        return output_type.of_type, True
    return output_type, False


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, completing objects of plain scalar fields without per-field machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (parent type name, id of the grouped field set) -> (the set, kept alive so its id stays unique; plan)
        self._plain_plans: dict[tuple[str, int], tuple[GroupedFieldSet, PlainPlan | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if position_context is None and not self._has_middleware():
            plan = self._plain_plan(parent_type, grouped_field_set)
            if plan is not None:
                completed = _complete_object(plan, source_value, self.is_awaitable)
                if completed is not None:
                    return completed
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        plan, non_null_items = self._plain_list_plan(item_type, field_details_list, path, items, position_context)
        if plan is not None:
            completed = _complete_list(plan, items, non_null_items, self.is_awaitable)  # type: ignore[arg-type]
            if completed is not None:
                return completed
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def _has_middleware(self) -> bool:
        manager = self.middleware_manager  # strawberry always passes one, usually empty
        return manager is not None and bool(manager.middlewares)

    def _plain_list_plan(
        self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList, path: Path,
        items: Iterable[Any], position_context: Any,
    ) -> tuple[PlainPlan | None, bool]:  # fmt: skip
        object_type, non_null_items = _unwrap(item_type)
        if (
            not isinstance(items, (list, tuple))  # a second pass must see the same items
            or not isinstance(object_type, GraphQLObjectType)
            or object_type.is_type_of is not None
            or position_context is not None
            or self._has_middleware()
            or self.get_stream_usage(field_details_list, path) is not None
        ):
            return None, non_null_items
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None, non_null_items
        return self._plain_plan(object_type, grouped_field_set), non_null_items

    def _plain_plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> PlainPlan | None:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plain_plans.get(key)
        if cached is None:
            cached = self._plain_plans[key] = (grouped_field_set, self._build_plan(parent_type, grouped_field_set))
        return cached[1]

    def _build_plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> PlainPlan | None:
        fields: list[PlainField] = []
        for response_name, field_details_list in grouped_field_set.items():
            if any(details.node.arguments for details in field_details_list):
                return None
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            if field_def is None or field_def.args:
                return None
            # strawberry marks the resolver of a field without resolver, extensions or permissions; the policy
            # cut wraps masked fields in a resolver of its own, which is not marked.
            if getattr(field_def.resolve, "_is_default", False) is not True:
                return None
            definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
                return None
            leaf_type, non_null = _unwrap(field_def.type)
            if not is_leaf_type(leaf_type):
                return None
            fields.append(PlainField(
                response_name, definition.default_resolver, definition.python_name, leaf_type, non_null,  # type: ignore[arg-type]
            ))  # fmt: skip
        return tuple(fields) if fields else None


def _complete_list(
    plan: PlainPlan, items: list[Any] | tuple[Any, ...], non_null_items: bool, is_awaitable: Callable[[Any], bool]
) -> list[Any] | None:
    """Every item completed, or None when graphql-core's own path must handle the list."""
    completed: list[Any] = []
    for item in items:
        if item is None or item is Undefined:
            if non_null_items:
                return None
            completed.append(None)
            continue
        if isinstance(item, Exception) or is_awaitable(item):
            return None
        values = _complete_object(plan, item, is_awaitable)
        if values is None:
            return None
        completed.append(values)
    return completed


def _complete_object(plan: PlainPlan, source: Any, is_awaitable: Callable[[Any], bool]) -> dict[str, Any] | None:
    """The completed object, or None when graphql-core's own path must handle it."""
    completed: dict[str, Any] = {}
    for response_name, read, attribute, leaf_type, non_null in plan:
        try:
            value = read(source, attribute)
            if value is None or value is Undefined:
                if non_null:
                    return None
                completed[response_name] = None
                continue
            if type(value) not in _INERT_TYPES and (isinstance(value, Exception) or is_awaitable(value)):
                return None
            coerced = leaf_type.coerce_output_value(value)
        except Exception:  # noqa: BLE001  (graphql-core's path raises it again and reports it as a field error)
            return None
        if coerced is None or coerced is Undefined:
            return None
        completed[response_name] = coerced
    return completed
