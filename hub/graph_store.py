"""The hub's connection to Neo4j: opened on first use, failing fast while the graph is down."""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager

from neo4j import Driver
from neo4j.exceptions import DriverError, Neo4jError
from opentelemetry.trace import Tracer

from graph_sync.driver import GraphUnavailable, cypher_span, open_driver
from hub.settings import Settings

RETRY_AFTER_SECONDS = 2.0
FAST_CONNECT_TIMEOUT_SECONDS = 2.0


class GraphStore:
    """Hands out one shared driver; after a failed connect it refuses at once for a short while."""

    def __init__(self, settings: Settings, tracer: Tracer | None = None) -> None:
        """`tracer`: spans for graph queries when tracing is on (hub/tracing.py); None, none at all."""
        self.settings = settings
        self.tracer = tracer
        self._driver: Driver | None = None
        self._failed_at = 0.0
        self._last_error = ""
        self._lock = threading.Lock()

    def driver(self) -> Driver:
        if self._driver is not None:
            return self._driver
        with self._lock:
            if self._driver is not None:
                return self._driver
            if time.monotonic() - self._failed_at < RETRY_AFTER_SECONDS:
                raise GraphUnavailable(self._last_error)
            try:
                self._driver = open_driver(self.settings, connection_timeout=FAST_CONNECT_TIMEOUT_SECONDS)
            except GraphUnavailable as down:
                self._failed_at, self._last_error = time.monotonic(), str(down)
                raise
            return self._driver

    def query_span(self, name: str) -> AbstractContextManager[object]:
        """Wraps running one graph query: its span, when tracing is on."""
        return cypher_span(self.tracer, name, self.settings.neo4j_database)

    def status(self) -> str:
        """'ok' or 'unavailable', checking connectivity now."""
        try:
            self.driver().verify_connectivity()
        except (GraphUnavailable, DriverError, Neo4jError, OSError):
            return "unavailable"
        return "ok"

    def close(self) -> None:
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None
