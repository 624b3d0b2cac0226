"""Hostile GraphQL: depth, cost, aliases, tokens and size limits; production mode; allow-listed operations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.settings import Settings
from schema.limits import AllowListedOperations
from tests.conftest import Caller, production_settings


def nested_relatives(levels: int) -> str:
    inner = "name"
    for _ in range(levels):
        inner = f"relatives {{ person {{ name relativeOf {{ cadre {{ {inner} }} }} }} }}"
    return f"{{ cadres(first: 100) {{ edges {{ node {{ {inner} }} }} }} }}"


def codes(body: dict[str, Any]) -> list[str]:
    return [(error.get("extensions") or {}).get("code", "") for error in body["errors"]]


@pytest.fixture
def org(world: Any, as_agency: Any) -> Caller:
    return as_agency("org")


def test_ten_level_nested_relatives_are_refused_before_execution(org: Caller) -> None:
    body = org(nested_relatives(10))
    assert body["data"] is None
    assert any("exceeds maximum operation depth" in e["message"] or "estimated cost" in e["message"] for e in body["errors"])


def test_a_shallow_but_explosive_query_is_refused_by_cost(org: Caller) -> None:
    body = org(nested_relatives(3))  # depth 11 is allowed, but 100 × 10^6 rows are not
    assert body["data"] is None
    assert "QUERY_TOO_COSTLY" in codes(body)


def test_a_500_cadre_nested_page_is_allowed(org: Caller) -> None:
    page = org.data("""{ cadres(first: 500) { edges { node { name posts { title unit { name } }
        relatives { kind person { name } } negativeRecords { category status } } } } }""")
    assert len(page["cadres"]["edges"]) == 3


def test_too_many_aliases(org: Caller) -> None:
    query = "{ " + " ".join(f"a{i}: cadre(id: 1) {{ name }}" for i in range(31)) + " }"
    body = org(query)
    assert body["data"] is None and "aliases" in body["errors"][0]["message"]


def test_too_many_tokens(org: Caller) -> None:
    query = "{ cadre(id: 1) { " + " ".join(["name"] * 5000) + " } }"
    body = org(query)
    assert body["data"] is None and "token" in body["errors"][0]["message"].lower()


def test_oversized_request_is_refused_with_413(client: TestClient, org: Caller) -> None:
    response = client.post(
        "/graphql", content=json.dumps({"query": "{ __typename }", "pad": "x" * 200_000}),
        headers={"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_malformed_json_gets_a_clear_400(client: TestClient, org: Caller) -> None:
    response = client.post(
        "/graphql", content=b"{not json", headers={"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"}
    )
    assert response.status_code == 400


@pytest.fixture
def production(settings: Settings, world: Any, tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    prod = production_settings(settings)
    with TestClient(create_app(prod)) as client:
        yield client, prod


def test_introspection_is_off_in_production(production: Any) -> None:
    client, prod = production
    body = Caller(client, prod, "org")("{ __schema { types { name } } }")
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()


def test_introspection_is_on_in_development(org: Caller) -> None:
    assert org.data("{ __schema { queryType { name } } }") == {"__schema": {"queryType": {"name": "Query"}}}


def test_unexpected_errors_are_masked_in_production_and_in_development(
    production: Any, post_table_missing: Any, as_agency: Any
) -> None:
    client, prod = production
    masked = Caller(client, prod, "org")("{ posts { totalCount } }")
    assert masked["errors"][0]["message"] == "internal error"
    development = as_agency("org")("{ posts { totalCount } }")
    assert development["errors"][0]["message"] == "internal error"
    assert "no such table" not in str(development) and "SELECT" not in str(development)
    assert "Cannot query field" in Caller(client, prod, "police")("{ persons { totalCount } }")["errors"][0]["message"]


def test_only_allow_listed_operations_run(settings: Settings, world: Any, tmp_path: Path) -> None:
    allowed = "query Mine { cadre(id: 1) { name } }"
    listing = tmp_path / "allowed.json"
    listing.write_text(json.dumps([allowed]))
    with TestClient(create_app(replace(settings, allowed_operations_file=listing))) as client:
        org = Caller(client, settings, "org")
        assert org.data(allowed) == {"cadre": {"name": "王建国"}}
        refused = org("{ cadre(id: 1) { name idNumber } }")
        assert refused["data"] is None and "allow-list" in refused["errors"][0]["message"]


def test_a_lone_surrogate_is_judged_by_the_allow_list_like_any_text(settings: Settings, world: Any, tmp_path: Path) -> None:
    listed = "query Mine { cadre(id: 1) { name } } # \ud800"
    listing = tmp_path / "allowed.json"
    listing.write_text(json.dumps([listed]))  # written as the escape \\ud800, read back as the lone surrogate
    with TestClient(create_app(replace(settings, allowed_operations_file=listing))) as client:
        org = Caller(client, settings, "org")
        headers = {"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"}
        unlisted = client.post("/graphql", content=json.dumps({"query": "{ cadre(id: 1) { name } } # \ud800"}),
                               headers=headers)
        assert unlisted.json()["errors"] == [
            {"message": "this operation is not on the hub's allow-list", "extensions": {"code": "NOT_ALLOWED"}}]
        passed = client.post("/graphql", content=json.dumps({"query": listed}), headers=headers)
        assert passed.json()["errors"][0]["message"] == "Syntax Error: Invalid character: U+D800."  # by the parser


def test_an_error_raised_as_an_extension_starts_is_masked(
    settings: Settings, world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strawberry answers an exception raised while the operation's extensions start with its bare message,
    past the masking extension: the hub masks it too."""
    def failing(_extension: Any) -> Iterator[None]:
        raise OSError("cannot read /srv/hub/secret-listing.json")
        yield

    monkeypatch.setattr(AllowListedOperations, "on_operation", failing)
    listing = tmp_path / "allowed.json"
    listing.write_text(json.dumps(["{ cadre(id: 1) { name } }"]))
    with TestClient(create_app(replace(settings, allowed_operations_file=listing))) as client:
        body = Caller(client, settings, "org")("{ cadre(id: 1) { name } }")
    assert "secret" not in str(body)
    assert body["errors"][0]["message"] == "internal error" and body["errors"][0]["extensions"]["errorId"]
