"""Authentication: bearer JWTs, 401 for missing, expired or forged tokens, 403 for unknown agencies."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import mint_token
from hub.settings import Settings

QUERY = {"query": "{ cadres { totalCount } }"}


def post(client: TestClient, token: str | None, purpose: str | None = "test", scheme: str = "Bearer") -> Any:
    headers = {} if token is None else {"Authorization": f"{scheme} {token}"}
    if purpose is not None:
        headers["X-Purpose"] = quote(purpose)
    return client.post("/graphql", json=QUERY, headers=headers)


def assert_refused(response: Any, status: int, code: str, message_part: str) -> None:
    assert response.status_code == status
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert message_part in error["message"]


def test_valid_token_is_admitted(client: TestClient, settings: Settings) -> None:
    response = post(client, mint_token(settings, agency="org", user="u1", jurisdiction="huzhou", level="city"))
    assert response.status_code == 200
    assert response.json() == {"data": {"cadres": {"totalCount": 0}}}


@pytest.mark.parametrize(
    ("make_token", "scheme", "message"),
    [
        (lambda s: None, "Bearer", "missing bearer token"),
        (lambda s: "not-a-jwt", "Bearer", "malformed or its signature is not valid"),
        (lambda s: mint_token(s, agency="org", user="u1"), "Basic", "must be 'Bearer <token>'"),
        (lambda s: mint_token(s, agency="org", user="u1", ttl_seconds=-3600), "Bearer", "expired"),
        (lambda s: mint_token(s, agency="org", user="u1", signing_key="another-secret-of-sufficient-length-123"), "Bearer",
         "signature is not valid"),
        (lambda s: jwt.encode({"sub": "u1", "exp": int(time.time()) + 60}, s.jwt_secret, algorithm="HS256"), "Bearer",
         "lacks the 'agency' claim"),
        (lambda s: jwt.encode({"sub": "u", "agency": "org", "exp": int(time.time()) + 60}, "", algorithm="none"),
         "Bearer", "malformed or its signature is not valid"),
    ],
)
def test_bad_credentials_get_401(client: TestClient, settings: Settings, make_token: Any, scheme: str, message: str) -> None:
    assert_refused(post(client, make_token(settings), scheme=scheme), 401, "UNAUTHENTICATED", message)


def test_unknown_agency_gets_403(client: TestClient, settings: Settings) -> None:
    response = post(client, mint_token(settings, agency="tax-bureau", user="u1"))
    assert_refused(response, 403, "FORBIDDEN", "no access")


def test_inspectors_must_state_a_purpose(client: TestClient, settings: Settings) -> None:
    token = mint_token(settings, agency="inspector", user="i1")
    assert_refused(post(client, token, purpose=None), 400, "PURPOSE_REQUIRED", "X-Purpose")
    assert_refused(post(client, token, purpose="   "), 400, "PURPOSE_REQUIRED", "X-Purpose")
    assert post(client, token, purpose="巡察线索核查").status_code == 200
    assert post(client, mint_token(settings, agency="police", user="p1"), purpose=None).status_code == 200


def test_rs256_tokens_verify_with_the_configured_public_key(settings: Settings, policy_store: Any) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    rs_settings = replace(settings, jwt_algorithm="RS256", jwt_public_key=public_pem)
    with TestClient(create_app(rs_settings, policies=policy_store)) as client:
        good = mint_token(rs_settings, agency="org", user="u1", signing_key=private_pem)
        assert post(client, good).status_code == 200
        hs = mint_token(settings, agency="org", user="u1")
        assert_refused(post(client, hs), 401, "UNAUTHENTICATED", "signature is not valid")


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_browsers_opening_graphql_get_the_bundled_offline_graphiql(client: TestClient) -> None:
    redirect = client.get("/graphql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["location"] == "/graphiql"
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert not re.search(r"https?://", page.text), "the page must load nothing from outside the hub"
