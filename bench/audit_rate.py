"""Audited reads per second on PostgreSQL: the same single-cadre reads, each answered only after its audit entry
is committed, against 4 `hub serve` processes; as same-run baselines, the same reads on one process and the same
reads on 4 processes of a hub that leaves the audit out (`bench.unaudited_hub`).

    python -m bench.audit_rate --postgres-url postgresql+psycopg://hub_test:hub_test@127.0.0.1:5432/hub_test

It creates a database of its own beside the one named (`<name>_audit_rate`, dropped at the end), seeds it, runs
the load on one process, then on four unaudited and on four audited (`--rounds` times, alternated), and checks
after each that every answered read left exactly one entry and
that `hub audit verify` accepts the one chain. `python -m bench --scenarios audit` runs it as part of the suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import func, select, text

from bench.harness import HUB_COMMAND, run_hub, running_hubs, scratch_postgres_database
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
UNAUDITED_HUB_COMMAND = [sys.executable, "-m", "bench.unaudited_hub"]


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


def _backend_pids(database_url: str) -> list[int]:
    """The PostgreSQL server processes serving the hubs' connections to the database (this query's own excepted)."""
    engine = make_engine(Settings(database_url=database_url))
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )))
    finally:
        engine.dispose()


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (0 for any this machine does not show)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


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


def _phase(database_url: str, work: Path, processes: int, clients: int, seconds: float, cadres: int, *,
           audited: bool = True) -> dict[str, Any]:
    environment = _environment(database_url, work, pool_size=max(4, clients // processes))
    token = mint_token(Settings(var_dir=work), agency="org", user="audit-rate", jurisdiction="huzhou", level="city")
    command = HUB_COMMAND if audited else UNAUDITED_HUB_COMMAND
    with running_hubs(environment, work, workers=[None] * processes, command=command) as hubs:
        urls = [hub.url for hub in hubs]
        asyncio.run(_load(urls, token, clients, min(1.0, seconds), cadres))  # warm-up: the pools are full after it
        before = _entries(database_url)
        hub_pids = [pid for hub in hubs for pid in (hub.pid, *hub.worker_pids())]
        backend_pids = _backend_pids(database_url)
        hub_cpu, backend_cpu = _cpu_seconds(hub_pids), _cpu_seconds(backend_pids)
        started = time.perf_counter()
        answered, failed = asyncio.run(_load(urls, token, clients, seconds, cadres))
        elapsed = time.perf_counter() - started
        hub_cpu, backend_cpu = _cpu_seconds(hub_pids) - hub_cpu, _cpu_seconds(backend_pids) - backend_cpu
        entries = _entries(database_url) - before
    verify = run_hub(["audit", "verify"], environment, timeout=600)
    return {
        "audited": audited, "processes": processes, "clients": clients, "seconds": elapsed, "answered": answered,
        "failed": failed, "per_second": answered / elapsed, "entries": entries,
        # CPU per read: what the audit costs, whatever else shares the machine (the rate depends on that too)
        "hub_cpu_ms_per_read": 1000 * hub_cpu / answered if answered else float("nan"),
        "postgres_cpu_ms_per_read": 1000 * backend_cpu / answered if answered else float("nan"),
        "one_entry_each": entries == (answered if audited else 0),
        "chain_verified": verify.returncode == 0 and "audit chain intact" in verify.stderr,
    }


def _merged(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one kind of phase as one: their reads over their time, consistent only if each was."""
    seconds = sum(phase["seconds"] for phase in phases)
    answered = sum(phase["answered"] for phase in phases)

    def cpu_per_read(key: str) -> float:
        return sum(phase[key] * phase["answered"] for phase in phases) / answered if answered else float("nan")

    return {**phases[-1], "rounds": len(phases), "seconds": seconds, "answered": answered,
            "failed": sum(phase["failed"] for phase in phases), "entries": sum(phase["entries"] for phase in phases),
            "per_second": answered / seconds if seconds else 0.0,
            "per_second_each": [round(phase["per_second"], 1) for phase in phases],
            "hub_cpu_ms_per_read": cpu_per_read("hub_cpu_ms_per_read"),
            "postgres_cpu_ms_per_read": cpu_per_read("postgres_cpu_ms_per_read"),
            "one_entry_each": all(phase["one_entry_each"] for phase in phases),
            "chain_verified": all(phase["chain_verified"] for phase in phases)}


def run(postgres_url: str, *, processes: int = 4, clients: int = 32, seconds: float = 8.0, cadres: int = 200,
        rounds: int = 1, one_process: bool = True, var_dir: Path | None = None) -> dict[str, Any]:
    """On one fresh seeded database (one chain that grows across the phases): the audited reads on one process
    (unless not `one_process`), then `rounds` times the same reads on `processes` unaudited (the same-run
    baseline) and audited."""
    with tempfile.TemporaryDirectory(prefix="hub-audit-rate-") as scratch, \
            scratch_postgres_database(postgres_url, "audit_rate") as database_url:
        work = var_dir or Path(scratch)
        engine = make_engine(Settings(database_url=database_url))
        try:
            upgrade(engine)
            seed_database(engine, cadres=cadres, seed=7, progress=False)
        finally:
            engine.dispose()
        single = _phase(database_url, work, 1, clients, seconds, cadres) if one_process else None
        unaudited_rounds: list[dict[str, Any]] = []
        audited_rounds: list[dict[str, Any]] = []
        for _round in range(rounds):  # alternated, so that other load on the machine falls on both alike
            unaudited_rounds.append(_phase(database_url, work, processes, clients, seconds, cadres, audited=False))
            audited_rounds.append(_phase(database_url, work, processes, clients, seconds, cadres))
    unaudited, audited = _merged(unaudited_rounds), _merged(audited_rounds)
    return {
        "one_process": single, "unaudited": unaudited, "processes": audited,
        "ratio": _ratio(audited, single) if single else None, "audited_over_unaudited": _ratio(audited, unaudited),
        "cpu_per_read_audited_over_unaudited": _cpu_ratio(audited, unaudited),
        "goal_per_second": GOAL_PER_SECOND,
        "consistent": all(phase["one_entry_each"] and phase["chain_verified"] and not phase["failed"]
                          for phase in (single, unaudited, audited) if phase is not None),
    }


def _cpu_ratio(subject: dict[str, Any], baseline: dict[str, Any]) -> float:
    """Hub and PostgreSQL CPU per audited read over the same per unaudited read."""
    def per_read(phase: dict[str, Any]) -> float:
        return float(phase["hub_cpu_ms_per_read"] + phase["postgres_cpu_ms_per_read"])

    return per_read(subject) / per_read(baseline) if per_read(baseline) else float("nan")


def _ratio(subject: dict[str, Any], baseline: dict[str, Any]) -> float:
    return float(subject["per_second"] / baseline["per_second"]) if baseline["per_second"] else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("HUB_TEST_POSTGRES_URL"))
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=1, help="unaudited and audited phases, alternated")
    options = parser.parse_args()
    if not options.postgres_url:
        parser.error("--postgres-url (or HUB_TEST_POSTGRES_URL) is needed: the audit rate is measured on PostgreSQL")
    print(json.dumps(run(options.postgres_url, processes=options.processes, clients=options.clients,
                         seconds=options.seconds, rounds=options.rounds), indent=1))


if __name__ == "__main__":
    main()
