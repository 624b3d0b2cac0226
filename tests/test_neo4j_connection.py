"""How the hub reaches Neo4j: `neo4j://` routing URIs, the configured database on every session, TLS settings.

Against the session's real local Neo4j 5 (community answers routing requests for itself).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from neo4j.exceptions import ClientError
from sqlalchemy import Engine
from starlette.testclient import TestClient

from graph_sync.check import check
from graph_sync.cypher import ensure_schema
from graph_sync.driver import DATABASE_NOT_FOUND, GraphMisconfigured, GraphUnavailable, open_driver
from graph_sync.queries import network
from graph_sync.rebuild import rebuild
from graph_sync.sync import apply_pending, pending_count
from hub.app import create_app
from hub.sessions import make_session_factory
from hub.settings import Settings
from policies.enforcement import PolicyStore
from tests.conftest import Caller
from tests.test_graph_api import NETWORK
from tests.test_graph_queries import FULL

pytestmark = pytest.mark.neo4j

MISSING_DATABASE = "nosuchdb"


def graph_settings(settings: Settings, neo4j_settings: Settings, **changes: Any) -> Settings:
    """`settings` (the test's database) pointed at the session's Neo4j, with `changes` applied."""
    server = {
        "neo4j_uri": neo4j_settings.neo4j_uri, "neo4j_user": neo4j_settings.neo4j_user,
        "neo4j_password": neo4j_settings.neo4j_password, "neo4j_port": neo4j_settings.neo4j_port,
    }  # fmt: skip
    return dataclasses.replace(settings, **{**server, **changes})


def routing_uri(neo4j_settings: Settings) -> str:
    return f"neo4j://127.0.0.1:{neo4j_settings.neo4j_port}"


@pytest.fixture
def empty_graph(neo4j_settings: Settings) -> Iterator[Driver]:
    driver = open_driver(neo4j_settings)
    driver.execute_query("MATCH (n) DETACH DELETE n")
    yield driver
    driver.close()


def test_a_routing_uri_serves_sync_rebuild_check_and_graph_queries(
    world: Engine, settings: Settings, neo4j_settings: Settings, empty_graph: Driver, policy_store: PolicyStore,
) -> None:  # fmt: skip
    routed = graph_settings(settings, neo4j_settings, neo4j_uri=routing_uri(neo4j_settings))
    factory = make_session_factory(world)
    driver = open_driver(routed)
    try:
        assert type(driver).__name__ == "Neo4jDriver"  # the routing driver, not a direct bolt connection
        ensure_schema(driver)
        assert apply_pending(factory, driver) > 0  # writes: sent to the leader
        assert pending_count(factory) == 0
        assert check(world, driver, seed=1).ok  # reads: sent to a reader
        summary = rebuild(world, driver, progress=False)
        assert summary.nodes["cadre"] == 4 and summary.skipped_edges == 0
        assert check(world, driver, seed=2).ok
    finally:
        driver.close()

    with TestClient(create_app(routed, policies=policy_store)) as client:
        inspector = Caller(client, routed, "inspector")
        found = inspector.data(NETWORK, {"id": "cadre:1", "hops": 1, "kinds": ["RELATIVE_OF"]})["network"]
        assert {node["id"] for node in found["nodes"]} == {"cadre:1", "person:1", "person:2"}


def test_the_default_and_a_named_database_work(
    world: Engine, settings: Settings, neo4j_settings: Settings, empty_graph: Driver
) -> None:
    for database in (None, "neo4j"):
        driver = open_driver(graph_settings(settings, neo4j_settings, neo4j_database=database))
        try:
            ensure_schema(driver)
            apply_pending(make_session_factory(world), driver)
            assert check(world, driver, seed=3).ok
        finally:
            driver.close()


def test_a_missing_database_is_named_in_the_error(settings: Settings, neo4j_settings: Settings) -> None:
    for uri in (neo4j_settings.neo4j_uri, routing_uri(neo4j_settings)):
        wrong = graph_settings(settings, neo4j_settings, neo4j_uri=uri, neo4j_database=MISSING_DATABASE)
        with pytest.raises(GraphUnavailable, match=f"has no database '{MISSING_DATABASE}'.*HUB_NEO4J_DATABASE"):
            open_driver(wrong)


def test_every_graph_operation_runs_on_the_configured_database(
    world: Engine, settings: Settings, neo4j_settings: Settings, empty_graph: Driver
) -> None:
    """With a database that does not exist, every path fails on it instead of quietly using the default one."""
    wrong = graph_settings(settings, neo4j_settings, neo4j_database=MISSING_DATABASE)
    driver = open_driver(wrong, verify=False, max_transaction_retry_time=0.0)
    factory = make_session_factory(world)
    operations = {
        "schema": lambda: ensure_schema(driver),
        "sync": lambda: apply_pending(factory, driver),
        "rebuild": lambda: rebuild(world, driver, progress=False),
        "check": lambda: check(world, driver),
        "network": lambda: network(driver, FULL, "cadre:1", hops=1, edge_kinds=None, limit=10,
                                   timeout=5.0),
    }  # fmt: skip
    try:
        for name, operation in operations.items():
            with pytest.raises(ClientError) as refused:
                operation()
            assert refused.value.code == DATABASE_NOT_FOUND, name
    finally:
        driver.close()
    assert empty_graph.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"] == 0  # nothing reached the default


def test_the_cli_and_the_api_name_a_missing_database(
    world: Engine, settings: Settings, neo4j_settings: Settings, policy_store: PolicyStore, empty_graph: Driver
) -> None:
    wrong = graph_settings(settings, neo4j_settings, neo4j_database=MISSING_DATABASE)
    env = {
        "PATH": str(Path(sys.executable).parent), "HUB_VAR_DIR": str(settings.var_dir),
        "HUB_DATABASE_URL": settings.database_url, "HUB_NEO4J_URI": neo4j_settings.neo4j_uri,
        "HUB_NEO4J_PASSWORD": neo4j_settings.neo4j_password, "HUB_NEO4J_DATABASE": MISSING_DATABASE,
    }  # fmt: skip
    hub = str(Path(sys.executable).parent / "hub")
    result = subprocess.run([hub, "graph", "check"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"no database '{MISSING_DATABASE}'" in " ".join(result.stderr.split())

    with TestClient(create_app(wrong, policies=policy_store)) as client:
        body = Caller(client, wrong, "inspector")(NETWORK, {"id": "cadre:1", "hops": 1, "kinds": None})
        assert body["errors"][0]["extensions"]["code"] == "GRAPH_UNAVAILABLE"
        assert client.get("/readyz").json()["graph"] == "unavailable"


# --- TLS ---------------------------------------------------------------------------------------------


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    """A self-signed CA certificate (PEM) that the local server's certificate, if it had one, would not match."""
    key, cert = tmp_path / "ca.key", tmp_path / "ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=hub-test-ca"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert


def test_a_trusted_ca_file_turns_encryption_on(settings: Settings, neo4j_settings: Settings, ca_file: Path) -> None:
    """The local server speaks plain Bolt: with a CA file the driver insists on TLS and so cannot connect."""
    for uri in (neo4j_settings.neo4j_uri, routing_uri(neo4j_settings)):
        tls = graph_settings(settings, neo4j_settings, neo4j_uri=uri, neo4j_trusted_ca_file=ca_file)
        with pytest.raises(GraphUnavailable, match="not reachable"):
            open_driver(tls, connection_timeout=3.0)
        plain = graph_settings(settings, neo4j_settings, neo4j_uri=uri)
        open_driver(plain).close()  # the same address without the CA file answers


def test_secure_uri_schemes_insist_on_tls(settings: Settings, neo4j_settings: Settings) -> None:
    for scheme in ("neo4j+s", "neo4j+ssc", "bolt+ssc"):
        secure = graph_settings(settings, neo4j_settings, neo4j_uri=f"{scheme}://127.0.0.1:{neo4j_settings.neo4j_port}")
        with pytest.raises(GraphUnavailable, match="not reachable"):
            open_driver(secure, connection_timeout=3.0)


def test_tls_settings_that_contradict_each_other_are_refused(
    settings: Settings, neo4j_settings: Settings, ca_file: Path, tmp_path: Path
) -> None:
    with_scheme = graph_settings(settings, neo4j_settings, neo4j_uri="neo4j+s://graph.example:7687",
                                 neo4j_trusted_ca_file=ca_file)  # fmt: skip
    with pytest.raises(GraphMisconfigured, match="HUB_NEO4J_TRUSTED_CA_FILE needs a bolt:// or neo4j:// URI"):
        open_driver(with_scheme)
    missing = graph_settings(settings, neo4j_settings, neo4j_trusted_ca_file=tmp_path / "absent.pem")
    with pytest.raises(GraphMisconfigured, match="absent.pem is not a file"):
        open_driver(missing)


def test_settings_read_the_database_and_ca_file(monkeypatch: pytest.MonkeyPatch, ca_file: Path) -> None:
    assert Settings.from_env().neo4j_database is None
    monkeypatch.setenv("HUB_NEO4J_DATABASE", "graph")
    monkeypatch.setenv("HUB_NEO4J_TRUSTED_CA_FILE", str(ca_file))
    configured = Settings.from_env()
    assert (configured.neo4j_database, configured.neo4j_trusted_ca_file) == ("graph", ca_file)
