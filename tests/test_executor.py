"""The schema's executor answers exactly as strawberry's own executor on values of every kind: same data, same
errors, same paths; and it completes plain objects, lists, union members and graph answers without graphql-core's
per-field path. (Every agency's cut schema over the known world: tests/test_executor_agencies.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

import pytest
import strawberry
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.build import build_full_schema
from schema.executor import CompiledSubtreeExecutor
from schema.graph import NODE_TYPES, Subgraph


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    note: str | None
    colour: Colour
    data: JSON
    count: int
    tags: list[str]
    parent: Item | None = None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @classmethod
    def is_type_of(cls, value: Any, _info: Any) -> bool:  # as record types have (schema.records.record_type)
        return isinstance(value, Item)


@strawberry.type
class Note:
    text: str


Thing = Annotated[Item | Note, strawberry.union("Thing")]


class Broken:
    """Looks like an Item but lacks `count`: reading it raises AttributeError."""

    def __init__(self) -> None:
        self.id, self.name, self.note, self.colour, self.data, self.tags = "b", "broken", None, Colour.RED, {}, []
        self.parent = None


class Imposter:
    """Has every attribute of an Item but is none."""

    def __init__(self) -> None:
        self.__dict__.update(vars(item(1)))


class Later:
    """An awaitable value held by a plain attribute: graphql-core awaits it before completing it."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        return asyncio.sleep(0, self.value).__await__()


def item(number: int, **overrides: Any) -> Item:
    values: dict[str, Any] = dict(
        id=strawberry.ID(f"item:{number}"), name=f"item {number}", note=None if number % 2 else "even",
        colour=Colour.RED if number % 3 else Colour.BLUE, data={"n": number, "nested": [1, {"a": None}]},
        count=number, tags=["a", "b"], parent=None if number % 4 else Item(
            id=strawberry.ID("p"), name="parent", note=None, colour=Colour.BLUE, data=None, count=0, tags=[],
        ),
    )  # fmt: skip
    return Item(**{**values, **overrides})


GOOD = [item(n) for n in range(1, 8)]
ROWS: dict[str, list[Any]] = {
    "good": GOOD,
    "null_in_non_null": [*GOOD[:2], item(3, name=None), *GOOD[3:]],
    "null_in_nested_non_null": [*GOOD[:3], item(4, parent=item(9, count=None)), *GOOD[4:]],
    "uncoercible_int": [*GOOD[:4], item(5, count="many")],
    "wrong_enum": [item(1, colour="green"), *GOOD[1:]],
    "missing_attribute": [*GOOD[:3], Broken()],
    "exception_value": [item(1, note=ValueError("stored error")), *GOOD[1:]],
    "awaitable_value": [item(1, data=Later({"late": True}), note=Later("late")), *GOOD[1:]],
    "awaitable_object": [*GOOD[:5], item(6, parent=Later(item(10)))],
    "null_item": [*GOOD[:2], None],
    "not_an_item": [*GOOD[:2], Note(text="a note")],
    "imposter": [*GOOD[:2], Imposter()],
    "empty": [],
}


@strawberry.type
class Query:
    @strawberry.field
    def items(self, rows: str) -> list[Item]:
        return ROWS[rows]

    @strawberry.field
    def maybe_items(self, rows: str) -> list[Item | None]:
        return ROWS[rows]

    @strawberry.field
    def one(self, rows: str) -> Item:
        return ROWS[rows][0]

    @strawberry.field
    def maybe_one(self, rows: str) -> Item | None:
        return ROWS[rows][-1] if ROWS[rows] else None

    @strawberry.field
    def things(self, rows: str) -> list[Thing]:
        return [Note(text="first"), *ROWS[rows]]

    @strawberry.field
    def network(self, broken: bool) -> Subgraph:
        return subgraph(broken)


@dataclass
class Node:
    """A graph node as graph_sync.queries returns it (resolved to CadreNode by its kind)."""

    id: str
    kind: str
    labels: list[str]
    properties: Any


@dataclass
class Edge:
    """A graph edge as graph_sync.queries returns it."""

    id: str
    kind: str
    source: str
    target: str
    properties: Any


def subgraph(broken: bool) -> Subgraph:
    nodes = [
        Node(id=f"cadre:{n}", kind="cadre", labels=["Cadre", "Person"], properties={"name": f"c{n}"})
        for n in range(1, 6)
    ]
    edges = [
        Edge(id=f"e{n}", kind="TIE", source=nodes[n].id, target=nodes[n + 1].id, properties={})
        for n in range(4)
    ]
    if broken:
        nodes[2].labels = None  # type: ignore[assignment]
        edges[1].properties = ValueError("unreadable")
    return Subgraph(nodes=nodes, edges=edges, truncated=False)  # type: ignore[arg-type]


STOCK = strawberry.Schema(query=Query, types=NODE_TYPES, execution_context_class=StrawberryGraphQLCoreExecutionContext)
COMPILED = strawberry.Schema(query=Query, types=NODE_TYPES, execution_context_class=CompiledSubtreeExecutor)

QUERIES = [
    "query($r: String!) { items(rows: $r) { id name note colour data count } }",
    "query($r: String!) { maybeItems(rows: $r) { id name note colour data count } }",
    "query($r: String!) { one(rows: $r) { id name colour count } maybeOne(rows: $r) { note data } }",
    "query($r: String!) { items(rows: $r) { key: id label: name __typename } }",
    "query($r: String!) { items(rows: $r) { id tags shout } }",
    "query($r: String!) { items(rows: $r) { ...Parts name @skip(if: true) note @include(if: false) } }"
    " fragment Parts on Item { id count }",
    "query($r: String!) { items(rows: $r) { id name } again: items(rows: $r) { id colour } }",
    "query($r: String!) { maybeItems(rows: $r) { id parent { id name count tags parent { id } } } }",
    "query($r: String!) { things(rows: $r) { __typename"
    " ... on Item { id name colour parent { count } } ... on Note { text } } }",
]
TYPED_NETWORK = "query($b: Boolean!) { network(broken: $b) { nodes { __typename kind ... on CadreNode { name } } } }"
NETWORK = """query($b: Boolean!) { network(broken: $b) { truncated
  nodes { id kind labels properties } edges { id kind source target properties } } }"""


def run(schema: strawberry.Schema, query: str, variables: dict[str, Any]) -> tuple[Any, list[Any]]:
    result = asyncio.run(schema.execute(query, variable_values=variables))
    errors = sorted((error.message, tuple(error.path or ())) for error in result.errors or [])
    return result.data, errors


def test_the_schema_runs_on_the_compiled_executor() -> None:
    assert build_full_schema().execution_context_class is CompiledSubtreeExecutor


@pytest.mark.parametrize("rows", sorted(ROWS))
@pytest.mark.parametrize("query", QUERIES)
def test_same_answer_as_strawberry(query: str, rows: str) -> None:
    assert run(COMPILED, query, {"r": rows}) == run(STOCK, query, {"r": rows})


@pytest.mark.parametrize("broken", [False, True])
def test_graph_answers_the_same_as_strawberry(broken: bool) -> None:
    data, errors = run(COMPILED, NETWORK, {"b": broken})
    assert (data, errors) == run(STOCK, NETWORK, {"b": broken})
    assert bool(errors) is broken


def test_plain_objects_skip_per_field_execution(field_executions: list[str]) -> None:
    data, errors = run(COMPILED, QUERIES[0], {"r": "good"})
    assert not errors and len(data["items"]) == len(GOOD)
    assert field_executions == ["Query"]  # the items' fields were completed without graphql-core's per-field path
    field_executions.clear()
    run(COMPILED, QUERIES[4], {"r": "good"})  # a field with a resolver of its own: graphql-core's own path
    assert field_executions.count("Item") == 3 * len(GOOD)


def test_union_members_and_graph_answers_skip_per_field_execution(field_executions: list[str]) -> None:
    data, errors = run(COMPILED, QUERIES[-1], {"r": "good"})
    assert not errors and len(data["things"]) == 1 + len(GOOD)
    data, errors = run(COMPILED, NETWORK, {"b": False})
    assert not errors and len(data["network"]["nodes"]) == 5
    data, errors = run(COMPILED, TYPED_NETWORK, {"b": False})
    assert not errors and data["network"]["nodes"][0] == {"__typename": "CadreNode", "kind": "CADRE", "name": "c1"}
    assert field_executions == ["Query", "Query", "Query"]  # typed nodes: their properties read without resolvers


def test_awaitable_values_are_left_to_graphql_core(field_executions: list[str]) -> None:
    data, errors = run(COMPILED, QUERIES[0], {"r": "awaitable_value"})
    assert not errors and data["items"][0]["data"] == {"late": True} and data["items"][0]["note"] == "late"
    assert "Item" in field_executions
