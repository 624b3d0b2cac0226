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
