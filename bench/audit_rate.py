"""Audited reads per second on PostgreSQL: the same single-cadre reads, each answered only after its audit entry
is committed, against 4 `hub serve` processes and, as the same-run baseline, against one.

    python -m bench.audit_rate --postgres-url postgresql+psycopg://hub_test:hub_test@127.0.0.1:5432/hub_test

It creates a database of its own beside the one named (`<name>_audit_rate`, dropped at the end), seeds it, runs
the load on one process, then on four, and checks after each that every answered read left exactly one entry and
that `hub audit verify` accepts the one chain. `python -m bench --scenarios audit` runs it as part of the suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import func, select

from bench.harness import run_hub, running_hubs, scratch_postgres_database
from graph_sync.local_server import free_port
from hub.auth import mint_token
from hub.db import make_engine
from hub.migrate import upgrade
from hub.models import AuditEntry
from hub.seed import seed_database
from hub.settings import Settings

READ = "query Read($id: Int!) { cadre(id: $id) { name } }"
AUDIT_KEY = "bench-audit-rate-key"
GOAL_PER_SECOND = 2000


def _environment(database_url: str, var_dir: Path, pool_size: int) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    environment.update(
        HUB_DATABASE_URL=database_url, HUB_VAR_DIR=str(var_dir), HUB_AUDIT_KEY=AUDIT_KEY, HUB_GRAPH_SYNC="0",
        HUB_NEO4J_URI=f"bolt://127.0.0.1:{free_port()}",  # no graph: the reads are relational
        HUB_DB_POOL_SIZE=str(pool_size), HUB_LOG_LEVEL="WARNING", HUB_LOG_FORMAT="text",
    )
    return environment


def _entries(database_url: str) -> int:
    engine = make_engine(Settings(database_url=database_url))
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(AuditEntry)) or 0)
    finally:
        engine.dispose()


async def _load(urls: list[str], token: str, clients: int, seconds: float, cadres: int) -> tuple[int, int]:
    """(answered, failed) audited reads sent by `clients` keep-alive clients spread over `urls` for `seconds`."""
    answered = failed = 0
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": quote("线索核查 audit rate")}
    until = time.monotonic() + seconds

    async def client(number: int) -> None:
        nonlocal answered, failed
        base = urls[number % len(urls)]
        ids = cycle(range(1 + number % cadres, cadres + 1))
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            while time.monotonic() < until:
                response = await http.post("/graphql", json={"query": READ, "variables": {"id": next(ids)}})
                if response.status_code == 200 and "errors" not in response.json():
                    answered += 1
                else:
                    failed += 1

    await asyncio.gather(*(client(number) for number in range(clients)))
    return answered, failed


def _phase(database_url: str, work: Path, processes: int, clients: int, seconds: float, cadres: int) -> dict[str, Any]:
    environment = _environment(database_url, work, pool_size=max(4, clients // processes))
    token = mint_token(Settings(var_dir=work), agency="org", user="audit-rate", jurisdiction="huzhou", level="city")
    with running_hubs(environment, work, workers=[None] * processes) as hubs:
        urls = [hub.url for hub in hubs]
        asyncio.run(_load(urls, token, clients, min(1.0, seconds), cadres))  # warm-up
        before = _entries(database_url)
        started = time.perf_counter()
        answered, failed = asyncio.run(_load(urls, token, clients, seconds, cadres))
        elapsed = time.perf_counter() - started
        entries = _entries(database_url) - before
    verify = run_hub(["audit", "verify"], environment, timeout=600)
    return {
        "processes": processes, "clients": clients, "seconds": elapsed, "answered": answered, "failed": failed,
        "per_second": answered / elapsed, "entries": entries, "one_entry_each": entries == answered,
        "chain_verified": verify.returncode == 0 and "audit chain intact" in verify.stderr,
    }


def run(postgres_url: str, *, processes: int = 4, clients: int = 32, seconds: float = 8.0, cadres: int = 200,
        var_dir: Path | None = None) -> dict[str, Any]:
    """One process, then `processes`, on one fresh seeded database (a chain that grows across both phases)."""
    with tempfile.TemporaryDirectory(prefix="hub-audit-rate-") as scratch, \
            scratch_postgres_database(postgres_url, "audit_rate") as database_url:
        work = var_dir or Path(scratch)
        engine = make_engine(Settings(database_url=database_url))
        try:
            upgrade(engine)
            seed_database(engine, cadres=cadres, seed=7, progress=False)
        finally:
            engine.dispose()
        baseline = _phase(database_url, work, 1, clients, seconds, cadres)
        subject = _phase(database_url, work, processes, clients, seconds, cadres)
    ratio = subject["per_second"] / baseline["per_second"] if baseline["per_second"] else float("nan")
    return {"one_process": baseline, "processes": subject, "ratio": ratio, "goal_per_second": GOAL_PER_SECOND,
            "consistent": all(phase["one_entry_each"] and phase["chain_verified"] and not phase["failed"]
                              for phase in (baseline, subject))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("HUB_TEST_POSTGRES_URL"))
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0)
    options = parser.parse_args()
    if not options.postgres_url:
        parser.error("--postgres-url (or HUB_TEST_POSTGRES_URL) is needed: the audit rate is measured on PostgreSQL")
    print(json.dumps(run(options.postgres_url, processes=options.processes, clients=options.clients,
                         seconds=options.seconds), indent=1))


if __name__ == "__main__":
    main()
