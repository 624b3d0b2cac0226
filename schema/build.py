"""The full schema: every type, field and mutation before any agency's view is cut from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.extensions import ParserCache
from strawberry.tools import merge_types

from hub.agencies import Agencies
from policies.agencies import load_agencies
from policies.enforcement import POLICY_DIR
from schema.audit_types import AuditQueries
from schema.availability import DatabaseAvailability
from schema.enums import declare_agencies, describe_enum_values
from schema.executor import CompiledSubtreeExecutor
from schema.extensions import AccessAudit, NamedInputErrors, OperationLabels
from schema.graph import NODE_TYPES, GraphQueries
from schema.internal_errors import InternalErrors
from schema.limits import GraphQLLimits, limit_extensions
from schema.mutations import Mutation as RecordMutations
from schema.queries import RecordQueries
from schema.request_errors import HubSchema
from schema.rule_catalogue import RuleQueries
from schema.scalars import SCALAR_OVERRIDES
from schema.validated_operations import ValidatedOperations
from schema.watch import WatchMutations, WatchQueries, WatchSubscriptions
from schema.workflows import WorkflowMutations, WorkflowQueries

PARSED_TEXTS = 1024  # query texts whose parsed document is kept (clients send the same few over and over)

Query = merge_types("Query", (RecordQueries, GraphQueries, WorkflowQueries, RuleQueries, AuditQueries, WatchQueries))
Mutation = merge_types("Mutation", (RecordMutations, WorkflowMutations, WatchMutations))
Subscription = merge_types("Subscription", (WatchSubscriptions,))


def build_full_schema(
    limits: GraphQLLimits | None = None, observers: Sequence[Any] = (), agencies: Agencies | None = None,
    query: type = Query,
) -> strawberry.Schema:
    """`observers`: extensions that only watch operations (tracing), run outermost. `agencies`: the policy's, the
    values of the `Agency` enum (by default those of the policy shipped in `policies/`). `query`: the root query
    type (a test that follows the new-graph-query recipe adds its field to `Query`)."""
    schema = HubSchema(
        query=query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=[
            *observers,
            InternalErrors,  # first, so that it masks what every other extension lets through or raises
            *limit_extensions(limits or GraphQLLimits()), lambda: ParserCache(maxsize=PARSED_TEXTS),
            ValidatedOperations, NamedInputErrors, OperationLabels, AccessAudit, DatabaseAvailability,
        ],
        execution_context_class=CompiledSubtreeExecutor,
        scalar_overrides=SCALAR_OVERRIDES,
    )
    declare_agencies(schema._schema, agencies if agencies is not None else load_agencies(POLICY_DIR))
    describe_enum_values(schema._schema)
    return schema
