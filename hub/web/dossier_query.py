"""The query a dossier runs, built from the reader's own schema: every field of the record that the agency's
schema has, and of its relations, so a dossier holds exactly what the same reader gets from /graphql.

The agency's schema is the policy's cut (`schema/build.py`, `policies/schema_view.py`): a field it may not read
does not exist in it, so it cannot be selected here either.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    get_named_type,
    is_leaf_type,
)

RELATION_DEPTH = 2  # the record's relations, and theirs (a post's unit), each with its own scalar fields


@dataclass(frozen=True)
class Selected:
    """One selected field: its name, whether it is a list, its enum (for labels), and what it selects below."""

    name: str
    is_list: bool = False
    enum: GraphQLEnumType | None = None
    children: tuple[Selected, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children


def _is_list(field_type: GraphQLType) -> bool:
    unwrapped = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    return isinstance(unwrapped, GraphQLList)


def _selectable(field: GraphQLField) -> bool:
    """Fields that take arguments (graph queries and the like) are questions about a record, not its file."""
    return not field.args


def selection(object_type: GraphQLObjectType, depth: int = RELATION_DEPTH, *, nested: bool = False) -> tuple[Selected, ...]:
    """Every scalar and enum field of `object_type`, then its object fields (to `depth`), in the schema's order."""
    leaves: list[Selected] = []
    relations: list[Selected] = []
    for name, field in object_type.fields.items():
        if name.startswith("__") or not _selectable(field):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            leaves.append(Selected(name, _is_list(field.type), named if isinstance(named, GraphQLEnumType) else None))
        elif depth > 0 and isinstance(named, GraphQLObjectType) and not named.name.endswith("Connection"):
            if nested and _is_list(field.type):
                continue  # a related record's own lists (a unit's posts) belong to its own file
            children = selection(named, depth - 1, nested=True)
            if children:
                relations.append(Selected(name, _is_list(field.type), None, children))
    return (*leaves, *relations)


def selection_text(selected: tuple[Selected, ...]) -> str:
    return " ".join(f"{item.name} {{ {selection_text(item.children)} }}" if item.children else item.name
                    for item in selected)


@dataclass(frozen=True)
class DossierQuery:
    text: str
    root: str  # the query field the record is read from
    selected: tuple[Selected, ...]


def _root(schema: GraphQLSchema, field_name: str, type_name: str) -> GraphQLObjectType | None:
    query = schema.query_type
    field = query.fields.get(field_name) if query is not None else None
    named = get_named_type(field.type) if field is not None else None
    return named if isinstance(named, GraphQLObjectType) and named.name == type_name else None


def cadre_query(schema: GraphQLSchema) -> DossierQuery | None:
    """`cadre(id:)` with everything the schema has of a cadre; None when the agency may not read cadres by id."""
    cadre = _root(schema, "cadre", "Cadre")
    if cadre is None:
        return None
    selected = selection(cadre)
    return DossierQuery(f"query CadreDossier($id: Int!) {{ cadre(id: $id) {{ {selection_text(selected)} }} }}",
                        "cadre", selected)


def case_query(schema: GraphQLSchema) -> DossierQuery | None:
    """`case(number:)` with everything the schema has of a case; None when the agency may not read a case."""
    case = _root(schema, "case", "Case")
    if case is None:
        return None
    selected = selection(case)
    return DossierQuery(
        f"query CaseDossier($number: String!) {{ case(number: $number) {{ {selection_text(selected)} }} }}",
        "case", selected,
    )


__all__ = ["DossierQuery", "Selected", "cadre_query", "case_query", "selection", "selection_text"]
