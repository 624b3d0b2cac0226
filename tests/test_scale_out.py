"""Several hub processes on one PostgreSQL database: every process serves the same policy within 2 s of a change
(policy files, `hub policy reload`, or the database-backed policy), and concurrent audited requests from all of
them leave one valid audit chain with exactly one entry per answered request."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bench.harness import HubServer, run_hub, running_hubs
from graph_sync.local_server import free_port
from hub import audit
from hub.app import create_app
from hub.auth import mint_token
from hub.cli import app as cli_app
from hub.db import make_engine, transaction
from hub.models import AuditEntry
from hub.sessions import make_session_factory
from hub.settings import Settings
from policies.enforcement import POLICY_DIR, PolicyStore, load_enforcer, policy_digest
from policies.watch import APPLICATION_NAME, CHANNEL, PolicyWatch, ReloadListener, announce_policy_reload
from schema.build import build_full_schema
from tests.conftest import LOCAL_OPERATOR, own_postgres_world, policy_in_database

pytestmark = pytest.mark.serial  # measures time or runs servers of its own: alone, after the parallel part (scripts/test.sh)

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "")
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
REACH_SECONDS = 2.0
RANK_DENIED_TO_POLICE = "p, police, Cadre.rank, read, deny"
RANK_QUERY = "{ cadre(id: 1) { name rank } }"


@pytest.fixture
def pg_world() -> Iterator[str]:
    """A PostgreSQL database of the tests' own, migrated and filled with the hand-made world."""
    with own_postgres_world("scale_out") as url:
        yield url


def hub_environment(database_url: str, var_dir: Path, policy_dir: Path, **extra: str) -> dict[str, str]:
    """The hubs' whole environment: none of this process's HUB_* variables, the test's database and policy."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(
        HUB_DATABASE_URL=database_url,
        HUB_VAR_DIR=str(var_dir),
        HUB_POLICY_DIR=str(policy_dir),
        HUB_GRAPH_SYNC="0",
        HUB_NEO4J_URI=f"bolt://127.0.0.1:{free_port()}",  # nothing listens: the graph is simply unavailable
        HUB_DB_POOL_SIZE="4",
    )
    env.update(extra)
    return env


def _graphql(base_url: str, agency: str, query: str, user: str = "tester") -> httpx.Response:
    token = mint_token(Settings(), agency=agency, user=user, jurisdiction="huzhou", level="city")
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": quote("线索核查")}
    return httpx.post(f"{base_url}/graphql", json={"query": query}, headers=headers, timeout=30)


def _rank_is_gone_for_police(base_url: str) -> bool:
    body = _graphql(base_url, "police", RANK_QUERY).json()
    return any("Cannot query field 'rank'" in error["message"] for error in body.get("errors", []))


def _until(condition: Callable[[], bool], seconds: float) -> float:
    """Seconds until `condition()` held; fails if it did not within `seconds`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            pytest.fail(f"not reached within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - start


def _all_serve(hubs: list[HubServer], digest: str, fresh_connections: int = 8) -> bool:
    """Each hub answers `digest`; a hub with workers is asked over several new connections, reaching its workers.
    All are asked at once, so that one check takes one round trip and `_until` measures the reach, not the asking."""
    with ThreadPoolExecutor(len(hubs) * fresh_connections) as pool:
        answers = list(pool.map(lambda hub: hub.readyz()["policy_digest"], [hub for hub in hubs for _ in range(fresh_connections)]))
    return all(answer == digest for answer in answers)


@needs_postgres
def test_a_policy_file_change_reaches_every_process_within_two_seconds(
    pg_world: str, policy_dir: Path, tmp_path: Path
) -> None:
    env = hub_environment(pg_world, tmp_path / "var", policy_dir)
    with running_hubs(env, tmp_path, workers=[2, None], ready_path="/readyz") as hubs:
        assert len(hubs[0].worker_pids()) >= 2  # --workers 2: two worker processes behind one port
        before = policy_digest(load_enforcer(policy_dir))
        assert _all_serve(hubs, before)
        versions = [hub.readyz()["policy_version"] for hub in hubs]
        assert all(_graphql(hub.url, "police", RANK_QUERY).json()["data"]["cadre"]["rank"] for hub in hubs)

        with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
            policy.write(RANK_DENIED_TO_POLICE + "\n")
        after = policy_digest(load_enforcer(policy_dir))
        assert after != before
        assert _until(lambda: _all_serve(hubs, after), REACH_SECONDS) < REACH_SECONDS
        assert all(_rank_is_gone_for_police(hub.url) for hub in hubs)
        assert [hub.readyz()["policy_version"] for hub in hubs] == [version + 1 for version in versions]  # type: ignore[operator]

        reload = run_hub(["policy", "reload"], env)  # checks, then announces: same content, so no new version
        assert reload.returncode == 0, reload.stderr
        assert "told to reload" in reload.stderr
        time.sleep(1.5)
        assert [hub.readyz()["policy_version"] for hub in hubs] == [version + 1 for version in versions]  # type: ignore[operator]
        assert _all_serve(hubs, after)


@needs_postgres
def test_a_database_policy_change_reaches_every_process_within_two_seconds(
    pg_world: str, policy_dir: Path, tmp_path: Path
) -> None:
    writer = policy_in_database(policy_dir, pg_world)
    env = hub_environment(pg_world, tmp_path / "var", policy_dir, HUB_POLICY_DB_URL=pg_world)
    with running_hubs(env, tmp_path, workers=[None, None], ready_path="/readyz") as hubs:
        before = policy_digest(load_enforcer(policy_dir, pg_world))
        assert _all_serve(hubs, before, fresh_connections=1)
        assert all(_graphql(hub.url, "police", RANK_QUERY).json()["data"]["cadre"]["rank"] for hub in hubs)

        writer.add_policy(*RANK_DENIED_TO_POLICE.split(", ")[1:])  # straight into the database, no hub command
        after = policy_digest(load_enforcer(policy_dir, pg_world))
        assert after != before
        assert _until(lambda: _all_serve(hubs, after, fresh_connections=1), REACH_SECONDS) < REACH_SECONDS
        assert all(_rank_is_gone_for_police(hub.url) for hub in hubs)

        writer.remove_policy(*RANK_DENIED_TO_POLICE.split(", ")[1:])
        reload = run_hub(["policy", "reload"], env)
        assert reload.returncode == 0, reload.stderr
        assert _until(lambda: _all_serve(hubs, before, fresh_connections=1), REACH_SECONDS) < REACH_SECONDS
        assert not any(_rank_is_gone_for_police(hub.url) for hub in hubs)


@needs_postgres
def test_concurrent_audited_requests_from_several_processes_keep_one_valid_chain(
    pg_world: str, policy_dir: Path, tmp_path: Path
) -> None:
    env = hub_environment(pg_world, tmp_path / "var", policy_dir, HUB_DB_POOL_SIZE="8")
    with running_hubs(env, tmp_path, workers=[2, None, None], ready_path="/readyz") as hubs:  # four processes
        engine = make_engine(Settings(database_url=pg_world))
        try:
            with Session(engine) as session:
                before = session.scalar(select(func.count()).select_from(AuditEntry))

            def request(number: int) -> bool:
                hub = hubs[number % len(hubs)]
                try:
                    response = _graphql(hub.url, "org", "{ cadre(id: 1) { name } }", user=f"u{number}")
                except httpx.TransportError:
                    return False
                return response.status_code == 200 and response.json().get("data") == {"cadre": {"name": "王建国"}}

            with ThreadPoolExecutor(max_workers=32) as pool:
                answered = sum(pool.map(request, range(400)))

            assert answered >= 360, "most requests should be answered"
            with Session(engine) as session:
                entries = session.scalar(select(func.count()).select_from(AuditEntry))
            assert entries - before == answered
            verify = run_hub(["audit", "verify"], env)
            assert verify.returncode == 0, verify.stderr
            assert "audit chain intact" in verify.stderr
        finally:
            engine.dispose()


@needs_postgres
def test_appends_wait_for_each_other_instead_of_retrying(pg_world: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a single compare-and-swap attempt, an append that starts while another is uncommitted still succeeds:
    it waits for the other to commit and chains to the new head."""
    engine = make_engine(Settings(var_dir=tmp_path, database_url=pg_world))
    sessions = make_session_factory(engine)
    record = audit.AccessRecord("u", "org", "query", "", (1,), ("Cadre.name",), "")
    with transaction(sessions) as session:
        audit.append(session, record)  # the head exists from here on
    monkeypatch.setattr(audit, "APPEND_ATTEMPTS", 1)
    try:
        with sessions() as first:
            first.begin()
            audit.append(first, record)
            outcome: list[object] = []

            def second_append() -> None:
                try:
                    with sessions() as second, second.begin():
                        outcome.append(audit.append(second, record).prev_hash)
                except Exception as error:
                    outcome.append(error)

            waiting = threading.Thread(target=second_append)
            waiting.start()
            time.sleep(0.5)
            assert waiting.is_alive() and not outcome, "the second append must wait for the first to commit"
            first.commit()
            waiting.join(10)
        with Session(engine) as session:
            hashes = session.scalars(select(AuditEntry.hash).order_by(AuditEntry.id)).all()
            assert outcome == [hashes[1]], outcome
            assert audit.verify(session) == []
    finally:
        engine.dispose()


@needs_postgres
def test_the_listener_hears_hub_policy_reload_and_reconnects(pg_world: str, monkeypatch: pytest.MonkeyPatch) -> None:
    heard = threading.Semaphore(0)
    listener = ReloadListener(pg_world, lambda _announced: heard.release())
    listener.start()
    try:
        assert listener.connected.wait(10)
        assert heard.acquire(timeout=5)  # catching up right after connecting
        monkeypatch.setenv("HUB_DATABASE_URL", pg_world)
        result = CliRunner().invoke(cli_app, ["policy", "reload"])
        assert result.exit_code == 0, result.output
        assert heard.acquire(timeout=REACH_SECONDS)

        conninfo = pg_world.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (APPLICATION_NAME,),
            ).fetchall()
        assert killed == [(True,)]
        assert heard.acquire(timeout=10)  # reconnected, and caught up
        assert announce_policy_reload(pg_world, "digest")
        assert heard.acquire(timeout=REACH_SECONDS)
    finally:
        listener.stop()


def _notify(database_url: str, payloads: list[str]) -> None:
    """What any role allowed to connect may do: NOTIFY the hubs' channel, here once per payload."""
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        for payload in payloads:
            connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


@needs_postgres
def test_a_flood_of_notifications_costs_a_handful_of_policy_reads(
    pg_world: str, policy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = PolicyStore(build_full_schema(), policy_dir)
    reads: list[float] = []
    read_policy = store._load

    def counted() -> Any:
        reads.append(time.monotonic())
        return read_policy()

    monkeypatch.setattr(store, "_load", counted)
    watch = PolicyWatch(store, pg_world, interval=3600)  # the listener alone: the file watch does not poll here
    watch.start()
    try:
        assert watch.listener is not None and watch.listener.connected.wait(10)
        _until(lambda: len(reads) == 1, 5)  # the catch-up after connecting
        version = store.version

        started = time.monotonic()
        _notify(pg_world, [store.digest] * 1000)
        flood_seconds = time.monotonic() - started
        time.sleep(1.5)
        assert len(reads) == 1, "announcements of the digest already served read nothing"

        _notify(pg_world, [f"made-up-{n}" for n in range(1000)])
        time.sleep(1.5)
        print(f"\n1,000 NOTIFYs in {flood_seconds:.2f} s; made-up digests caused {len(reads) - 1} policy reads")
        assert 1 <= len(reads) - 1 <= 2 + 2 * (flood_seconds + 1.5), reads
        assert store.version == version, "the policy did not change: nothing installed, no agency's grant recompiled"

        with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
            policy.write(RANK_DENIED_TO_POLICE + "\n")
        changed = policy_digest(load_enforcer(policy_dir))
        noise = threading.Thread(target=_notify, args=(pg_world, [f"noise-{n}" for n in range(1000)]))
        noise.start()
        announce_policy_reload(pg_world, changed)
        took = _until(lambda: store.digest == changed, REACH_SECONDS)
        noise.join()
        print(f"a real change amid 1,000 more NOTIFYs served after {took:.2f} s")
        assert store.version == version + 1
    finally:
        watch.stop()


def test_a_database_policy_change_reaches_a_running_hub(settings: Settings, tmp_path: Path) -> None:
    """Also on SQLite: the watch re-reads a database-backed policy, which no request path ever did."""
    url = f"sqlite:///{tmp_path / 'policy.db'}"
    writer = policy_in_database(POLICY_DIR, url)
    settings = dataclasses.replace(settings, policy_db_url=url)
    store = PolicyStore(build_full_schema(), POLICY_DIR, url)
    with TestClient(create_app(settings, policies=store), client=LOCAL_OPERATOR) as client:
        version = client.get("/readyz").json()["policy_version"]
        writer.add_policy(*RANK_DENIED_TO_POLICE.split(", ")[1:])
        after = policy_digest(load_enforcer(POLICY_DIR, url))
        _until(lambda: client.get("/readyz").json()["policy_digest"] == after, REACH_SECONDS)
        assert client.get("/readyz").json()["policy_version"] == version + 1
        token = mint_token(settings, agency="police", user="p1", jurisdiction="huzhou", level="city")
        body = client.post("/graphql", json={"query": RANK_QUERY}, headers={"Authorization": f"Bearer {token}"}).json()
        assert "Cannot query field 'rank'" in body["errors"][0]["message"]


def test_a_policy_file_change_reaches_a_running_hub_without_any_request(settings: Settings, policy_dir: Path) -> None:
    """The watch thread, not the next GraphQL request, picks up a changed policy file."""
    store = PolicyStore(build_full_schema(), policy_dir)
    with TestClient(create_app(settings, policies=store), client=LOCAL_OPERATOR) as client:
        version = client.get("/readyz").json()["policy_version"]
        with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
            policy.write(RANK_DENIED_TO_POLICE + "\n")
        stamp = time.time() + 5  # a modification time the watch sees move even within one filesystem tick
        os.utime(policy_dir / "policy.csv", (stamp, stamp))
        _until(lambda: store.version == version + 1, REACH_SECONDS)
        assert client.get("/readyz").json()["policy_digest"] == policy_digest(load_enforcer(policy_dir))


def test_hub_serve_with_workers_refuses_production_without_secrets_before_starting_any(tmp_path: Path) -> None:
    environment = {"PATH": "/usr/bin:/bin", "HUB_PRODUCTION": "1", "HUB_VAR_DIR": str(tmp_path), "HUB_PORT": "1"}
    result = run_hub(["serve", "--workers", "2"], environment)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "refusing to start in production: HUB_JWT_SECRET is unset or the development default" in result.stderr


@pytest.mark.parametrize(("environment", "arguments", "expected"), [
    ({"HUB_WORKERS": "2"}, [], 2),
    ({"HUB_WORKERS": "2"}, ["--workers", "3"], 3),
])
def test_hub_serve_takes_its_worker_count_from_hub_workers_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], arguments: list[str], expected: int
) -> None:
    import uvicorn

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **options: started.append(options))
    for name, value in {"HUB_VAR_DIR": str(tmp_path), "HUB_HOST": "127.0.0.1", "HUB_PORT": "8000"}.items():
        monkeypatch.setenv(name, value)  # restored after the test, which `serve --workers` sets for its workers
    result = CliRunner().invoke(cli_app, ["serve", *arguments], env=environment)
    assert result.exit_code == 0, result.output
    assert [options["workers"] for options in started] == [expected]
