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
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
)
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
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
    production: bool = False  # introspection off, unexpected errors masked
    allowed_operations: frozenset[str] | None = None  # sha256 of allowed query texts; None allows any


def estimated_cost(selection_set: SelectionSetNode, parent: GraphQLObjectType, context: ValidationContext,
                   limits: GraphQLLimits, fragments: dict[str, FragmentDefinitionNode], depth: int = 0) -> int:
    """1 per field, times the rows each list can return (its `first` or the estimate), summed down the tree."""
    if depth > limits.max_depth * 2:
        return limits.max_cost + 1
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(selection, parent, context, limits, fragments, depth)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = context.schema.get_type(condition.name.value) if condition else parent
            if isinstance(target, GraphQLObjectType):
                total += estimated_cost(selection.selection_set, target, context, limits, fragments, depth + 1)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                target = context.schema.get_type(fragment.type_condition.name.value)
                if isinstance(target, GraphQLObjectType):
                    total += estimated_cost(fragment.selection_set, target, context, limits, fragments, depth + 1)
    return total


def _field_cost(node: FieldNode, parent: GraphQLObjectType, context: ValidationContext, limits: GraphQLLimits,
                fragments: dict[str, FragmentDefinitionNode], depth: int) -> int:
    definition = parent.fields.get(node.name.value)
    if definition is None or node.selection_set is None:
        return 1
    output = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
    rows = _rows(node, limits) if "first" in definition.args else (
        limits.list_size_estimate if isinstance(output, GraphQLList) else 1
    )
    named = get_named_type(definition.type)
    if not isinstance(named, GraphQLObjectType):
        return 1 + rows  # unions: their members are priced by their inline fragments at the next level
    return 1 + rows * estimated_cost(node.selection_set, named, context, limits, fragments, depth + 1)


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
    """With an allow-list configured, only operations whose text hashes (sha256) into it may run."""

    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        if hashlib.sha256(query.encode()).hexdigest() not in self.allowed:
            raise GraphQLError(NOT_ALLOWED_MESSAGE, extensions={"code": "NOT_ALLOWED"})
        yield


def _should_mask(error: GraphQLError) -> bool:
    """Errors we raise on purpose carry a code and no stored data; anything else is masked in production."""
    return not (error.extensions or {}).get("code") and error.original_error is not None


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
        extensions += [
            DisableIntrospection,
            lambda: MaskErrors(should_mask_error=_should_mask, error_message="internal error"),
        ]
    return extensions
