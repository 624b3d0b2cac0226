"""A short bounded load run (uvicorn subprocess, concurrent clients of several agencies): zero errors, zero leaks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.harness import seeded_database
from bench.load import Window, graph_leaks, leaks_in, run_load, serve
from graph_sync.cypher import ensure_schema
from graph_sync.driver import open_driver
from graph_sync.rebuild import rebuild
from hub.settings import Settings

pytestmark = pytest.mark.serial  # measures time or runs servers of its own: alone, after the parallel part (scripts/test.sh)


def test_leak_check_catches_an_unreadable_field() -> None:
    readable = frozenset({"Cadre.name", "Cadre.id"})
    assert leaks_in({"cadres": {"edges": [{"node": {"id": 1, "name": "x"}}]}}, readable) == []
    assert leaks_in({"cadres": {"edges": [{"node": {"id": 1, "idNumber": "330"}}]}}, readable) == ["Cadre.idNumber"]


def test_graph_leak_check_catches_hidden_kinds_and_properties() -> None:
    window = Window(readable=frozenset({"Cadre.id", "Cadre.name"}), masked=frozenset())
    assert graph_leaks({"nodes": [{"kind": "CADRE", "properties": {"name": "x"}}], "edges": []}, window) == []
    leaks = graph_leaks({"nodes": [{"kind": "CADRE", "properties": {"rank": "x"}}, {"kind": "PERSON", "properties": {}}],
                         "edges": [{"kind": "RELATIVE_OF", "properties": {}}]}, window)
    assert leaks == ["graph cadre.rank", "graph node kind person", "graph edge kind RELATIVE_OF"]


def test_ten_clients_with_reads_writes_and_graph_queries_without_errors_or_leaks(
    tmp_path: Path, neo4j_settings: Settings
) -> None:
    settings, engine = seeded_database(tmp_path, cadres=200)
    driver = open_driver(neo4j_settings)
    with driver.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    ensure_schema(driver)
    rebuild(engine, driver, progress=False)
    driver.close()
    engine.dispose()
    graph_env = {"HUB_NEO4J_URI": neo4j_settings.neo4j_uri, "HUB_NEO4J_PASSWORD": neo4j_settings.neo4j_password,
                 "HUB_GRAPH_SYNC": "1"}
    with serve(settings.database_url, tmp_path, graph_env) as base:
        tally = asyncio.run(run_load(base, clients=10, seconds=10, settings=settings, cadres=200, graph=True))
    assert tally.requests > 20
    assert {"read", "write", "graph"} <= set(tally.by_kind)
    assert tally.errors == []
    assert tally.leaks == []


def test_more_clients_than_pooled_connections_wait_their_turn(tmp_path: Path) -> None:
    """30 clients against 2 pooled connections (+ overflow): requests queue instead of exhausting the pool."""
    settings, engine = seeded_database(tmp_path, cadres=100)
    engine.dispose()
    with serve(settings.database_url, tmp_path, {"HUB_DB_POOL_SIZE": "2"}) as base:
        tally = asyncio.run(run_load(base, clients=30, seconds=6, settings=settings))
    assert tally.requests >= 30  # every client was answered at least once
    assert tally.errors == []
    assert tally.leaks == []
