"""Many sync workers on one database: exactly one leads and applies the outbox, another takes over when it dies.

PostgreSQL (when HUB_TEST_POSTGRES_URL is set, in a database of this test's own): two `hub graph sync --follow`
processes, the leader killed with SIGKILL. SQLite: hubs on one database file, leader shown in `/readyz`.
Both against the session's real local Neo4j.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from graph_sync.cypher import ensure_schema
from graph_sync.driver import open_driver
from graph_sync.leadership import leader_pid
from graph_sync.sync import SyncWorker, pending_count
from hub.app import create_app
from hub.db import make_engine
from hub.sessions import make_session_factory
from hub.settings import Settings
from policies.enforcement import PolicyStore
from tests.conftest import LOCAL_OPERATOR, own_postgres_world
from tests.test_graph_projection import add_relatives

pytestmark = [pytest.mark.neo4j, pytest.mark.serial]

TAKEOVER_SECONDS = 5.0
HUB = str(Path(sys.executable).parent / "hub")


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def empty_graph(neo4j_settings: Settings) -> Iterator[None]:
    driver = open_driver(neo4j_settings)
    driver.execute_query("MATCH (n) DETACH DELETE n")
    ensure_schema(driver)
    driver.close()
    yield


# --- PostgreSQL: two `hub graph sync --follow` processes ---------------------------------------------


@pytest.fixture
def postgres_world() -> Iterator[str]:
    with own_postgres_world("sync_leader") as url:
        yield url


def status_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith(("leader:", "standby"))]


def test_two_follow_processes_one_leads_and_the_other_takes_over_when_it_is_killed(
    postgres_world: str, neo4j_settings: Settings, empty_graph: None, tmp_path: Path
) -> None:
    engine = make_engine(Settings(database_url=postgres_world))
    factory = make_session_factory(engine)
    env = {
        **os.environ, "HUB_DATABASE_URL": postgres_world, "HUB_VAR_DIR": str(tmp_path),
        "HUB_NEO4J_URI": neo4j_settings.neo4j_uri, "HUB_NEO4J_PASSWORD": neo4j_settings.neo4j_password,
        "COLUMNS": "200",
    }  # fmt: skip
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    def follow(log: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen([HUB, "graph", "sync", "--follow", "--batch-size", "20", "--interval", "0.2"],
                                env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))  # fmt: skip

    first = follow(logs[0])
    processes = [first]
    try:
        wait_for(lambda: leader_pid(engine) == first.pid, 60, "the first process to lead")
        second = follow(logs[1])
        processes.append(second)
        wait_for(lambda: status_lines(logs[1]), 60, "the second process to report")

        add_relatives(factory, 200, per_transaction=20)
        wait_for(lambda: pending_count(factory) == 0, 60, "the leader to apply the outbox")
        assert leader_pid(engine) == first.pid
        wait_for(lambda: status_lines(logs[0])[-1].startswith("leader: applied"), 5, "the leader's report")
        standby = status_lines(logs[1])
        assert standby and all(line.startswith("standby") and "applied 0;" in line for line in standby), standby

        add_relatives(factory, 100, per_transaction=10)
        first.send_signal(signal.SIGKILL)  # possibly mid-batch
        first.wait(30)
        killed = time.monotonic()
        wait_for(lambda: leader_pid(engine) == second.pid, TAKEOVER_SECONDS, "the second process to take over")
        took_over = time.monotonic() - killed
        print(f"\ntakeover after SIGKILL of the leader: {took_over:.2f}s")

        add_relatives(factory, 100, per_transaction=10)
        wait_for(lambda: pending_count(factory) == 0, 60, "the new leader to apply the outbox")
        wait_for(lambda: any(line.startswith("leader: applied") for line in status_lines(logs[1])), 5,
                 "the new leader's report")
        assert leader_pid(engine) == second.pid

        checked = subprocess.run([HUB, "graph", "check", "--sample", "1000"], env=env, capture_output=True,
                                 text=True, timeout=120)  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "graph matches the records" in checked.stderr
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
        engine.dispose()


def test_a_one_off_sync_leaves_the_outbox_to_the_leader(
    postgres_world: str, neo4j_settings: Settings, empty_graph: None, tmp_path: Path
) -> None:
    engine = make_engine(Settings(database_url=postgres_world))
    env = {**os.environ, "HUB_DATABASE_URL": postgres_world, "HUB_VAR_DIR": str(tmp_path),
           "HUB_NEO4J_URI": neo4j_settings.neo4j_uri, "HUB_NEO4J_PASSWORD": neo4j_settings.neo4j_password}  # fmt: skip
    leader = SyncWorker(dataclasses.replace(neo4j_settings, database_url=postgres_world),
                        make_session_factory(engine), interval=60.0)  # fmt: skip
    leader.start()
    try:
        wait_for(lambda: leader.leader, 30, "the worker to lead")
        once = subprocess.run([HUB, "graph", "sync"], env=env, capture_output=True, text=True, timeout=120)
        assert once.returncode == 0, once.stderr
        assert "another sync process leads" in once.stderr
    finally:
        leader.stop()
        engine.dispose()


# --- any backend: hubs on one database, the leader shown in /readyz ---------------------------------


def test_hubs_on_one_database_elect_one_sync_leader_shown_in_readyz(
    world: Engine, settings: Settings, neo4j_settings: Settings, empty_graph: None, policy_store: PolicyStore
) -> None:
    hub_settings = dataclasses.replace(
        settings, graph_sync=True, neo4j_uri=neo4j_settings.neo4j_uri, neo4j_password=neo4j_settings.neo4j_password
    )

    def sync_status(client: TestClient) -> dict[str, object]:
        return client.get("/readyz").json()["graph_sync"]  # type: ignore[no-any-return]

    with ExitStack() as hubs:
        first = ExitStack()
        hubs.callback(first.close)
        leading = first.enter_context(TestClient(create_app(hub_settings, policies=policy_store), client=LOCAL_OPERATOR))
        wait_for(lambda: sync_status(leading)["leader"], 30, "the first hub to lead")
        standby = hubs.enter_context(TestClient(create_app(hub_settings, policies=policy_store), client=LOCAL_OPERATOR))
        time.sleep(1.5)  # several chances to ask for the lead
        assert sync_status(leading)["leader"] is True
        assert sync_status(standby)["leader"] is False
        assert sync_status(standby)["applied"] == 0

        first.close()  # the leading hub shuts down: its worker gives up the lead
        started = time.monotonic()
        wait_for(lambda: sync_status(standby)["leader"], TAKEOVER_SECONDS, "the second hub to take over")
        print(f"\ntakeover after the leading hub stopped: {time.monotonic() - started:.2f}s")
        add_relatives(make_session_factory(world), 10)
        wait_for(lambda: sync_status(standby)["pending"] == 0, 30, "the second hub to apply the outbox")
        assert sync_status(standby)["applied"] > 0
