"""Timing helpers: warm-up, repeats, medians and p95, seeded databases, and the hub served in a subprocess."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

import httpx
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from graph_sync.local_server import free_port
from hub.db import make_engine
from hub.migrate import upgrade
from hub.models import Cadre
from hub.seed import seed_database
from hub.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HUB_COMMAND = [sys.executable, "-c", "from hub.cli import main; main()"]
START_SECONDS = 90.0
LOG_TAIL_CHARS = 8000


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


def _status_kib(pid: int, key: str) -> int:
    """A `/proc/<pid>/status` memory reading (`VmHWM`, `VmRSS`, ...) in KiB; 0 when absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def run_hub(args: Sequence[str], environment: Mapping[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A `hub` command run to its end, its output captured as text."""
    return subprocess.run([*HUB_COMMAND, *args], env=dict(environment), capture_output=True, text=True, timeout=timeout,
                          check=False)


class HubDidNotStart(RuntimeError):
    """The hub exited, or did not answer in time; the message ends with its log when it has one."""


class HubServer:
    """`hub serve` on a free 127.0.0.1 port, in a subprocess of its own.

    Its environment is `environment` (this process's when not given) with `overrides` on top. Its output is appended
    to `log`, or goes where this process's goes when there is none. `with HubServer(...) as hub:` waits until
    `ready_path` answers and stops the hub at the end; `running_hubs` runs several side by side.
    """

    def __init__(self, overrides: Mapping[str, str] | None = None, *, environment: Mapping[str, str] | None = None,
                 workers: int | None = None, log: Path | None = None, ready_path: str = "/healthz",
                 command: Sequence[str] = HUB_COMMAND) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = {**(os.environ if environment is None else environment), **(overrides or {})}
        self.ready_path = ready_path
        self.log_path = log
        self._log = log.open("ab") if log is not None else None
        arguments = [*command, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if workers:
            arguments += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            arguments, env=self.environment, cwd=PROJECT_ROOT,
            stdout=self._log, stderr=subprocess.STDOUT if self._log is not None else None,
        )

    def wait_until_ready(self) -> None:
        """Return once `ready_path` answers 200; HubDidNotStart if the hub exits first or START_SECONDS pass."""
        deadline = time.monotonic() + START_SECONDS
        while self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}{self.ready_path}", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise HubDidNotStart(self._failure(f"did not answer {self.ready_path} within {START_SECONDS:.0f} s"))
            time.sleep(0.2)
        raise HubDidNotStart(self._failure(f"exited with {self.process.returncode}"))

    def _failure(self, what: str) -> str:
        message = f"the hub at {self.url} {what}"
        if self.log_path is None:
            return message
        return f"{message}; the end of {self.log_path}:\n{self.log_path.read_text(errors='replace')[-LOG_TAIL_CHARS:]}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def readyz(self) -> dict[str, object]:
        response = httpx.get(f"{self.url}/readyz", timeout=10)  # a new connection each time
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def worker_pids(self) -> list[int]:
        """The processes this one started (uvicorn's workers), read from /proc."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:
                children.append(int(stat.parent.name))
        return children

    def peak_kib(self) -> int:
        """Peak resident set (VmHWM) of the serving process."""
        return _status_kib(self.pid, "VmHWM")

    def rss_kib(self) -> int:
        return _status_kib(self.pid, "VmRSS")

    def kill(self) -> None:
        """SIGKILL: the hub dies on the spot, mid-request."""
        self.process.kill()

    def stop(self) -> None:
        """SIGTERM (uvicorn then stops its workers too), SIGKILL if it has not exited within 30 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> Self:
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@contextmanager
def running_hubs(environment: Mapping[str, str], logs: Path, workers: Sequence[int | None],
                 ready_path: str = "/healthz", command: Sequence[str] = HUB_COMMAND) -> Iterator[list[HubServer]]:
    """One hub per entry of `workers` (its `--workers`), started side by side, all ready, stopped at the end;
    each logs to `logs`/hub-<n>.log. `command` is what runs `hub` (the bench's unaudited hub, say)."""
    hubs = [HubServer(environment=environment, workers=count, log=logs / f"hub-{index}.log", ready_path=ready_path,
                      command=command)
            for index, count in enumerate(workers)]
    try:
        for hub in hubs:
            hub.wait_until_ready()
        yield hubs
    finally:
        for hub in hubs:
            hub.stop()
