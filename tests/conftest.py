"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when configured), the app, tokens."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import casbin
import pytest
from casbin_sqlalchemy_adapter import Adapter
from graphql.execution import Executor
from sqlalchemy import Engine, inspect, text
from starlette.testclient import TestClient

from bench.harness import scratch_postgres_database
from hub.app import create_app
from hub.auth import mint_token
from hub.db import make_engine, transaction
from hub.migrate import upgrade
from hub.models import Base
from hub.sessions import make_session_factory
from hub.settings import Settings
from policies.enforcement import POLICY_DIR, PolicyStore
from schema.build import build_full_schema
from tests.neo4j_fixture import neo4j_settings  # noqa: F401  (session fixture for graph tests)
from tests.world import build_world

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
METRICS_TOKEN = "an-operator-token-of-at-least-32-bytes"
LOCAL_OPERATOR = ("127.0.0.1", 50000)  # a TestClient's client address on the hub's own machine: an operator there


@pytest.fixture(scope="session")
def policy_store() -> PolicyStore:
    """Compiled once for the whole run; tests that edit policies build their own store."""
    return PolicyStore(build_full_schema())


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    """A copy of the shipped policy files that a test may edit."""
    target = tmp_path / "policies"
    target.mkdir()
    for name in ("model.conf", "policy.csv", "agencies.csv"):
        shutil.copy(POLICY_DIR / name, target / name)
    return target


def policy_in_database(policy_dir: Path, database_url: str) -> casbin.Enforcer:
    """An enforcer writing to the database-backed policy at `database_url`, filled with `policy_dir`'s rules."""
    loader = casbin.Enforcer(str(policy_dir / "model.conf"), str(policy_dir / "policy.csv"))
    writer = casbin.Enforcer(str(policy_dir / "model.conf"), Adapter(database_url))
    writer.add_policies(loader.get_policy())
    writer.add_grouping_policies(loader.get_grouping_policy())
    return writer


@pytest.fixture(scope="session")
def postgres_test_url() -> Iterator[str]:
    """HUB_TEST_POSTGRES_URL's database; under pytest-xdist, a database of each worker's own beside it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        yield POSTGRES_URL
        return
    with scratch_postgres_database(POSTGRES_URL, worker) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database per backend: a template file for SQLite, the test database for PostgreSQL."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("template") / "hub.db"
        engine = make_engine(Settings(database_url=f"sqlite:///{template}"))
        upgrade(engine)
        engine.dispose()
        return f"sqlite:///{template}"
    url: str = request.getfixturevalue("postgres_test_url")
    engine = make_engine(Settings(database_url=url))
    empty_public_schema(engine)
    upgrade(engine)
    engine.dispose()
    return url


def empty_public_schema(engine: Engine) -> None:
    """PostgreSQL's public schema dropped with all it holds and made anew, for a migration from nothing."""
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def settings(migrated_backend: str, tmp_path: Path) -> Settings:
    """A fresh, empty, migrated database for each test."""
    if migrated_backend.startswith("sqlite:///"):
        database = tmp_path / "hub.db"
        shutil.copyfile(migrated_backend.removeprefix("sqlite:///"), database)
        url = f"sqlite:///{database}"
    else:
        engine = make_engine(Settings(database_url=migrated_backend))
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            # A connection leaked by an earlier test would block TRUNCATE forever: fail fast instead.
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        url = migrated_backend
    return Settings(var_dir=tmp_path, database_url=url, graph_sync=False, graph_warm_up=False)


@contextmanager
def own_postgres_world(suffix: str) -> Iterator[str]:
    """A PostgreSQL database of a test's own beside HUB_TEST_POSTGRES_URL's, migrated and holding the known world.

    For tests that need a database to themselves (several processes, locks, kills); the shared one stays untouched.
    """
    if not POSTGRES_URL:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    with scratch_postgres_database(POSTGRES_URL, suffix) as url:
        engine = make_engine(Settings(database_url=url))
        migrate_with_world(engine)
        engine.dispose()
        yield url


def migrate_with_world(engine: Engine) -> None:
    """The database migrated to the newest revision and filled with the hand-made world."""
    upgrade(engine)
    fill_world(engine)


def fill_world(engine: Engine) -> None:
    """The hand-made world of `tests.world` written, with PostgreSQL's sequences moved past its ids."""
    with transaction(make_session_factory(engine)) as session:
        build_world(session)
    reset_sequences(engine)


def production_settings(settings: Settings) -> Settings:
    """`settings` in production mode, with the secrets production refuses to start without."""
    return dataclasses.replace(settings, production=True, jwt_secret="a-production-secret-of-at-least-32-bytes",
                               audit_key="an-audit-chain-key-of-at-least-32-bytes", metrics_token=METRICS_TOKEN)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def world(engine: Engine) -> Engine:
    """The database filled with the hand-made world of `tests.world`."""
    fill_world(engine)
    return engine


@contextmanager
def table_renamed_away(engine: Engine, table: str) -> Iterator[Engine]:
    """`table` renamed to `<table>_gone` for the block, and put back after it: PostgreSQL's test database is shared."""
    with engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {table} RENAME TO {table}_gone"))
    try:
        yield engine
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {table}_gone RENAME TO {table}"))


@pytest.fixture
def post_table_missing(world: Engine) -> Iterator[Engine]:
    with table_renamed_away(world, "post") as engine:
        yield engine


def reset_sequences(engine: Engine) -> None:
    """After inserting explicit ids, PostgreSQL's sequences must move past them (in the tables the database has: one
    migrated to an older revision lacks the newer ones)."""
    if engine.dialect.name != "postgresql":
        return
    existing = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if "id" in table.c and table.name in existing:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"
                    )
                )


@pytest.fixture
def client(settings: Settings, policy_store: PolicyStore) -> Iterator[TestClient]:
    with TestClient(create_app(settings, policies=policy_store)) as test_client:
        yield test_client


class Caller:
    """Sends GraphQL as one agency."""

    def __init__(self, client: TestClient, settings: Settings, agency: str, **claims: Any) -> None:
        self.client = client
        claims.setdefault("jurisdiction", "huzhou")
        claims.setdefault("level", "city")
        self.token = mint_token(settings, agency=agency, user=claims.pop("user", f"{agency}-tester"), **claims)
        self.purpose = "线索核查"  # a reason agencies that must state a purpose may give

    def post(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}", "X-Purpose": quote(self.purpose)},
        )

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
def as_agency(client: TestClient, settings: Settings) -> Any:
    def make(agency: str, **claims: Any) -> Caller:
        return Caller(client, settings, agency, **claims)

    return make


@pytest.fixture
def field_executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The parent type of every field graphql-core executes on its own path."""
    calls: list[str] = []
    execute_field = Executor.execute_field

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        calls.append(parent_type.name)
        return execute_field(self, parent_type, *args)

    monkeypatch.setattr(Executor, "execute_field", counting)
    return calls
