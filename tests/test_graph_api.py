"""Graph queries through GraphQL: answers on the known world, cut per agency, and a graph that is down."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from graph_sync import queries
from graph_sync.local_server import free_port
from hub.access import Principal
from hub.app import create_app
from hub.settings import Settings
from hub.shell import graph_warm_up
from policies.enforcement import PolicyStore
from schema.build import build_full_schema
from tests.conftest import Caller
from tests.graph_world import project_world
from tests.world import C1_ID

pytestmark = pytest.mark.neo4j

NETWORK = """query($id: ID!, $hops: Int!, $kinds: [GraphEdgeKind!]) { network(personId: $id, hops: $hops, edgeKinds: $kinds,
  limit: 200) { truncated nodes { id kind properties } edges { id kind source target properties } } }"""


@pytest.fixture
def graph_app(world: Engine, settings: Settings, neo4j_settings: Settings, policy_store: Any) -> Iterator[tuple[TestClient, Settings]]:
    app_settings = project_world(world, settings, neo4j_settings)
    with TestClient(create_app(app_settings, policies=policy_store)) as client:
        yield client, app_settings


def caller(graph_app: Any, agency: str, **claims: Any) -> Caller:
    client, app_settings = graph_app
    return Caller(client, app_settings, agency, **claims)


def node_ids(subgraph: dict[str, Any]) -> set[str]:
    return {node["id"] for node in subgraph["nodes"]}


def test_inspector_sees_the_two_circles_around_a_cadre(graph_app: Any) -> None:
    network = caller(graph_app, "inspector").data(NETWORK, {"id": "cadre:1", "hops": 1, "kinds": None})["network"]
    assert node_ids(network) == {"cadre:1", "cadre:2", "person:1", "person:2", "person:3", "post:1", "post:2"}
    kinds = {edge["kind"] for edge in network["edges"]}
    assert kinds == {"RELATIVE_OF", "TIE", "HOLDS"}
    spouse = next(node for node in network["nodes"] if node["id"] == "person:1")
    assert spouse["properties"]["name"] == "周丽"
    assert "idNumber" not in spouse["properties"]
    assert C1_ID not in str(network)
    cadre = next(node for node in network["nodes"] if node["id"] == "cadre:1")
    assert "reserveTier" not in cadre["properties"]  # the inspector may not read Cadre.reserveTier


TYPED_NETWORK = """query($id: ID!) { network(personId: $id, hops: 1) {
  nodes { __typename id kind ... on CadreNode { name gender birthDate rank managementLevel unitId }
          ... on PersonNode { name gender } ... on PostNode { title rank isKeyPost } }
  edges { kind properties } } }"""


def test_nodes_are_typed_by_kind_with_enum_values_in_the_enums_case(graph_app: Any) -> None:
    network = caller(graph_app, "inspector").data(TYPED_NETWORK, {"id": "cadre:1"})["network"]
    cadre = next(node for node in network["nodes"] if node["id"] == "cadre:1")
    assert cadre["__typename"] == "CadreNode" and cadre["kind"] == "CADRE"
    assert cadre["gender"] in {"MALE", "FEMALE"} and cadre["managementLevel"] == "CITY" and cadre["unitId"] == 1
    assert cadre["rank"] in {"SECTION", "DEPUTY_SECTION", "DIVISION", "DEPUTY_DIVISION"}
    spouse = next(node for node in network["nodes"] if node["id"] == "person:1")
    assert (spouse["__typename"], spouse["name"]) == ("PersonNode", "周丽")
    assert {node["__typename"] for node in network["nodes"] if node["id"].startswith("post:")} == {"PostNode"}
    kin = [edge["properties"]["kind"] for edge in network["edges"] if edge["kind"] == "RELATIVE_OF"]
    assert kin and all(kind == kind.upper() for kind in kin)


def test_edge_kind_filter_and_hops(graph_app: Any) -> None:
    inspector = caller(graph_app, "inspector")
    network = inspector.data(NETWORK, {"id": "cadre:1", "hops": 2, "kinds": ["RELATIVE_OF", "OWNS"]})["network"]
    assert node_ids(network) == {"cadre:1", "person:1", "person:2", "org:1"}
    body = inspector(NETWORK, {"id": "cadre:1", "hops": 9, "kinds": None})
    assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT" and "hops" in body["errors"][0]["message"]


def test_conflict_of_interest_through_the_spouses_company(graph_app: Any) -> None:
    conflicts = caller(graph_app, "inspector").data(
        '{ conflictsOfInterest(cadreId: "cadre:1") { via { id } organization { id properties } unit { id } post { id } } }'
    )["conflictsOfInterest"]
    assert {(c["via"]["id"], c["organization"]["id"], c["unit"]["id"]) for c in conflicts} >= {
        ("person:1", "org:1", "unit:1"),
    }


def test_a_conflict_states_its_window_and_cites_its_rule(graph_app: Any) -> None:
    conflicts = caller(graph_app, "inspector").data(
        '{ conflictsOfInterest(cadreId: "cadre:1") { windowStart windowEnd rule explanation '
        "citation { code regulation name } path { edges { kind properties } } } }"
    )["conflictsOfInterest"]
    assert conflicts
    for conflict in conflicts:
        assert conflict["citation"]["code"] == conflict["rule"] == "relative_business_supplies_unit"
        assert conflict["citation"]["regulation"].startswith("《")
        contract = next(edge for edge in conflict["path"]["edges"] if edge["kind"] == "SUPPLIES")
        assert conflict["windowStart"] >= contract["properties"]["signedOn"], "the window opens with the contract"
        assert conflict["windowStart"] in conflict["explanation"]


def test_an_organization_node_keeps_kind_org_and_carries_its_own_kind(graph_app: Any) -> None:
    """The organization's own kind (COMPANY) travels as `organizationKind`; the node's `kind` stays ORGANIZATION
    ('org', the value the access Cypher filters on), so a record value can neither hide the node nor pass for a node
    kind."""
    network = caller(graph_app, "inspector").data(NETWORK, {"id": "person:1", "hops": 1, "kinds": ["OWNS"]})["network"]
    org = next(node for node in network["nodes"] if node["id"] == "org:1")
    assert org["kind"] == "ORGANIZATION"
    assert org["properties"] == {"name": "湖州恒达建材有限公司", "organizationKind": "COMPANY", "industry": "建材"}


@pytest.mark.parametrize(
    ("denied", "org_seen", "kind_seen"),
    [("Organization.kind", True, False), ("Organization.id", False, False), (None, True, True)],
)
def test_the_policy_cuts_the_organization_kind_and_the_organization(
    graph_app: Any, policy_dir: Path, denied: str | None, org_seen: bool, kind_seen: bool,
) -> None:  # fmt: skip
    if denied:
        with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
            policy.write(f"p, inspector, {denied}, read, deny\n")
    _client, app_settings = graph_app
    with TestClient(create_app(app_settings, policies=PolicyStore(build_full_schema(), policy_dir))) as client:
        network = Caller(client, app_settings, "inspector").data(
            NETWORK, {"id": "person:1", "hops": 1, "kinds": None}
        )["network"]
    orgs = [node for node in network["nodes"] if node["id"].startswith("org:")]
    assert [node["id"] for node in orgs] == (["org:1"] if org_seen else [])
    assert all(node["kind"] == "ORGANIZATION" for node in orgs)
    assert any("organizationKind" in node["properties"] for node in orgs) is kind_seen
    assert "person:1" in node_ids(network) and ("OWNS" in {e["kind"] for e in network["edges"]}) is org_seen


def test_shortest_path_from_nominator_to_nominee(graph_app: Any) -> None:
    paths = caller(graph_app, "inspector").data(
        '{ paths(fromId: "cadre:4", toId: "cadre:2", maxHops: 3) { nodes { id } edges { kind } } }'
    )["paths"]
    assert [[n["id"] for n in path["nodes"]] for path in paths] == [["cadre:4", "cadre:2"]]
    assert paths[0]["edges"] == [{"kind": "NOMINATED"}]


def test_row_scope_limits_the_traversal(graph_app: Any) -> None:
    """A county org department sees only county cadre 3: cadre 1 is hidden, exactly like a missing id."""
    county = caller(graph_app, "org", jurisdiction="wuxing", level="county")
    hidden = county.data(NETWORK, {"id": "cadre:1", "hops": 2, "kinds": None})["network"]
    missing = county.data(NETWORK, {"id": "cadre:999", "hops": 2, "kinds": None})["network"]
    assert hidden == missing == {"truncated": False, "nodes": [], "edges": []}
    own = county.data(NETWORK, {"id": "cadre:3", "hops": 3, "kinds": None})["network"]
    assert "cadre:1" not in node_ids(own) and "cadre:2" not in node_ids(own)
    city = caller(graph_app, "org")
    assert "cadre:3" not in node_ids(city.data(NETWORK, {"id": "cadre:1", "hops": 4, "kinds": None})["network"])


def test_agencies_without_graph_access_cannot_ask(graph_app: Any) -> None:
    for agency in ("police", "unit", "security"):
        body = caller(graph_app, agency, unit_id=1)('{ network(personId: "cadre:1") { truncated } }')
        assert body["data"] is None and "Cannot query field 'network'" in body["errors"][0]["message"]


def test_graph_reads_are_audited(graph_app: Any) -> None:
    inspector = caller(graph_app, "inspector")
    inspector.purpose = "线索核查"
    inspector.data(NETWORK, {"id": "cadre:1", "hops": 1, "kinds": None})
    audit = caller(graph_app, "security").data("{ accessAudit { edges { node { agency fields cadreIds purpose } } } }")
    entry = next(e["node"] for e in audit["accessAudit"]["edges"] if e["node"]["agency"] == "inspector")
    assert entry["fields"] == ["Query.network"] and entry["cadreIds"] == [1, 2] and entry["purpose"] == "线索核查"


def test_graph_down_fails_fast_while_records_still_answer(world: Engine, settings: Settings, policy_store: Any) -> None:
    dead = dataclasses.replace(settings, neo4j_uri=f"bolt://127.0.0.1:{free_port()}")
    with TestClient(create_app(dead, policies=policy_store)) as client:
        inspector = Caller(client, dead, "inspector")
        start = time.monotonic()
        body = inspector(NETWORK, {"id": "cadre:1", "hops": 1, "kinds": None})
        assert body["errors"][0]["extensions"]["code"] == "GRAPH_UNAVAILABLE"
        assert "graph store unavailable" in body["errors"][0]["message"]
        assert time.monotonic() - start < 5
        assert inspector.data("{ cadre(id: 1) { name } }") == {"cadre": {"name": "王建国"}}
        ready = client.get("/readyz").json()
        assert ready["status"] == "degraded" and ready["graph"] == "unavailable"


COUNTS = "query($id: ID!) { neighbourCounts(nodeId: $id) { kind count } }"
EXPAND = """query($id: ID!, $kinds: [GraphEdgeKind!], $hops: Int!, $limit: Int!, $drawn: [ID!]) {
  expand(nodeId: $id, kinds: $kinds, hops: $hops, limit: $limit, order: MOST_CONNECTED, drawn: $drawn) {
    truncated nodes { id } edges { id source target } badges { nodeId neighbours undrawn } leftOut { kind count } } }"""


@pytest.fixture
def warm_graph_app(graph_app: Any) -> Any:
    """graph_app with the graph queries below asked once before: a cold server on a loaded machine takes longer to
    plan a query text than a request's graph time (planned, each answers in well under a second)."""
    warm = [
        (NETWORK, {"id": "post:1", "hops": 1, "kinds": None}), (COUNTS, {"id": "cadre:1"}),
        *((EXPAND, {"id": "cadre:1", "kinds": None, "hops": hops, "limit": 5, "drawn": None}) for hops in (1, 2)),
        (EXPAND, {"id": "cadre:1", "kinds": ["HOLDS"], "hops": 1, "limit": 5, "drawn": None}),
    ]
    for number, (query, variables) in enumerate(warm):
        for attempt in range(5):
            if "errors" not in caller(graph_app, "inspector", user=f"warm-{number}-{attempt}")(query, variables):
                break
    return graph_app


def test_edge_ids_never_equal_node_ids(warm_graph_app: Any) -> None:
    graph_app = warm_graph_app
    network = caller(graph_app, "inspector").data(NETWORK, {"id": "post:1", "hops": 1, "kinds": None})["network"]
    part_of = [edge for edge in network["edges"] if edge["kind"] == "PART_OF"]
    assert part_of and all(edge["id"] == f"edge:{edge['source']}" for edge in part_of)  # the post's row is its key
    assert not node_ids(network) & {edge["id"] for edge in network["edges"]}




def test_counts_per_kind_then_a_capped_expansion_with_badges(warm_graph_app: Any) -> None:
    graph_app = warm_graph_app
    inspector = caller(graph_app, "inspector")
    one_hop = inspector.data(NETWORK, {"id": "cadre:1", "hops": 1, "kinds": None})["network"]
    answer = inspector.data(EXPAND, {"id": "cadre:1", "kinds": None, "hops": 1, "limit": 2, "drawn": None})
    counts = {count["kind"]: count["count"] for count in inspector.data(COUNTS, {"id": "cadre:1"})["neighbourCounts"]}
    assert sum(counts.values()) == len(one_hop["nodes"]) - 1 and counts["HOLDS"] == 2
    expanded = answer["expand"]
    assert len(expanded["nodes"]) == 3 and expanded["truncated"]
    assert sum(count["count"] for count in expanded["leftOut"]) == len(one_hop["nodes"]) - 3
    badge = next(badge for badge in expanded["badges"] if badge["nodeId"] == "cadre:1")
    assert badge["neighbours"] == len(one_hop["nodes"]) - 1 and badge["undrawn"] == badge["neighbours"] - 2
    holds = inspector.data(EXPAND, {"id": "cadre:1", "kinds": ["HOLDS"], "hops": 1, "limit": 20, "drawn": None})["expand"]
    assert node_ids(holds) == {"cadre:1", "post:1", "post:2"} and not holds["truncated"]


def test_two_hops_capped_to_a_readable_view_with_the_rest_counted(warm_graph_app: Any) -> None:
    graph_app = warm_graph_app
    inspector = caller(graph_app, "inspector")
    full = inspector.data(EXPAND, {"id": "cadre:1", "kinds": None, "hops": 2, "limit": 500, "drawn": None})["expand"]
    view = inspector.data(EXPAND, {"id": "cadre:1", "kinds": None, "hops": 2, "limit": 8, "drawn": None})["expand"]
    assert not full["truncated"] and len(full["nodes"]) > 9
    assert len(view["nodes"]) == 9 and node_ids(view) <= node_ids(full)
    assert sum(count["count"] for count in view["leftOut"]) == len(full["nodes"]) - 9
    ends = {end for edge in view["edges"] for end in (edge["source"], edge["target"])}
    assert node_ids(view) <= ends, "every node drawn is joined to the view by an edge"


def test_an_agency_without_the_policy_lines_cannot_count_or_expand(graph_app: Any) -> None:
    police = caller(graph_app, "police")
    for query in ('{ neighbourCounts(nodeId: "cadre:1") { kind count } }', '{ expand(nodeId: "cadre:1") { truncated } }'):
        errors = police(query)["errors"]
        assert "Cannot query field" in errors[0]["message"], errors


def test_serving_plans_the_graph_queries_of_every_agency_that_runs_them(
    world: Engine, settings: Settings, neo4j_settings: Settings, policy_store: Any, caplog: pytest.LogCaptureFixture,
) -> None:
    app_settings = dataclasses.replace(project_world(world, settings, neo4j_settings), graph_warm_up=True)
    warmed: list[Any] = []
    planned = queries.warm_up

    def counting(driver: Any, access: Any, **options: Any) -> None:
        warmed.append(access)
        planned(driver, access, **options)

    with caplog.at_level(logging.INFO, logger="hub.graph"), pytest.MonkeyPatch.context() as patch:
        patch.setattr(graph_warm_up, "warm_up", counting)
        with TestClient(create_app(app_settings, policies=policy_store)):
            deadline = time.monotonic() + 120
            while not any("graph queries planned" in record.getMessage() for record in caplog.records):
                assert time.monotonic() < deadline, "the warm-up did not finish"
                time.sleep(0.2)

    def runs_graph_queries(agency: str) -> bool:
        view, _schema = policy_store.view(Principal(user="u", agency=agency, jurisdiction="huzhou", level="city"))
        return any(view.can_read("Query", name) for name in graph_warm_up.GRAPH_QUERIES)

    investigators = [agency for agency in policy_store.schema_agencies if runs_graph_queries(agency)]
    assert "inspector" in investigators and not runs_graph_queries("police")
    assert len(warmed) == len(investigators)  # each agency that may run them, with its own parameters
