"""A query text is validated once per schema; failures are validated (and reported) every time."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
import strawberry
import strawberry.schema.schema as strawberry_schema

from schema.validated_operations import ValidatedOperations


@strawberry.type
class Query:
    @strawberry.field
    def greeting(self, name: str) -> str:
        return f"hello {name}"


def schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, extensions=[ValidatedOperations])


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    validate = strawberry_schema.validate_document

    def counting(graphql_schema: Any, document: Any, rules: Any) -> Any:
        calls.append(graphql_schema.query_type.name)
        return validate(graphql_schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "validate_document", counting)
    return calls


def run(target: strawberry.Schema, query: str) -> tuple[Any, list[str]]:
    result = asyncio.run(target.execute(query))
    return result.data, [error.message for error in result.errors or []]


def test_a_valid_text_is_validated_once(validations: list[str]) -> None:
    target = schema()
    first = run(target, '{ greeting(name: "a") }')
    assert run(target, '{ greeting(name: "a") }') == first == ({"greeting": "hello a"}, [])
    assert len(validations) == 1
    run(target, '{ greeting(name: "b") }')  # another text
    assert len(validations) == 2


def test_an_invalid_text_fails_every_time(validations: list[str]) -> None:
    target = schema()
    answers = [run(target, "{ greeting }") for _ in range(3)]
    assert answers[0][0] is None and "is required, but it was not provided" in answers[0][1][0]
    assert answers == [answers[0]] * 3
    assert len(validations) == 3


def test_another_schema_validates_again(validations: list[str]) -> None:
    first, second = schema(), schema()
    run(first, '{ greeting(name: "a") }')
    run(second, '{ greeting(name: "a") }')
    assert len(validations) == 2
    cut = copy.copy(first)  # how the policy cut builds an agency's schema: a copy with its own GraphQLSchema
    cut._schema = strawberry.Schema(query=Query)._schema
    run(cut, '{ greeting(name: "a") }')
    assert len(validations) == 3
