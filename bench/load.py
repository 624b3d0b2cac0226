"""Bounded load on loopback: N clients for S seconds of mixed reads, writes and graph queries as different agencies
against a uvicorn subprocess on a seeded SQLite database, with the records projected into a local Neo4j; counts
errors and leaked fields, reports throughput and p99.

    python -m bench.load --clients 50 --seconds 60            # --no-graph: records only, no Neo4j

Leak check: every response as agency X is walked, and every key of every record object must be a field X may
read (policies.enforcement.PolicyStore.grant(X).readable); a record-typed value outside that set is a leak. In
graph answers, every node's kind must be a type X may read, every node property must map (graph_sync.model) to a
field X may read unmasked, and every edge kind's governing fields must be readable by X.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.harness import HubServer
from graph_sync.local_server import free_port
from graph_sync.model import EDGE_SPECS, NODE_PROPERTIES, NODE_TYPE, EdgeKind, NodeKind
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
NETWORK = """query($id: ID!) { network(personId: $id, hops: 2, limit: 100) {
  nodes { id kind properties } edges { id kind source target properties } } }"""
# Each client cycles through its agency's mix (the others only read): org 20 % writes and 10 % graph queries,
# inspectors 60 % graph queries.
MIX = {
    "org": ("write", "read", "graph", "read", "read", "write", "read", "read", "read", "read"),
    "inspector": ("graph", "read", "graph", "read", "graph"),
}


@contextmanager
def serve(database_url: str, var_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """The hub in a subprocess on a free loopback port, logging warnings only; yields its base URL."""
    overrides = {"HUB_DATABASE_URL": database_url, "HUB_VAR_DIR": str(var_dir), "HUB_GRAPH_SYNC": "0",
                 "HUB_NEO4J_URI": f"bolt://127.0.0.1:{free_port()}", "HUB_LOG_FORMAT": "text",
                 "HUB_LOG_LEVEL": "WARNING", **(extra_env or {})}
    with HubServer(overrides) as hub:
        yield hub.url


@dataclass(frozen=True)
class Window:
    """What one agency may read: `Type.field`s in full, and those it may read only masked."""

    readable: frozenset[str]
    masked: frozenset[str]

    @property
    def visible(self) -> frozenset[str]:
        return self.readable | self.masked


@dataclass
class Tally:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)  # successful requests: read, write, graph


def windows() -> dict[str, Window]:
    from policies.enforcement import PolicyStore
    from schema.build import build_full_schema

    store = PolicyStore(build_full_schema())
    return {agency: Window(store.grant(agency).readable, store.grant(agency).masked) for agency in AGENCIES}


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


def graph_leaks(subgraph: dict[str, Any], window: Window) -> list[str]:
    """Node kinds, node properties and edge kinds in a graph answer that the agency may not read."""
    found: list[str] = []
    for node in subgraph.get("nodes") or []:
        kind = NodeKind[node["kind"]]  # GraphQL's enum name (CADRE)
        type_name = NODE_TYPE[kind]
        if f"{type_name}.id" not in window.visible:
            found.append(f"graph node kind {kind.value}")
        for name in node.get("properties") or {}:
            governing = NODE_PROPERTIES[kind].get(name)
            if governing is None or f"{type_name}.{governing[1]}" not in window.readable:
                found.append(f"graph {kind.value}.{name}")
    for edge in subgraph.get("edges") or []:
        spec = EDGE_SPECS[EdgeKind(edge["kind"])]
        if not all(field in window.visible for field in spec.governed_by):
            found.append(f"graph edge kind {edge['kind']}")
        found += [f"graph {edge['kind']}.{name}" for name in edge.get("properties") or {} if name not in spec.properties]
    return found


def next_request(agency: str, sent: int, rng: random.Random, cadres: int, graph: bool) -> tuple[dict[str, Any], str]:
    """The body of an agency's next request and its kind (read, write or graph), after `sent` requests."""
    mix = MIX.get(agency, ("read",))
    kind = mix[sent % len(mix)]
    if kind == "graph" and graph:
        return {"query": NETWORK, "variables": {"id": f"cadre:{rng.randint(1, cadres)}"}}, "graph"
    if kind == "write":
        return {"query": WRITE, "variables": {"id": rng.randint(1, 50), "v": f"浙江{rng.randint(0, 999)}"}}, "write"
    return {"query": READS[agency]}, "read"


async def client_loop(base: str, agency: str, token: str, window: Window, until: float, tally: Tally,
                      rng: random.Random, cadres: int, graph: bool) -> None:
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": quote("线索核查 load test")}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        sent = 0
        while time.monotonic() < until:
            body, kind = next_request(agency, sent, rng, cadres, graph)
            sent += 1
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
            tally.by_kind[kind] = tally.by_kind.get(kind, 0) + 1
            found = graph_leaks(payload["data"]["network"], window) if kind == "graph" else \
                leaks_in(payload["data"], window.visible)
            tally.leaks += [f"{agency}: {leak}" for leak in found]


async def run_load(base: str, clients: int, seconds: float, settings: Settings, *, cadres: int = 50,
                   graph: bool = False) -> Tally:
    """`clients` concurrent clients for `seconds`; graph queries start at random cadres among the first `cadres`."""
    agency_windows = windows()
    tokens = {agency: mint_token(settings, agency=agency, user=f"load-{agency}", jurisdiction="huzhou", level="city",
                                 **claims) for agency, claims in AGENCIES.items()}
    tally = Tally()
    until = time.monotonic() + seconds
    names = list(AGENCIES)
    await asyncio.gather(*(
        client_loop(base, names[i % len(names)], tokens[names[i % len(names)]], agency_windows[names[i % len(names)]],
                    until, tally, random.Random(i), cadres, graph)
        for i in range(clients)
    ))
    return tally


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000 if ordered else 0.0


@contextmanager
def projected_graph(directory: Path, engine: Any) -> Iterator[dict[str, str]]:
    """A local Neo4j of its own under <directory>/neo4j-load holding the records; yields the hub's environment."""
    from bench.__main__ import start_graph
    from graph_sync import local_server
    from graph_sync.rebuild import rebuild

    graph_settings, _server, driver = start_graph(directory, home="neo4j-load")
    try:
        rebuild(engine, driver, progress=True)
        driver.close()
        yield {"HUB_NEO4J_URI": graph_settings.neo4j_uri, "HUB_NEO4J_PASSWORD": graph_settings.neo4j_password,
               "HUB_GRAPH_SYNC": "1"}
    finally:
        local_server.stop(graph_settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--no-graph", action="store_true", help="records only: start no Neo4j, ask no graph queries")
    args = parser.parse_args(argv)
    from bench.harness import seeded_database

    directory = args.dir.resolve()
    settings, engine = seeded_database(directory, args.cadres)
    with ExitStack() as stack:
        graph_env = {} if args.no_graph else stack.enter_context(projected_graph(directory, engine))
        engine.dispose()
        base = stack.enter_context(serve(settings.database_url, directory, graph_env))
        tally = asyncio.run(run_load(base, args.clients, args.seconds, settings, cadres=args.cadres,
                                     graph=not args.no_graph))
    mix = ", ".join(f"{kind} {count}" for kind, count in sorted(tally.by_kind.items()))
    print(f"clients {args.clients}, {args.seconds:.0f} s, {args.cadres} cadres: {tally.requests} requests ({mix}), "
          f"{tally.requests / args.seconds:.1f} req/s, p99 {p99(tally.latencies):.0f} ms, "
          f"errors {len(tally.errors)}, leaks {len(tally.leaks)}")
    for problem in (tally.errors + tally.leaks)[:10]:
        print("  ", problem)
    return 1 if tally.errors or tally.leaks else 0


if __name__ == "__main__":
    raise SystemExit(main())
