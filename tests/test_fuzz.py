"""Fuzzing the GraphQL endpoint over HTTP as random agencies: random valid queries, truncated and token-soup
documents, random variables and random JSON bodies. Never a 500, never a value the agency may not read."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from hub.auth import mint_token
from policies.enforcement import PolicyStore
from tests.graphql_gen import random_query
from tests.test_authorization import AGENCIES, SECRETS, allowed_to_see, response_strings

TOKENS = ["{", "}", "(", ")", "[", "]", ":", "...", "$v", "@skip", "query", "mutation", "fragment", "on", "cadres",
          "cadre", "id", "name", "idNumber", "facts", "relatives", "first:", "1", '"x"', "__schema", "__typename",
          "updateCadre", "input:", "{name:", "null", "true", "#", "\\u0000", "'; DROP TABLE cadre; --", "ＡＢＣ"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def documents(full: Any) -> st.SearchStrategy[str]:
    valid = random_query(full)
    truncated = valid.flatmap(lambda text: st.integers(0, len(text)).map(lambda cut: text[:cut]))
    soup = st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join)
    return st.one_of(valid, truncated, soup, st.text(max_size=200))


@pytest.mark.parametrize("round_", [0])
def test_fuzzed_requests_never_500_and_never_leak(round_: int, world: Any, client: TestClient, settings: Any,
                                                  policy_store: PolicyStore) -> None:
    full = policy_store.full_schema._schema
    tokens = {agency: mint_token(settings, agency=agency, user="fuzz", jurisdiction="huzhou", level="city",
                                 **({"unit_id": 1} if agency == "unit" else {})) for agency in AGENCIES}
    forbidden = {agency: [v for v, obj, owner in SECRETS if not allowed_to_see(agency, v, obj, owner)]
                 for agency in AGENCIES}
    bodies = st.one_of(
        st.builds(lambda q, v: json.dumps({"query": q, "variables": v}), documents(full),
                  st.dictionaries(st.sampled_from(["v", "id", "first"]), JSON_VALUES, max_size=2)),
        JSON_VALUES.map(json.dumps),
        st.binary(max_size=60).map(lambda raw: raw.decode("latin-1")),
    )

    @hypothesis_settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(agency=st.sampled_from(AGENCIES), body=bodies)
    def check(agency: str, body: str) -> None:
        response = client.post("/graphql", content=body.encode("utf-8", "surrogatepass"), headers={
            "Authorization": f"Bearer {tokens[agency]}", "X-Purpose": quote("线索核查"), "Content-Type": "application/json"})
        assert response.status_code < 500, (body, response.text[:500])
        text = " ".join(response_strings(response.json())) if response.headers.get(
            "content-type", "").startswith("application/json") else response.text
        for value in forbidden[agency]:
            assert value not in text, f"{agency} received {value!r} from {body!r}"

    check()
