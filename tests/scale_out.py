"""Hub processes for the scale-out tests: `hub serve` run as real subprocesses against a PostgreSQL database of
their own (created from HUB_TEST_POSTGRES_URL, so the suite's shared database is never touched)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from graph_sync.local_server import free_port

START_SECONDS = 90.0
HUB_COMMAND = [sys.executable, "-c", "from hub.cli import main; main()"]


def hub_environment(database_url: str, var_dir: Path, policy_dir: Path, **extra: str) -> dict[str, str]:
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


def run_hub(args: Sequence[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HUB_COMMAND, *args], env=env, capture_output=True, text=True, timeout=timeout)


class HubProcess:
    """`hub serve` on a port of its own; `stop()` sends SIGTERM (uvicorn then stops its workers too)."""

    def __init__(self, env: dict[str, str], log: Path, workers: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--port", str(self.port), *(["--workers", str(workers)] if workers else [])]
        self._log = log.open("w")
        self.log_path = log
        self.process = subprocess.Popen([*HUB_COMMAND, *args], env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"hub serve exited with {self.process.returncode}:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"hub serve did not become ready:\n{self.log_path.read_text()}")

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
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def start_hubs(env: dict[str, str], logs: Path, workers: Sequence[int | None]) -> list[HubProcess]:
    hubs = [HubProcess(env, logs / f"hub-{index}.log", count) for index, count in enumerate(workers)]
    try:
        for hub in hubs:
            hub.wait_ready()
    except BaseException:
        for hub in hubs:
            hub.stop()
        raise
    return hubs
