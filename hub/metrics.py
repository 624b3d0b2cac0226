"""Prometheus metrics of a hub process, served at `/metrics`.

Requests by route and status, GraphQL operations by type, name, agency, HTTP status and GraphQL outcome (`ok`,
`partial`: data and errors, `error`: no data) with the first error's code, and their latencies,
committed access-audit entries, and the graph sync's backlog (read from the outbox when scraped). Labels
hold no record data, and every label's values are bounded, since clients choose some of them: a method that is
not a standard HTTP method counts as `other`; an operation name counts as itself only if it looks like a name
(`OPERATION_NAME`, at most `MAX_NAME_DIGITS` digits, so no ID, phone or case number passes) and is among the
first `MAX_OPERATION_NAMES` names of its agency; an error code counts as itself only if the hub emits it
(`ERROR_CODES`), else `OTHER`; and a metric keeps at most `MAX_SERIES` label sets, later new
ones counting under `other`. Where the metrics are served, and to whom: hub/shell/operator_access.py.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.asgi_messages import on_response_start

MAX_OPERATION_NAMES = 100  # per agency
MAX_SERIES = 2000  # label sets per metric
MAX_NAME_DIGITS = 4
OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
OTHER = "other"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
OK, PARTIAL, ERROR = "ok", "partial", "error"
NO_CODE, OTHER_CODE = "none", "OTHER"
# Every code the hub's GraphQL errors carry (schema/, hub/): a code a client could make up counts as OTHER.
ERROR_CODES = frozenset({
    "BAD_INPUT", "BAD_REQUEST", "BAD_USER_INPUT", "DATABASE_NOT_MIGRATED", "DATABASE_UNAVAILABLE", "FORBIDDEN",
    "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "GRAPH_BUDGET_SPENT", "GRAPH_TIMEOUT", "GRAPH_UNAVAILABLE",
    "INTERNAL_ERROR", "METHOD_NOT_ALLOWED", "NOT_ALLOWED", "PERSISTED_QUERY_HASH_MISMATCH",
    "PERSISTED_QUERY_NOT_FOUND", "QUERY_TOO_COSTLY", "RATE_LIMITED", "UNAUTHENTICATED",
})
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
    "hub_graphql_operations",
    "GraphQL operations answered, by operation type and name, agency, HTTP status, outcome (ok, partial, error) and "
    "the first error's code.",
    ["operation_type", "operation", "agency", "status", "outcome", "code"], registry=REGISTRY,
)
GRAPHQL_LATENCY = Histogram(
    "hub_graphql_operation_duration_seconds", "Time to answer a GraphQL operation, by operation type and agency.",
    ["operation_type", "agency"], buckets=LATENCY_BUCKETS, registry=REGISTRY,
)
AUDIT_ENTRIES = Counter(
    "hub_audit_entries", "Access audit entries committed, by operation (query, mutation, write, write_refused).",
    ["operation"], registry=REGISTRY,
)


def method_label(method: str) -> str:
    """A standard HTTP method as itself; anything else a client sends as `other`."""
    return method if method in HTTP_METHODS else OTHER


def sane_operation_name(name: str) -> str:
    """`name` if it looks like an operation name holding no number worth hiding, else `other` ("" stays "")."""
    if not name:
        return name
    if OPERATION_NAME.fullmatch(name) and sum(character.isdigit() for character in name) <= MAX_NAME_DIGITS:
        return name
    return OTHER


class BoundedNames:
    """Per agency, the first `limit` distinct sane names pass as they are; others become `other`."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self.limit = limit
        self._known: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def __call__(self, agency: str, name: str) -> str:
        name = sane_operation_name(name)
        if not name or name == OTHER:
            return name
        known = self._known.get(agency)
        if known is not None and name in known:
            return name
        with self._lock:
            known = self._known.setdefault(agency, set())
            if len(known) >= self.limit:
                return OTHER
            known.add(name)
        return name


class SeriesCap:
    """At most `limit` distinct label sets; a new one beyond them is counted with `other` in every label."""

    def __init__(self, limit: int = MAX_SERIES) -> None:
        self.limit = limit
        self._seen: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()

    def __call__(self, *labels: str) -> tuple[str, ...]:
        if labels in self._seen:
            return labels
        with self._lock:
            if len(self._seen) >= self.limit:
                return (OTHER,) * len(labels)
            self._seen.add(labels)
        return labels


OPERATION_NAMES = BoundedNames()
HTTP_SERIES = SeriesCap()
OPERATION_SERIES = SeriesCap()
OPERATION_LATENCY_SERIES = SeriesCap()


def code_label(code: object) -> str:
    return code if isinstance(code, str) and code in ERROR_CODES else OTHER_CODE


def outcome(has_data: bool, error_codes: Iterable[object]) -> tuple[str, str]:
    """(outcome, code) of a GraphQL result: `ok`/none, else `partial` with data or `error`, and the first error's code."""
    codes = list(error_codes)
    if not codes:
        return OK, NO_CODE
    return (PARTIAL if has_data else ERROR), code_label(codes[0])


def outcome_without_result(status: int) -> tuple[str, str]:
    """The outcome of a request refused before GraphQL answered it (a malformed body, a mutation over GET)."""
    if status == 405:
        return ERROR, "METHOD_NOT_ALLOWED"
    return ERROR, "BAD_REQUEST" if 400 <= status < 500 else "INTERNAL_ERROR"


def record_operation(
    operation_type: str, operation_name: str, agency: str, status: int, seconds: float,
    result: tuple[str, str] | None = None,
) -> None:
    """`result`: the operation's (outcome, code) from `outcome`; None when no GraphQL result was produced."""
    kind = operation_type or "none"
    result_outcome, code = result if result is not None else outcome_without_result(status)
    labels = (kind, OPERATION_NAMES(agency, operation_name), agency, str(status), result_outcome, code)
    GRAPHQL_OPERATIONS.labels(*OPERATION_SERIES(*labels)).inc()
    GRAPHQL_LATENCY.labels(*OPERATION_LATENCY_SERIES(kind, agency)).observe(seconds)


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
            HTTP_REQUESTS.labels(*HTTP_SERIES(route, method_label(scope.get("method", "")), str(status["code"]))).inc()
            HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
