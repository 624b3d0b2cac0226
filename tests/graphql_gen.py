"""Builds GraphQL documents from a schema: a path to any field, and random queries for property tests."""

from __future__ import annotations

from collections import deque
from typing import Any

from graphql import (
    REMOVE,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    NamedTypeNode,
    NameNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    get_named_type,
    parse,
    print_ast,
    visit,
)
from graphql.pyutils import Undefined
from hypothesis import strategies as st

SAMPLE_IDS = (1, 2, 3, 4)


def unwrap(graphql_type: Any) -> Any:
    return get_named_type(graphql_type)


def literal(graphql_type: Any, draw: Any | None = None) -> str | None:
    """A literal for an input type, or None when it has no simple sample."""
    named = unwrap(graphql_type)
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    if isinstance(graphql_type, GraphQLList):
        inner = literal(graphql_type.of_type, draw)
        return None if inner is None else f"[{inner}]"
    if isinstance(named, GraphQLEnumType):
        values = sorted(named.values)
        return values[0] if draw is None else draw(st.sampled_from(values))
    if isinstance(named, GraphQLInputObjectType):
        parts = []
        for name, field in named.fields.items():
            required = isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
            if required or (draw is not None and draw(st.booleans())):
                value = literal(field.type, draw)
                if value is None:
                    if required:
                        return None
                    continue
                parts.append(f"{name}: {value}")
        return "{" + ", ".join(parts) + "}"
    scalars = {
        "Int": lambda: str(draw(st.sampled_from(SAMPLE_IDS))) if draw else "1",
        "String": lambda: draw(st.sampled_from(['"王"', '"huzhou"', '"湖州"', '"%"'])) if draw else '"王"',
        "Boolean": lambda: draw(st.sampled_from(["true", "false"])) if draw else "true",
        "Date": lambda: '"2024-01-01"',
        "Float": lambda: "0.5",
        "Decimal": lambda: '"1.00"',
        "ID": lambda: '"cadre:1"',
    }
    make = scalars.get(named.name)
    return make() if make else None


def required_args(field: Any) -> str | None:
    """Arguments for a field: required ones filled with samples; None if one cannot be filled."""
    parts = []
    for name, arg in field.args.items():
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined:
            value = literal(arg.type)
            if value is None:
                return None
            parts.append(f"{name}: {value}")
    return f"({', '.join(parts)})" if parts else ""


def leaf_selection(graphql_type: Any) -> str:
    """Something selectable inside an object or union type (for reaching a field's parent)."""
    named = unwrap(graphql_type)
    if isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    if isinstance(named, GraphQLObjectType):
        return "{ __typename }"
    return ""


def path_to_type(schema: GraphQLSchema, target: str) -> list[tuple[str, str]] | None:
    """Shortest chain of (field, args) from Query to an object of type `target`, or None."""
    query = schema.query_type
    if query is None:
        return None
    start: tuple[str, list[tuple[str, str]]] = (query.name, [])
    queue = deque([start])
    seen = {query.name}
    while queue:
        type_name, path = queue.popleft()
        if type_name == target:
            return path
        owner = schema.type_map[type_name]
        assert isinstance(owner, GraphQLObjectType)
        for field_name, field in owner.fields.items():
            args = required_args(field)
            named = unwrap(field.type)
            if args is None or not isinstance(named, GraphQLObjectType) or named.name in seen:
                continue
            seen.add(named.name)
            queue.append((named.name, [*path, (field_name, args)]))
    return None


def query_for_field(schema: GraphQLSchema, type_name: str, field_name: str) -> str | None:
    """A query that selects `type_name.field_name`, reached through the shortest path; None if unreachable."""
    owner = schema.type_map.get(type_name)
    if not isinstance(owner, GraphQLObjectType) or field_name not in owner.fields:
        return None
    if type_name == "Query":
        field = owner.fields[field_name]
        args = required_args(field)
        return None if args is None else f"{{ {field_name}{args} {leaf_selection(field.type)} }}"
    path = path_to_type(schema, type_name)
    if path is None:
        return None
    field = owner.fields[field_name]
    args = required_args(field)
    if args is None:
        return None
    inner = f"{field_name}{args} {leaf_selection(field.type)}"
    for step, step_args in reversed(path):
        inner = f"{step}{step_args} {{ {inner} }}"
    return "{ " + inner + " }"


@st.composite
def random_query(draw: Any, schema: GraphQLSchema, max_depth: int = 3) -> str:
    """A random query over `schema` with aliases, inline and named fragments, filters, sorts and nesting."""
    fragments: list[str] = []

    def selection(object_type: GraphQLObjectType, depth: int) -> str:
        names = sorted(object_type.fields)
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
        parts = []
        for index, name in enumerate(chosen):
            field = object_type.fields[name]
            args = field_args(field)
            if args is None:
                continue
            named = unwrap(field.type)
            alias = f"a{depth}_{index}: " if draw(st.booleans()) else ""
            if isinstance(named, GraphQLObjectType):
                if depth >= max_depth:
                    parts.append(f"{alias}{name}{args} {{ __typename }}")
                    continue
                inner = selection(named, depth + 1)
                style = draw(st.sampled_from(["plain", "inline", "named"]))
                if style == "inline":
                    inner = f"... on {named.name} {inner}"
                    inner = "{ " + inner + " }"
                elif style == "named":
                    fragment_name = f"F{len(fragments)}"
                    fragments.append(f"fragment {fragment_name} on {named.name} {inner}")
                    inner = f"{{ ...{fragment_name} }}"
                parts.append(f"{alias}{name}{args} {inner}")
            elif isinstance(named, GraphQLUnionType):
                parts.append(f"{alias}{name}{args} {{ __typename }}")
            else:
                parts.append(f"{alias}{name}{args}")
        return "{ " + (" ".join(parts) or "__typename") + " }"

    def field_args(field: Any) -> str | None:
        parts = []
        for name, arg in field.args.items():
            required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            if required or draw(st.booleans()):
                value = literal(arg.type, draw)
                if value is None:
                    if required:
                        return None
                    continue
                parts.append(f"{name}: {value}")
        return f"({', '.join(parts)})" if parts else ""

    query_type = schema.query_type
    assert query_type is not None
    body = selection(query_type, 0)
    return " ".join([f"query Q {body}", *fragments])


def fit_to_schema(query: str, schema: GraphQLSchema) -> str:
    """`query`, written against the full schema, without what `schema` (an agency's cut) lacks: fields, arguments,
    input fields, fragments on missing types, and the fragments and variables no longer used. A selection left
    empty selects `__typename`."""
    document = parse(query)
    fragment_types = {
        definition.name.value: definition.type_condition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    type_info = TypeInfo(schema)

    def missing(condition: NamedTypeNode | None) -> bool:
        return condition is not None and schema.get_type(condition.name.value) is None

    class Prune(Visitor):
        def enter_field(self, *_args: Any) -> Any:
            return REMOVE if type_info.get_field_def() is None else None

        def enter_argument(self, *_args: Any) -> Any:
            return REMOVE if type_info.get_argument() is None else None

        def enter_object_field(self, *_args: Any) -> Any:
            return REMOVE if type_info.get_input_type() is None else None

        def enter_inline_fragment(self, node: Any, *_args: Any) -> Any:
            return REMOVE if missing(node.type_condition) else None

        def enter_fragment_definition(self, node: Any, *_args: Any) -> Any:
            return REMOVE if missing(node.type_condition) else None

        def enter_fragment_spread(self, node: Any, *_args: Any) -> Any:
            return REMOVE if missing(fragment_types[node.name.value]) else None

        def leave_selection_set(self, node: Any, *_args: Any) -> Any:
            if node.selections:
                return None
            return SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")),))

    pruned = visit(document, TypeInfoVisitor(type_info, Prune()))
    return print_ast(_without_unused(pruned))


def _without_unused(document: DocumentNode) -> DocumentNode:
    """The document without fragments nothing spreads and variable definitions nothing uses."""
    while True:
        spread = {node.name.value for node in _nodes(document, FragmentSpreadNode)}
        kept = [
            definition for definition in document.definitions
            if not isinstance(definition, FragmentDefinitionNode) or definition.name.value in spread
        ]  # fmt: skip
        if len(kept) == len(document.definitions):
            break
        document = DocumentNode(definitions=tuple(kept))
    used = {node.name.value for node in _nodes(document, VariableNode)}

    class DropUnusedVariables(Visitor):
        def enter_variable_definition(self, node: Any, *_args: Any) -> Any:
            return REMOVE if node.variable.name.value not in used else False  # False: not into its own variable

    return visit(document, DropUnusedVariables())  # type: ignore[no-any-return]


def _nodes(document: DocumentNode, kind: type[Any]) -> list[Any]:
    found: list[Any] = []

    class Collect(Visitor):
        def enter(self, node: Any, *_args: Any) -> None:
            if isinstance(node, kind):
                found.append(node)

        def enter_variable_definition(self, *_args: Any) -> Any:
            return False  # a definition is not a use

    visit(document, Collect())
    return found
