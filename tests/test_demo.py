"""`make demo` for a newcomer: a busy port said first, the output ending with where to go, examples that answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from graph_sync.local_server import free_port
from hub.app import create_app
from hub.auth import mint_token
from hub.db import make_engine
from hub.demo import CITY, EXAMPLES
from hub.migrate import upgrade
from hub.seed import seed_database
from hub.settings import Settings

HUB = Path(sys.executable).parent / "hub"


def _environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HUB_VAR_DIR": str(tmp_path / "var"),
            "HUB_GRAPH_SYNC": "0", **variables}


def test_a_port_in_use_is_said_first_with_how_to_change_it(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run([str(HUB), "demo"], env=_environment(tmp_path, HUB_PORT=str(port)), cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and "HUB_PORT" in lines[0], result.stderr
    assert not (tmp_path / "var" / "hub.db").exists()  # nothing was started


def test_the_demo_ends_with_the_address_the_page_and_how_to_stop(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as neo4j_port_holder:  # the local Neo4j cannot start: the demo serves the records only
        neo4j_port_holder.bind(("127.0.0.1", 0))
        neo4j_port_holder.listen()
        environment = _environment(tmp_path, HUB_PORT=str(port),
                                   HUB_NEO4J_PORT=str(neo4j_port_holder.getsockname()[1]))
        demo = subprocess.Popen([str(HUB), "demo", "--cadres", "100"], env=environment, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert demo.stdout is not None
            lines = []
            for line in demo.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("Ctrl-C to stop"):
                    break
            assert lines, demo.stderr.read() if demo.stderr else ""
            site = f"http://127.0.0.1:{port}"
            assert lines[-4] == f"The hub serves GraphQL at {site}/graphql"
            assert lines[-3].startswith(f"Open {site}/ in a browser") and f"{site}/explore" in lines[-3]
            assert lines[-1].startswith("Ctrl-C to stop") and "hub graph down" in lines[-1]
            assert any(line.startswith("curl ") for line in lines[:-4])
            assert _answers(f"{site}/healthz")
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=60)
    assert demo.returncode == 0


def _answers(url: str, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=10).status_code == 200
        except httpx.TransportError:
            time.sleep(0.5)
    return False


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo's own database: its default size and seed."""
    var_dir = tmp_path_factory.mktemp("demo-var")
    settings = Settings(var_dir=var_dir, graph_sync=False)
    engine = make_engine(settings)
    upgrade(engine)
    seed_database(engine, cadres=1000, seed=7)
    engine.dispose()
    return settings


@pytest.mark.parametrize("agency", [agency for agency in EXAMPLES if agency != "inspector"])  # needs the graph
def test_every_example_answers_something_on_the_demo_data(demo_data: Settings, agency: str) -> None:
    _title, query = EXAMPLES[agency]
    token = mint_token(demo_data, agency=agency, user=f"demo-{agency}", jurisdiction=CITY, level="city",
                       unit_id=1 if agency == "unit" else None)
    with TestClient(create_app(demo_data)) as client:
        if agency == "security":  # the audit holds what others read
            client.post("/graphql", json={"query": "{ units(first: 1) { totalCount } }"},
                        headers={"Authorization": f"Bearer {mint_token(demo_data, agency='org', user='o')}"})
        body = client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}).json()
    assert "errors" not in body, body
    assert any(_has_rows(answer) for answer in body["data"].values()), body


def _has_rows(answer: Any) -> bool:
    return bool(answer.get("totalCount")) if isinstance(answer, dict) else bool(answer)
