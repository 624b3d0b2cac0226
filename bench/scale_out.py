"""Scale-out on one machine: N hub processes and M sync workers on PostgreSQL and Neo4j, clients spread over the
hubs as a load balancer would, one hub and the sync leader killed mid-run; nothing committed may be lost.

    python -m bench.scale_out --postgres-url postgresql+psycopg://hub_test:hub_test@127.0.0.1:5432/hub_test

It creates a database of its own next to the one named (`<name>_scale_out`, dropped at the end), seeds it,
projects it into Neo4j (a local server of its own unless HUB_NEO4J_URI is set), starts the processes, and runs
clients that read as the police, traverse the graph as inspectors and create persons as the Organization
Department. After the run the outbox is drained and it checks that the persons written, their audit entries and
their graph nodes are the same number, that `hub audit verify` and `hub graph check` pass, and reports requests,
errors, p50/p99 and how long the standby took to lead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import Engine, func, select

from bench.harness import (
    HUB_COMMAND,
    percentile,
    run_hub,
    running_hubs,
    scratch_postgres_database,
)
from graph_sync.cypher import ensure_schema
from graph_sync.driver import open_driver
from graph_sync.leadership import leader_pid
from graph_sync.local_server import free_port
from graph_sync.rebuild import rebuild
from graph_sync.sync import pending_count
from hub import models
from hub.auth import mint_token
from hub.db import make_engine
from hub.migrate import upgrade
from hub.seed import seed_database
from hub.sessions import make_session_factory
from hub.settings import Settings

AUDIT_KEY = "scale-out-audit-key-shared-by-every-process"
READS = {
    "org": "{ cadres(first: 10) { edges { node { id name rank relatives { kind } } } } }",
    "police": "{ cadres(first: 10) { edges { node { id name rank negativeRecords { category } } } } }",
    "inspector": "{ cadres(first: 10) { edges { node { id name posts { title } } } } }",
}
NETWORK = "query($id: ID!) { network(personId: $id, hops: 2, limit: 100) { nodes { id } } }"
CREATE = ("mutation($name: String!) { createPerson(input: {name: $name, gender: MALE, jurisdiction: \"huzhou\"}) "
          "{ __typename } }")
# Each client cycles through its agency's requests.
MIX = {"org": ("write", "read"), "police": ("read",), "inspector": ("graph", "read")}
AGENCY_OF_CLIENT = ("org", "police", "inspector", "org", "police")


@dataclass
class Report:
    hubs: int
    sync_workers: int
    clients: int
    seconds: float
    requests: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # answers that were not a success, from a live hub
    cut_off: int = 0  # requests in flight to the hub when it was killed (the connection broke)
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    writes_answered: int = 0
    persons_written: int = 0
    audit_entries: int = 0
    graph_nodes: int = 0
    leader_takeover_seconds: float | None = None
    audit_chain_verified: bool = False
    graph_check_clean: bool = False

    def consistent(self) -> bool:
        """Records written = audit entries = graph changes applied; every answered write among them."""
        return (self.persons_written == self.audit_entries == self.graph_nodes
                and self.writes_answered <= self.persons_written <= self.writes_answered + self.cut_off)


@dataclass
class Balancer:
    """Round robin over the hubs still alive, as a load balancer whose health check dropped the dead one."""

    urls: list[str]
    dead: set[str] = field(default_factory=set)
    turn: int = 0

    def next(self) -> str:
        alive = [url for url in self.urls if url not in self.dead]
        self.turn += 1
        return alive[self.turn % len(alive)]


@contextmanager
def own_database(postgres_url: str, cadres: int) -> Iterator[str]:
    """A seeded database of this run's own beside `postgres_url`'s, dropped afterwards."""
    with scratch_postgres_database(postgres_url, "scale_out_load") as url:
        engine = make_engine(Settings(database_url=url))
        upgrade(engine)
        seed_database(engine, cadres=cadres, seed=7, progress=False)
        engine.dispose()
        yield url


def _project(database_url: str, graph: Settings) -> None:
    engine = make_engine(Settings(database_url=database_url))
    driver = open_driver(graph)
    try:
        driver.execute_query("MATCH (n) DETACH DELETE n")
        ensure_schema(driver)
        rebuild(engine, driver, progress=False)
    finally:
        driver.close()
        engine.dispose()


def _environment(database_url: str, graph: Settings, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ, "HUB_DATABASE_URL": database_url, "HUB_VAR_DIR": str(var_dir), "HUB_AUDIT_KEY": AUDIT_KEY,
        "HUB_NEO4J_URI": graph.neo4j_uri, "HUB_NEO4J_USER": graph.neo4j_user,
        "HUB_NEO4J_PASSWORD": graph.neo4j_password, "HUB_GRAPH_SYNC": "0", "HUB_LOG_FORMAT": "text",
        "HUB_LOG_LEVEL": "WARNING",
    }


def _start(arguments: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([*HUB_COMMAND, *arguments], env=environment, stdout=out, stderr=out)


async def _client(number: int, balancer: Balancer, tokens: dict[str, str], until: float, report: Report,
                  latencies: list[float], marker: str) -> None:
    agency = AGENCY_OF_CLIENT[number % len(AGENCY_OF_CLIENT)]
    headers = {"Authorization": f"Bearer {tokens[agency]}", "X-Purpose": quote("线索核查 scale-out run")}
    mix = MIX[agency]
    sent = 0
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        while time.monotonic() < until:
            kind = mix[sent % len(mix)]
            body: dict[str, Any] = {"query": READS[agency]}
            if kind == "write":
                body = {"query": CREATE, "variables": {"name": f"{marker}-{number}-{sent}"}}
            elif kind == "graph":
                body = {"query": NETWORK, "variables": {"id": f"cadre:{1 + (number * 7 + sent) % 50}"}}
            sent += 1
            url = balancer.next()
            started = time.perf_counter()
            try:
                response = await client.post(f"{url}/graphql", json=body)
            except httpx.TransportError:
                if url in balancer.dead:
                    report.cut_off += 1
                else:
                    report.errors.append(f"{agency} via {url}: connection failed")
                continue
            latencies.append(time.perf_counter() - started)
            report.requests += 1
            answer = response.json() if response.status_code == 200 else {}
            if response.status_code != 200 or answer.get("errors") or answer.get("data") is None:
                report.errors.append(f"{agency} via {url}: {response.status_code} {response.text[:200]}")
                continue
            report.by_kind[kind] = report.by_kind.get(kind, 0) + 1
            if kind == "write":
                report.writes_answered += int(answer["data"]["createPerson"]["__typename"] == "Person")


async def _load(balancer: Balancer, tokens: dict[str, str], clients: int, seconds: float, report: Report,
                marker: str, kill_hub: Any, kill_leader: Any) -> list[float]:
    latencies: list[float] = []
    until = time.monotonic() + seconds
    loop = asyncio.get_running_loop()
    loop.call_later(seconds / 3, kill_hub)
    loop.call_later(seconds / 2, kill_leader)
    await asyncio.gather(*(_client(number, balancer, tokens, until, report, latencies, marker)
                           for number in range(clients)))
    return latencies


def _wait_drained(engine: Engine, seconds: float = 120) -> None:
    factory = make_session_factory(engine)
    deadline = time.monotonic() + seconds
    while pending_count(factory) > 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the sync workers did not apply the outbox")
        time.sleep(0.5)


def run(postgres_url: str, graph: Settings, *, hubs: int = 4, sync_workers: int = 2, clients: int = 50,
        seconds: float = 60, cadres: int = 300, var_dir: Path | None = None) -> Report:
    report = Report(hubs=hubs, sync_workers=sync_workers, clients=clients, seconds=seconds)
    marker = f"压测{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        work = var_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-scale-out-")))
        database_url = stack.enter_context(own_database(postgres_url, cadres))
        _project(database_url, graph)
        environment = _environment(database_url, graph, work)
        # The sync workers start first: they take their time to lead while the hubs start.
        syncing = [_start(["graph", "sync", "--follow"], environment, work / f"sync-{number}.log")
                   for number in range(sync_workers)]
        stack.callback(_stop, syncing)
        servers = stack.enter_context(running_hubs(environment, work, workers=[None] * hubs))
        balancer = Balancer([server.url for server in servers])
        engine = make_engine(Settings(database_url=database_url))
        stack.callback(engine.dispose)
        settings = Settings(var_dir=work)
        tokens = {agency: mint_token(settings, agency=agency, user=f"{agency}-load", jurisdiction="huzhou",
                                     level="city") for agency in MIX}

        def kill_hub() -> None:
            balancer.dead.add(servers[0].url)
            servers[0].kill()

        watching: list[threading.Thread] = []

        def kill_leader() -> None:
            leader = leader_pid(engine)
            if leader is None:
                return
            os.kill(leader, signal.SIGKILL)
            killed_at = time.monotonic()

            def watch() -> None:
                report.leader_takeover_seconds = _takeover_seconds(engine, leader, killed_at)

            watching.append(threading.Thread(target=watch, daemon=True))
            watching[0].start()

        latencies = asyncio.run(_load(balancer, tokens, clients, seconds, report, marker, kill_hub, kill_leader))
        for watcher in watching:
            watcher.join(timeout=60)
        _wait_drained(engine)
        ordered = sorted(latencies)
        if ordered:
            report.p50_ms, report.p99_ms = percentile(ordered, 0.5) * 1000, percentile(ordered, 0.99) * 1000
        _count_outcomes(engine, graph, marker, report)
        report.audit_chain_verified = run_hub(["audit", "verify"], environment, timeout=600).returncode == 0
        report.graph_check_clean = run_hub(["graph", "check"], environment, timeout=600).returncode == 0
    return report


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to all, then SIGKILL to those still running 15 s later."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _takeover_seconds(engine: Engine, old_leader: int, killed_at: float, seconds: float = 30) -> float | None:
    """Seconds from the leader's kill until another worker holds the lock (None if none did within `seconds`)."""
    while time.monotonic() - killed_at < seconds:
        leader = leader_pid(engine)
        if leader is not None and leader != old_leader:
            return time.monotonic() - killed_at
        time.sleep(0.05)
    return None


def _count_outcomes(engine: Engine, graph: Settings, marker: str, report: Report) -> None:
    with make_session_factory(engine)() as session:
        report.persons_written = int(session.scalar(
            select(func.count()).select_from(models.Person).where(models.Person.name.like(f"{marker}-%"))) or 0)
        report.audit_entries = int(session.scalar(
            select(func.count()).select_from(models.AuditEntry).where(
                models.AuditEntry.operation == "write", models.AuditEntry.operation_name == "createPerson")) or 0)
    driver = open_driver(graph)
    try:
        records, _summary, _keys = driver.execute_query(
            "MATCH (p:Person) WHERE p.name STARTS WITH $marker RETURN count(p) AS found", marker=f"{marker}-")
        report.graph_nodes = int(records[0]["found"])
    finally:
        driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("HUB_TEST_POSTGRES_URL"), required=False)
    parser.add_argument("--hubs", type=int, default=4)
    parser.add_argument("--sync-workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cadres", type=int, default=300)
    options = parser.parse_args()
    if not options.postgres_url:
        parser.error("--postgres-url (or HUB_TEST_POSTGRES_URL) is needed: scale-out runs on PostgreSQL")
    with _graph() as graph:
        report = run(options.postgres_url, graph, hubs=options.hubs, sync_workers=options.sync_workers,
                     clients=options.clients, seconds=options.seconds, cadres=options.cadres)
    print(json.dumps({**asdict(report), "errors": report.errors[:20], "error_count": len(report.errors),
                      "consistent": report.consistent()}, ensure_ascii=False, indent=1))


@contextmanager
def _graph() -> Iterator[Settings]:
    """HUB_NEO4J_URI's server when set, else a local Neo4j of this run's own."""
    if os.environ.get("HUB_NEO4J_URI"):
        yield Settings.from_env()
        return
    from graph_sync.local_server import start, stop

    with tempfile.TemporaryDirectory(prefix="hub-scale-out-neo4j-") as home:
        port = free_port()
        settings = Settings(neo4j_uri=f"bolt://127.0.0.1:{port}", neo4j_port=port, neo4j_home=Path(home))
        start(settings, owner_pid=os.getpid())
        try:
            yield settings
        finally:
            stop(settings)


if __name__ == "__main__":
    main()
