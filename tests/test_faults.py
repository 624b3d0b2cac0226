"""Faults while serving: the database unreachable (503, then recovery without a restart) and the hub killed
mid-mutation (no half-written record, audit chain intact, outbox consistent)."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bench.harness import HubServer, run_hub
from graph_sync.check import check
from graph_sync.cypher import ensure_schema
from graph_sync.driver import open_driver
from graph_sync.local_server import free_port
from graph_sync.rebuild import rebuild
from graph_sync.sync import apply_pending
from hub import models
from hub.app import create_app
from hub.auth import mint_token
from hub.db import make_engine
from hub.sessions import make_session_factory
from hub.settings import Settings
from policies.enforcement import PolicyStore
from schema.availability import is_connection_failure
from tests.conftest import Caller, empty_public_schema, migrate_with_world
from tests.tcp_relay import TcpRelay

pytestmark = pytest.mark.serial  # measures time or runs servers of its own: alone, after the parallel part (scripts/test.sh)

FAULTS_URL = os.environ.get(
    "HUB_FAULTS_POSTGRES_URL", "postgresql+psycopg://hub_test:hub_test@127.0.0.1:5432/hub_faults"
)


def _postgres_or_skip() -> str:
    try:
        engine = make_engine(Settings(database_url=FAULTS_URL))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        pytest.skip(f"no PostgreSQL for fault tests at {FAULTS_URL}: {error}")
    return FAULTS_URL


@pytest.fixture
def pg_world(tmp_path: Path) -> Iterator[str]:
    url = _postgres_or_skip()
    engine = make_engine(Settings(database_url=url))
    empty_public_schema(engine)
    migrate_with_world(engine)
    engine.dispose()
    yield url


def _through(url: str, port: int) -> str:
    return url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{port}/")


def test_database_outage_gives_503_and_recovers_without_restart(pg_world: str, tmp_path: Path, policy_store: PolicyStore) -> None:
    relay = TcpRelay(5432)
    relay.open()
    settings = Settings(var_dir=tmp_path, database_url=_through(pg_world, relay.port), graph_sync=False,
                        neo4j_uri=f"bolt://127.0.0.1:{free_port()}")
    try:
        with TestClient(create_app(settings, policies=policy_store)) as client:
            org = Caller(client, settings, "org")
            assert org.data("{ cadre(id: 1) { name } }") == {"cadre": {"name": "王建国"}}
            assert client.get("/readyz").status_code == 200

            relay.close()  # the database is gone for the hub
            for query in ("{ cadre(id: 1) { name } }", "{ cadres { totalCount } }",
                          'mutation { updateCadre(id: 1, input: {name: "断线"}) { __typename } }'):
                start = time.monotonic()
                response = org.post(query)
                assert response.status_code == 503, response.text
                assert time.monotonic() - start < 10
                body = response.json()
                assert body["data"] is None
                assert body["errors"] == [{"message": "database unavailable; try again shortly",
                                           "extensions": {"code": "DATABASE_UNAVAILABLE"}}]
                assert response.headers["retry-after"] == "5"
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["database"] == "unreachable"

            relay.open()  # back: the same app answers again, no restart
            assert org.data("{ cadre(id: 1) { name } }") == {"cadre": {"name": "王建国"}}
            assert client.get("/readyz").status_code == 200
    finally:
        relay.close()
    engine = make_engine(Settings(database_url=pg_world))
    with Session(engine) as session:
        assert session.get(models.Cadre, 1).name == "王建国"  # the mutation sent during the outage wrote nothing
    engine.dispose()


def test_query_errors_are_not_mistaken_for_an_outage(post_table_missing: Any, as_agency: Any) -> None:
    response = as_agency("org").post("{ posts { totalCount } }")
    assert response.status_code == 200
    assert response.json()["errors"][0].get("extensions", {}).get("code") != "DATABASE_UNAVAILABLE"


def test_connection_failure_classification() -> None:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    class FakeSqlite(Exception):
        pass

    FakeSqlite.__module__ = "sqlite3"
    assert not is_connection_failure(OperationalError("SELECT", {}, FakeSqlite("no such table: post")))
    assert is_connection_failure(OperationalError("SELECT", {}, FakeSqlite("unable to open database file")))
    assert not is_connection_failure(ProgrammingError("SELECT", {}, Exception("syntax error")))
    invalidated = OperationalError("SELECT", {}, Exception("gone"), connection_invalidated=True)
    assert is_connection_failure(invalidated)


def test_hub_killed_mid_mutation_leaves_no_half_written_record(
    world: Any, settings: Settings, tmp_path: Path, neo4j_settings: Settings
) -> None:
    """SIGKILL the serving hub during a stream of creates: every record has its audit entry and its graph change
    in the outbox, the chain verifies, and the graph catches up with the records from the outbox alone."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("one backend is enough for the kill test")
    driver = open_driver(dataclasses.replace(settings, neo4j_uri=neo4j_settings.neo4j_uri, neo4j_password=neo4j_settings.neo4j_password))
    with driver.session() as graph:
        graph.run("MATCH (n) DETACH DELETE n").consume()
    ensure_schema(driver)
    before_the_hub = rebuild(world, driver, progress=False).checkpoint  # the graph as of now; the checkpoint moves too
    hub = HubServer({"HUB_DATABASE_URL": settings.database_url, "HUB_VAR_DIR": str(tmp_path), "HUB_GRAPH_SYNC": "0",
                     "HUB_LOG_FORMAT": "text", "HUB_LOG_LEVEL": "WARNING"})
    token = mint_token(settings, agency="org", user="kill", jurisdiction="huzhou", level="city")
    create = ('mutation($f: String!) { createNegativeRecord(input: {cadreId: 1, reportingAgency: ORG, '
              'category: PUBLIC_ORDER, facts: $f, occurredOn: "2025-01-01", reportedOn: "2025-02-01", severity: MINOR, '
              "status: REPORTED}) { __typename } }")
    create_person = ('mutation($f: String!) { createPerson(input: {name: $f, gender: MALE, jurisdiction: "huzhou"}) '
                     "{ __typename } }")
    sent = 0
    stop = threading.Event()

    def stream() -> None:
        nonlocal sent
        with httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {token}"}, timeout=5) as client:
            while not stop.is_set():
                try:
                    # persons are projected into the graph (outbox), negative records are not
                    query = create_person if sent % 2 else create
                    client.post("/graphql", json={"query": query, "variables": {"f": f"kill-{sent}"}})
                    sent += 1
                except httpx.HTTPError:
                    if hub.process.poll() is not None:
                        return
                    time.sleep(0.05)

    try:
        hub.wait_until_ready()
        workers = [threading.Thread(target=stream) for _ in range(4)]
        for worker in workers:
            worker.start()
        # Killed once the stream is well under way (the first request compiles org's grant, seconds on a loaded
        # machine), whatever the machine's speed.
        under_way = time.monotonic() + 60
        while sent < 20 and time.monotonic() < under_way:
            time.sleep(0.05)
        hub.kill()
    finally:
        hub.stop()
        stop.set()
    for worker in workers:
        worker.join(30)
    assert sent > 5

    engine = make_engine(settings)
    with Session(engine) as session:
        created = session.scalar(select(func.count()).select_from(models.NegativeRecord)
                                 .where(models.NegativeRecord.facts.like("kill-%")))
        audited = session.scalar(select(func.count()).select_from(models.AuditEntry)
                                 .where(models.AuditEntry.operation_name == "createNegativeRecord"))
        persons = set(session.scalars(select(models.Person.id).where(models.Person.name.like("kill-%"))))
        persons_audited = session.scalar(select(func.count()).select_from(models.AuditEntry)
                                         .where(models.AuditEntry.operation_name == "createPerson"))
        outboxed = session.scalars(select(models.GraphOutbox.key).where(
            models.GraphOutbox.kind == "person", models.GraphOutbox.id > before_the_hub)).all()
    assert created and created == audited  # each committed record has its audit entry; no record without one
    assert persons and len(persons) == persons_audited
    assert sorted(outboxed) == sorted(f"person:{person}" for person in persons)  # one graph change per person, no more
    apply_pending(make_session_factory(engine), driver)
    report = check(engine, driver)
    driver.close()
    engine.dispose()
    assert report.ok, report.differences
    verify = run_hub(["audit", "verify"], hub.environment)
    assert verify.returncode == 0, verify.stdout + verify.stderr
