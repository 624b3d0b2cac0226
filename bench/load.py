"""Bounded load on loopback: N clients for S seconds of mixed reads and writes as different agencies against a
uvicorn subprocess on a seeded SQLite database; counts errors and leaked fields, reports throughput and p99.

    python -m bench.load --clients 50 --seconds 60

Leak check: every response as agency X is walked, and every key of every record object must be a field X may
read (policies.enforcement.PolicyStore.grant(X).readable); a record-typed value outside that set is a leak.
Graph queries are not part of this run (no Neo4j is started here).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from hub.auth import mint_token
from hub.settings import Settings

AGENCIES = {"org": {}, "police": {}, "court": {}, "discipline": {}, "inspector": {}, "unit": {"unit_id": 1}}
READS = {
    "org": "{ cadres(first: 20) { edges { node { id name idNumber rank relatives { kind person { name } } } } } }",
    "police": "{ cadres(first: 20) { edges { node { id name idNumber negativeRecords { category facts } } } } }",
    "court": "{ negativeRecords(first: 20) { totalCount edges { node { id facts category } } } }",
    "discipline": "{ cadres(first: 20, filter: {onNegativeList: true}) { totalCount edges { node { id name } } } }",
    "inspector": "{ cadres(first: 20) { edges { node { id name posts { title } } } } }",
    "unit": "{ cadres(first: 20) { edges { node { id name } } } }",
}
WRITE = "mutation($id: Int!, $v: String) { updateCadre(id: $id, input: {nativePlace: $v}) { __typename } }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, var_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """The hub in a uvicorn subprocess on a free loopback port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_VAR_DIR": str(var_dir), "HUB_GRAPH_SYNC": "0",
           "HUB_NEO4J_URI": f"bolt://127.0.0.1:{free_port()}", **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "hub.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Tally:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


def readable_fields() -> dict[str, frozenset[str]]:
    from policies.enforcement import PolicyStore
    from schema.build import build_full_schema

    store = PolicyStore(build_full_schema())
    return {agency: frozenset(store.grant(agency).readable | store.grant(agency).masked) for agency in AGENCIES}


CHILD_TYPE = {"cadres": "Cadre", "relatives": "Relative", "person": "Person", "negativeRecords": "NegativeRecord",
              "posts": "Post"}
CONNECTION_KEYS = {"totalCount", "edges", "node", "pageInfo", "__typename"}


def leaks_in(payload: Any, readable: frozenset[str], owner: str = "Query") -> list[str]:
    """`Type.field` keys in the response that the agency may not read (connection wrappers are structural)."""
    found: list[str] = []
    if isinstance(payload, list):
        for item in payload:
            found += leaks_in(item, readable, owner)
    elif isinstance(payload, dict):
        for key, value in payload.items():
            if key in CONNECTION_KEYS:
                found += leaks_in(value, readable, owner)
                continue
            if owner != "Query" and f"{owner}.{key}" not in readable:
                found.append(f"{owner}.{key}")
            found += leaks_in(value, readable, CHILD_TYPE.get(key, owner))
    return found


async def client_loop(base: str, agency: str, token: str, readable: frozenset[str], until: float, tally: Tally,
                      rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": quote("load test")}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        while time.monotonic() < until:
            write = agency == "org" and rng.random() < 0.2
            body = {"query": WRITE, "variables": {"id": rng.randint(1, 50), "v": f"浙江{rng.randint(0, 999)}"}} \
                if write else {"query": READS[agency]}
            start = time.perf_counter()
            try:
                response = await client.post("/graphql", json=body)
            except httpx.HTTPError as error:
                tally.errors.append(f"{agency}: {error!r}")
                continue
            tally.latencies.append(time.perf_counter() - start)
            tally.requests += 1
            payload = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
            if response.status_code != 200 or payload is None or payload.get("errors"):
                tally.errors.append(f"{agency}: {response.status_code} {response.text[:200]}")
                continue
            tally.leaks += [f"{agency}: {leak}" for leak in leaks_in(payload["data"], readable)]


async def run_load(base: str, clients: int, seconds: float, settings: Settings) -> Tally:
    readable = readable_fields()
    tokens = {agency: mint_token(settings, agency=agency, user=f"load-{agency}", jurisdiction="huzhou", level="city",
                                 **claims) for agency, claims in AGENCIES.items()}
    tally = Tally()
    until = time.monotonic() + seconds
    names = list(AGENCIES)
    await asyncio.gather(*(
        client_loop(base, names[i % len(names)], tokens[names[i % len(names)]], readable[names[i % len(names)]],
                    until, tally, random.Random(i))
        for i in range(clients)
    ))
    return tally


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000 if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    args = parser.parse_args(argv)
    from bench.harness import seeded_database

    settings, engine = seeded_database(args.dir, args.cadres)
    engine.dispose()
    with serve(settings.database_url, args.dir) as base:
        tally = asyncio.run(run_load(base, args.clients, args.seconds, settings))
    print(f"clients {args.clients}, {args.seconds:.0f} s, {args.cadres} cadres: {tally.requests} requests, "
          f"{tally.requests / args.seconds:.1f} req/s, p99 {p99(tally.latencies):.0f} ms, "
          f"errors {len(tally.errors)}, leaks {len(tally.leaks)}")
    for problem in (tally.errors + tally.leaks)[:10]:
        print("  ", problem)
    return 1 if tally.errors or tally.leaks else 0


if __name__ == "__main__":
    raise SystemExit(main())
