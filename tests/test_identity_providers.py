"""Tokens from an OIDC identity provider: keys from its JWKS URL (RS256, ES256, EdDSA), rotation by `kid`,
issuer and audience, the claim mapping, and the RFC 6750 `WWW-Authenticate` challenge on every 401.

The provider is played by a small HTTP server on 127.0.0.1 serving keys generated here.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import mint_token, principal_from_header
from hub.jwks import FAILED_FETCH_RETRY_SECONDS, FETCH_TIMEOUT_SECONDS, max_age
from hub.settings import InsecureConfiguration, Settings, production_problems
from policies.enforcement import PolicyStore

ISSUER = "https://idp.example/realms/hub"
AUDIENCE = "cadre-hub"
QUERY = {"query": "{ __typename }"}


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private: Any

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        to_jwk = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}[self.algorithm].to_jwk
        return {**to_jwk(public, as_dict=True), "kid": self.kid, "use": "sig", "alg": self.algorithm}

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm=self.algorithm, headers={"kid": kid or self.kid})


def new_key(algorithm: str, kid: str) -> SigningKey:
    private: Any
    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    return SigningKey(kid, algorithm, private)


@dataclass
class Provider:
    """The identity provider's JWKS endpoint: publishes `jwks`, counts how often it is fetched."""

    jwks: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    fetches: int = 0
    fetch_times: list[float] = field(default_factory=list)  # time.monotonic() of each fetch
    url: str = ""
    outage: str | None = None  # "503": answers Service Unavailable; "hang": answers nothing until released
    cache_control: str | None = None  # the Cache-Control header of its answers
    released: threading.Event = field(default_factory=threading.Event)

    def publish(self, *keys: SigningKey) -> None:
        self.jwks = {"keys": [key.jwk() for key in keys]}


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches += 1
            state.fetch_times.append(time.monotonic())
            if state.outage == "hang":
                state.released.wait(30)
                return
            if state.outage == "503":
                self.send_error(503)
                return
            body = json.dumps(state.jwks).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if state.cache_control is not None:
                self.send_header("Cache-Control", state.cache_control)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/realms/hub/protocol/openid-connect/certs"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()
    thread.join()


def oidc_settings(settings: Settings, provider: Provider, **changes: Any) -> Settings:
    return replace(settings, jwt_jwks_url=provider.url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, **changes)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u1", "agency": "org", "iat": now, "exp": now + 600}
    return {name: value for name, value in {**base, **overrides}.items() if value is not None}


def post(client: TestClient, token: str | None, path: str = "/graphql") -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.post(path, json=QUERY, headers=headers)


def assert_invalid_token(response: Any, message_part: str) -> None:
    assert response.status_code == 401, response.text
    message = response.json()["errors"][0]["message"]
    assert message_part in message
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="hub", error="invalid_token", error_description="')
    assert message_part in challenge


@pytest.fixture
def oidc_client(settings: Settings, provider: Provider, policy_store: PolicyStore) -> Iterator[TestClient]:
    with TestClient(create_app(oidc_settings(settings, provider), policies=policy_store)) as client:
        yield client


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_tokens_signed_with_a_published_key_are_admitted(
    algorithm: str, provider: Provider, oidc_client: TestClient
) -> None:
    key = new_key(algorithm, kid=f"{algorithm}-1")
    provider.publish(key)
    response = post(oidc_client, key.sign(claims()))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}


def test_es256_and_eddsa_tokens_verify_with_a_configured_public_key(settings: Settings, policy_store: PolicyStore) -> None:
    """ES256 with HUB_JWT_PUBLIC_KEY_FILE was verified with the HS256 secret and answered 500."""
    for algorithm in ("ES256", "EdDSA"):
        key = new_key(algorithm, kid="k")
        public_pem = key.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        configured = replace(settings, jwt_algorithm=algorithm, jwt_public_key=public_pem)
        with TestClient(create_app(configured, policies=policy_store)) as client:
            now = int(time.time())
            token = key.sign({"sub": "u1", "agency": "org", "iat": now, "exp": now + 600})
            assert post(client, token).status_code == 200
            assert_invalid_token(post(client, new_key(algorithm, "k").sign(claims())), "signature is not valid")


def test_a_rotated_key_is_fetched_once_its_kid_appears(
    settings: Settings, provider: Provider, policy_store: PolicyStore
) -> None:
    old, new = new_key("RS256", "2024"), new_key("ES256", "2025")
    provider.publish(old)
    configured = oidc_settings(settings, provider, jwt_jwks_refetch_seconds=0.2)
    with TestClient(create_app(configured, policies=policy_store)) as client:
        assert post(client, old.sign(claims())).status_code == 200
        assert post(client, old.sign(claims())).status_code == 200
        assert provider.fetches == 1  # the key set is cached
        provider.publish(new)  # the provider rotates: the old key is withdrawn
        time.sleep(0.3)
        assert post(client, new.sign(claims())).status_code == 200
        assert provider.fetches == 2
        assert_invalid_token(post(client, old.sign(claims())), "'kid'")


def test_unknown_kids_cause_at_most_one_refetch_per_interval(
    settings: Settings, provider: Provider, policy_store: PolicyStore
) -> None:
    key = new_key("RS256", "real")
    provider.publish(key)
    configured = oidc_settings(settings, provider, jwt_jwks_refetch_seconds=30.0)
    with TestClient(create_app(configured, policies=policy_store)) as client:
        assert post(client, key.sign(claims())).status_code == 200
        for attempt in range(20):
            assert_invalid_token(post(client, key.sign(claims(), kid=f"made-up-{attempt}")), "'kid'")
        assert provider.fetches == 1  # within the refetch interval, made-up kids never reach the provider
        assert post(client, key.sign(claims())).status_code == 200


def wait_for_status(client: TestClient, token: str, status: int, within: float) -> float:
    """Seconds until a request with `token` is answered `status`, asking every 0.1 s; fails after `within`."""
    started = time.monotonic()
    while (answered := post(client, token).status_code) != status:
        assert time.monotonic() - started < within, f"still {answered} after {within} s"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_rotation_takes_effect_within_the_documented_bounds(
    settings: Settings, provider: Provider, policy_store: PolicyStore
) -> None:
    """With the default settings: a key published just after a token naming it was refused is accepted once the
    refetch floor (2 s) has passed, not 30 s later; a withdrawn key is refused once the key set's max-age (here
    the provider's, 3 s, shorter than the 60 s cap) and one fetch have passed."""
    old, new = new_key("RS256", "2024"), new_key("ES256", "2025")
    provider.publish(old)
    provider.cache_control = "public, max-age=3"
    configured = oidc_settings(settings, provider)
    floor, lifetime = configured.jwt_jwks_refetch_seconds, 3.0
    with TestClient(create_app(configured, policies=policy_store)) as client:
        assert post(client, old.sign(claims())).status_code == 200
        assert_invalid_token(post(client, new.sign(claims())), "'kid'")  # used before it is published
        provider.publish(old, new)
        published = time.monotonic()
        wait_for_status(client, new.sign(claims()), 200, within=floor + 1.0)
        assert time.monotonic() - published <= floor + 1.0
        fetches = provider.fetch_times[:]
        provider.publish(new)  # the old key is withdrawn
        withdrawn = time.monotonic()
        assert post(client, old.sign(claims())).status_code == 200  # the held set still names it
        wait_for_status(client, old.sign(claims()), 401, within=lifetime + FETCH_TIMEOUT_SECONDS + 1.0)
        assert time.monotonic() - fetches[-1] <= lifetime + FETCH_TIMEOUT_SECONDS + 0.5
        assert time.monotonic() - withdrawn >= 0.5, "refused only once the held set aged, not at once"
        assert post(client, new.sign(claims())).status_code == 200


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), ("max-age=30", 30.0), ("public, max-age=\"5\", must-revalidate", 5.0), ("no-store", 0.0),
     ("s-maxage=9", None), ("Max-Age=7", 7.0)],
)
def test_the_key_sets_max_age_is_read_from_cache_control(header: str | None, seconds: float | None) -> None:
    assert max_age(header) == seconds


def test_every_refused_token_is_logged_with_its_reason_and_nothing_of_the_token(
    settings: Settings, provider: Provider, policy_store: PolicyStore, caplog: pytest.LogCaptureFixture
) -> None:
    key, forged = new_key("RS256", "k1"), new_key("RS256", "k1")
    provider.publish(key)
    tokens = {
        "unknown kid": key.sign(claims(), kid="made-up"),
        "expired": key.sign(claims(exp=int(time.time()) - 3600)),
        "bad signature": forged.sign(claims()),
        "wrong audience": key.sign(claims(aud="another-client")),
        "wrong issuer": key.sign(claims(iss="https://another-idp.example")),
    }
    with TestClient(create_app(oidc_settings(settings, provider), policies=policy_store)) as client:
        for reason, token in tokens.items():
            caplog.clear()
            with caplog.at_level("INFO", logger="hub.auth"):
                assert post(client, token).status_code == 401
            refusals = [record for record in caplog.records if record.name == "hub.auth"]
            assert [record.getMessage() for record in refusals] == [f"token refused: {reason}"]
            assert refusals[0].levelname == "INFO"
            assert token not in caplog.text and token.split(".")[1] not in caplog.text


def test_an_unknown_kid_refetches_once_after_the_interval(
    settings: Settings, provider: Provider, policy_store: PolicyStore
) -> None:
    key = new_key("RS256", "real")
    provider.publish(key)
    configured = oidc_settings(settings, provider, jwt_jwks_refetch_seconds=0.2)
    with TestClient(create_app(configured, policies=policy_store)) as client:
        assert post(client, key.sign(claims())).status_code == 200
        time.sleep(0.3)
        assert_invalid_token(post(client, key.sign(claims(), kid="unknown")), "'kid'")
        assert_invalid_token(post(client, key.sign(claims(), kid="unknown")), "'kid'")
        assert provider.fetches == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"iss": "https://another-idp.example"}, "issuer ('iss')"),
        ({"iss": None}, "lacks the 'iss' claim"),
        ({"aud": "another-client"}, "audience ('aud')"),
        ({"aud": None}, "lacks the 'aud' claim"),
        ({"exp": int(time.time()) - 3600}, "expired"),
    ],
)
def test_wrong_issuer_or_audience_is_refused(
    provider: Provider, oidc_client: TestClient, overrides: dict[str, Any], message: str
) -> None:
    key = new_key("ES256", "k1")
    provider.publish(key)
    assert_invalid_token(post(oidc_client, key.sign(claims(**overrides))), message)


def test_keys_the_provider_does_not_publish_are_refused(provider: Provider, oidc_client: TestClient) -> None:
    published = new_key("RS256", "k1")
    provider.publish(published)
    forged = new_key("RS256", "k1")  # same kid, another key
    assert_invalid_token(post(oidc_client, forged.sign(claims())), "signature is not valid")
    # An HS256 token signed with a symmetric key the JWKS happens to hold is not accepted either.
    secret = "a-shared-secret-of-at-least-32-bytes!"
    provider.jwks = {"keys": [published.jwk(), {"kty": "oct", "kid": "hs", "k": jwt.utils.base64url_encode(secret.encode()).decode()}]}
    hs = jwt.encode(claims(), secret, algorithm="HS256", headers={"kid": "hs"})
    response = post(oidc_client, hs)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="hub", error="invalid_token"')
    # Development tokens signed with the hub's secret are not accepted once an identity provider is configured.
    assert post(oidc_client, mint_token(Settings(), agency="org", user="u1")).status_code == 401


def test_an_unreachable_provider_answers_503(settings: Settings, policy_store: PolicyStore) -> None:
    configured = replace(settings, jwt_jwks_url="http://127.0.0.1:9/certs", jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    with TestClient(create_app(configured, policies=policy_store)) as client:
        response = post(client, new_key("RS256", "k").sign(claims()))
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "IDENTITY_PROVIDER_UNAVAILABLE"


def made_up_kid_tokens(key: SigningKey, count: int) -> list[str]:
    return [key.sign(claims(), kid=f"made-up-{number}") for number in range(count)]


def test_a_provider_down_from_the_start_is_not_asked_once_per_token(
    settings: Settings, provider: Provider, policy_store: PolicyStore
) -> None:
    provider.outage = "503"
    key = new_key("RS256", "real")
    tokens = made_up_kid_tokens(key, 200)
    with TestClient(create_app(oidc_settings(settings, provider), policies=policy_store)) as client:
        started = time.monotonic()
        statuses = {post(client, token).status_code for token in tokens}
        elapsed = time.monotonic() - started
        print(f"\n200 made-up kids against a provider answering 503: {provider.fetches} fetch(es) in {elapsed:.1f} s")
        assert statuses == {503}
        # One fetch, then one more per retry interval after a failure (the 200 tokens take a second or so).
        assert provider.fetches <= 1 + int(elapsed / FAILED_FETCH_RETRY_SECONDS), (provider.fetches, elapsed)
        provider.outage = None
        provider.publish(key)
        time.sleep(FAILED_FETCH_RETRY_SECONDS - (time.monotonic() - started) % FAILED_FETCH_RETRY_SECONDS + 0.1)
        assert post(client, key.sign(claims())).status_code == 200  # the provider is back: its keys are fetched


def test_failed_refetches_cool_down_too(settings: Settings, provider: Provider, policy_store: PolicyStore) -> None:
    key = new_key("RS256", "real")
    provider.publish(key)
    configured = oidc_settings(settings, provider, jwt_jwks_refetch_seconds=0.5)
    with TestClient(create_app(configured, policies=policy_store)) as client:
        assert post(client, key.sign(claims())).status_code == 200
        provider.outage = "503"
        time.sleep(0.6)
        started = time.monotonic()
        for token in made_up_kid_tokens(key, 100):
            assert post(client, token).status_code in (401, 503)
        elapsed = time.monotonic() - started
        assert provider.fetches - 1 <= 1 + int(elapsed / 0.5), (provider.fetches, elapsed)
        assert post(client, key.sign(claims())).status_code == 200  # the held key still verifies


def test_a_hanging_provider_never_delays_tokens_whose_key_is_held(
    settings: Settings, provider: Provider, policy_store: PolicyStore
) -> None:
    key = new_key("RS256", "real")
    provider.publish(key)
    configured = oidc_settings(settings, provider, jwt_jwks_refetch_seconds=0.2)
    with TestClient(create_app(configured, policies=policy_store)) as client:
        assert post(client, key.sign(claims())).status_code == 200
        provider.outage = "hang"
        time.sleep(0.3)
        flood_seconds = FETCH_TIMEOUT_SECONDS + 1.0
        stop = time.monotonic() + flood_seconds
        flood_statuses: set[int] = set()

        def flood(loop: int) -> None:
            tokens = made_up_kid_tokens(key, 20)
            while time.monotonic() < stop:
                flood_statuses.update(post(client, token).status_code for token in tokens[:5])

        loops = [threading.Thread(target=flood, args=(loop,)) for loop in range(4)]
        for loop in loops:
            loop.start()
        durations = []
        valid = key.sign(claims())
        while time.monotonic() < stop:
            started = time.monotonic()
            assert post(client, valid).status_code == 200
            durations.append(time.monotonic() - started)
            time.sleep(0.05)
        for loop in loops:
            loop.join()
        print(f"\n{len(durations)} valid tokens during the flood, slowest {max(durations):.3f} s; {provider.fetches} fetches")
        assert flood_statuses <= {401, 503}
        # Waiting on the hanging fetch would take its whole timeout (3 s); on a loaded 2-core machine an odd request
        # may take a second for other reasons, so the bound is the timeout's two thirds, and most are quick.
        assert len(durations) > 10 and max(durations) < FETCH_TIMEOUT_SECONDS * 2 / 3, (len(durations), max(durations))
        assert sorted(durations)[len(durations) // 2] < 0.2, sorted(durations)
        # One fetch at a time, each cut off after FETCH_TIMEOUT_SECONDS, then the refetch interval.
        assert provider.fetches - 1 <= 2, provider.fetches


def test_an_expired_key_set_is_refreshed_in_the_background_and_dropped_after_two_lifetimes(
    settings: Settings, provider: Provider, policy_store: PolicyStore
) -> None:
    key = new_key("ES256", "k1")
    provider.publish(key)
    configured = oidc_settings(settings, provider, jwt_jwks_cache_seconds=2.0)
    with TestClient(create_app(configured, policies=policy_store)) as client:
        assert post(client, key.sign(claims())).status_code == 200
        provider.outage = "hang"
        fetched = provider.fetch_times[0]
        time.sleep(max(0.0, fetched + 2.2 - time.monotonic()))  # past the set's lifetime, within twice it
        started = time.monotonic()
        assert post(client, key.sign(claims())).status_code == 200  # refreshed in the background meanwhile
        assert time.monotonic() - started < 1.0
        time.sleep(max(0.0, fetched + 4.2 - time.monotonic()))  # twice its lifetime without a successful refresh
        assert post(client, key.sign(claims())).status_code == 503
        assert provider.fetches == 2


KEYCLOAK_MAPPING = {
    "jwt_claim_user": "preferred_username",
    "jwt_claim_agency": "realm_access.agency",
    "jwt_claim_roles": "realm_access.roles",
    "jwt_claim_jurisdiction": "hub.jurisdiction",
    "jwt_claim_level": "hub.level",
    "jwt_claim_unit_id": "https://hub.example/unit_id",
}


def keycloak_claims(unit_id: int | None = None, **overrides: Any) -> dict[str, Any]:
    mapped = {
        "sub": "f2a9c1d0-opaque-id",
        "preferred_username": "zhang.wei",
        "agency": None,
        "realm_access": {"agency": "unit", "roles": ["reporter"]},
        "hub": {"jurisdiction": "huzhou", "level": "city"},
        **({"https://hub.example/unit_id": unit_id} if unit_id is not None else {}),
    }
    return claims(**{**mapped, **overrides})


def test_the_claim_mapping_reads_nested_and_namespaced_claims(settings: Settings, provider: Provider) -> None:
    key = new_key("EdDSA", "k")
    provider.publish(key)
    configured = oidc_settings(settings, provider, **KEYCLOAK_MAPPING)
    principal = principal_from_header(configured, f"Bearer {key.sign(keycloak_claims(unit_id=3))}")
    assert (principal.user, principal.agency, principal.roles) == ("zhang.wei", "unit", ("reporter",))
    assert (principal.jurisdiction, principal.level, principal.unit_id) == ("huzhou", "city", 3)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"realm_access": {"roles": []}}, "lacks the 'realm_access.agency' claim"),
        ({"realm_access": {"agency": ["unit"]}}, "'realm_access.agency' claim must be a non-empty string"),
        ({"preferred_username": None}, "lacks the 'preferred_username' claim"),
        ({"https://hub.example/unit_id": "3"}, "'https://hub.example/unit_id' claim must be an integer"),
        ({"realm_access": {"agency": "unit", "roles": "reporter"}}, "'realm_access.roles' claim must be a list"),
    ],
)
def test_mapped_claims_are_checked(
    settings: Settings, provider: Provider, policy_store: PolicyStore, overrides: dict[str, Any], message: str
) -> None:
    key = new_key("RS256", "k")
    provider.publish(key)
    with TestClient(create_app(oidc_settings(settings, provider, **KEYCLOAK_MAPPING), policies=policy_store)) as client:
        assert_invalid_token(post(client, key.sign(keycloak_claims(**overrides))), message)


def test_the_mapped_unit_scopes_rows_like_a_development_token(
    settings: Settings, world: Any, provider: Provider, policy_store: PolicyStore, as_agency: Any
) -> None:
    key = new_key("ES256", "k")
    provider.publish(key)
    query = {"query": "{ cadres { totalCount } }"}
    expected = {unit: as_agency("unit", unit_id=unit).data(query["query"]) for unit in (1, 2)}
    assert expected[1] != expected[2]
    with TestClient(create_app(oidc_settings(settings, provider, **KEYCLOAK_MAPPING), policies=policy_store)) as client:
        for unit in (1, 2):
            token = key.sign(keycloak_claims(unit_id=unit))
            response = client.post("/graphql", json=query, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            assert response.json()["data"] == expected[unit]


def test_every_401_carries_a_bearer_challenge(client: TestClient, settings: Settings) -> None:
    for path in ("/graphql", "/reports/import"):
        missing = post(client, None, path)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == 'Bearer realm="hub"'
        basic = client.post(path, json=QUERY, headers={"Authorization": "Basic dTpw"})
        assert basic.status_code == 401 and basic.headers["www-authenticate"] == 'Bearer realm="hub"'
        expired = mint_token(settings, agency="org", user="u1", ttl_seconds=-3600)
        assert_invalid_token(post(client, expired, path), "the token has expired")
    template = client.get("/reports/template?format=csv", headers={"Authorization": "Bearer not-a-jwt"})
    assert template.status_code == 401
    assert template.headers["www-authenticate"] == (
        'Bearer realm="hub", error="invalid_token", '
        'error_description="the token is malformed or its signature is not valid"'
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"jwt_jwks_url": "http://idp.example/certs"}, "HUB_JWT_JWKS_URL must be an https:// URL"),
        ({"jwt_issuer": None}, "HUB_JWT_JWKS_URL needs HUB_JWT_ISSUER"),
        ({"jwt_audience": None}, "HUB_JWT_JWKS_URL needs HUB_JWT_AUDIENCE"),
        ({"jwt_jwks_algorithms": ("RS256", "HS256")}, "public-key algorithms only, not HS256"),
    ],
)
def test_production_refuses_an_identity_provider_it_cannot_trust(
    settings: Settings, changes: dict[str, Any], problem: str
) -> None:
    production = replace(
        settings, production=True, audit_key="an-audit-chain-key-of-at-least-32-bytes",
        jwt_jwks_url="https://idp.example/certs", jwt_issuer=ISSUER, jwt_audience=AUDIENCE, metrics_bind="127.0.0.1:9100",
    )
    assert production_problems(production) == []  # the development HS256 secret is not used with a JWKS
    with pytest.raises(InsecureConfiguration, match=problem):
        create_app(replace(production, **changes))
