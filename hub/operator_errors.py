"""Operator mistakes as one-line hints: invalid settings or agencies file, a database that is down or not migrated,
Neo4j down.

`operator_hint` turns an exception from any `hub` command into the line to print instead of a traceback, or
None when the exception is not one of these (a bug keeps its traceback).
"""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from graph_sync.driver import GraphUnavailable
from hub.settings import InvalidSettings, Settings
from policies.agencies import AgenciesFileError
from schema.availability import is_connection_failure, is_missing_table, is_not_migrated


def operator_hint(error: BaseException) -> str | None:
    if isinstance(error, (InvalidSettings, GraphUnavailable, AgenciesFileError)):
        return _one_line(str(error))
    if is_connection_failure(error):
        url = Settings.from_env().database_url
        return _one_line(
            f"the database at {shown_url(url)} cannot be reached ({_reason(error)}): "
            "check HUB_DATABASE_URL and that the database server is running"
        )
    if is_missing_table(error):
        url = Settings.from_env().database_url
        if _not_migrated(url):
            return f"the database at {shown_url(url)} is not migrated: run `hub db upgrade`"
    return None


def shown_url(url: str) -> str:
    """The URL with its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


def _not_migrated(url: str) -> bool:
    engine = create_engine(url)
    try:
        return is_not_migrated(engine)
    finally:
        engine.dispose()


def _reason(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DBAPIError) and cause.orig is not None:
            return str(cause.orig).strip().splitlines()[0] if str(cause.orig).strip() else type(cause.orig).__name__
        cause = cause.__cause__ or cause.__context__
    return type(error).__name__


def _one_line(message: str) -> str:
    return " ".join(message.split())
