"""Opening the Neo4j driver from the hub's settings, with a clear error when the graph is down."""

from __future__ import annotations

from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from hub.settings import Settings

CONNECTION_TIMEOUT_SECONDS = 5.0


class GraphUnavailable(RuntimeError):
    """Neo4j cannot be reached (down, wrong address or wrong password)."""


def open_driver(
    settings: Settings,
    *,
    connection_timeout: float = CONNECTION_TIMEOUT_SECONDS,
    max_transaction_retry_time: float = 15.0,
    verify: bool = True,
) -> Driver:
    """A driver for `settings.neo4j_uri`; with `verify`, raises `GraphUnavailable` unless Neo4j answers now.

    The caller closes the driver. Managed transactions retry transient failures for up to
    `max_transaction_retry_time` seconds.
    """
    driver = GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password),
        connection_timeout=connection_timeout,
        connection_acquisition_timeout=connection_timeout * 2,
        max_transaction_retry_time=max_transaction_retry_time,
    )
    if verify:
        try:
            driver.verify_connectivity()
        except (DriverError, Neo4jError, OSError) as error:
            driver.close()
            raise unavailable(settings, error) from error
    return driver


def unavailable(settings: Settings, error: BaseException) -> GraphUnavailable:
    if isinstance(error, AuthError):
        return GraphUnavailable(f"Neo4j at {settings.neo4j_uri} refused user {settings.neo4j_user!r}: {error}")
    return GraphUnavailable(
        f"Neo4j is not reachable at {settings.neo4j_uri} ({type(error).__name__}: {error}); "
        "start it with `hub graph up` or set HUB_NEO4J_URI"
    )
