"""The full schema: every type, field and mutation before any agency's view is cut from it."""

from __future__ import annotations

import strawberry

from schema.extensions import AccessAudit, NamedInputErrors
from schema.mutations import Mutation
from schema.queries import Query


def build_full_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=[NamedInputErrors, AccessAudit])
