"""GraphQL over HTTP: graphql-http's server audits pass without a warning, and the conventions they check hold.

The audit (the `graphql-http` npm package, pinned in tests/graphql_http/package.json) runs against the hub
served on a loopback port; its dependencies are installed with `npm ci` on first use.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import mint_token
from hub.settings import Settings
from tests.live_server import serving

AUDIT_DIR = Path(__file__).resolve().parent / "graphql_http"
GRAPHQL_RESPONSE = "application/graphql-response+json"
NPM = shutil.which("npm")
NODE = shutil.which("node")


def _installed_audit() -> Path:
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        subprocess.run([str(NPM), "ci", "--no-audit", "--no-fund"], cwd=AUDIT_DIR, check=True, capture_output=True,
                       timeout=300)
    return AUDIT_DIR / "audit.mjs"


@pytest.mark.skipif(NODE is None or NPM is None, reason="the audit needs Node.js and npm")
def test_graphql_http_server_audits_pass_without_warnings(settings: Settings, policy_store: Any) -> None:
    token = mint_token(settings, agency="org", user="auditor", jurisdiction="huzhou", level="city")
    script = _installed_audit()
    with serving(create_app(settings, policies=policy_store)) as url:
        run = subprocess.run([str(NODE), str(script), f"{url}/graphql", token], capture_output=True, text=True,
                             timeout=300)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert len(results) > 50
    not_ok = [(result["status"], result["id"], result["name"], result.get("reason")) for result in results
              if result["status"] != "ok"]
    assert not_ok == []


def _post(client: TestClient, token: str, body: dict[str, Any], accept: str) -> Any:
    return client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}", "Accept": accept})


@pytest.fixture
def org_token(settings: Settings) -> str:
    return mint_token(settings, agency="org", user="u1", jurisdiction="huzhou", level="city")


@pytest.mark.parametrize("body", [
    {"query": "{ cadres { "},  # does not parse
    {"query": "{ cadres { noSuchField } }"},  # does not validate
    {"query": "query($id: Int!) { cadre(id: $id) { name } }", "variables": {"id": "one"}},  # variables not coercible
])
def test_request_errors_are_400_without_data_in_graphql_response_json(
    client: TestClient, org_token: str, body: dict[str, Any],
) -> None:
    modern = _post(client, org_token, body, GRAPHQL_RESPONSE)
    assert modern.status_code == 400
    assert modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in modern.json() and modern.json()["errors"]
    legacy = _post(client, org_token, body, "application/json")
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("application/json")
    assert legacy.json()["data"] is None and legacy.json()["errors"]


def test_a_field_error_keeps_200_and_data(client: TestClient, org_token: str, world: Any) -> None:
    answer = _post(client, org_token, {"query": "{ cadre(id: 1) { name } }"}, f"{GRAPHQL_RESPONSE}, application/json;q=0.9")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert answer.json()["data"]["cadre"]["name"]


def test_queries_over_get_but_never_mutations(client: TestClient, org_token: str, world: Any) -> None:
    headers = {"Authorization": f"Bearer {org_token}", "Accept": "application/json"}
    query = client.get("/graphql", params={"query": "query One($id: Int!) { cadre(id: $id) { name } }",
                                           "variables": json.dumps({"id": 1}), "operationName": "One"}, headers=headers)
    assert query.status_code == 200 and query.json()["data"]["cadre"]["name"]
    mutation = client.get("/graphql", params={"query": 'mutation { deleteCadre(id: 1) { __typename } }'}, headers=headers)
    assert mutation.status_code == 405 and "mutations are not allowed" in mutation.text.lower()
    still_there = client.get("/graphql", params={"query": "{ cadre(id: 1) { id } }"}, headers=headers)
    assert still_there.json()["data"]["cadre"] == {"id": 1}
