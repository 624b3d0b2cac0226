"""Timing helpers: warm-up, repeats, medians and p95, seeded databases, and the hub served in a subprocess."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from hub.db import make_engine
from hub.migrate import upgrade
from hub.models import Cadre
from hub.seed import seed_database
from hub.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def scratch_postgres_database(base_url: str, suffix: str) -> Iterator[str]:
    """A fresh database named `<base_url's database>_<suffix>` on the same server, dropped afterwards; yields its URL."""
    base = make_url(base_url)
    name = f"{base.database}_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    runs: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(sorted_samples: list[float], share: float) -> float:
    return sorted_samples[min(len(sorted_samples) - 1, round(share * (len(sorted_samples) - 1)))]


def timing_of(samples_ms: list[float]) -> Timing:
    samples = sorted(samples_ms)
    return Timing(median_ms=statistics.median(samples), p95_ms=percentile(samples, 0.95), runs=len(samples))


def measure(action: Callable[[], object], *, warmup: int = 3, repeats: int = 15) -> Timing:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return timing_of(samples)


def measure_pair(
    subject: Callable[[], object], baseline: Callable[[], object], *, warmup: int = 3, repeats: int = 15
) -> tuple[Timing, Timing]:
    """Time two actions interleaved (subject, baseline, subject, ...) so machine noise hits both alike."""
    for _ in range(warmup):
        subject()
        baseline()
    first: list[float] = []
    second: list[float] = []
    for _ in range(repeats):
        for action, samples in ((subject, first), (baseline, second)):
            start = time.perf_counter()
            action()
            samples.append((time.perf_counter() - start) * 1000)
    return timing_of(first), timing_of(second)


def database_path(directory: Path, cadres: int, seed: int = 7) -> Path:
    return directory / f"bench-{cadres}-{seed}.db"


def seeded_database(directory: Path, cadres: int, seed: int = 7) -> tuple[Settings, Engine]:
    """A SQLite database with `cadres` seeded cadres, reused across runs when it already matches."""
    directory.mkdir(parents=True, exist_ok=True)
    path = database_path(directory, cadres, seed)
    settings = Settings(var_dir=directory, database_url=f"sqlite:///{path}", graph_sync=False)
    engine = make_engine(settings)
    upgrade(engine)
    with engine.connect() as connection:
        existing = connection.scalar(select(func.count()).select_from(Cadre)) or 0
    if existing == 0:
        seed_database(engine, cadres=cadres, seed=seed, progress=True)
    elif existing != cadres:
        raise RuntimeError(f"{path} holds {existing} cadres, not {cadres}; delete it to reseed")
    return settings, engine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def peak_memory_kib(pid: int) -> int:
    """VmHWM (peak resident set) of a running process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def current_memory_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_until_healthy(url: str, process: subprocess.Popen[Any] | None = None, seconds: float = 60) -> None:
    """Return once `url`/healthz answers 200; RuntimeError if `process` exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the hub at {url} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the hub at {url} did not answer /healthz within {seconds:.0f} s")
        time.sleep(0.2)


class HubServer:
    """`hub serve` (uvicorn) on a free 127.0.0.1 port, in a subprocess, against a bench database."""

    def __init__(self, database_url: str, *, neo4j_uri: str | None = None, neo4j_password: str | None = None,
                 log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(HUB_DATABASE_URL=database_url, HUB_PORT=str(self.port), HUB_HOST="127.0.0.1", HUB_GRAPH_SYNC="0")
        env.update(HUB_MAX_REQUEST_BYTES="1000000")
        if neo4j_uri:
            env["HUB_NEO4J_URI"] = neo4j_uri
        if neo4j_password:
            env["HUB_NEO4J_PASSWORD"] = neo4j_password
        self._log = (log or Path(os.devnull)).open("ab")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "hub"), "serve", "--port", str(self.port)],
            env=env, cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(self.url, self.process)
        except RuntimeError:
            self.stop()
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_kib(self) -> int:
        return peak_memory_kib(self.pid)

    def rss_kib(self) -> int:
        return current_memory_kib(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> HubServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
