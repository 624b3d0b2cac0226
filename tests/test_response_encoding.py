"""GraphQL responses are encoded with orjson: the same values and key order as strawberry's standard `json`
encoder gave, non-ASCII text as UTF-8 instead of `\\u` escapes, on real queries of every kind of value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app import AgencyGraphQL
from hub.graphql_http import encode_response
from schema.json_text import as_value
from tests.conftest import Caller
from tests.test_executor_agencies import CIRCLES, FILE, FRAGMENTS, NESTED, UNITS

QUERIES = {
    "nested page": NESTED, "units, decimals and dates": UNITS, "persons and organizations": CIRCLES,
    "a cadre's file": FILE, "fragments": FRAGMENTS,
    "an error with a path": "{ cadres(first: 2, after: \"not a cursor\") { edges { node { name } } } }",
    "a request error": "{ cadres { nope } }",
}


def _pairs(body: bytes) -> Any:
    """The JSON value with every object as its list of (key, value) pairs: equal only in the same key order."""
    return json.loads(body, object_pairs_hook=list)


def _answers(client: TestClient, caller: Caller, agency: str) -> dict[str, bytes]:
    return {name: caller.post(query).content for name, query in QUERIES.items()}


@pytest.mark.parametrize("agency", ["org", "police", "discipline"])
def test_answers_equal_the_standard_encoders_in_values_and_key_order(
    world: Any, client: TestClient, as_agency: Any, agency: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    caller = as_agency(agency)
    fast = _answers(client, caller, agency)
    # The standard encoder, given what a statement read as JSON text parsed (strawberry's own cannot encode it).
    monkeypatch.setattr(AgencyGraphQL, "encode_json", lambda _view, data: json.dumps(data, default=as_value))
    standard = _answers(client, caller, agency)
    for name in QUERIES:
        assert _pairs(fast[name]) == _pairs(standard[name]), name
    assert any("湖州".encode() in body for body in fast.values())
    assert all(b"\\u" not in body for body in fast.values()), "non-ASCII text is sent as UTF-8, not escaped"
    if agency == "org":
        assert b'"amount":"' in fast["units, decimals and dates"], "decimals stay strings"


def test_values_orjson_refuses_are_encoded_as_before() -> None:
    huge = {"data": {"n": 2**70, "nested": [{"b": 1, "a": "é"}]}}
    assert _pairs(encode_response(huge)) == _pairs(json.dumps(huge).encode())
    with pytest.raises(TypeError):
        encode_response({"data": {"when": object()}})
