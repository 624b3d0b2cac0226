"""Prometheus metrics of a hub process, served at `/metrics`.

Requests by route and status, GraphQL operations by type, name, agency and status with their latencies,
committed access-audit entries, and the graph sync's backlog (read from the outbox when scraped). Labels
hold no record data; operation names are the clients' own, so at most `MAX_OPERATION_NAMES` distinct ones
are kept and the rest count as `other`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.asgi_messages import on_response_start

MAX_OPERATION_NAMES = 200
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", "/reports/template", "/reports/import", "/graphiql"})

# Process-wide, like the process they describe; kept apart from the client library's default registry.
REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter(
    "hub_http_requests", "HTTP requests answered, by route, method and status.", ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "hub_http_request_duration_seconds", "Time to answer an HTTP request, by route.", ["route"],
    buckets=LATENCY_BUCKETS, registry=REGISTRY,
)
GRAPHQL_OPERATIONS = Counter(
    "hub_graphql_operations", "GraphQL operations answered, by operation type and name, agency and HTTP status.",
    ["operation_type", "operation", "agency", "status"], registry=REGISTRY,
)
GRAPHQL_LATENCY = Histogram(
    "hub_graphql_operation_duration_seconds", "Time to answer a GraphQL operation, by operation type and agency.",
    ["operation_type", "agency"], buckets=LATENCY_BUCKETS, registry=REGISTRY,
)
AUDIT_ENTRIES = Counter(
    "hub_audit_entries", "Access audit entries committed, by operation (query, mutation, write, write_refused).",
    ["operation"], registry=REGISTRY,
)


class BoundedNames:
    """The first `limit` distinct names pass as they are; later new ones become `other`."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self.limit = limit
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, name: str) -> str:
        if not name or name in self._known:
            return name
        with self._lock:
            if len(self._known) >= self.limit:
                return "other"
            self._known.add(name)
        return name


OPERATION_NAMES = BoundedNames()


def record_operation(operation_type: str, operation_name: str, agency: str, status: int, seconds: float) -> None:
    GRAPHQL_OPERATIONS.labels(operation_type or "none", OPERATION_NAMES(operation_name), agency, str(status)).inc()
    GRAPHQL_LATENCY.labels(operation_type or "none", agency).observe(seconds)


def record_audit_entries(counts: dict[str, int]) -> None:
    for operation, count in counts.items():
        AUDIT_ENTRIES.labels(operation).inc(count)


class SyncBacklog(Collector):
    """The graph outbox not yet applied: rows and the age of the oldest, read when scraped."""

    PENDING = ("hub_graph_sync_pending_changes", "Record changes not yet applied to the graph.")
    LAG = ("hub_graph_sync_lag_seconds", "Age of the oldest change not yet applied to the graph.")

    def __init__(self, backlog: Callable[[], tuple[int, float | None] | None]) -> None:
        """`backlog`: (changes pending, age of the oldest in seconds), or None while the database cannot tell."""
        self.backlog = backlog

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(*self.PENDING)
        yield GaugeMetricFamily(*self.LAG)

    def collect(self) -> Iterator[Metric]:
        backlog = self.backlog()
        if backlog is None:
            return  # absent rather than a made-up zero
        pending, oldest_age = backlog
        yield GaugeMetricFamily(*self.PENDING, value=pending)
        yield GaugeMetricFamily(*self.LAG, value=oldest_age or 0.0)


def exposition(*registries: CollectorRegistry) -> tuple[bytes, str]:
    """The metrics text of the process-wide registry and the given ones, and its content type."""
    return b"".join(generate_latest(registry) for registry in (REGISTRY, *registries)), CONTENT_TYPE_LATEST


def route_of(path: str) -> str:
    if path in ROUTES:
        return path
    return "static" if path.startswith("/assets/") or path.endswith((".js", ".css", ".html")) else "page"


class HttpMetrics:
    """ASGI middleware counting every HTTP response by route, method and status, with its latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}
        try:
            await self.app(scope, receive, on_response_start(send, lambda start: status.update(code=start["status"])))
        finally:
            route = route_of(scope.get("path", ""))
            HTTP_REQUESTS.labels(route, scope.get("method", ""), str(status["code"])).inc()
            HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
