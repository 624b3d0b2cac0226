"""Errors a client can act on. Their texts name the input field and the rule, never stored data."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError


class BadInput(GraphQLError):
    """An argument outside its allowed range or form; reported as a GraphQL error with code BAD_INPUT."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", extensions={"code": "BAD_INPUT", "field": field})


@strawberry.type(description="One broken rule of a mutation's input.")
class FieldError:
    field: str
    message: str


@strawberry.type(description="The mutation wrote nothing because its input broke these rules.")
class ValidationErrors:
    errors: list[FieldError]


@strawberry.type(description="The record changed since it was read; reload it and apply the change again.")
class VersionConflict:
    message: str
    current_version: int


@strawberry.type(description="No record with this id is visible to the caller.")
class NotFound:
    message: str
