"""Opening the Neo4j driver from the hub's settings, with a clear error when the graph is down.

The driver follows the URI: `bolt://` talks to one server, `neo4j://` asks it for a routing table and
sends writes to the leader and reads (sessions opened with `read=True`, queries routed READ) to the
readers of a cluster. `neo4j+s://` / `bolt+s://` verify the server against the system CAs,
`+ssc` encrypts without verifying, and `HUB_NEO4J_TRUSTED_CA_FILE` verifies a plain `bolt://` or
`neo4j://` URI against the given CAs. Every session and query of the hub runs on the configured
database (`HUB_NEO4J_DATABASE`, else the server's default), which the driver keeps for its sessions.
"""

from __future__ import annotations

import weakref
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, GraphDatabase, RoutingControl, Session, TrustCustomCAs
from neo4j.exceptions import AuthError, DriverError, Neo4jError
from opentelemetry.trace import SpanKind, Tracer

from hub.settings import Settings

CONNECTION_TIMEOUT_SECONDS = 5.0
DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"

# The database each driver opened by `open_driver` works on (None: the server's default).
_DATABASES: weakref.WeakKeyDictionary[Driver, str | None] = weakref.WeakKeyDictionary()


class GraphUnavailable(RuntimeError):
    """Neo4j cannot be reached (down, wrong address, wrong password or no such database)."""


class GraphMisconfigured(GraphUnavailable):
    """The Neo4j settings contradict each other (e.g. a CA file with a `+s` URI)."""


def open_driver(
    settings: Settings,
    *,
    connection_timeout: float = CONNECTION_TIMEOUT_SECONDS,
    max_transaction_retry_time: float = 15.0,
    verify: bool = True,
) -> Driver:
    """A driver for `settings.neo4j_uri`; with `verify`, raises `GraphUnavailable` unless Neo4j answers now.

    The caller closes the driver. Managed transactions retry transient failures for up to
    `max_transaction_retry_time` seconds. Open sessions with `graph_session` and pass
    `database_of(driver)` to `execute_query`, so they use the configured database.
    """
    driver = GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password),
        connection_timeout=connection_timeout,
        connection_acquisition_timeout=connection_timeout * 2,
        max_transaction_retry_time=max_transaction_retry_time,
        # The server's hints ("the label Person does not exist" while a graph is empty, say) are not the hub's
        # news: each would be a multi-kilobyte WARNING with the whole Cypher text in the log.
        notifications_min_severity="OFF",
        **security_config(settings),
    )
    _DATABASES[driver] = settings.neo4j_database
    if verify:
        try:
            driver.verify_connectivity()  # fails fast when the server is down (execute_query would retry)
            driver.execute_query("RETURN 1", database_=settings.neo4j_database, routing_=RoutingControl.READ)
        except (DriverError, Neo4jError, OSError) as error:
            driver.close()
            raise unavailable(settings, error) from error
    return driver


def security_config(settings: Settings) -> dict[str, Any]:
    """Driver options for `HUB_NEO4J_TRUSTED_CA_FILE`; a `+s`/`+ssc` URI carries its own and takes none."""
    ca_file = settings.neo4j_trusted_ca_file
    if ca_file is None:
        return {}
    scheme = urlsplit(settings.neo4j_uri).scheme
    if "+" in scheme:
        raise GraphMisconfigured(
            f"HUB_NEO4J_TRUSTED_CA_FILE needs a bolt:// or neo4j:// URI; {scheme}:// already chooses how the "
            "server certificate is checked"
        )
    if not Path(ca_file).is_file():
        raise GraphMisconfigured(f"HUB_NEO4J_TRUSTED_CA_FILE {ca_file} is not a file")
    return {"encrypted": True, "trusted_certificates": TrustCustomCAs(str(ca_file))}


def database_of(driver: Driver) -> str | None:
    """The database `driver` was opened for (None: the server's default, also for drivers made elsewhere)."""
    return _DATABASES.get(driver)


def graph_session(driver: Driver, *, read: bool = False, **config: Any) -> Session:
    """A session on the configured database; `read=True` lets a cluster serve it from a reader."""
    return driver.session(
        database=database_of(driver), default_access_mode=READ_ACCESS if read else WRITE_ACCESS, **config
    )


def unavailable(settings: Settings, error: BaseException) -> GraphUnavailable:
    if isinstance(error, AuthError):
        return GraphUnavailable(f"Neo4j at {settings.neo4j_uri} refused user {settings.neo4j_user!r}: {error}")
    if isinstance(error, Neo4jError) and error.code == DATABASE_NOT_FOUND:
        return GraphUnavailable(
            f"Neo4j at {settings.neo4j_uri} has no database {settings.neo4j_database!r}; "
            "check HUB_NEO4J_DATABASE (unset means the server's default database)"
        )
    return GraphUnavailable(
        f"Neo4j is not reachable at {settings.neo4j_uri} ({type(error).__name__}: {error}); "
        "start it with `hub graph up` or set HUB_NEO4J_URI"
    )


def cypher_span(tracer: Tracer | None, name: str, database: str | None) -> AbstractContextManager[object]:
    """The span of one Cypher query (the neo4j driver has no OpenTelemetry instrumentation of its own): named for
    the query, with `db.system` neo4j and the database, never the query's parameters; nothing without a tracer."""
    if tracer is None:
        return nullcontext()
    attributes = {"db.system": "neo4j", "db.system.name": "neo4j", "db.operation.name": name}
    if database:
        attributes["db.namespace"] = database
    return tracer.start_as_current_span(f"neo4j {name}", kind=SpanKind.CLIENT, attributes=attributes)
