"""What browsers and caches are told: the request headers CORS allows, and Cache-Control on GET answers."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import mint_token
from hub.settings import InvalidSettings, Settings, read_environment

ORIGIN = "https://views.example"
UNITS = "query Units { units(first: 2) { totalCount } }"
APOLLO_HEADERS = ("apollographql-client-name", "apollographql-client-version")


def _bearer(settings: Settings) -> dict[str, str]:
    token = mint_token(settings, agency="org", user="org-1", jurisdiction="huzhou", level="city")
    return {"Authorization": f"Bearer {token}"}


def _preflight(client: TestClient, headers: str) -> Any:
    return client.options("/graphql", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": headers,
    })


def test_trace_context_is_allowed_by_default_and_apollo_headers_when_configured(settings: Settings, world: Any) -> None:
    allowed_origin = dataclasses.replace(settings, cors_origins=(ORIGIN,))
    with TestClient(create_app(allowed_origin)) as client:
        assert _preflight(client, "authorization, content-type, traceparent, tracestate").status_code == 200
        assert _preflight(client, "content-type, " + ", ".join(APOLLO_HEADERS)).status_code == 400
    configured = dataclasses.replace(allowed_origin, cors_headers=APOLLO_HEADERS)
    with TestClient(create_app(configured)) as client:
        answer = _preflight(client, "content-type, traceparent, " + ", ".join(APOLLO_HEADERS))
        assert answer.status_code == 200
        allowed = {name.strip() for name in answer.headers["access-control-allow-headers"].split(",")}
        assert {"traceparent", "tracestate", *APOLLO_HEADERS} <= allowed


def test_cors_headers_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_CORS_HEADERS", "Apollographql-Client-Name, apollographql-client-version")
    assert read_environment().to_settings().cors_headers == APOLLO_HEADERS
    monkeypatch.setenv("HUB_CORS_HEADERS", "x-fine, not a header")
    with pytest.raises(InvalidSettings, match="HUB_CORS_HEADERS.*not a header"):
        read_environment()


def test_get_answers_are_private_and_not_stored(settings: Settings, world: Any) -> None:
    with TestClient(create_app(settings)) as client:
        got = client.get("/graphql", params={"query": UNITS}, headers=_bearer(settings))
        assert got.status_code == 200 and "errors" not in got.json()
        assert got.headers["cache-control"] == "private, no-store"
        posted = client.post("/graphql", json={"query": UNITS}, headers=_bearer(settings))
        assert "cache-control" not in posted.headers
    configured = dataclasses.replace(settings, cache_control="private, max-age=30")
    with TestClient(create_app(configured)) as client:
        got = client.get("/graphql", params={"query": UNITS}, headers=_bearer(settings))
        assert got.headers["cache-control"] == "private, max-age=30"


def test_cache_control_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_environment().to_settings().cache_control == "private, no-store"
    monkeypatch.setenv("HUB_CACHE_CONTROL", "no-cache")
    assert read_environment().to_settings().cache_control == "no-cache"
