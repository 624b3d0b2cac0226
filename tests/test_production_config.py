"""Production refuses to start on development defaults: the committed JWT secret, a short secret, no audit key,
metrics served to anyone, CORS open to any origin."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import mint_token
from hub.settings import DEV_JWT_SECRET, InsecureConfiguration, Settings, production_problems

STRONG_SECRET = "a-production-secret-of-at-least-32-bytes"
AUDIT_KEY = "an-audit-chain-key-of-at-least-32-bytes"
METRICS_TOKEN = "an-operator-token-of-at-least-32-bytes"


def production(settings: Settings, **changes: object) -> Settings:
    return replace(settings, production=True, **{
        "jwt_secret": STRONG_SECRET, "audit_key": AUDIT_KEY, "metrics_token": METRICS_TOKEN, **changes})


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"jwt_secret": DEV_JWT_SECRET}, "HUB_JWT_SECRET is unset or the development default"),
        ({"jwt_secret": "short-secret"}, "shorter than 32 bytes"),
        ({"jwt_algorithm": "RS256"}, "needs HUB_JWT_PUBLIC_KEY_FILE"),
        ({"jwt_algorithm": "none"}, "not a supported signing algorithm"),
        ({"audit_key": None}, "no audit chain key"),
        ({"audit_key": "short"}, "HUB_AUDIT_KEY is shorter than 32 bytes"),
        ({"metrics_token": None}, "/metrics would be public: set HUB_METRICS_TOKEN or HUB_METRICS_BIND"),
        ({"metrics_token": "short"}, "HUB_METRICS_TOKEN is shorter than 32 bytes"),
        ({"cors_origins": ("https://views.example", "*")}, r"HUB_CORS_ORIGINS must name origins, not \*"),
        ({"cors_origins": ("null",)}, "HUB_CORS_ORIGINS must name origins, not null"),
        ({"cors_origins": ("NULL",)}, "HUB_CORS_ORIGINS must name origins, not NULL"),
    ],
)
def test_app_creation_refuses_insecure_production_settings(settings: Settings, changes: dict[str, object], problem: str) -> None:
    with pytest.raises(InsecureConfiguration, match=problem):
        create_app(production(settings, **changes))


def test_development_keeps_its_defaults(settings: Settings) -> None:
    assert production_problems(settings) == []
    assert production_problems(production(settings)) == []
    assert production_problems(production(settings, metrics_token=None, metrics_bind="127.0.0.1:9100")) == []
    assert production_problems(production(settings, cors_origins=("https://views.example",))) == []


def test_the_development_secret_is_not_accepted_by_a_production_hub(settings: Settings, policy_store: object) -> None:
    prod = production(settings)
    forged = mint_token(settings, agency="org", user="u1", signing_key=DEV_JWT_SECRET)
    with TestClient(create_app(prod, policies=policy_store)) as client:  # type: ignore[arg-type]
        headers = {"Authorization": f"Bearer {forged}"}
        response = client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert response.status_code == 401
        genuine = mint_token(prod, agency="org", user="u1")
        response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {genuine}"})
        assert response.status_code == 200


def test_hub_serve_exits_with_a_one_line_error_without_a_secret(tmp_path: Path) -> None:
    environment = {"PATH": "/usr/bin:/bin", "HUB_PRODUCTION": "1", "HUB_VAR_DIR": str(tmp_path), "HUB_PORT": "1"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "hub"), "serve"], env=environment, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "refusing to start in production: HUB_JWT_SECRET is unset or the development default" in result.stderr
    assert "no audit chain key" in result.stderr
    assert "/metrics would be public" in result.stderr
