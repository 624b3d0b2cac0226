"""A client's mistakes: labelled with the codes clients switch on, and logged without what the client typed.

A document that does not parse gets `GRAPHQL_PARSE_FAILED`, one that does not validate
`GRAPHQL_VALIDATION_FAILED`, variables their types refuse `BAD_USER_INPUT` (Apollo Server's codes; an error that
already has a code keeps it). These, and the coded refusals of a client's input (`BAD_INPUT`, a limit), are logged
at INFO with the code, the operation's name and the sha256 of the query text: never the text, its literals, the
variables or the error's message, which quote them (a cadre's name typed into a filter would land in the log), and
no traceback. Every other error is logged as strawberry logs it.
"""

from __future__ import annotations

import hashlib
import logging

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError, VariableDefinitionNode
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

logger = logging.getLogger("hub.requests")

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
# Codes of errors that are the client's own mistake, never the hub's.
CLIENT_MISTAKES = frozenset(
    {PARSE_FAILED, VALIDATION_FAILED, BAD_USER_INPUT, "BAD_INPUT", "QUERY_TOO_COSTLY", "NOT_ALLOWED"}
)


def code_of(error: GraphQLError) -> str | None:
    return (error.extensions or {}).get("code")


def request_error_code(error: GraphQLError) -> str | None:
    """The code a request error (one raised before execution, without a path) takes; None for any other error."""
    if isinstance(error, GraphQLSyntaxError) or isinstance(error.original_error, GraphQLSyntaxError):
        return PARSE_FAILED
    if error.path is not None:
        return None
    if error.nodes and all(isinstance(node, VariableDefinitionNode) for node in error.nodes):
        return BAD_USER_INPUT  # graphql-core reports a refused variable on its definition
    if error.original_error is None:
        return VALIDATION_FAILED
    return None


def label(error: GraphQLError) -> str | None:
    """Gives a request error its code (kept if it has one); returns the error's code."""
    code = code_of(error)
    if code is None:
        code = request_error_code(error)
        if code is not None:
            error.extensions = {**(error.extensions or {}), "code": code}
    return code


def query_digest(query: str | None) -> str:
    return hashlib.sha256((query or "").encode("utf-8", "surrogatepass")).hexdigest()


def log_client_mistake(code: str, execution_context: ExecutionContext | None) -> None:
    operation = execution_context.operation_name if execution_context else None
    digest = query_digest(execution_context.query if execution_context else None)
    logger.info(
        "client error %s in operation %s (query sha256 %s)", code, operation or "(anonymous)", digest,
        extra={"code": code, "operation": operation, "query_sha256": digest},
    )


class HubSchema(strawberry.Schema):
    """strawberry's schema, with request errors labelled and a client's mistakes logged without their text."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            code = label(error)
            if code in CLIENT_MISTAKES:
                log_client_mistake(code, execution_context)
            else:
                StrawberryLogger.error(error, execution_context)

