"""The graph shows no more than SQL: every node and edge a graph query returns is a row the same principal can
read through the relational scope, on seeded data projected into a real local Neo4j.

The agencies that may ask graph queries, and which ones, come from the policy; each is tried with several
tokens (management levels, jurisdictions, units) and start nodes of every kind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from graph_sync.access import graph_access, visible_node
from graph_sync.cypher import ensure_schema
from graph_sync.driver import open_driver
from graph_sync.model import NodeKind, parse_node_key
from graph_sync.projection import NODE_TABLES
from graph_sync.rebuild import rebuild
from hub import models
from hub.access import Principal
from hub.app import create_app
from hub.seed import seed_database
from hub.settings import Settings
from policies.enforcement import PolicyStore
from policies.scopes import PolicyRowScope
from tests.conftest import Caller

pytestmark = pytest.mark.neo4j

GRAPH_QUERIES = ("network", "paths", "sharedConnections", "conflictsOfInterest", "expand")
TOKENS: tuple[dict[str, Any], ...] = (
    {"jurisdiction": "huzhou", "level": "city"},
    {"jurisdiction": "huzhou", "level": "county"},
    {"jurisdiction": "changxing", "level": "county"},
    {"jurisdiction": "deqing", "level": "county", "unit_id": 3},
)

NODE = "id kind properties"
EDGE = "id kind source target"
PATH = f"nodes {{ {NODE} }} edges {{ {EDGE} }}"
NETWORK = f"query($id: ID!, $hops: Int!) {{ network(personId: $id, hops: $hops, limit: 300) {{ nodes {{ {NODE} }} edges {{ {EDGE} }} }} }}"
PATHS = f"query($a: ID!, $b: ID!) {{ paths(fromId: $a, toId: $b, maxHops: 4, limit: 50) {{ {PATH} }} }}"
SHARED = f"query($ids: [ID!]!) {{ sharedConnections(personIds: $ids) {{ node {{ {NODE} }} connected paths {{ {PATH} }} }} }}"
EXPAND = (
    f"query($id: ID!, $drawn: [ID!]) {{ expand(nodeId: $id, hops: 2, limit: 40, drawn: $drawn) {{ nodes {{ {NODE} }}"
    f" edges {{ {EDGE} }} badges {{ nodeId }} }} }}"
)
CONFLICTS = (
    f"query($id: ID!) {{ conflictsOfInterest(cadreId: $id) {{ cadre {{ {NODE} }} via {{ {NODE} }}"
    f" organization {{ {NODE} }} unit {{ {NODE} }} post {{ {NODE} }} path {{ {PATH} }} }} }}"
)


@dataclasses.dataclass
class SeededGraph:
    engine: Engine
    driver: Driver
    client: TestClient
    settings: Settings


@pytest.fixture
def seeded_graph(engine: Engine, settings: Settings, neo4j_settings: Settings, policy_store: PolicyStore) -> Iterator[SeededGraph]:
    seed_database(engine, cadres=300, seed=11, progress=False)
    app_settings = dataclasses.replace(
        settings, neo4j_uri=neo4j_settings.neo4j_uri, neo4j_user=neo4j_settings.neo4j_user,
        neo4j_password=neo4j_settings.neo4j_password,
    )  # fmt: skip
    driver = open_driver(app_settings)
    driver.execute_query("MATCH (n) DETACH DELETE n")
    ensure_schema(driver)
    rebuild(engine, driver, progress=False)
    try:
        with TestClient(create_app(app_settings, policies=policy_store)) as client:
            yield SeededGraph(engine, driver, client, app_settings)
    finally:
        driver.execute_query("MATCH (n) DETACH DELETE n")
        driver.close()


def principal(agency: str, token: dict[str, Any]) -> Principal:
    return Principal(user=f"{agency}-tester", agency=agency, **token)


def graph_agencies(store: PolicyStore) -> dict[str, list[str]]:
    """Agency -> the graph queries its policy lets it ask (agencies with none left out)."""
    found = {}
    for agency in store.agencies:
        view = store.view(principal(agency, TOKENS[0]))[0]
        queries = [name for name in GRAPH_QUERIES if view.can_read("Query", name)]
        if queries:
            found[agency] = queries
    return found


def table_and_id(key: str) -> tuple[str, int]:
    """`cadre:3` -> ("cadre", 3), `org:2` -> ("organization", 2); edge ids are `edge:<table>:<id>`."""
    kind, _, number = key.removeprefix("edge:").partition(":")
    try:
        return NODE_TABLES[NodeKind(kind)], int(number)
    except ValueError:
        return kind, int(number)


def invisible_in_sql(engine: Engine, rows: PolicyRowScope, keys: Iterable[str]) -> set[str]:
    """The keys (node or edge) whose record the principal cannot read through the SQL row scope."""
    by_table: dict[str, set[int]] = {}
    for key in keys:
        table, record_id = table_and_id(key)
        by_table.setdefault(table, set()).add(record_id)
    hidden = set()
    with engine.connect() as connection:
        for table_name, ids in by_table.items():
            table = models.Base.metadata.tables[table_name]
            visible = set(connection.scalars(select(table.c.id).where(table.c.id.in_(ids), rows.clause(table_name))))
            hidden |= {f"{table_name}:{record_id}" for record_id in ids - visible}
    return hidden


def keys_of(value: Any) -> Iterator[str]:
    """Every node and edge id in a GraphQL answer (nodes and edges are the dicts with `id` and `kind`)."""
    if isinstance(value, dict):
        if "id" in value and "kind" in value:
            yield value["id"]
        for item in value.values():
            yield from keys_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_of(item)


def graph_keys(driver: Driver, cypher: str, **parameters: Any) -> list[str]:
    records, _, _ = driver.execute_query(cypher, parameters)
    return [record["key"] for record in records]


def start_nodes(driver: Driver) -> dict[str, list[str]]:
    """A few nodes of each kind, and the cadres and organizations around relatives and associates."""
    sample = {
        kind.value: graph_keys(driver, "MATCH (n {kind: $kind}) RETURN n.key AS key ORDER BY n.key LIMIT 2", kind=kind.value)
        for kind in NodeKind
    }
    sample["org"] += graph_keys(
        driver, "MATCH (:Person {kind: 'person'})-[:OWNS|DIRECTS|WORKS_AT]->(o) RETURN DISTINCT o.key AS key ORDER BY key LIMIT 5"
    )
    sample["cadre"] += graph_keys(
        driver,
        "MATCH (c:Cadre)-[:HOLDS]->(:Post)-[:PART_OF]->(:Unit)<-[:SUPPLIES]-(:Organization)<--(:Person)--(c)"
        " RETURN DISTINCT c.key AS key ORDER BY key LIMIT 4",
    )
    sample["cadre"] += graph_keys(
        driver, "MATCH (c:Cadre) WHERE c.managementLevel = 'county' RETURN c.key AS key ORDER BY key LIMIT 3"
    )
    return sample


def ask_everything(caller: Caller, queries: list[str], starts: dict[str, list[str]]) -> Iterator[tuple[str, Any]]:
    everyone = [key for keys in starts.values() for key in keys]
    cadres = starts["cadre"]
    if "network" in queries:
        for number, key in enumerate(everyone):
            hops = 3 if number % 4 == 0 else 2
            yield f"network {key} {hops}", caller.data(NETWORK, {"id": key, "hops": hops})
    if "paths" in queries:
        people = starts["person"] + cadres
        for a, b in zip(people, people[3:], strict=False):
            yield f"paths {a} {b}", caller.data(PATHS, {"a": a, "b": b})
    if "sharedConnections" in queries:
        for size in (2, 4, len(cadres)):
            yield f"shared {cadres[:size]}", caller.data(SHARED, {"ids": cadres[:size]})
    if "expand" in queries:  # with every start node said to be drawn: the hidden ones must gain no edge
        for key in everyone:
            yield f"expand {key}", caller.data(EXPAND, {"id": key, "drawn": everyone})
    if "conflictsOfInterest" in queries:
        for key in cadres:
            yield f"conflicts {key}", caller.data(CONFLICTS, {"id": key})


def test_graph_answers_hold_only_rows_sql_shows_the_same_principal(
    seeded_graph: SeededGraph, policy_store: PolicyStore
) -> None:
    agencies = graph_agencies(policy_store)
    assert {"org", "inspector"} <= set(agencies)  # the policy grants the graph to these at least
    starts = start_nodes(seeded_graph.driver)
    persons_returned = 0
    for agency, queries in agencies.items():
        for token in TOKENS:
            rows = policy_store.view(principal(agency, token))[0].rows
            caller = Caller(seeded_graph.client, seeded_graph.settings, agency, **token)
            for asked, answer in ask_everything(caller, queries, starts):
                returned = set(keys_of(answer))
                persons_returned += sum(key.startswith("person:") for key in returned)
                hidden = invisible_in_sql(seeded_graph.engine, rows, returned)
                assert not hidden, f"{agency} {token} {asked}: the graph shows {sorted(hidden)} that SQL hides"
    assert persons_returned > 0  # the comparison covered relatives and associates


def test_graph_and_sql_agree_on_every_visible_cadre_and_person(seeded_graph: SeededGraph, policy_store: PolicyStore) -> None:
    """Both stores filter by the same scope rules: the graph's node predicate selects exactly SQL's rows."""
    for agency in graph_agencies(policy_store):
        for token in TOKENS:
            view, _schema = policy_store.view(principal(agency, token))
            access = graph_access(view, view.rows.cadre_scope_names())
            for kind in (NodeKind.CADRE, NodeKind.PERSON):
                in_graph = graph_keys(
                    seeded_graph.driver,
                    f"MATCH (x {{kind: $kind}}) WHERE {visible_node('x')} RETURN x.key AS key",
                    kind=kind.value, **access.cypher_parameters(),
                )  # fmt: skip
                table = models.Base.metadata.tables[NODE_TABLES[kind]]
                with seeded_graph.engine.connect() as connection:
                    in_sql = connection.scalars(select(table.c.id).where(view.rows.clause(table.name))).all()
                assert sorted(parse_node_key(key)[1] for key in in_graph) == sorted(in_sql), (agency, token, kind)


def test_an_organization_does_not_lead_to_a_person_sql_hides(seeded_graph: SeededGraph, policy_store: PolicyStore) -> None:
    """The reported case: `person(id:)` is null for the Organization Department, yet `network` from the
    organization the person owns, directs or works at returned the person's name, occupation and employer."""
    token = TOKENS[0]
    rows = policy_store.view(principal("org", token))[0].rows
    with seeded_graph.engine.connect() as connection:
        roles = connection.execute(
            select(models.OrganizationRole.organization_id, models.OrganizationRole.person_id)
            .where(models.OrganizationRole.person_id.is_not(None))
            .order_by(models.OrganizationRole.id)
        ).all()
        visible = set(connection.scalars(select(models.Person.id).where(rows.clause("person"))))
    hidden_links = [(org_id, person_id) for org_id, person_id in roles if person_id not in visible][:5]
    assert hidden_links, "the seeded data should hold a person outside the city scope with a role in an organization"
    org = Caller(seeded_graph.client, seeded_graph.settings, "org", **token)
    for org_id, person_id in hidden_links:
        assert org.data("query($id: Int!) { person(id: $id) { name } }", {"id": person_id}) == {"person": None}
        for hops in (1, 2):
            network = org.data(NETWORK, {"id": f"org:{org_id}", "hops": hops})["network"]
            assert f"person:{person_id}" not in {node["id"] for node in network["nodes"]}
        assert org.data(PATHS, {"a": f"org:{org_id}", "b": f"person:{person_id}"})["paths"] == []
