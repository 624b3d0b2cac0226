"""OpenTelemetry tracing, on when an OTLP endpoint is configured (or a tracer provider is given, as tests do).

One trace per HTTP request, joining the caller's W3C `traceparent`:

- the server span, from OpenTelemetry's ASGI instrumentation (`OpenTelemetryMiddleware`), for every route but
  the health, readiness and metrics probes; the URL's query string (a GET request's query and variables) is
  left out of its attributes;
- under it the GraphQL operation with its parsing and validation, from strawberry's `OpenTelemetryExtension`
  without its span per resolver call (a resolve-time extension costs about three times the resolution itself,
  and a page resolves tens of thousands of fields); a failed operation's span has status ERROR and its code;
- under the operation, a span per SQL statement (OpenTelemetry's SQLAlchemy instrumentation, the statement's
  text with its placeholders, never the bound values) and per Neo4j query (`graph_sync.driver.cypher_span`,
  the query's name, never its parameters).

Without a provider none of this is installed: no middleware, no engine listeners, no tracer for the graph.
Spans go to `HUB_OTEL_ENDPOINT` (OTLP over HTTP) in batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy import __version__ as sqlalchemy_instrumentation_version
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from sqlalchemy import Engine
from starlette.middleware import Middleware
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension

SERVICE_NAME = "cadre-data-hub"
UNTRACED_ROUTES = "/healthz,/readyz,/metrics"
# Attributes of the server span that may carry the URL's query string, and so a GET request's variables.
_URL_ATTRIBUTES = ("http.url", "http.target", "url.full")


class OperationTracing(OpenTelemetryExtension):
    """strawberry's spans for the operation and its phases, none per resolver call; the operation span is the
    current span while it runs (so SQL and graph spans fall under it), carries no query text, and a failed
    operation's has status ERROR with its first error's code."""

    @classmethod
    def _implements_resolve(cls) -> bool:
        return False

    def on_operation(self) -> Generator[None, None, None]:
        context = self.execution_context
        name = context.operation_name
        span = self._tracer.start_span(f"GraphQL Query: {name}" if name else "GraphQL Query", kind=SpanKind.INTERNAL)
        self._span_holder[LifecycleStep.OPERATION] = span
        span.set_attribute("component", "graphql")
        if context.query:
            span.set_attribute("graphql.document.sha256", hashlib.sha256(context.query.encode("utf-8", "surrogatepass")).hexdigest())
        with trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False):
            yield
        if not name and context.operation_name:
            span.update_name(f"GraphQL Query: {context.operation_name}")
        if context.operation_name:
            span.set_attribute("graphql.operation.name", context.operation_name)
        mark_outcome(span, context.result.data if context.result is not None else None, context.pre_execution_errors)
        span.end()


def mark_outcome(span: Span, data: object, errors: list[Any] | None) -> None:
    """An operation with errors: status ERROR with the first error's code (the span's `graphql.error.code`)."""
    if not errors:
        span.set_attribute("graphql.outcome", "ok")
        return
    code = str((errors[0].extensions or {}).get("code", "OTHER"))
    span.set_attribute("graphql.outcome", "partial" if data is not None else "error")
    span.set_attribute("graphql.error.code", code)
    span.set_status(Status(StatusCode.ERROR, code))


def tracer_provider(exporter: SpanExporter) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def otlp_exporter(endpoint: str) -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=endpoint)


def tracing_extension(provider: trace.TracerProvider) -> Any:
    """The extension factory for a schema's extension list, sending spans through `provider`."""
    return lambda: OperationTracing(tracer_provider=provider)


def _without_query_string(span: Span, scope: dict[str, Any]) -> None:
    if span.is_recording() and scope.get("query_string"):
        path = scope.get("path", "")
        span.set_attributes({name: path for name in _URL_ATTRIBUTES} | {"url.query": ""})


def http_server_spans(provider: trace.TracerProvider) -> Middleware:
    """OpenTelemetry's ASGI middleware: a server span per request, the child of the caller's `traceparent`."""
    return Middleware(
        OpenTelemetryMiddleware, tracer_provider=provider, meter_provider=NoOpMeterProvider(),
        excluded_urls=UNTRACED_ROUTES, exclude_spans=["receive", "send"], server_request_hook=_without_query_string,
    )


def trace_sql(engine: Engine, provider: trace.TracerProvider) -> None:
    """A span per statement the engine runs, from OpenTelemetry's SQLAlchemy instrumentation, for this engine only
    (its instrumentor would also patch `create_engine` for the whole process)."""
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", sqlalchemy_instrumentation_version, provider)
    connections = NoOpMeterProvider().get_meter(__name__).create_up_down_counter("db.client.connections.usage")
    EngineTracer(tracer, engine, connections)


def graph_tracer(provider: trace.TracerProvider) -> trace.Tracer:
    return trace.get_tracer("hub.graph", tracer_provider=provider)
