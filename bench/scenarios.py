"""The benchmark scenarios; each returns a dict of figures with the ratio to a baseline measured alongside it."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from datetime import date
from typing import Any

import httpx
from neo4j import Driver, Query, RoutingControl
from sqlalchemy import Engine, and_, select

from bench.harness import HubServer, measure, measure_pair, percentile, timing_of
from graph_sync import queries
from graph_sync.access import graph_access
from hub.access import Principal
from hub.auth import mint_token
from hub.models import Base
from hub.models.enums import ManagementLevel
from hub.sessions import make_session_factory
from hub.settings import Settings
from policies.enforcement import PolicyStore, all_access_view
from schema.context import new_context

T = Base.metadata.tables
ORG = dict(agency="org", user="bench", jurisdiction="huzhou", level="city")

# (1) and (2): a 100-cadre page with nested posts, relatives and negative records.
PAGE = """query Page($first: Int!) { cadres(first: $first, filter: {managementLevel: CITY, jurisdiction: "huzhou"}) {
  edges { node { id name idNumber rank birthDate unit { name }
    posts { id title rank unit { name } }
    relatives { kind person { name birthDate occupation } }
    negativeRecords { category status severity reportingAgency occurredOn } } } } }"""

LOOKUP = """query One($id: Int!) { cadre(id: $id) { id name rank managementLevel unit { name } posts { title } } }"""

NETWORK = """query Net($id: ID!) { network(personId: $id, hops: 2, limit: 200) {
  truncated nodes { id kind properties } edges { id kind source target properties } } }"""

PATHS = """query Paths($a: ID!, $b: ID!) { paths(fromId: $a, toId: $b, maxHops: 4, limit: 10) {
  nodes { id kind properties } edges { id kind source target properties } } }"""

SCREEN = """query Screen($ids: [Int!]!, $post: Int!) { screenNominees(cadreIds: $ids, postId: $post) {
  unknownCadreIds results { cadre { id name } verdict reasons { rule verdict explanation } } } }"""


def _enum(value: Any) -> Any:
    return value.name if hasattr(value, "name") else value


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def core_page(engine: Engine, first: int) -> dict[str, Any]:
    """The page's JSON by hand-written SQLAlchemy Core queries: five statements, grouped in Python."""
    cadre, unit, post, tenure = T["cadre"], T["unit"], T["post"], T["tenure"]
    kinship, person, negative = T["kinship"], T["person"], T["negative_record"]
    with engine.connect() as connection:
        rows = connection.execute(
            select(cadre.c.id, cadre.c.name, cadre.c.id_number, cadre.c.rank, cadre.c.birth_date, unit.c.name)
            .join(unit, unit.c.id == cadre.c.unit_id)
            .where(cadre.c.management_level == ManagementLevel.CITY, cadre.c.jurisdiction == "huzhou")
            .order_by(cadre.c.id).limit(first)
        ).all()
        ids = [row[0] for row in rows]
        posts: dict[int, list[Any]] = {i: [] for i in ids}
        post_unit = unit.alias("post_unit")
        for cadre_id, post_id, title, rank, unit_name in connection.execute(
            select(tenure.c.cadre_id, post.c.id, post.c.title, post.c.rank, post_unit.c.name)
            .join(post, post.c.id == tenure.c.post_id).join(post_unit, post_unit.c.id == post.c.unit_id)
            .where(tenure.c.cadre_id.in_(ids), tenure.c.end_date.is_(None))
            .order_by(tenure.c.start_date, post.c.id)
        ):
            posts[cadre_id].append({"id": post_id, "title": title, "rank": _enum(rank), "unit": {"name": unit_name}})
        relatives: dict[int, list[Any]] = {i: [] for i in ids}
        for cadre_id, kind, name, birth, occupation in connection.execute(
            select(kinship.c.cadre_id, kinship.c.kind, person.c.name, person.c.birth_date, person.c.occupation)
            .join(person, person.c.id == kinship.c.person_id)
            .where(kinship.c.cadre_id.in_(ids)).order_by(kinship.c.id)
        ):
            relatives[cadre_id].append(
                {"kind": _enum(kind), "person": {"name": name, "birthDate": _iso(birth), "occupation": occupation}}
            )
        negatives: dict[int, list[Any]] = {i: [] for i in ids}
        for cadre_id, category, status, severity, agency, occurred in connection.execute(
            select(negative.c.cadre_id, negative.c.category, negative.c.status, negative.c.severity,
                   negative.c.reporting_agency, negative.c.occurred_on)
            .where(negative.c.cadre_id.in_(ids)).order_by(negative.c.reported_on, negative.c.id)
        ):
            negatives[cadre_id].append({
                "category": _enum(category), "status": _enum(status), "severity": _enum(severity),
                "reportingAgency": agency.upper(), "occurredOn": _iso(occurred),
            })
    edges = [
        {"node": {
            "id": i, "name": name, "idNumber": id_number, "rank": _enum(rank), "birthDate": _iso(birth),
            "unit": {"name": unit_name}, "posts": posts[i], "relatives": relatives[i], "negativeRecords": negatives[i],
        }}
        for i, name, id_number, rank, birth, unit_name in rows
    ]
    return {"data": {"cadres": {"edges": edges}}}


def _post(client: httpx.Client, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables},
                           headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    body = response.json()
    assert not body.get("errors"), body.get("errors")
    return body  # type: ignore[no-any-return]


def _ratio(subject: float, baseline: float) -> float:
    return subject / baseline if baseline else float("nan")


def page_over_http(server: HubServer, settings: Settings, engine: Engine, repeats: int) -> dict[str, Any]:
    """(1) The 100-cadre page through GraphQL over HTTP vs. Core queries + json.dumps in-process."""
    token = mint_token(settings, **ORG)
    with httpx.Client(base_url=server.url, timeout=120) as client:
        graphql = _post(client, token, PAGE, {"first": 100})
        baseline = core_page(engine, 100)
        assert graphql == baseline, "GraphQL and Core must produce the same JSON"
        floor = measure(lambda: client.get("/healthz"), repeats=repeats)
        subject, base = measure_pair(
            lambda: _post(client, token, PAGE, {"first": 100}),
            lambda: json.dumps(core_page(engine, 100), ensure_ascii=False),
            repeats=repeats,
        )
    return {
        "cadres": len(graphql["data"]["cadres"]["edges"]),
        "graphql": subject.as_dict(), "baseline": base.as_dict(), "http_floor": floor.as_dict(),
        "ratio": _ratio(subject.median_ms, base.median_ms), "goal": 2.0,
    }


AUTHZ_500 = """{ cadres(first: 500, filter: {managementLevel: CITY, jurisdiction: "huzhou"}) {
  edges { node { id name idNumber rank managementLevel birthDate workStartDate
  unit { name } posts { title rank unit { name } } tenures { startDate endDate post { title } } } } } }"""


def authorization(engine: Engine, repeats: int, cadres: int) -> dict[str, Any]:
    """(2) The same page in-process as a restricted agency vs. the all-access principal, same query text and rows."""
    sessions = make_session_factory(engine)
    store = PolicyStore(_full_schema())
    everything = all_access_view(store.catalog)

    def execute(schema: Any, view: Any, text: str, variables: dict[str, Any] | None = None) -> list[int]:
        with sessions() as session:
            result = asyncio.run(schema.execute(text, variable_values=variables, context_value=new_context(session, view)))
            assert result.errors is None, result.errors
            return [edge["node"]["id"] for edge in result.data["cadres"]["edges"]]

    figures: dict[str, Any] = {"goal": 1.10}
    cases = [("org", PAGE, {"first": 100}, 100)]
    if cadres >= 5000:  # the former bench/authz.py: a 500-cadre page as the police (masked ID numbers)
        cases.append(("police", AUTHZ_500, None, 500))
    for agency, text, variables, size in cases:
        access, agency_schema = store.view(Principal(user="bench", agency=agency, jurisdiction="huzhou", level="city"))
        ids = execute(agency_schema, access, text, variables)
        assert ids == execute(store.full_schema, everything, text, variables), "both principals must see the same cadres"
        restricted, all_access = measure_pair(
            lambda: execute(agency_schema, access, text, variables),
            lambda: execute(store.full_schema, everything, text, variables),
            repeats=repeats,
        )
        figures[agency] = {
            "page": size, "rows": len(ids), "restricted": restricted.as_dict(), "all_access": all_access.as_dict(),
            "ratio": _ratio(restricted.median_ms, all_access.median_ms),
        }
    figures["ratio"] = figures["org"]["ratio"]
    return figures


_SCHEMA: Any = None


def _full_schema() -> Any:
    global _SCHEMA
    if _SCHEMA is None:
        from schema.build import build_full_schema

        _SCHEMA = build_full_schema()
    return _SCHEMA


def _org_scope(cadre: Any) -> Any:
    """The bench principal's (ORG's) row scope on a cadre table or alias: the cadres its level manages in its
    jurisdiction."""
    return and_(cadre.c.management_level == ManagementLevel(ORG["level"]), cadre.c.jurisdiction == ORG["jurisdiction"])


def _in_scope_ids(engine: Engine, limit: int) -> list[int]:
    cadre = T["cadre"]
    with engine.connect() as connection:
        return list(connection.scalars(
            select(cadre.c.id).where(_org_scope(cadre))
            .order_by(cadre.c.id).limit(limit)
        ))


async def _load(server: HubServer, clients: int, seconds: float, request: Any) -> dict[str, Any]:
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                response = await request(client, rng)
                response.raise_for_status()
                latencies.append((time.perf_counter() - start) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies), "rps": len(latencies) / elapsed, "median_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95), "p99_ms": percentile(latencies, 0.99),
    }


def lookups(server: HubServer, settings: Settings, engine: Engine, seconds: float, clients: int = 16) -> dict[str, Any]:
    """(3) Single-cadre lookups with 16 concurrent clients vs. /healthz under the same load (the server's floor)."""
    token = mint_token(settings, **ORG)
    ids = _in_scope_ids(engine, 5000)
    headers = {"Authorization": f"Bearer {token}"}

    async def lookup(client: httpx.AsyncClient, rng: random.Random) -> httpx.Response:
        return await client.post("/graphql", json={"query": LOOKUP, "variables": {"id": rng.choice(ids)}}, headers=headers)

    async def health(client: httpx.AsyncClient, _rng: random.Random) -> httpx.Response:
        return await client.get("/healthz")

    asyncio.run(_load(server, clients, min(2.0, seconds), lookup))  # warm-up
    subject = asyncio.run(_load(server, clients, seconds, lookup))
    floor = asyncio.run(_load(server, clients, seconds, health))
    return {"clients": clients, "lookup": subject, "healthz": floor, "ratio": _ratio(subject["rps"], floor["rps"])}


def screening(server: HubServer, settings: Settings, engine: Engine, repeats: int, nominees: int = 1000) -> dict[str, Any]:
    """(6) screenNominees for 1,000 nominees as the org over HTTP vs. the screening service called in-process."""
    from hub.services.workflows.screening import screen_nominees
    from schema.workflows.steps import actor_of

    token = mint_token(settings, **ORG)
    ids = _in_scope_ids(engine, nominees)
    tenure = T["tenure"]
    with engine.connect() as connection:
        post_id = connection.scalar(select(tenure.c.post_id).where(tenure.c.cadre_id == ids[0]).limit(1))
    sessions = make_session_factory(engine)
    store = PolicyStore(_full_schema())
    access, _schema = store.view(Principal(user="bench", **{k: v for k, v in ORG.items() if k != "user"}))

    def direct() -> str:
        with sessions() as session:
            result = screen_nominees(session, actor_of(new_context(session, access)), ids, post_id, date.today())
            return json.dumps({"unknownCadreIds": result.unknown_cadre_ids, "results": [
                {"cadre": {"id": r.cadre.id, "name": r.cadre.name}, "verdict": _enum(r.verdict),
                 "reasons": [{"rule": str(x.rule), "explanation": str(getattr(x, "explanation", ""))} for x in r.reasons]}
                for r in result.results
            ]}, ensure_ascii=False)

    with httpx.Client(base_url=server.url, timeout=300) as client:
        body = _post(client, token, SCREEN, {"ids": ids, "post": post_id})
        subject, base = measure_pair(
            lambda: _post(client, token, SCREEN, {"ids": ids, "post": post_id}), direct, warmup=1, repeats=repeats,
        )
    return {
        "nominees": len(ids), "screened": len(body["data"]["screenNominees"]["results"]),
        "graphql": subject.as_dict(), "baseline": base.as_dict(), "ratio": _ratio(subject.median_ms, base.median_ms),
    }


# --- graph ----------------------------------------------------------------------------------------


def graph_pairs(engine: Engine) -> tuple[str, tuple[str, str]]:
    """A cadre the bench principal may see, tied to another it may see (the network start), and two visible
    cadres two ties apart through a third, with no tie of their own (the path ends)."""
    tie, a, b = T["social_tie"], T["cadre"].alias("a"), T["cadre"].alias("b")
    with engine.connect() as connection:
        ties = connection.execute(
            select(tie.c.cadre_id, tie.c.other_cadre_id)
            .join(a, a.c.id == tie.c.cadre_id).join(b, b.c.id == tie.c.other_cadre_id)
            .where(_org_scope(a), _org_scope(b)).order_by(tie.c.id)
        ).all()
    neighbours: dict[int, set[int]] = {}
    for one, other in ties:
        neighbours.setdefault(one, set()).add(other)
        neighbours.setdefault(other, set()).add(one)
    for start, middle in ties:
        for end in sorted(neighbours[middle] - neighbours[start] - {start}):
            return f"cadre:{start}", (f"cadre:{start}", f"cadre:{end}")
    raise LookupError("no two visible cadres are two ties apart: seed more cadres")


def graph_queries(server: HubServer, settings: Settings, engine: Engine, driver: Driver, repeats: int) -> dict[str, Any]:
    """(4) network (2 hops) and shortest paths via GraphQL over HTTP vs. the same Cypher and parameters on the raw driver."""
    token = mint_token(settings, **ORG)
    store = PolicyStore(_full_schema())
    view, _schema = store.view(Principal(user="bench", agency="org", jurisdiction="huzhou", level="city"))
    access = graph_access(view, view.rows.cadre_scope_names())
    start, (a, b) = graph_pairs(engine)
    kinds = sorted(kind.value for kind in access.edge_kinds)
    base_params = {**access.cypher_parameters(), "edge_kinds": kinds}

    def raw(text: str, parameters: dict[str, Any]) -> list[Any]:
        records, _summary, _keys = driver.execute_query(
            Query(text, timeout=10.0), {**base_params, **parameters}, routing_=RoutingControl.READ
        )
        return [record.data() for record in records]

    figures: dict[str, Any] = {"goal": 1.3, "start": start, "path": [a, b]}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        net = _post(client, token, NETWORK, {"id": start})["data"]["network"]
        found = _post(client, token, PATHS, {"a": a, "b": b})["data"]["paths"]
        assert net["nodes"] and found, f"the network of {start} and the paths {a}–{b} must not be empty for the bench principal"
        for name, subject, baseline in (
            ("network", lambda: _post(client, token, NETWORK, {"id": start}),
             lambda: raw(queries.NETWORK_QUERIES[2], {"start": start, "limit": 200})),
            ("paths", lambda: _post(client, token, PATHS, {"a": a, "b": b}),
             lambda: raw(queries.PATH_QUERIES[4], {"source": a, "target": b, "limit": 10})),
        ):
            graphql, cypher = measure_pair(subject, baseline, repeats=repeats)
            figures[name] = {"graphql": graphql.as_dict(), "driver": cypher.as_dict(),
                             "ratio": _ratio(graphql.median_ms, cypher.median_ms)}
    figures["network"]["nodes"] = len(net["nodes"])
    figures["network"]["edges"] = len(net["edges"])
    figures["paths"]["found"] = len(found)
    figures["paths"]["hops"] = len(found[0]["edges"]) if found else None
    figures["ratio"] = max(figures["network"]["ratio"], figures["paths"]["ratio"])
    return figures


def graph_rebuild(engine: Engine, driver: Driver) -> dict[str, Any]:
    """(5a) Full projection into an emptied graph: records per second (nodes + edges written), then `hub graph
    check` on the result (counts of every kind and a sample of nodes and edges compared with the records)."""
    from graph_sync.check import check
    from graph_sync.rebuild import rebuild

    summary = rebuild(engine, driver, progress=True)
    report = check(engine, driver, seed=7)
    return {
        "records": summary.records, "seconds": summary.seconds, "records_per_second": summary.records_per_second,
        "deleted_nodes": summary.deleted_nodes, "delete_seconds": summary.delete_seconds,
        "check_differences": len(report.differences), "check_sampled": report.sampled_nodes + report.sampled_edges,
        "check_first": report.differences[:5],
    }


def sync_lag(settings: Settings, engine: Engine, driver: Driver, samples: int = 20) -> dict[str, Any]:
    """(5b) Commit (a cadre renamed through the ORM, outbox row in the same transaction) to visible in Neo4j,
    with the hub's SyncWorker woken after the commit as the app does; vs. the same property written on the raw driver."""
    from graph_sync.sync import SyncWorker
    from hub.models import Cadre

    sessions = make_session_factory(engine)
    worker = SyncWorker(settings, sessions, interval=0.5)
    ids = _in_scope_ids(engine, samples)
    lags: list[float] = []
    raw: list[float] = []

    def visible(key: str, name: str) -> bool:
        records, _s, _k = driver.execute_query("MATCH (c:Cadre {key: $key}) RETURN c.name AS name", {"key": key},
                                               routing_=RoutingControl.READ)
        return bool(records) and records[0]["name"] == name

    worker.start()
    try:
        originals: dict[int, str] = {}
        for round_, cadre_id in enumerate(ids):
            key = f"cadre:{cadre_id}"
            with sessions() as session:
                cadre = session.get(Cadre, cadre_id)
                assert cadre is not None
                originals.setdefault(cadre_id, cadre.name)
                new_name = f"{originals[cadre_id][:50]}·{round_}"
                cadre.name = new_name
                session.commit()
            committed = time.perf_counter()
            worker.wake()
            deadline = committed + 30
            while not visible(key, new_name):
                if time.perf_counter() > deadline:
                    raise RuntimeError("the change did not reach Neo4j within 30 s")
                time.sleep(0.002)
            lags.append((time.perf_counter() - committed) * 1000)
            start = time.perf_counter()
            driver.execute_query("MATCH (c:Cadre {key: $key}) SET c.name = $name", {"key": key, "name": new_name})
            raw.append((time.perf_counter() - start) * 1000)
        with sessions() as session:  # restore the seeded names (through the outbox as well)
            for cadre_id, name in originals.items():
                cadre = session.get(Cadre, cadre_id)
                assert cadre is not None
                cadre.name = name
            session.commit()
        worker.wake()
        deadline = time.perf_counter() + 60
        while worker.lag() and time.perf_counter() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    lag, write = timing_of(lags), timing_of(raw)
    return {"lag": lag.as_dict(), "driver_write": write.as_dict(), "ratio": _ratio(lag.median_ms, write.median_ms)}
