"""A database that cannot be reached is an outage, not a bug: HTTP 503 with a clear, retryable error.

After execution, any error caused by a lost or refused database connection is replaced by one error
with code DATABASE_UNAVAILABLE, and the HTTP status of the response (the strawberry sub-response the
view put in the request context) becomes 503. A missing table in a database whose Alembic revision is
not the code's head is an operator's mistake: one error with code DATABASE_NOT_MIGRATED (no SQL text),
also a 503, without Retry-After. Other errors of the query itself (a missing table in a migrated
database, a bad statement) are left alone: they are not outages and must not invite a retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from strawberry.extensions import SchemaExtension

UNAVAILABLE_MESSAGE = "database unavailable; try again shortly"
UNAVAILABLE_CODE = "DATABASE_UNAVAILABLE"
NOT_MIGRATED_MESSAGE = "the database is not migrated; an operator must run `hub db upgrade`"
NOT_MIGRATED_CODE = "DATABASE_NOT_MIGRATED"
UNDEFINED_TABLE_SQLSTATE = "42P01"
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


def is_missing_table(error: BaseException | None) -> bool:
    """True when the error (or one it was raised from) says a table does not exist."""
    for cause in _causes(error):
        if isinstance(cause, DBAPIError) and cause.orig is not None:
            orig = cause.orig
            module = type(orig).__module__
            if module.startswith("psycopg") and getattr(orig, "sqlstate", None) == UNDEFINED_TABLE_SQLSTATE:
                return True
            if module.startswith("sqlite3") and str(orig).lower().startswith("no such table"):
                return True
    return False


def is_not_migrated(engine: Engine) -> bool:
    """The database's Alembic revision is not the code's head (False when that cannot be told)."""
    from hub.migrate import SchemaState, schema_state  # hub.migrate imports Alembic: only on this error path

    try:
        with engine.connect() as connection:
            return schema_state(connection) is not SchemaState.CURRENT
    except SQLAlchemyError:
        return False


class DatabaseAvailability(SchemaExtension):
    """Turns connection failures into one DATABASE_UNAVAILABLE error and an HTTP 503, an unmigrated database into
    one DATABASE_NOT_MIGRATED error and an HTTP 503."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except Exception as error:  # e.g. the access audit's own write failed after execution
            replacement = self._replacement([error])
            if replacement is None:
                raise
            raise replacement from None
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        replacement = self._replacement(errors or [])
        if replacement is None:
            return
        result.errors = [replacement]  # type: ignore[union-attr]
        if getattr(result, "data", None) is not None:
            result.data = None  # type: ignore[union-attr]

    def _replacement(self, errors: list[Any]) -> GraphQLError | None:
        """The one error that stands for all of them when the database is down or not migrated (and sets the status)."""
        if any(is_connection_failure(error) for error in errors):
            self._set_status(retry=True)
            return GraphQLError(UNAVAILABLE_MESSAGE, extensions={"code": UNAVAILABLE_CODE})
        if any(is_missing_table(error) for error in errors) and self._not_migrated():
            self._set_status(retry=False)
            return GraphQLError(NOT_MIGRATED_MESSAGE, extensions={"code": NOT_MIGRATED_CODE})
        return None

    def _not_migrated(self) -> bool:
        session = getattr(self.execution_context.context, "session", None)
        engine = session.get_bind() if session is not None else None
        return isinstance(engine, Engine) and is_not_migrated(engine)

    def _set_status(self, *, retry: bool) -> None:
        response = getattr(self.execution_context.context, "http_response", None)
        if response is not None:
            response.status_code = 503
            if retry:
                response.headers["Retry-After"] = "5"
