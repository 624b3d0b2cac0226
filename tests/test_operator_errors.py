"""Operator mistakes give one-line hints: bad HUB_* values, a database that is down or not migrated, Neo4j down.

The `hub` command runs as a subprocess with only the variables given here, as an operator would run it.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from graph_sync.leadership import leadership_for
from graph_sync.local_server import free_port
from hub.app import create_app
from hub.auth import mint_token
from hub.db import make_engine
from hub.migrate import downgrade
from hub.settings import PROJECT_ROOT, EnvSettings, InvalidSettings, Settings

HUB = Path(sys.executable).parent / "hub"
CLOSED_POSTGRES = "postgresql+psycopg://u:p@127.0.0.1:{port}/db"


def run_hub(*arguments: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HUB_VAR_DIR": str(tmp_path / "var"),
                   "HUB_GRAPH_SYNC": "0", **variables}
    return subprocess.run([str(HUB), *arguments], env=environment, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0]


# --- settings ---------------------------------------------------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.upper().startswith("HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_unset_variables_give_the_documented_defaults(clean_environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    read = Settings.from_env()
    var_dir = tmp_path / "var"
    assert read == Settings(var_dir=var_dir, freeze_heap=True)
    assert read.database_url == f"sqlite:///{var_dir / 'hub.db'}"
    assert (read.host, read.port, read.neo4j_uri, read.neo4j_port) == ("127.0.0.1", 8000, "bolt://127.0.0.1:7687", 7687)
    assert read.neo4j_home == var_dir / "neo4j" and read.policy_dir == PROJECT_ROOT / "policies"
    assert (read.max_depth, read.max_cost, read.max_aliases, read.max_tokens) == (12, 1_000_000, 30, 5_000)
    assert read.graph_sync and not read.production and read.jwt_algorithm == "HS256"


def test_variables_are_parsed(clean_environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "public.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\n")
    for name, value in {"HUB_PORT": "8123", "HUB_NEO4J_PORT": "7999", "HUB_PRODUCTION": "1", "HUB_GRAPH_SYNC": "0",
                        "HUB_JWT_ALGORITHM": "RS256", "HUB_JWT_PUBLIC_KEY_FILE": str(key), "HUB_JWT_ISSUER": "",
                        "HUB_PURPOSE_REASONS": "甲, 乙\n丙", "HUB_GRAPH_REQUEST_SECONDS": "2.5"}.items():
        clean_environment.setenv(name, value)
    read = Settings.from_env()
    assert (read.port, read.neo4j_port, read.neo4j_uri) == (8123, 7999, "bolt://127.0.0.1:7999")
    assert read.production and not read.graph_sync and read.jwt_public_key == key.read_text()
    assert read.jwt_issuer is None and read.purpose_reasons == ("甲", "乙", "丙") and read.graph_request_seconds == 2.5


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("HUB_PORT", "abc", "valid integer"),
    ("HUB_PORT", "0", "greater than or equal to 1"),
    ("HUB_NEO4J_PORT", "65536", "less than or equal to 65535"),
    ("HUB_MAX_COST", "-5", "greater than 0"),
    ("HUB_DB_POOL_SIZE", "0", "greater than 0"),
    ("HUB_GRAPH_REQUEST_SECONDS", "nan", "finite number"),
    ("HUB_JWT_ALGORITHM", "none", "unknown signing algorithm"),
    ("HUB_JWT_PUBLIC_KEY_FILE", "/no/such/key.pem", "does not point to a file"),
    ("HUB_AUDIT_KEY_FILE", "/no/such/audit.key", "does not point to a file"),
    ("HUB_ALLOWED_OPERATIONS_FILE", "/no/such/list.json", "does not point to a file"),
    ("HUB_POLICY_DIR", "/", "has no model.conf"),
    ("HUB_PRODUCTION", "maybe", "valid boolean"),
    ("HUB_DATABASE_URL", "hub.db", "not a database URL"),
    ("HUB_NEO4J_URI", "http://127.0.0.1:7474", "must be a Neo4j URI"),
    ("HUB_PURPOSE_CASE_PATTERN", "([", "not a regular expression"),
    ("HUB_NEO4J_HEAP", "lots", "JVM memory size"),
    ("HUB_METRICS_BIND", "9100", "must be host:port"),
    ("HUB_METRICS_BIND", "127.0.0.1:99999", "must be host:port"),
])
def test_a_bad_value_names_the_variable_and_the_problem(
    clean_environment: pytest.MonkeyPatch, name: str, value: str, problem: str,
) -> None:
    clean_environment.setenv(name, value)
    with pytest.raises(InvalidSettings) as raised:
        Settings.from_env()
    message = str(raised.value)
    assert "\n" not in message and f"{name}" in message and problem in message


def test_an_allowed_operations_file_must_hold_a_list_of_queries(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    listing = tmp_path / "allowed.json"
    listing.write_text('{"query": "{ cadres { totalCount } }"}')
    clean_environment.setenv("HUB_ALLOWED_OPERATIONS_FILE", str(listing))
    with pytest.raises(InvalidSettings, match="HUB_ALLOWED_OPERATIONS_FILE.*JSON list of query texts"):
        Settings.from_env()
    listing.write_text('["{ cadres { totalCount } }", "/reports/imports"]')  # a route it cannot name
    with pytest.raises(InvalidSettings, match="names /reports/imports; the routes it may name: /reports/import"):
        Settings.from_env()


def test_secrets_are_not_repeated_in_the_message(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("HUB_DATABASE_URL", "postgresql+psycopg://u:hunter2-secret@127.0.0.1:notaport/db")
    clean_environment.setenv("HUB_JWT_SECRET", "x" * 40)
    clean_environment.setenv("HUB_PORT", "x")
    with pytest.raises(InvalidSettings) as raised:
        Settings.from_env()
    assert "HUB_DATABASE_URL" in str(raised.value) and "hunter2" not in str(raised.value)


def test_every_setting_has_its_variable() -> None:
    """A setting added to `Settings` without its HUB_* variable in EnvSettings would silently keep its default."""
    read_from_environment = {"jwt_public_key": "jwt_public_key_file"}
    for setting in dataclasses.fields(Settings):
        assert read_from_environment.get(setting.name, setting.name) in EnvSettings.model_fields, setting.name


def test_hub_with_a_bad_port_prints_one_line(tmp_path: Path) -> None:
    result = run_hub("serve", tmp_path=tmp_path, HUB_PORT="abc")
    assert_one_line_error(result, "HUB_PORT='abc'", "valid integer")


# --- the database -----------------------------------------------------------------------------------------------


def test_audit_verify_on_an_unmigrated_database_hints_at_the_migration(tmp_path: Path) -> None:
    result = run_hub("audit", "verify", tmp_path=tmp_path)
    database = tmp_path / "var" / "hub.db"
    assert_one_line_error(result, f"the database at sqlite:///{database} is not migrated: run `hub db upgrade`")


def test_audit_verify_on_an_unreachable_database_says_so(tmp_path: Path) -> None:
    url = CLOSED_POSTGRES.format(port=free_port())
    result = run_hub("audit", "verify", tmp_path=tmp_path, HUB_DATABASE_URL=url)
    assert_one_line_error(result, "cannot be reached", "u:***@127.0.0.1", "Connection refused", "HUB_DATABASE_URL")
    assert ":p@" not in result.stderr


def test_db_upgrade_on_an_unreachable_database_says_so(tmp_path: Path) -> None:
    url = CLOSED_POSTGRES.format(port=free_port())
    result = run_hub("db", "upgrade", tmp_path=tmp_path, HUB_DATABASE_URL=url)
    assert_one_line_error(result, "cannot be reached", "HUB_DATABASE_URL")


def test_graph_rebuild_with_neo4j_unreachable_says_so(tmp_path: Path) -> None:
    assert run_hub("db", "upgrade", tmp_path=tmp_path).returncode == 0
    uri = f"bolt://127.0.0.1:{free_port()}"
    result = run_hub("graph", "rebuild", tmp_path=tmp_path, HUB_NEO4J_URI=uri)
    assert_one_line_error(result, f"Neo4j is not reachable at {uri}", "hub graph up")


def test_graph_rebuild_while_a_sync_worker_leads_refuses_before_touching_the_graph(tmp_path: Path) -> None:
    assert run_hub("db", "upgrade", tmp_path=tmp_path).returncode == 0
    engine = make_engine(Settings(var_dir=tmp_path / "var"))
    leader = leadership_for(engine)  # this test holds the lead, as a running `hub graph sync --follow` would
    assert leader.try_acquire()
    try:
        uri = f"bolt://127.0.0.1:{free_port()}"  # never reached: the refusal comes first
        result = run_hub("graph", "rebuild", tmp_path=tmp_path, HUB_NEO4J_URI=uri)
    finally:
        leader.release()
        engine.dispose()
    assert_one_line_error(result, "a graph sync worker is applying the outbox", "HUB_GRAPH_SYNC")


@pytest.fixture
def unmigrated(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}", graph_sync=False)


def test_readyz_reports_an_unmigrated_database(unmigrated: Settings, policy_store: Any) -> None:
    with TestClient(create_app(unmigrated, policies=policy_store)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "not migrated"}


def test_readyz_reports_a_database_behind_the_code(settings: Settings, policy_store: Any) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("downgrading the shared PostgreSQL test database would disturb other tests")
    engine = make_engine(settings)
    downgrade(engine, "0002")
    engine.dispose()
    with TestClient(create_app(settings, policies=policy_store)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["database"] == "not migrated"


@pytest.mark.parametrize("production", [False, True])
def test_graphql_on_an_unmigrated_database_answers_a_clean_error(
    unmigrated: Settings, policy_store: Any, production: bool,
) -> None:
    settings = dataclasses.replace(unmigrated, production=production, audit_key="k" * 32, metrics_token="m" * 32,
                                   jwt_secret="a-production-secret-of-enough-length-0123456789")
    token = mint_token(settings, agency="org", user="u1", jurisdiction="huzhou", level="city")
    with TestClient(create_app(settings, policies=policy_store if not production else None)) as client:
        answer = client.post("/graphql", json={"query": "{ cadres { totalCount } }"},
                             headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503
    body = answer.json()
    assert body["data"] is None
    assert body["errors"] == [{"message": "the database is not migrated; an operator must run `hub db upgrade`",
                               "extensions": {"code": "DATABASE_NOT_MIGRATED"}}]
    assert "SELECT" not in answer.text and "no such table" not in answer.text
