"""The plain-field executor answers exactly as strawberry's own executor: same data, same errors, same paths."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql.execution import Executor
from strawberry.scalars import JSON

from schema.execution import PlainFieldExecutor


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

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


class Broken:
    """Looks like an Item but lacks `count`: reading it raises AttributeError."""

    def __init__(self) -> None:
        self.id, self.name, self.note, self.colour, self.data, self.tags = "b", "broken", None, Colour.RED, {}, []


def item(number: int, **overrides: Any) -> Item:
    values: dict[str, Any] = dict(
        id=strawberry.ID(f"item:{number}"), name=f"item {number}", note=None if number % 2 else "even",
        colour=Colour.RED if number % 3 else Colour.BLUE, data={"n": number, "nested": [1, {"a": None}]},
        count=number, tags=["a", "b"],
    )  # fmt: skip
    return Item(**{**values, **overrides})


GOOD = [item(n) for n in range(1, 8)]
ROWS: dict[str, list[Any]] = {
    "good": GOOD,
    "null_in_non_null": [*GOOD[:2], item(3, name=None), *GOOD[3:]],
    "uncoercible_int": [*GOOD[:4], item(5, count="many")],
    "wrong_enum": [item(1, colour="green"), *GOOD[1:]],
    "missing_attribute": [*GOOD[:3], Broken()],
    "exception_value": [item(1, note=ValueError("stored error")), *GOOD[1:]],
    "null_item": [*GOOD[:2], None],
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


DEFAULT = strawberry.Schema(query=Query)
PLAIN = strawberry.Schema(query=Query, execution_context_class=PlainFieldExecutor)

QUERIES = [
    "query($r: String!) { items(rows: $r) { id name note colour data count } }",
    "query($r: String!) { maybeItems(rows: $r) { id name note colour data count } }",
    "query($r: String!) { one(rows: $r) { id name colour count } maybeOne(rows: $r) { note data } }",
    "query($r: String!) { items(rows: $r) { key: id label: name __typename } }",
    "query($r: String!) { items(rows: $r) { id tags shout } }",
    "query($r: String!) { items(rows: $r) { ...Parts name @skip(if: true) note @include(if: false) } }"
    " fragment Parts on Item { id count }",
    "query($r: String!) { items(rows: $r) { id name } again: items(rows: $r) { id colour } }",
]


def run(schema: strawberry.Schema, query: str, rows: str) -> tuple[Any, list[Any]]:
    result = asyncio.run(schema.execute(query, variable_values={"r": rows}))
    errors = sorted((error.message, tuple(error.path or ())) for error in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("rows", sorted(ROWS))
@pytest.mark.parametrize("query", QUERIES)
def test_same_answer_as_strawberry(query: str, rows: str) -> None:
    assert run(PLAIN, query, rows) == run(DEFAULT, query, rows)


def test_plain_objects_skip_per_field_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    execute_field = Executor.execute_field

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        calls.append(parent_type.name)
        return execute_field(self, parent_type, *args)

    monkeypatch.setattr(Executor, "execute_field", counting)
    data, errors = run(PLAIN, QUERIES[0], "good")
    assert not errors and len(data["items"]) == len(GOOD)
    assert calls == ["Query"]  # the items' fields were completed without graphql-core's per-field path
    calls.clear()
    run(PLAIN, QUERIES[4], "good")  # a list field and a resolver: graphql-core's own path
    assert calls.count("Item") == 3 * len(GOOD)
