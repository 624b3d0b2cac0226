"""What an operator sees: Prometheus metrics, OpenTelemetry spans, JSON logs with request ids, CORS for browser clients."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import event as sqlalchemy_event
from starlette.testclient import TestClient

from bench.harness import HubServer
from graph_sync.local_server import free_port
from hub.app import create_app
from hub.auth import mint_token
from hub.metrics import BoundedNames, SeriesCap, outcome
from hub.settings import Settings
from tests.conftest import LOCAL_OPERATOR, METRICS_TOKEN
from tests.graph_world import project_world

UNITS = "query Units { units(first: 2) { totalCount } }"
VIEWS_ORIGIN = "https://views.example"


def _headers(settings: Settings, agency: str = "org", **extra: str) -> dict[str, str]:
    token = mint_token(settings, agency=agency, user=f"{agency}-1", jurisdiction="huzhou", level="city")
    return {"Authorization": f"Bearer {token}", **extra}


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of the sample `name{labels...}` (labels in any order), or 0 when absent."""
    for line in metrics.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line[: line.rindex("}")]))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_operations_statuses_latencies_audit_and_sync_backlog(settings: Settings, world: Any) -> None:
    with TestClient(create_app(settings), client=LOCAL_OPERATOR) as client:
        before = client.get("/metrics").text
        assert client.post("/graphql", json={"query": UNITS, "operationName": "Units"},
                           headers=_headers(settings)).status_code == 200
        assert client.post("/graphql", json={"query": UNITS}).status_code == 401
        changed = client.post("/graphql", headers=_headers(settings), json={
            "query": 'mutation Rename { updateUnit(id: 1, input: {name: "湖州市新名"}) { __typename } }'})
        assert changed.json()["data"]["updateUnit"]["__typename"] == "Unit"
        scraped = client.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    after = scraped.text
    ok = {"operation_type": "query", "operation": "Units", "agency": "org", "status": "200", "outcome": "ok", "code": "none"}
    assert _sample(after, "hub_graphql_operations_total", **ok) == _sample(before, "hub_graphql_operations_total", **ok) + 1
    assert _sample(after, "hub_http_requests_total", route="/graphql", method="POST", status="401") >= 1
    assert _sample(after, "hub_graphql_operation_duration_seconds_count", operation_type="mutation", agency="org") >= 1
    assert _sample(after, "hub_audit_entries_total", operation="query") >= 1
    assert _sample(after, "hub_audit_entries_total", operation="mutation") >= 1
    assert _sample(after, "hub_audit_entries_total", operation="write") >= 1
    # The sync worker is off in tests: the rename waits in the outbox.
    assert float(re.search(r"^hub_graph_sync_pending_changes (\S+)$", after, re.M).group(1)) >= 1  # type: ignore[union-attr]
    assert float(re.search(r"^hub_graph_sync_lag_seconds (\S+)$", after, re.M).group(1)) >= 0  # type: ignore[union-attr]
    assert "湖州" not in after and "huzhou" not in after, "no record data or claims in metrics"


def test_operations_count_their_graphql_outcome_and_error_code(settings: Settings, world: Any) -> None:
    """A failure during execution answers 200, yet counts as an `error` with its code, not as a success."""
    sent = {
        "Failed": "query Failed { units(first: -1) { totalCount } }",
        "Invalid": "query Invalid { nope }",
        "Persisted": "query Persisted { units(first: 1) { totalCount } }",
    }
    with TestClient(create_app(settings), client=LOCAL_OPERATOR) as client:
        before = client.get("/metrics").text
        for name, query in sent.items():
            body: dict[str, Any] = {"query": query, "operationName": name}
            if name == "Persisted":  # a hash the text does not match: 400
                body["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
            answer = client.post("/graphql", json=body, headers=_headers(settings))
            assert answer.status_code == (400 if name == "Persisted" else 200) and answer.json()["errors"], answer.text
        assert client.post("/graphql", json={"query": UNITS, "operationName": "Units"},
                           headers=_headers(settings)).status_code == 200
        after = client.get("/metrics").text

    def counted(**labels: str) -> float:
        return _sample(after, "hub_graphql_operations_total", agency="org", **labels) - _sample(
            before, "hub_graphql_operations_total", agency="org", **labels)

    assert counted(operation="Failed", status="200", outcome="error", code="BAD_INPUT") == 1
    assert counted(operation="", status="200", outcome="error", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert counted(operation="", status="400", outcome="error", code="PERSISTED_QUERY_HASH_MISMATCH") == 1
    assert counted(operation="Units", status="200", outcome="ok", code="none") == 1
    assert counted(operation="Failed", outcome="ok") == 0


def test_error_codes_in_labels_are_the_hubs_own() -> None:
    assert outcome(True, []) == ("ok", "none")
    assert outcome(True, ["GRAPH_TIMEOUT", "BAD_INPUT"]) == ("partial", "GRAPH_TIMEOUT")
    assert outcome(False, [None]) == ("error", "OTHER")
    assert outcome(False, ["MADE_UP_BY_A_RESOLVER", "BAD_INPUT"]) == ("error", "OTHER")


def test_operation_names_are_bounded_per_agency() -> None:
    names = BoundedNames(limit=2)
    assert [names("org", name) for name in ("A", "B", "C", "A", "D")] == ["A", "B", "other", "A", "other"]
    assert names("police", "C") == "C", "one agency's names do not use up another's"


def test_label_sets_per_metric_are_capped() -> None:
    cap = SeriesCap(limit=2)
    assert [cap("a", "1"), cap("b", "1"), cap("c", "1"), cap("a", "1")] == [
        ("a", "1"), ("b", "1"), ("other", "other"), ("a", "1")]


REMOTE = ("203.0.113.7", 41000)


def test_metrics_and_readyz_details_only_for_the_operator_by_default(settings: Settings, world: Any) -> None:
    """Without a token or bind address, a development hub shows them to clients on its own machine only."""
    app = create_app(settings)
    with TestClient(app, client=REMOTE) as remote, TestClient(app, client=LOCAL_OPERATOR) as local:
        assert remote.get("/metrics").status_code == 403
        ready = remote.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "degraded", "database": "ok", "graph": "unavailable"}
        assert local.get("/metrics").status_code == 200
        assert local.get("/readyz").json()["policy_digest"] == app.state.hub.policies.digest


def test_with_a_token_metrics_and_readyz_details_need_it(settings: Settings, world: Any, tmp_path: Path) -> None:
    # The sync worker on, on SQLite: its status names its lock file.
    synced = dataclasses.replace(settings, metrics_token=METRICS_TOKEN, graph_sync=True,
                                 neo4j_uri=f"bolt://127.0.0.1:{free_port()}")
    with TestClient(create_app(synced), client=LOCAL_OPERATOR) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {METRICS_TOKEN}"}):
            refused = client.get("/metrics", headers=headers)
            assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
            public = client.get("/readyz", headers=headers)
            assert public.status_code == 200 and set(public.json()) == {"status", "database", "graph"}
            assert str(tmp_path) not in public.text
        operator = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        assert "hub_http_requests_total" in client.get("/metrics", headers=operator).text
        details = client.get("/readyz", headers=operator).json()
        assert {"policy_digest", "policy_version", "graph_sync"} <= set(details)
        if settings.database_url.startswith("sqlite"):  # PostgreSQL leads by an advisory lock, with no file
            assert str(tmp_path) in json.dumps(details["graph_sync"])  # the lock file: for the operator only


def test_with_a_bind_address_metrics_are_served_there_only(settings: Settings, world: Any) -> None:
    address = f"127.0.0.1:{free_port()}"
    with TestClient(create_app(dataclasses.replace(settings, metrics_bind=address)), client=LOCAL_OPERATOR) as client:
        assert client.get("/metrics").status_code == 404
        assert set(client.get("/readyz").json()) == {"status", "database", "graph"}
        scraped = httpx.get(f"http://{address}/metrics", timeout=10)
        assert scraped.status_code == 200 and "hub_http_requests_total" in scraped.text
        assert "policy_digest" in httpx.get(f"http://{address}/readyz", timeout=10).json()
    with pytest.raises(httpx.TransportError):  # stopped with the hub
        httpx.get(f"http://{address}/metrics", timeout=2)


def test_made_up_methods_and_operation_names_add_no_series(settings: Settings, world: Any) -> None:
    with TestClient(create_app(settings), client=LOCAL_OPERATOR) as client:
        headers = _headers(settings)
        client.post("/graphql", json={"query": UNITS}, headers=headers)
        before = client.get("/metrics").text
        for n in range(300):
            client.request(f"BREW{n}", "/graphql")
        id_number = "330523198203237476"
        for name in (f"Cadre{id_number}", f"Q_{id_number[:9]}_{id_number[9:]}", "Long" + "x" * 5000, "名单"):
            answer = client.post("/graphql", json={"query": f"query {name} {{ units(first: 1) {{ totalCount }} }}"},
                                 headers=headers)
            assert answer.status_code == 200
        after = client.get("/metrics").text
    assert "BREW" not in after
    assert _sample(after, "hub_http_requests_total", route="/graphql", method="other", status="405") == (
        _sample(before, "hub_http_requests_total", route="/graphql", method="other", status="405") + 300)
    assert id_number[:6] not in after and "xxxxx" not in after
    assert len(after) - len(before) < 5_000, "300 made-up methods and 4 odd names add a handful of series at most"
    assert _sample(after, "hub_graphql_operations_total", operation="other", agency="org", status="200") >= 3


def _recording_provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def test_spans_for_operations_and_none_per_resolver(settings: Settings, world: Any) -> None:
    provider, exporter = _recording_provider()
    with TestClient(create_app(settings, tracer_provider=provider)) as client:
        assert client.post("/graphql", json={"query": UNITS, "operationName": "Units"},
                           headers=_headers(settings)).status_code == 200
    names = [span.name for span in exporter.get_finished_spans()]
    assert "GraphQL Query: Units" in names and "GraphQL Parsing" in names and "GraphQL Validation" in names
    assert not [name for name in names if name.startswith("GraphQL Resolving")]


PURPOSE = {"X-Purpose": quote("线索核查")}
CALLER_TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
CALLER_SPAN_ID = 0x00F067AA0BA902B7
TRACEPARENT = f"00-{CALLER_TRACE_ID:032x}-{CALLER_SPAN_ID:016x}-01"


def _children(spans: Any, parent: Any) -> list[Any]:
    return [span for span in spans if span.parent is not None and span.parent.span_id == parent.context.span_id]


def test_one_request_with_a_traceparent_is_one_span_tree_under_the_callers_span(settings: Settings, world: Any) -> None:
    """The HTTP server span joins the caller's trace, the operation runs under it, its SQL statements under that."""
    provider, exporter = _recording_provider()
    searched = "王建国"
    query = "query Units($name: String) { cadres(first: 2, filter: {nameContains: $name}) { totalCount } }"
    with TestClient(create_app(settings, tracer_provider=provider)) as client:
        answer = client.get("/graphql", params={"query": query, "variables": json.dumps({"name": searched})},
                            headers=_headers(settings, traceparent=TRACEPARENT, Accept="application/json"))
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    spans = exporter.get_finished_spans()
    assert {span.context.trace_id for span in spans} == {CALLER_TRACE_ID}, "one trace: the caller's"
    [server] = [span for span in spans if span.kind == SpanKind.SERVER]
    assert server.parent is not None and server.parent.span_id == CALLER_SPAN_ID and server.parent.is_remote
    assert server.name == "GET /graphql" and server.attributes is not None
    [operation] = [span for span in _children(spans, server) if span.name == "GraphQL Query: Units"]
    under_operation = _children(spans, operation)
    assert {"GraphQL Parsing", "GraphQL Validation"} <= {span.name for span in under_operation}
    sql = [span for span in under_operation if (span.attributes or {}).get("db.system") in ("sqlite", "postgresql")]
    assert sql and all(span.kind == SpanKind.CLIENT for span in sql)
    assert any("FROM cadre" in str((span.attributes or {}).get("db.statement", "")) for span in sql)
    recorded = json.dumps([dict(span.attributes or {}) for span in spans], ensure_ascii=False)
    assert searched not in recorded and "%E7%8E%8B" not in recorded, "neither the variables nor the query string"
    assert operation.status.status_code == StatusCode.UNSET


def test_a_failed_operation_is_marked_with_its_code(settings: Settings, world: Any) -> None:
    provider, exporter = _recording_provider()
    with TestClient(create_app(settings, tracer_provider=provider)) as client:
        failed = client.post("/graphql", json={"query": "query Failed { units(first: -1) { totalCount } }"},
                             headers=_headers(settings, traceparent=TRACEPARENT))
        assert failed.status_code == 200 and failed.json()["errors"]
    [operation] = [span for span in exporter.get_finished_spans() if span.name == "GraphQL Query: Failed"]
    assert operation.status.status_code == StatusCode.ERROR and operation.status.description == "BAD_INPUT"
    assert (operation.attributes or {})["graphql.error.code"] == "BAD_INPUT"
    [server] = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]
    assert server.status.status_code == StatusCode.ERROR and (server.attributes or {})["graphql.outcome"] == "error"


def test_without_tracing_configured_nothing_is_instrumented(settings: Settings, world: Any) -> None:
    assert settings.otel_endpoint is None
    app = create_app(settings)
    assert not [entry for entry in app.user_middleware if entry.cls is OpenTelemetryMiddleware]
    assert app.state.hub.graph.tracer is None
    assert not sqlalchemy_event.contains(app.state.hub.engine, "before_cursor_execute", EngineTracer._before_cur_exec)
    with TestClient(app) as client:
        assert client.post("/graphql", json={"query": UNITS}, headers=_headers(settings, traceparent=TRACEPARENT)).status_code == 200


@pytest.mark.neo4j
def test_a_graph_query_has_a_neo4j_span_under_its_operation(
    world: Any, settings: Settings, neo4j_settings: Settings
) -> None:
    provider, exporter = _recording_provider()
    app_settings = project_world(world, settings, neo4j_settings)
    person = "cadre:1"
    query = "query Circle($id: ID!) { network(personId: $id, hops: 1) { nodes { id } } }"
    with TestClient(create_app(app_settings, tracer_provider=provider)) as client:  # its own policy store, traced
        headers = _headers(app_settings, "inspector", traceparent=TRACEPARENT, **PURPOSE)
        for _attempt in range(4):  # a cold server plans the query first, slowly on a busy machine
            warm_up = client.post("/graphql", json={"query": query, "variables": {"id": "cadre:2"}}, headers=headers)
            if "GRAPH_TIMEOUT" not in warm_up.text:
                break
        exporter.clear()
        answer = client.post("/graphql", json={"query": query, "variables": {"id": person}}, headers=headers)
        assert answer.status_code == 200 and answer.json()["data"]["network"]["nodes"], answer.text
    spans = exporter.get_finished_spans()
    [operation] = [span for span in spans if span.name == "GraphQL Query: Circle"]
    [graph] = [span for span in _children(spans, operation) if span.name == "neo4j network"]
    assert graph.kind == SpanKind.CLIENT and graph.context.trace_id == CALLER_TRACE_ID
    assert dict(graph.attributes or {}) == {"db.system": "neo4j", "db.system.name": "neo4j", "db.operation.name": "network"}
    assert person not in json.dumps([dict(span.attributes or {}) for span in spans])


def test_cors_preflight_and_answers_for_allowed_origins_only(settings: Settings, world: Any) -> None:
    app = create_app(dataclasses.replace(settings, cors_origins=(VIEWS_ORIGIN,)))
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type, x-purpose"}
    with TestClient(app) as client:
        allowed = client.options("/graphql", headers={"Origin": VIEWS_ORIGIN, **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == VIEWS_ORIGIN
        assert {"authorization", "content-type", "x-purpose"} <= {
            header.strip().lower() for header in allowed.headers["access-control-allow-headers"].split(",")}
        refused = client.options("/graphql", headers={"Origin": "https://evil.example", **preflight})
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
        answer = client.post("/graphql", json={"query": UNITS}, headers=_headers(settings, Origin=VIEWS_ORIGIN))
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == VIEWS_ORIGIN
        other = client.post("/graphql", json={"query": UNITS}, headers=_headers(settings, Origin="https://evil.example"))
        assert "access-control-allow-origin" not in other.headers
    with TestClient(create_app(settings)) as client:  # no origins configured: preflights answered, none allowed
        default = client.options("/graphql", headers={"Origin": VIEWS_ORIGIN, **preflight})
        assert default.status_code == 400 and "access-control-allow-origin" not in default.headers


@pytest.mark.parametrize("casbin", ["0", "1"])
def test_json_logs_carry_the_request_id_and_casbin_only_when_asked(
    settings: Settings, world: Any, tmp_path: Path, casbin: str,
) -> None:
    log = tmp_path / "hub.log"  # a file, not a pipe: a pipe could fill up
    with HubServer({"HUB_DATABASE_URL": settings.database_url, "HUB_VAR_DIR": str(tmp_path), "HUB_GRAPH_SYNC": "0",
                    "HUB_LOG_FORMAT": "json", "HUB_LOG_CASBIN": casbin}, log=log) as hub:
        for agency in ("org", "police", "unit"):  # each agency's grant is compiled from the policy on first use
            answer = httpx.post(f"{hub.url}/graphql", json={"query": UNITS},
                                headers=_headers(settings, agency, **{"X-Request-ID": f"req-{agency}-42"}), timeout=30)
            assert answer.headers["x-request-id"] == f"req-{agency}-42"
        generated = httpx.get(f"{hub.url}/healthz", headers={"X-Request-ID": "bad id\twith spaces"}, timeout=10)
        assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(record) for record in records)
    access = [record for record in records if record["logger"] == "uvicorn.access"]
    assert {record["request_id"] for record in access} >= {"req-org-42", "req-police-42", "req-unit-42"}
    casbin_lines = [record for record in records if record["logger"].startswith("casbin")]
    assert bool(casbin_lines) == (casbin == "1"), casbin_lines[:3]
