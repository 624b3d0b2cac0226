"""A real local Neo4j server for the test session (no mock, no Docker).

Use with ``from tests.neo4j_fixture import neo4j_settings`` in a conftest.py or test module. The
server is started once per session on a free port (never 7687) with a temporary home, and stopped
at the end; the first run of a machine also builds it with Maven (see graph_sync.local_server).
Importing the fixture into several modules still starts a single server.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_sync.access import EVERYTHING
from graph_sync.driver import open_driver
from graph_sync.local_server import Neo4jLocalError, free_port, start, stop
from graph_sync.queries import warm_up
from hub.settings import Settings

_shared: Settings | None = None
_users = 0


def local_neo4j_settings(home: Path, port: int | None = None) -> Settings:
    """Default `Settings` pointed at a local server on `port` (a free one if None) with data in `home`."""
    port = free_port() if port is None else port
    return dataclasses.replace(
        Settings(), neo4j_uri=f"bolt://127.0.0.1:{port}", neo4j_port=port, neo4j_home=home
    )


def _acquire(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    global _shared, _users
    if _shared is None:
        settings = local_neo4j_settings(tmp_path_factory.mktemp("neo4j-home"))
        try:
            # owner_pid: a killed test run takes the JVM down with it.
            start(settings, owner_pid=os.getpid())
        except Neo4jLocalError as exc:
            pytest.fail(f"the local Neo4j server could not start: {exc}", pytrace=False)
        _warm_up(settings)
        _shared = settings
    _users += 1
    return _shared


def _warm_up(settings: Settings) -> None:
    """The graph queries planned once before any test times them against a request's graph budget."""
    driver = open_driver(settings)
    try:
        warm_up(driver, EVERYTHING)
    finally:
        driver.close()


def _release() -> None:
    global _shared, _users
    _users -= 1
    if _users == 0 and _shared is not None:
        settings, _shared = _shared, None
        stop(settings)


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """`Settings` whose neo4j_uri/neo4j_port/neo4j_home point at a running local Neo4j server."""
    settings = _acquire(tmp_path_factory)
    try:
        yield settings
    finally:
        _release()
