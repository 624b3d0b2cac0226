"""OpenTelemetry tracing of GraphQL operations, on when an OTLP endpoint is configured.

Spans come from strawberry's `OpenTelemetryExtension` (operation, parsing, validation), without its span per
resolver call: a resolve-time extension costs about three times the resolution itself, and a page resolves
tens of thousands of fields. Spans go to `HUB_OTEL_ENDPOINT` (OTLP over HTTP) in batches.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from strawberry.extensions.tracing import OpenTelemetryExtension

SERVICE_NAME = "cadre-data-hub"


class OperationTracing(OpenTelemetryExtension):
    """strawberry's spans for the operation and its phases; none per resolver call."""

    @classmethod
    def _implements_resolve(cls) -> bool:
        return False


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
