"""A database that cannot be reached is an outage, not a bug: HTTP 503 with a clear, retryable error.

After execution, any error caused by a lost or refused database connection is replaced by one error
with code DATABASE_UNAVAILABLE, and the HTTP status of the response (the strawberry sub-response the
view put in the request context) becomes 503. Errors of the query itself (a missing table, a bad
statement) are left alone: they are not outages and must not invite a retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from strawberry.extensions import SchemaExtension

UNAVAILABLE_MESSAGE = "database unavailable; try again shortly"
UNAVAILABLE_CODE = "DATABASE_UNAVAILABLE"
RESPONSE_KEY = "response"  # RequestContext.extras key holding the HTTP sub-response
SQLITE_OUTAGES = ("unable to open database", "database is locked", "disk i/o error")


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = getattr(error, "original_error", None) or error.__cause__ or error.__context__


def is_connection_failure(error: BaseException | None) -> bool:
    """True when the error (or one it was raised from) means the database could not be reached."""
    for cause in _causes(error):
        if isinstance(cause, PoolTimeout):
            return True
        if isinstance(cause, DBAPIError):
            if cause.connection_invalidated or isinstance(cause, InterfaceError):
                return True
            orig = cause.orig
            module = type(orig).__module__ if orig is not None else ""
            if module.startswith("psycopg"):
                sqlstate = getattr(orig, "sqlstate", None)
                name = type(orig).__name__
                if name in ("OperationalError", "InterfaceError") and sqlstate is None:
                    return True  # raised while connecting or on a closed connection: no server answer at all
                if sqlstate is not None and (sqlstate.startswith("08") or sqlstate.startswith("57P")):
                    return True  # connection exception; server shutting down or not accepting connections
            elif module.startswith("sqlite3"):
                if any(text in str(orig).lower() for text in SQLITE_OUTAGES):
                    return True
    return False


class DatabaseAvailability(SchemaExtension):
    """Turns connection failures into one DATABASE_UNAVAILABLE error and an HTTP 503."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except Exception as error:  # e.g. the access audit's own write failed after execution
            if not is_connection_failure(error):
                raise
            self._unavailable()
            raise _unavailable_error() from None
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors or not any(is_connection_failure(error) for error in errors):
            return
        result.errors = [_unavailable_error()]  # type: ignore[union-attr]
        if getattr(result, "data", None) is not None:
            result.data = None  # type: ignore[union-attr]
        self._unavailable()

    def _unavailable(self) -> None:
        context: Any = self.execution_context.context
        response = getattr(context, "extras", {}).get(RESPONSE_KEY)
        if response is not None:
            response.status_code = 503
            response.headers["Retry-After"] = "5"


def _unavailable_error() -> GraphQLError:
    return GraphQLError(UNAVAILABLE_MESSAGE, extensions={"code": UNAVAILABLE_CODE})
