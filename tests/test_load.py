"""A short bounded load run (uvicorn subprocess, concurrent clients of several agencies): zero errors, zero leaks."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.harness import seeded_database
from bench.load import leaks_in, run_load, serve


def test_leak_check_catches_an_unreadable_field() -> None:
    readable = frozenset({"Cadre.name", "Cadre.id"})
    assert leaks_in({"cadres": {"edges": [{"node": {"id": 1, "name": "x"}}]}}, readable) == []
    assert leaks_in({"cadres": {"edges": [{"node": {"id": 1, "idNumber": "330"}}]}}, readable) == ["Cadre.idNumber"]


def test_ten_clients_for_ten_seconds_without_errors_or_leaks(tmp_path: Path) -> None:
    settings, engine = seeded_database(tmp_path, cadres=200)
    engine.dispose()
    with serve(settings.database_url, tmp_path) as base:
        tally = asyncio.run(run_load(base, clients=10, seconds=10, settings=settings))
    assert tally.requests > 20
    assert tally.errors == []
    assert tally.leaks == []


def test_more_clients_than_pooled_connections_wait_their_turn(tmp_path: Path) -> None:
    """30 clients against 2 pooled connections (+ overflow): requests queue instead of exhausting the pool."""
    settings, engine = seeded_database(tmp_path, cadres=100)
    engine.dispose()
    with serve(settings.database_url, tmp_path, {"HUB_DB_POOL_SIZE": "2"}) as base:
        tally = asyncio.run(run_load(base, clients=30, seconds=6, settings=settings))
    assert tally.requests > 30
    assert tally.errors == []
    assert tally.leaks == []
