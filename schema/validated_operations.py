"""Validate a query text once per agency schema instead of on every request.

Validation (graphql-core's rules plus the depth, alias and cost limits) depends only on the schema and the
document, and the limits are fixed when the full schema is built, so a text that passed against an agency's
cut schema passes again. Clients send the same few texts over and over; validating one costs ~3 ms, a
noticeable share of a small graph query. Only passes are remembered (as digests, a bounded number per
schema); a text that failed is validated again and fails with fresh errors. The cut schemas are weak keys:
a policy reload drops their entries with them.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterator

from graphql import GraphQLSchema
from strawberry.extensions import SchemaExtension

MAX_TEXTS_PER_SCHEMA = 1024

_passed: weakref.WeakKeyDictionary[GraphQLSchema, set[bytes]] = weakref.WeakKeyDictionary()


def _digest(query: str) -> bytes:
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()


class ValidatedOperations(SchemaExtension):
    """Skips validation of a query text that already passed against the same schema."""

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        schema = execution.schema._schema
        query = execution.query
        digest = _digest(query) if query is not None and execution.pre_execution_errors is None else None
        known = digest is not None and digest in _passed.get(schema, ())
        if known:
            execution.pre_execution_errors = []  # strawberry then skips its own validation
        yield
        if digest is not None and not known and execution.pre_execution_errors == []:
            texts = _passed.setdefault(schema, set())
            if len(texts) >= MAX_TEXTS_PER_SCHEMA:
                texts.clear()
            texts.add(digest)
