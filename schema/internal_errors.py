"""Unexpected errors reach the client as one generic error with an id; their details go to the server log only.

An error raised on purpose (bad input, a limit, the database unavailable) carries a code in its extensions
and names no stored data. Anything else (a SQLAlchemy error quoting its SQL, tables and columns; a bug) is
replaced, in every mode, by `internal error` with code INTERNAL_ERROR and an `errorId` that the log line
holding the details carries too.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import GraphQLError, VariableDefinitionNode
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

logger = logging.getLogger("hub.errors")

# Raised by strawberry before execution about the request itself (no query, wrong operation for the method).
REQUEST_ERRORS = (MissingQueryError, InvalidOperationTypeError, CannotGetOperationTypeError)
INTERNAL_MESSAGE = "internal error"
INTERNAL_CODE = "INTERNAL_ERROR"


def is_unexpected(error: GraphQLError) -> bool:
    """Errors we raise on purpose carry a code; an error raised from anything else is unexpected, except a
    variable's value that its type refused (graphql-core reports it on the variable's definition: it
    quotes the caller's own input, never stored data)."""
    if (error.extensions or {}).get("code") or error.original_error is None:
        return False
    return not (error.nodes and all(isinstance(node, VariableDefinitionNode) for node in error.nodes))


def internal_error(cause: BaseException, path: object = None) -> GraphQLError:
    """The generic error for `cause`, logged with its traceback under a fresh error id."""
    error_id = uuid.uuid4().hex
    logger.error("internal error %s at %s", error_id, path or "the operation", exc_info=cause)
    return GraphQLError(INTERNAL_MESSAGE, extensions={"code": INTERNAL_CODE, "errorId": error_id})


class InternalErrors(MaskErrors):
    """strawberry's error masking with an error id, also around errors raised by the other extensions."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=INTERNAL_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = internal_error(error.original_error or error, error.path)
        return GraphQLError(
            INTERNAL_MESSAGE, nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
            extensions=masked.extensions,
        )

    def on_operation(self) -> Iterator[None]:
        operation = super().on_operation()
        next(operation)
        try:
            yield
        except GraphQLError as error:
            if is_unexpected(error):
                raise internal_error(error.original_error or error) from None
            raise
        except REQUEST_ERRORS:
            raise  # strawberry's view answers these as HTTP 400 (or 405) with its own words
        except Exception as error:  # e.g. the access audit's own write failed after execution
            raise internal_error(error) from None
        yield from operation


def masked_unexpected(errors: list[GraphQLError]) -> list[GraphQLError]:
    """`errors` with every unexpected one replaced by the generic error, its details logged under its id."""
    return [internal_error(error.original_error or error, error.path) if is_unexpected(error) else error for error in errors]
