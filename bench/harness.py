"""Timing helpers: warm-up, repeats, medians and p95, and a seeded database to run against."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from hub.db import make_engine
from hub.migrate import upgrade
from hub.models import Cadre
from hub.seed import seed_database
from hub.settings import Settings


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    runs: int


def measure(action: Callable[[], object], *, warmup: int = 3, repeats: int = 15) -> Timing:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return Timing(median_ms=statistics.median(samples), p95_ms=p95, runs=repeats)


def seeded_database(directory: Path, cadres: int, seed: int = 7) -> tuple[Settings, Engine]:
    """A SQLite database with `cadres` seeded cadres, reused across runs when it already matches."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = Settings(var_dir=directory, database_url=f"sqlite:///{directory / f'bench-{cadres}-{seed}.db'}")
    engine = make_engine(settings)
    upgrade(engine)
    with engine.connect() as connection:
        existing = connection.scalar(select(func.count()).select_from(Cadre)) or 0
    if existing == 0:
        seed_database(engine, cadres=cadres, seed=seed, progress=True)
    return settings, engine
