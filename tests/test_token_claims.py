"""Token claims checked before anyone is admitted: lifetime, issuer, audience and the type of every claim."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.settings import Settings

QUERY = {"query": "{ __typename }"}


def signed(settings: Settings, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "u1", "agency": "org", "iat": now, "exp": now + 3600, **overrides}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, settings.jwt_secret, algorithm="HS256")


def post(client: TestClient, token: str) -> Any:
    return client.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})


def assert_401(response: Any, message_part: str) -> None:
    assert response.status_code == 401, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert message_part in error["message"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"iat": None}, "lacks the 'iat' claim"),
        ({"iat": int(time.time()), "exp": int(time.time()) + 13 * 3600}, "exceeds the maximum of 43200 seconds"),
        ({"iat": "now"}, "'iat' claim must be an integer"),
        ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200}, "not valid yet"),
        ({"unit_id": "7"}, "'unit_id' claim must be an integer"),
        ({"unit_id": True}, "'unit_id' claim must be an integer"),
        ({"unit_id": 7.5}, "'unit_id' claim must be an integer"),
        ({"sub": ["u1", "u2"]}, "'sub' claim must be a non-empty string"),
        ({"sub": {"id": "u1"}}, "'sub' claim must be a non-empty string"),
        ({"agency": ["org"]}, "'agency' claim must be a non-empty string"),
        ({"agency": {"org": 1}}, "'agency' claim must be a non-empty string"),
        ({"jurisdiction": ["huzhou", "wuxing"]}, "'jurisdiction' claim must be a non-empty string"),
        ({"jurisdiction": {"a": 1}}, "'jurisdiction' claim must be a non-empty string"),
        ({"level": ["city"]}, "'level' claim must be a non-empty string"),
        ({"level": {"city": True}}, "'level' claim must be a non-empty string"),
    ],
)
def test_malformed_claims_get_401(client: TestClient, settings: Settings, overrides: dict[str, Any], message: str) -> None:
    assert_401(post(client, signed(settings, **overrides)), message)


def test_well_formed_claims_are_admitted(client: TestClient, settings: Settings) -> None:
    token = signed(settings, jurisdiction="huzhou", level="city", unit_id=3, exp=int(time.time()) + 12 * 3600)
    assert post(client, token).status_code == 200


def test_an_audience_is_not_refused_when_none_is_configured(client: TestClient, settings: Settings) -> None:
    assert post(client, signed(settings, aud="some-other-service", iss="anyone")).status_code == 200


def test_the_maximum_lifetime_is_configurable(settings: Settings, policy_store: Any) -> None:
    short = replace(settings, jwt_max_ttl=600)
    with TestClient(create_app(short, policies=policy_store)) as client:
        assert_401(post(client, signed(settings)), "exceeds the maximum of 600 seconds")
        assert post(client, signed(settings, exp=int(time.time()) + 600)).status_code == 200


def test_issuer_and_audience_are_checked_when_configured(settings: Settings, policy_store: Any) -> None:
    strict = replace(settings, jwt_issuer="https://sso.example.gov", jwt_audience="cadre-hub")
    with TestClient(create_app(strict, policies=policy_store)) as client:
        assert_401(post(client, signed(settings, aud="cadre-hub")), "lacks the 'iss' claim")
        assert_401(post(client, signed(settings, iss="https://sso.example.gov")), "lacks the 'aud' claim")
        assert_401(post(client, signed(settings, iss="https://evil.example", aud="cadre-hub")), "issuer ('iss')")
        assert_401(post(client, signed(settings, iss="https://sso.example.gov", aud="other")), "audience ('aud')")
        good = signed(settings, iss="https://sso.example.gov", aud=["cadre-hub", "other"])
        assert post(client, good).status_code == 200
