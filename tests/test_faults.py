"""Faults while serving: the database unreachable (503, then recovery without a restart) and the hub killed
mid-mutation (no half-written record, audit chain intact, outbox consistent)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
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

from graph_sync.local_server import free_port
from hub import models
from hub.app import create_app
from hub.auth import mint_token
from hub.db import make_engine, make_session_factory, transaction
from hub.migrate import upgrade
from hub.settings import Settings
from policies.enforcement import PolicyStore
from schema.availability import is_connection_failure
from tests.conftest import Caller, reset_sequences
from tests.tcp_relay import TcpRelay
from tests.world import build_world

FAULTS_URL = os.environ.get(
    "HUB_FAULTS_POSTGRES_URL", "postgresql+psycopg://hub_test:hub_test@127.0.0.1:5432/hub_faults"
)


def _postgres_or_skip() -> str:
    try:
        engine = make_engine(Settings(database_url=FAULTS_URL))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"no PostgreSQL for fault tests at {FAULTS_URL}: {error}")
    return FAULTS_URL


@pytest.fixture
def pg_world(tmp_path: Path) -> Iterator[str]:
    url = _postgres_or_skip()
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        build_world(session)
    reset_sequences(engine)
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


def test_query_errors_are_not_mistaken_for_an_outage(world: Any, as_agency: Any) -> None:
    with world.begin() as connection:
        connection.execute(text("ALTER TABLE post RENAME TO post_gone"))
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
