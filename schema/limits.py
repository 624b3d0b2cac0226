"""Limits against hostile GraphQL: depth, estimated cost, aliases, tokens, introspection, allow-listed operations.

All of these run at validation, once per operation; none wraps resolvers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    is_abstract_type,
    is_composite_type,
)
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from schema.pagination import MAX_PAGE_SIZE

NOT_ALLOWED_MESSAGE = "this operation is not on the hub's allow-list"


@dataclass(frozen=True)
class GraphQLLimits:
    max_depth: int = 12
    max_cost: int = 1_000_000
    list_size_estimate: int = 10  # rows assumed for a nested list that has no `first`
    max_aliases: int = 30
    max_tokens: int = 5_000
    production: bool = False  # introspection off (unexpected errors are masked in every mode)
    allowed_operations: frozenset[str] | None = None  # sha256 of allowed query texts; None allows any


def estimated_cost(selection_set: SelectionSetNode, parent: GraphQLCompositeType, context: ValidationContext,
                   limits: GraphQLLimits, fragments: dict[str, FragmentDefinitionNode]) -> int:
    """1 per field, times the rows each list can return (its `first` or the estimate), summed down the tree.

    A selection on a union or interface is priced for each object type it can resolve to, and the costliest
    one counts: fields, inline fragments and fragment spreads are priced alike wherever they appear (query or
    mutation payload), so wrapping a selection in a fragment never makes it cheaper.
    """
    return _CostEstimator(context.schema, limits, fragments).selection_set(selection_set, parent, 0)


class _CostEstimator:
    """One operation's estimate; each (selection set, object type) is priced once, however often it is spread."""

    def __init__(self, schema: GraphQLSchema, limits: GraphQLLimits, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.limits = limits
        self.fragments = fragments
        self.priced: dict[tuple[int, str], int] = {}
        self.pricing: set[tuple[int, str]] = set()  # in progress: meeting one again is a fragment cycle

    @property
    def too_costly(self) -> int:
        return self.limits.max_cost + 1

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLCompositeType, depth: int) -> int:
        """The cost of `selection_set` on one value of `parent`: the costliest object type it may be."""
        possible = (parent,) if isinstance(parent, GraphQLObjectType) else self.schema.get_possible_types(parent)
        return max((self._on_object(selection_set, kind, depth) for kind in possible), default=0)

    def _on_object(self, selection_set: SelectionSetNode, kind: GraphQLObjectType, depth: int) -> int:
        if depth > self.limits.max_depth * 2:
            return self.too_costly
        key = (id(selection_set), kind.name)
        if key in self.priced:
            return self.priced[key]
        if key in self.pricing:
            return self.too_costly
        self.pricing.add(key)
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, kind, depth)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, kind):
                    total += self._on_object(selection.selection_set, kind, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and self._applies(fragment.type_condition.name.value, kind):
                    total += self._on_object(fragment.selection_set, kind, depth + 1)
        self.pricing.discard(key)
        self.priced[key] = total
        return total

    def _applies(self, condition: str, kind: GraphQLObjectType) -> bool:
        """Whether a fragment on type `condition` is applied to a value of object type `kind`."""
        target = self.schema.get_type(condition)
        if target is None:
            return False
        if is_abstract_type(target):
            return self.schema.is_sub_type(target, kind)
        return target is kind

    def _field(self, node: FieldNode, parent: GraphQLObjectType, depth: int) -> int:
        definition = parent.fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return 1
        output = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        rows = _rows(node, self.limits) if "first" in definition.args else (
            self.limits.list_size_estimate if isinstance(output, GraphQLList) else 1
        )
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return 1 + rows
        return 1 + rows * self.selection_set(node.selection_set, named, depth + 1)


def _rows(node: FieldNode, limits: GraphQLLimits) -> int:
    for argument in node.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(1, int(argument.value.value))
            return MAX_PAGE_SIZE  # a variable: assume the largest page
    return limits.list_size_estimate


def cost_rule(limits: GraphQLLimits) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            schema = self.context.schema
            root = schema.mutation_type if node.operation.value == "mutation" else schema.query_type
            if root is None:
                return
            fragments = {
                definition.name.value: definition
                for definition in self.context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            cost = estimated_cost(node.selection_set, root, self.context, limits, fragments)
            if cost > limits.max_cost:
                self.report_error(GraphQLError(
                    f"the query's estimated cost {cost:,} exceeds the limit of {limits.max_cost:,}: "
                    "ask for fewer rows (first) or fewer nested lists",
                    node, extensions={"code": "QUERY_TOO_COSTLY"},
                ))

    return CostLimit


class AllowListedOperations(SchemaExtension):
    """With an allow-list configured, only operations whose text hashes (sha256) into it may run.

    The hash is of the text's UTF-8 bytes with lone surrogates passed through, as hub/persisted_queries.py hashes
    the allow-list, so any text a client can send has a hash (and one that is not listed is simply not allowed).
    """

    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        if getattr(self.execution_context.context, "export", ""):  # the hub's own text, for an allow-listed route
            yield
            return
        if hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest() not in self.allowed:
            raise GraphQLError(NOT_ALLOWED_MESSAGE, extensions={"code": "NOT_ALLOWED"})
        yield


def limit_extensions(limits: GraphQLLimits) -> list[Any]:
    """Extension factories (a fresh extension per request) for the configured limits."""
    cost = cost_rule(limits)
    allowed = limits.allowed_operations
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: AddValidationRules([cost]),
    ]
    if allowed is not None:
        extensions.insert(0, lambda: AllowListedOperations(allowed))
    if limits.production:
        extensions.append(DisableIntrospection)
    return extensions
