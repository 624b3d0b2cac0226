"""Automatic Persisted Queries with Apollo's protocol (`extensions.persistedQuery`), over POST and GET, and
their interplay with the allow-list in production."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import mint_token
from hub.persisted_queries import LearnedQueries
from hub.settings import Settings
from policies.enforcement import PolicyStore
from tests.conftest import production_settings

CADRE = "query Cadre($id: Int!) { cadre(id: $id) { name } }"
NAME = {"cadre": {"name": "王建国"}}
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(query: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256(query)}}


class Apollo:
    """Sends requests as an Apollo client with the persisted query link does, as one agency."""

    def __init__(self, client: TestClient, settings: Settings, agency: str = "org") -> None:
        self.client = client
        token = mint_token(settings, agency=agency, user=f"{agency}-1", jurisdiction="huzhou", level="city")
        self.headers = {"Authorization": f"Bearer {token}", "X-Purpose": "%E7%BA%BF%E7%B4%A2%E6%A0%B8%E6%9F%A5"}

    def post(self, query: str, *, send_text: bool, variables: dict[str, Any] | None = None, **headers: str) -> Any:
        body: dict[str, Any] = {"variables": variables or {"id": 1}, "extensions": persisted(query)}
        if send_text:
            body["query"] = query
        return self.client.post("/graphql", json=body, headers={**self.headers, **headers})

    def get(self, query: str, *, send_text: bool, accept: str = "*/*") -> Any:
        # Apollo Client's defaults: `accept: */*`, variables and extensions as URL-encoded JSON.
        params = {"variables": json.dumps({"id": 1}), "extensions": json.dumps(persisted(query))}
        if send_text:
            params["query"] = query
        return self.client.get("/graphql", params=params, headers={**self.headers, "Accept": accept})


def error_code(response: Any) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    return body["errors"][0]["extensions"]["code"]  # type: ignore[no-any-return]


def data(response: Any) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture
def apollo(client: TestClient, settings: Settings, world: Any) -> Apollo:
    return Apollo(client, settings)


def test_the_apollo_round_trip_over_post(apollo: Apollo) -> None:
    response = apollo.post(CADRE, send_text=False)
    assert error_code(response) == NOT_FOUND
    assert response.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert data(apollo.post(CADRE, send_text=True)) == NAME
    assert data(apollo.post(CADRE, send_text=False)) == NAME  # the hash alone now suffices
    assert data(apollo.post(CADRE, send_text=False, variables={"id": 2}))["cadre"]["name"] != "王建国"


def test_the_apollo_round_trip_over_get(apollo: Apollo) -> None:
    assert error_code(apollo.get(CADRE, send_text=False)) == NOT_FOUND
    assert data(apollo.get(CADRE, send_text=True)) == NAME
    assert data(apollo.get(CADRE, send_text=False)) == NAME
    strict = apollo.get(CADRE, send_text=False, accept="application/graphql-response+json")
    assert strict.status_code == 200 and strict.json() == {"data": NAME}


def test_an_unknown_hash_is_a_request_error_in_graphql_response_json(apollo: Apollo) -> None:
    response = apollo.post(CADRE, send_text=False, Accept="application/graphql-response+json")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": NOT_FOUND}}]}


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_a_text_that_does_not_match_its_hash_is_a_graphql_error_and_not_learned(apollo: Apollo, accept: str) -> None:
    other = "query Cadre($id: Int!) { cadre(id: $id) { name idNumber } }"
    body = {"query": other, "variables": {"id": 1}, "extensions": persisted(CADRE)}
    response = apollo.client.post("/graphql", json=body, headers={**apollo.headers, "Accept": accept})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(accept)
    [error] = response.json()["errors"]
    assert error == {"message": "provided sha does not match query", "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"}}
    assert error_code(apollo.post(CADRE, send_text=False)) == NOT_FOUND


def test_a_mismatched_hash_over_get_is_a_graphql_error(apollo: Apollo) -> None:
    params = {"query": "{ __typename }", "extensions": json.dumps(persisted(CADRE))}
    response = apollo.client.get("/graphql", params=params, headers={**apollo.headers, "Accept": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": {"version": 2, "sha256Hash": sha256(CADRE)}},
        {"persistedQuery": {"version": 1, "sha256Hash": "abc"}},
        {"persistedQuery": {"version": 1}},
        {"persistedQuery": "yes"},
    ],
)
def test_a_malformed_persisted_query_is_a_400(apollo: Apollo, extensions: dict[str, Any]) -> None:
    response = apollo.client.post("/graphql", json={"extensions": extensions}, headers=apollo.headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_learned_texts_belong_to_the_agency_that_sent_them(apollo: Apollo, client: TestClient, settings: Settings) -> None:
    assert data(apollo.post(CADRE, send_text=True)) == NAME
    police = Apollo(client, settings, "police")
    assert error_code(police.post(CADRE, send_text=False)) == NOT_FOUND


def test_the_learned_store_is_bounded_and_drops_the_least_recently_used(
    settings: Settings, world: Any, policy_store: PolicyStore
) -> None:
    texts = [f"query Cadre($id: Int!) {{ cadre(id: $id) {{ name {'gender ' * n}}} }}" for n in range(3)]
    with TestClient(create_app(replace(settings, persisted_queries_max=2), policies=policy_store)) as client:
        org = Apollo(client, settings)
        for text in texts[:2]:
            assert data(org.post(text, send_text=True))
        assert data(org.post(texts[0], send_text=False))  # texts[0] is now the most recently used
        assert data(org.post(texts[2], send_text=True))  # learning a third drops texts[1]
        assert error_code(org.post(texts[1], send_text=False)) == NOT_FOUND
        assert data(org.post(texts[0], send_text=False)) and data(org.post(texts[2], send_text=False))


def test_one_agency_cannot_push_out_anothers_texts(settings: Settings, world: Any, policy_store: PolicyStore) -> None:
    with TestClient(create_app(replace(settings, persisted_queries_max=2), policies=policy_store)) as client:
        org, police = Apollo(client, settings), Apollo(client, settings, "police")
        assert data(org.post(CADRE, send_text=True)) == NAME
        for n in range(5):  # more than the store holds, all from police
            assert data(police.post(f"query Units{n} {{ units(first: {n + 1}) {{ totalCount }} }}", send_text=True))
        assert data(org.post(CADRE, send_text=False)) == NAME


@pytest.mark.parametrize("query", [
    "query Broken($id: Int!) { cadre(id: $id) { name ",  # does not parse
    "query Missing($id: Int!) { cadre(id: $id) { name noSuchField } }",  # no such field anywhere
    "query Hidden($id: Int!) { cadre(id: $id) { name relatives { name } } }",  # not in the police schema
    "query Costly { units(first: 1000) { edges { node { posts { title unit { posts { title } } } } } } }",  # cost 1.3 M
])
def test_a_text_that_fails_parsing_validation_or_limits_is_not_learned(
    settings: Settings, world: Any, policy_store: PolicyStore, query: str
) -> None:
    with TestClient(create_app(settings, policies=policy_store)) as client:
        police = Apollo(client, settings, "police")
        refused = police.post(query, send_text=True)
        assert refused.status_code in (200, 400) and refused.json()["errors"], refused.text
        assert error_code(police.post(query, send_text=False)) == NOT_FOUND
        assert len(client.app.state.hub.persisted.learned) == 0  # type: ignore[attr-defined]


def test_the_learned_store_is_bounded_in_size_too() -> None:
    store = LearnedQueries(max_entries=100, max_characters=10)
    store.learn("org", "a", "123456")
    store.learn("org", "b", "123456")
    assert (store.get("org", "a"), store.get("org", "b"), len(store)) == (None, "123456", 1)
    store.learn("org", "c", "x" * 11)
    assert store.get("org", "c") is None and len(store) == 1


UNLISTED = "query Unlisted($id: Int!) { cadre(id: $id) { name idNumber } }"


@pytest.fixture
def production(settings: Settings, world: Any, tmp_path: Path) -> Iterator[TestClient]:
    listing = tmp_path / "allowed.json"
    listing.write_text(json.dumps([CADRE]))
    prod = replace(production_settings(settings), allowed_operations_file=listing)
    with TestClient(create_app(prod)) as client:
        yield client


def test_in_production_an_allow_listed_hash_runs_without_its_text(production: TestClient, settings: Settings) -> None:
    org = Apollo(production, replace(settings, jwt_secret="a-production-secret-of-at-least-32-bytes"))
    assert data(org.post(CADRE, send_text=False)) == NAME
    assert data(org.get(CADRE, send_text=False)) == NAME
    assert data(org.post(CADRE, send_text=True)) == NAME


def test_in_production_only_allow_listed_hashes_are_accepted(production: TestClient, settings: Settings) -> None:
    org = Apollo(production, replace(settings, jwt_secret="a-production-secret-of-at-least-32-bytes"))
    assert error_code(org.post(UNLISTED, send_text=False)) == "NOT_ALLOWED"
    assert error_code(org.post(UNLISTED, send_text=True)) == "NOT_ALLOWED"
    assert error_code(org.post(UNLISTED, send_text=False)) == "NOT_ALLOWED"  # sending the text taught nothing
    assert error_code(org.get(UNLISTED, send_text=True)) == "NOT_ALLOWED"
    plain = production.post("/graphql", json={"query": UNLISTED, "variables": {"id": 1}}, headers=org.headers)
    assert error_code(plain) == "NOT_ALLOWED"
