"""The local Neo4j server of graph_sync.local_server, exercised against the real thing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, Neo4jError

from graph_sync.local_server import (
    Neo4jLocalError,
    Neo4jLocalUnavailable,
    ensure_built,
    pid_path,
    start,
    status,
    stop,
)
from hub.settings import PROJECT_ROOT, Settings
from tests.neo4j_fixture import local_neo4j_settings, neo4j_settings  # noqa: F401  (fixture)

pytestmark = pytest.mark.neo4j


def _driver(settings: Settings, password: str | None = None) -> Driver:
    auth = (settings.neo4j_user, settings.neo4j_password if password is None else password)
    return GraphDatabase.driver(settings.neo4j_uri, auth=auth)


def _java_only_bin(tmp_path: Path) -> Path:
    """A PATH folder holding java and nothing else (so no mvn)."""
    java = shutil.which("java")
    assert java is not None, "these tests need java on PATH"
    folder = tmp_path / "java-only-bin"
    folder.mkdir()
    (folder / "java").symlink_to(java)
    return folder


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HUB_NEO4J_HOME": str(settings.neo4j_home),
        "HUB_NEO4J_PORT": str(settings.neo4j_port),
        "HUB_NEO4J_URI": settings.neo4j_uri,
        "HUB_NEO4J_PASSWORD": settings.neo4j_password,
    }
    return subprocess.run(
        [sys.executable, "-m", "graph_sync.local_server", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


# --- the shared session server ---------------------------------------------------------------


def test_server_runs_and_accepts_the_configured_password(neo4j_settings: Settings) -> None:
    current = status(neo4j_settings)
    assert current.running and current.reachable and current.pid is not None, current.describe()
    with _driver(neo4j_settings) as driver:
        driver.verify_connectivity()
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS version, edition"
        )
    assert records[0]["edition"] == "community"
    assert records[0]["version"].startswith("5.26.")


def test_wrong_password_is_rejected(neo4j_settings: Settings) -> None:
    with _driver(neo4j_settings, password="not-the-password") as driver, pytest.raises(AuthError):
        driver.verify_connectivity()


def test_cypher_write_read_round_trip(neo4j_settings: Settings) -> None:
    marker = uuid.uuid4().hex
    with _driver(neo4j_settings) as driver:
        driver.execute_query("CREATE (:RoundTrip {marker: $marker, n: 42})", marker=marker, database_="neo4j")
        records, _, _ = driver.execute_query(
            "MATCH (r:RoundTrip {marker: $marker}) RETURN r.n AS n", marker=marker, database_="neo4j"
        )
        driver.execute_query("MATCH (r:RoundTrip {marker: $marker}) DELETE r", marker=marker, database_="neo4j")
    assert [record["n"] for record in records] == [42]


def test_server_is_configured_small_and_bounded(neo4j_settings: Settings) -> None:
    with _driver(neo4j_settings) as driver:
        records, _, _ = driver.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value",
            names=["db.transaction.timeout", "server.memory.pagecache.size", "dbms.security.auth_enabled"],
        )
    values = {record["name"]: record["value"] for record in records}
    assert values == {
        "db.transaction.timeout": "30s",
        "server.memory.pagecache.size": "64.00MiB",
        "dbms.security.auth_enabled": "true",
    }


def test_start_is_idempotent(neo4j_settings: Settings) -> None:
    again = start(neo4j_settings)
    assert again.already_running
    assert again.pid == status(neo4j_settings).pid
    assert pid_path(neo4j_settings).read_text().strip() == str(again.pid)


def test_command_line_status_of_running_server(neo4j_settings: Settings) -> None:
    result = _cli(neo4j_settings, "status")
    assert result.returncode == 0, result.stderr
    assert "running" in result.stdout and "accepts the configured password" in result.stdout


def test_built_server_needs_no_maven_again(
    neo4j_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(_java_only_bin(tmp_path)))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    build = ensure_built(neo4j_settings)
    assert (build / "launcher.jar").is_file()
    assert any((build / "lib").glob("neo4j-kernel-*.jar"))


# --- a private server, stopped and started again ---------------------------------------------


@pytest.fixture(scope="module")
def private_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A second server with its own home and a 2 s transaction timeout."""
    settings = local_neo4j_settings(tmp_path_factory.mktemp("private-neo4j-home"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_NEO4J_TX_TIMEOUT", "2")
        assert not status(settings).running
        start(settings, owner_pid=os.getpid())
        try:
            yield settings
        finally:
            stop(settings)


def test_runaway_query_is_cut_by_the_transaction_timeout(private_server: Settings) -> None:
    began = time.monotonic()
    with _driver(private_server) as driver, pytest.raises(Neo4jError) as info:
        driver.execute_query(
            "UNWIND range(1, 5000000000) AS x WITH x WHERE x % 7 = 13 RETURN count(x)",
            database_="neo4j",
        )
    assert "Transaction" in (info.value.code or "")
    assert "timed out" in str(info.value.message).lower() or "terminated" in str(info.value.message).lower()
    assert time.monotonic() - began < 20


def test_data_persists_across_stop_and_start(private_server: Settings) -> None:
    marker = uuid.uuid4().hex
    with _driver(private_server) as driver:
        driver.execute_query("CREATE (:Persisted {marker: $marker})", marker=marker, database_="neo4j")
    first_pid = status(private_server).pid

    assert stop(private_server) is True
    stopped = status(private_server)
    assert (stopped.running, stopped.reachable, stopped.pid) == (False, False, None)
    assert stopped.detail == "stopped"
    assert not pid_path(private_server).exists()
    assert _cli(private_server, "status").returncode == 3

    again = start(private_server, owner_pid=os.getpid())
    assert not again.already_running and again.pid != first_pid
    with _driver(private_server) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (p:Persisted {marker: $marker}) RETURN count(p) AS n", marker=marker, database_="neo4j"
        )
    assert records[0]["n"] == 1


# --- failures that must be explained -----------------------------------------------------------


def test_status_and_stop_of_a_never_started_home(tmp_path: Path) -> None:
    settings = local_neo4j_settings(tmp_path / "never-started")
    assert stop(settings) is False
    current = status(settings)
    assert (current.running, current.reachable, current.pid, current.detail) == (False, False, None, "stopped")


def test_missing_java_is_reported_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    settings = local_neo4j_settings(tmp_path / "home")
    with pytest.raises(Neo4jLocalUnavailable) as info:
        start(settings)
    message = str(info.value)
    assert "`java` was not found" in message
    assert "JAVA_HOME" in message and "apt-get install openjdk-17" in message
    assert not status(settings).running


def test_missing_maven_is_reported_clearly_before_the_first_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(_java_only_bin(tmp_path)))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("HUB_NEO4J_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(Neo4jLocalUnavailable) as info:
        ensure_built(local_neo4j_settings(tmp_path / "home"))
    message = str(info.value)
    assert "`mvn` was not found" in message and "apt-get install maven" in message


def test_port_in_use_is_reported_clearly(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        settings = local_neo4j_settings(tmp_path / "home", port=blocker.getsockname()[1])
        with pytest.raises(Neo4jLocalError, match="already in use"):
            start(settings)
    assert not pid_path(settings).exists()
