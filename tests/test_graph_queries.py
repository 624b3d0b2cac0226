"""The investigator graph queries of graph_sync.queries against a real local Neo4j, with full and restricted access.

The graph (keys as in graph_sync.model; all city-managed in 湖州 unless said otherwise):

    cadre:1 -HOLDS(past)-> post:1 -PART_OF-> unit:1 <-SUPPLIES- org:1 <-OWNS- person:10 (spouse of cadre:1)
    cadre:1 -HOLDS(now)->  post:2 -PART_OF-> unit:2 <-SUPPLIES- org:2 <-DIRECTS- person:11 (cadre:1's business partner)
    person:12 (child of cadre:1) -WORKS_AT-> org:4 -SUPPLIES-> unit:3 (never cadre:1's unit: no conflict)
    cadre:2, cadre:3 share relative person:20, are both MEMBER_OF org:3, and their spouses person:21, person:22
        work at / own org:5
    cadre:4 -NOMINATED-> cadre:5, both classmates (TIE) of person:30
    cadre:6 -TIE-> person:40 -RELATIVE_OF-> cadre:9 -TIE-> person:41 -DIRECTS-> org:9 -SUPPLIES-> unit:9
        cadre:9 is county-managed in 长兴 and the only bridge from person:40 to person:41
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase

from graph_sync.access import CadreVisibility, GraphAccess
from graph_sync.model import EDGE_SPECS, NODE_LABELS, NODE_PROPERTIES, EdgeKind, NodeKind, parse_node_key
from graph_sync.queries import (
    MAX_LIMIT,
    MAX_NETWORK_HOPS,
    MAX_PATH_HOPS,
    ConflictOfInterest,
    GraphPath,
    Subgraph,
    conflicts_of_interest,
    network,
    paths,
    shared_connections,
)
from hub.access import Principal
from hub.settings import Settings

pytestmark = pytest.mark.neo4j

T = 10.0  # transaction timeout for every query here

# ------------------------------------------------------------------------------------------------
# The graph


def _cadre(number: int, name: str, unit: int, level: str = "city", jurisdiction: str = "huzhou") -> dict[str, Any]:
    return {
        "key": f"cadre:{number}",
        "properties": {
            "name": name, "gender": "male", "birthDate": "1975-03-01", "rank": "处级",
            "managementLevel": level, "jurisdiction": jurisdiction, "unitId": unit, "reserveTier": None,
        },
    }  # fmt: skip


def _person(number: int, name: str, occupation: str = "", employer: str = "") -> dict[str, Any]:
    properties = {"name": name, "gender": "female", "occupation": occupation, "employer": employer}
    return {"key": f"person:{number}", "properties": {**properties, "jurisdiction": "huzhou"}}


def _post(number: int, title: str) -> dict[str, Any]:
    return {"key": f"post:{number}", "properties": {"title": title, "rank": "处级", "quota": 1, "isKeyPost": True}}


def _unit(number: int, name: str, level: str = "city", jurisdiction: str = "huzhou") -> dict[str, Any]:
    return {"key": f"unit:{number}", "properties": {"name": name, "jurisdiction": jurisdiction, "level": level}}


def _org(number: int, name: str, industry: str, kind: str = "company") -> dict[str, Any]:
    return {"key": f"org:{number}", "properties": {"name": name, "organizationKind": kind, "industry": industry}}


NODES = [
    _unit(1, "湖州市发展和改革委员会"), _unit(2, "湖州市住房和城乡建设局"), _unit(3, "湖州市交通运输局"),
    _unit(9, "长兴县水利局", "county", "changxing"),
    _post(1, "副主任"), _post(2, "局长"), _post(3, "副局长"), _post(4, "副局长"), _post(5, "主任"),
    _post(6, "科长"), _post(9, "局长"),
    _cadre(1, "张明", 2), _cadre(2, "李华", 2), _cadre(3, "王强", 3), _cadre(4, "赵刚", 1), _cadre(5, "陈伟", 3),
    _cadre(6, "周平", 1), _cadre(9, "吴军", 9, "county", "changxing"),
    _person(10, "刘芳", "总经理", "湖州恒达建材有限公司"), _person(11, "孙涛", "董事长", "湖州宏业工程咨询有限公司"),
    _person(12, "张小明", "职员", "湖州顺通物流有限公司"), _person(20, "李梅"), _person(21, "何静"), _person(22, "郑丽"),
    _person(30, "钱勇", "教师"), _person(40, "吴妻"), _person(41, "冯老板"),
    _org(1, "湖州恒达建材有限公司", "建材"), _org(2, "湖州宏业工程咨询有限公司", "工程咨询"),
    _org(3, "湖州市摄影家协会", "社团", "association"), _org(4, "湖州顺通物流有限公司", "物流"), _org(5, "湖州新锐科技有限公司", "软件"),
    _org(9, "长兴水务设备有限公司", "设备"),
]  # fmt: skip


def _e(key: str, edge_kind: EdgeKind, source: str, target: str, /, **properties: Any) -> dict[str, Any]:
    return {"key": key, "kind": edge_kind, "source": source, "target": target, "properties": properties}


H, P, R, TI = EdgeKind.HOLDS, EdgeKind.PART_OF, EdgeKind.RELATIVE_OF, EdgeKind.TIE
O, D, W, M = EdgeKind.OWNS, EdgeKind.DIRECTS, EdgeKind.WORKS_AT, EdgeKind.MEMBER_OF
N, S = EdgeKind.NOMINATED, EdgeKind.SUPPLIES

EDGES = [
    # posts in units (PART_OF keys are the post's table key)
    *(_e(f"post:{p}", P, f"post:{p}", f"unit:{u}") for p, u in ((1, 1), (2, 2), (3, 2), (4, 3), (5, 1), (6, 3))),
    _e("post:9", P, "post:9", "unit:9"),
    _e("tenure:1", H, "cadre:1", "post:1", startDate="2015-01-01", endDate="2019-06-30"),
    _e("tenure:2", H, "cadre:1", "post:2", startDate="2019-07-01", endDate=None),
    _e("tenure:3", H, "cadre:2", "post:3", startDate="2018-01-01", endDate=None),
    _e("tenure:4", H, "cadre:3", "post:4", startDate="2017-01-01", endDate=None),
    _e("tenure:5", H, "cadre:4", "post:5", startDate="2016-01-01", endDate=None),
    _e("tenure:6", H, "cadre:5", "post:6", startDate="2020-01-01", endDate=None),
    _e("tenure:9", H, "cadre:9", "post:9", startDate="2014-01-01", endDate=None),
    _e("kinship:1", R, "person:10", "cadre:1", kind="spouse"),
    _e("kinship:2", R, "person:12", "cadre:1", kind="child"),
    _e("kinship:3", R, "person:20", "cadre:2", kind="sibling"),
    _e("kinship:4", R, "person:20", "cadre:3", kind="sibling_in_law"),
    _e("kinship:5", R, "person:21", "cadre:2", kind="spouse"),
    _e("kinship:6", R, "person:22", "cadre:3", kind="spouse"),
    _e("kinship:9", R, "person:40", "cadre:9", kind="spouse"),
    _e("social_tie:1", TI, "cadre:1", "person:11", kind="business_partner", source="report"),
    _e("social_tie:2", TI, "cadre:4", "person:30", kind="classmate", source="archive"),
    _e("social_tie:3", TI, "cadre:5", "person:30", kind="classmate", source="archive"),
    _e("social_tie:4", TI, "cadre:6", "person:40", kind="neighbour", source="report"),
    _e("social_tie:9", TI, "cadre:9", "person:41", kind="fellow_townsman", source="report"),
    _e("organization_role:1", O, "person:10", "org:1"),
    _e("organization_role:2", D, "person:11", "org:2"),
    _e("organization_role:3", W, "person:12", "org:4"),
    _e("organization_role:4", W, "person:21", "org:5"),
    _e("organization_role:5", O, "person:22", "org:5"),
    _e("organization_role:9", D, "person:41", "org:9"),
    _e("part_time_position:1", M, "cadre:2", "org:3", title="理事", approved=True, paid=False),
    _e("part_time_position:2", M, "cadre:3", "org:3", title="会员", approved=True, paid=False),
    _e("nomination:1", N, "cadre:4", "cadre:5", selectionId=1, nominatedOn="2024-03-01"),
    _e("supply_contract:1", S, "org:1", "unit:1", amount=1200000, signedOn="2018-05-01", subject="建材"),
    _e("supply_contract:2", S, "org:1", "unit:3", amount=300000, signedOn="2021-05-01", subject="建材"),
    _e("supply_contract:3", S, "org:2", "unit:2", amount=800000, signedOn="2022-02-01", subject="咨询"),
    _e("supply_contract:4", S, "org:4", "unit:3", amount=50000, signedOn="2023-01-01", subject="物流"),
    _e("supply_contract:9", S, "org:9", "unit:9", amount=900000, signedOn="2020-01-01", subject="设备"),
]


def _kind_of(key: str) -> NodeKind:
    return parse_node_key(key)[0]


def create_graph(driver: Driver, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
    """Create nodes and edges shaped as graph_sync.model says (labels, key, kind, declared properties only)."""
    for node in nodes:
        kind = _kind_of(node["key"])
        assert set(node["properties"]) <= set(NODE_PROPERTIES[kind]), node
    kinds = {node["key"]: _kind_of(node["key"]) for node in nodes}
    for edge in edges:
        spec = EDGE_SPECS[edge["kind"]]
        assert set(edge["properties"]) <= set(spec.properties), edge
        for end, (_column, expected) in (("source", spec.source), ("target", spec.target)):
            actual = kinds[edge[end]]
            assert actual == expected or (expected == NodeKind.PERSON and actual == NodeKind.CADRE), edge
    for kind, labels in NODE_LABELS.items():
        rows = [
            {"key": node["key"], "kind": kind.value, "properties": node["properties"]}
            for node in nodes if kinds[node["key"]] == kind
        ]  # fmt: skip
        driver.execute_query(
            f"UNWIND $rows AS row CREATE (n:{':'.join(labels)})"
            " SET n = row.properties, n.key = row.key, n.kind = row.kind",
            {"rows": rows},
        )
    for kind, spec in EDGE_SPECS.items():
        rows = [
            {"key": edge["key"], "source": edge["source"], "target": edge["target"], "properties": edge["properties"]}
            for edge in edges if edge["kind"] == kind
        ]  # fmt: skip
        source_label, target_label = NODE_LABELS[spec.source[1]][0], NODE_LABELS[spec.target[1]][0]
        driver.execute_query(
            f"UNWIND $rows AS row MATCH (a:{source_label} {{key: row.source}}), (b:{target_label} {{key: row.target}})"
            f" CREATE (a)-[r:{kind.value}]->(b) SET r = row.properties, r.key = row.key",
            {"rows": rows},
        )


def _wipe(driver: Driver) -> None:
    driver.execute_query("MATCH (n) DETACH DELETE n")


def _counts(driver: Driver) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
    )
    return records[0]["n"], records[0]["r"]


@pytest.fixture(scope="module")
def driver(neo4j_settings: Settings) -> Iterator[Driver]:
    auth = (neo4j_settings.neo4j_user, neo4j_settings.neo4j_password)
    driver = GraphDatabase.driver(neo4j_settings.neo4j_uri, auth=auth)
    _wipe(driver)
    create_graph(driver, NODES, EDGES)
    # A raw property outside the contract: it must never be returned.
    driver.execute_query("MATCH (n {key: 'person:10'}) SET n.internalNote = 'raw'")
    driver.execute_query("MATCH ()-[r {key: 'kinship:1'}]->() SET r.internalNote = 'raw'")
    try:
        yield driver
    finally:
        _wipe(driver)
        driver.close()


# ------------------------------------------------------------------------------------------------
# Accesses

ALL_PROPERTIES = {kind: frozenset(properties) for kind, properties in NODE_PROPERTIES.items()}
EVERY_CADRE = CadreVisibility.of(Principal(user="t", agency="inspector", jurisdiction="huzhou"), ("all",))
FULL = GraphAccess(edge_kinds=frozenset(EdgeKind), node_properties=ALL_PROPERTIES, cadres=EVERY_CADRE)
# Sees city-managed cadres of 湖州 only: cadre:9 (county, 长兴) is hidden, and so is person:41, tied to it alone.
CITY = GraphAccess(
    edge_kinds=frozenset(EdgeKind),
    node_properties=ALL_PROPERTIES,
    cadres=CadreVisibility.of(Principal(user="t", agency="org", level="city", jurisdiction="huzhou"), ("management",)),
)
POSTS_ONLY = GraphAccess(
    edge_kinds=frozenset({EdgeKind.HOLDS, EdgeKind.PART_OF}),
    node_properties=ALL_PROPERTIES,
    cadres=EVERY_CADRE,
)
NO_PERSONS = GraphAccess(
    edge_kinds=frozenset(EdgeKind),
    node_properties={kind: props for kind, props in ALL_PROPERTIES.items() if kind != NodeKind.PERSON},
    cadres=EVERY_CADRE,
)
NO_NAMES = GraphAccess(
    edge_kinds=frozenset(EdgeKind),
    node_properties={kind: props - {"name"} for kind, props in ALL_PROPERTIES.items()},
    cadres=EVERY_CADRE,
)
EMPTY = Subgraph(nodes=[], edges=[], truncated=False)


def keys(items: Any) -> list[str]:
    return [item.id for item in items]


def node_keys(path: GraphPath) -> list[str]:
    return [node.id for node in path.nodes]


def edge_keys(path: GraphPath) -> list[str]:
    return [edge.id for edge in path.edges]


def net(
    driver: Driver, access: GraphAccess, start: str, hops: int, *, kinds: Any = None, limit: int = MAX_LIMIT
) -> Subgraph:
    return network(driver, access, start, hops=hops, edge_kinds=kinds, limit=limit, timeout=T)


def shortest(
    driver: Driver, access: GraphAccess, a: str, b: str, hops: int = MAX_PATH_HOPS, *,
    kinds: Any = None, limit: int = MAX_LIMIT,
) -> list[GraphPath]:  # fmt: skip
    return paths(driver, access, a, b, max_hops=hops, edge_kinds=kinds, limit=limit, timeout=T)


def shared(driver: Driver, access: GraphAccess, ids: list[str], limit: int = MAX_LIMIT) -> list[Any]:
    return shared_connections(driver, access, ids, limit=limit, timeout=T)


def conflicts(driver: Driver, access: GraphAccess, cadre: str, limit: int = MAX_LIMIT) -> list[ConflictOfInterest]:
    return conflicts_of_interest(driver, access, cadre, limit=limit, timeout=T)


# ------------------------------------------------------------------------------------------------
# Known answers with full access


def test_network_one_and_two_hops(driver: Driver) -> None:
    one = net(driver, FULL, "cadre:1", 1)
    assert keys(one.nodes) == ["cadre:1", "person:10", "person:11", "person:12", "post:1", "post:2"]
    assert keys(one.edges) == ["kinship:1", "kinship:2", "social_tie:1", "tenure:1", "tenure:2"]
    assert not one.truncated

    two = net(driver, FULL, "cadre:1", 2)
    assert keys(two.nodes) == [
        "cadre:1", "org:1", "org:2", "org:4", "person:10", "person:11", "person:12",
        "post:1", "post:2", "unit:1", "unit:2",
    ]  # fmt: skip
    assert keys(two.edges) == [
        "kinship:1", "kinship:2", "organization_role:1", "organization_role:2", "organization_role:3",
        "post:1", "post:2", "social_tie:1", "supply_contract:1", "supply_contract:3", "tenure:1", "tenure:2",
    ]  # fmt: skip
    spouse = next(node for node in two.nodes if node.id == "person:10")
    assert spouse.kind == "person" and spouse.labels == ("Person",)
    assert spouse.properties == {
        "name": "刘芳", "gender": "FEMALE", "occupation": "总经理", "employer": "湖州恒达建材有限公司", "jurisdiction": "huzhou",
    }  # fmt: skip
    cadre = next(node for node in two.nodes if node.id == "cadre:1")
    assert cadre.labels == ("Person", "Cadre") and cadre.properties["managementLevel"] == "CITY"  # closed vocabularies by name
    kinship = next(edge for edge in two.edges if edge.id == "kinship:1")
    assert (kinship.kind, kinship.source, kinship.target, kinship.properties) == (
        "RELATIVE_OF", "person:10", "cadre:1", {"kind": "SPOUSE"},
    )  # fmt: skip
    tenure = next(edge for edge in two.edges if edge.id == "tenure:1")
    assert tenure.properties == {"startDate": "2015-01-01", "endDate": "2019-06-30"}


def test_network_reaches_across_the_bridge_with_full_access(driver: Driver) -> None:
    sub = net(driver, FULL, "cadre:6", 4)
    assert keys(sub.nodes) == ["cadre:6", "cadre:9", "org:9", "person:40", "person:41", "post:9", "unit:9"]


def test_paths_known_answers(driver: Driver) -> None:
    (direct,) = shortest(driver, FULL, "cadre:4", "cadre:5")
    assert node_keys(direct) == ["cadre:4", "cadre:5"] and edge_keys(direct) == ["nomination:1"]
    assert direct.edges[0].properties == {"selectionId": 1, "nominatedOn": "2024-03-01"}

    (classmates,) = shortest(driver, FULL, "cadre:4", "cadre:5", kinds=["TIE"])
    assert node_keys(classmates) == ["cadre:4", "person:30", "cadre:5"]
    assert edge_keys(classmates) == ["social_tie:2", "social_tie:3"]
    assert [(e.source, e.target) for e in classmates.edges] == [("cadre:4", "person:30"), ("cadre:5", "person:30")]

    # Two shortest paths, ordered by their node keys; limit keeps the first.
    both = shortest(driver, FULL, "cadre:2", "cadre:3")
    assert [node_keys(p) for p in both] == [["cadre:2", "org:3", "cadre:3"], ["cadre:2", "person:20", "cadre:3"]]
    first = shortest(driver, FULL, "cadre:2", "cadre:3", limit=1)
    assert [node_keys(p) for p in first] == [["cadre:2", "org:3", "cadre:3"]]

    (bridge,) = shortest(driver, FULL, "person:40", "person:41")
    assert node_keys(bridge) == ["person:40", "cadre:9", "person:41"]
    (across,) = shortest(driver, FULL, "cadre:6", "person:41")
    assert node_keys(across) == ["cadre:6", "person:40", "cadre:9", "person:41"]
    assert shortest(driver, FULL, "cadre:6", "person:41", 2) == []  # 3 hops needed


def test_shared_connections_known_answers(driver: Driver) -> None:
    found = shared(driver, FULL, ["cadre:3", "cadre:2"])
    assert keys(c.node for c in found) == ["org:3", "org:5", "person:20"]
    by_key = {c.node.id: c for c in found}
    assert all(c.connected == ["cadre:2", "cadre:3"] for c in found)
    assert [node_keys(p) for p in by_key["org:3"].paths] == [["cadre:2", "org:3"], ["cadre:3", "org:3"]]
    assert [node_keys(p) for p in by_key["org:5"].paths] == [
        ["cadre:2", "person:21", "org:5"], ["cadre:3", "person:22", "org:5"],
    ]  # fmt: skip
    assert keys(by_key["org:5"].edges) == ["kinship:5", "kinship:6", "organization_role:4", "organization_role:5"]
    assert keys(by_key["person:20"].edges) == ["kinship:3", "kinship:4"]
    assert by_key["person:20"].node.properties["name"] == "李梅"

    (classmate,) = shared(driver, FULL, ["cadre:4", "cadre:5"])
    assert classmate.node.id == "person:30" and classmate.connected == ["cadre:4", "cadre:5"]

    assert keys(c.node for c in shared(driver, FULL, ["cadre:6", "cadre:9"])) == ["person:40"]
    assert shared(driver, FULL, ["cadre:1", "cadre:4"]) == []
    assert keys(c.node for c in shared(driver, FULL, ["cadre:2", "cadre:3"], limit=2)) == ["org:3", "org:5"]


def test_conflicts_of_interest_known_answers(driver: Driver) -> None:
    found = conflicts(driver, FULL, "cadre:1")
    assert [(c.via.id, c.organization.id, c.unit.id, c.post.id) for c in found] == [
        ("person:10", "org:1", "unit:1", "post:1"),  # spouse's company supplies the past unit
        ("person:11", "org:2", "unit:2", "post:2"),  # business partner directs a supplier of the current unit
    ]
    first = found[0]
    assert first.cadre.id == "cadre:1" and first.organization.properties["name"] == "湖州恒达建材有限公司"
    assert node_keys(first.path) == ["cadre:1", "post:1", "unit:1", "org:1", "person:10", "cadre:1"]
    assert edge_keys(first.path) == ["tenure:1", "post:1", "supply_contract:1", "organization_role:1", "kinship:1"]
    assert [e.kind for e in first.path.edges] == ["HOLDS", "PART_OF", "SUPPLIES", "OWNS", "RELATIVE_OF"]
    assert first.path.edges[0].properties["endDate"] == "2019-06-30"
    assert [(c.via.id, c.organization.id) for c in conflicts(driver, FULL, "cadre:9")] == [("person:41", "org:9")]
    assert conflicts(driver, FULL, "cadre:3") == []
    assert len(conflicts(driver, FULL, "cadre:1", limit=1)) == 1


def test_raw_properties_outside_the_contract_never_leave(driver: Driver) -> None:
    sub = net(driver, FULL, "cadre:1", 1)
    for node in sub.nodes:
        assert "internalNote" not in node.properties and "key" not in node.properties and "kind" not in node.properties
    for edge in sub.edges:
        assert "internalNote" not in edge.properties and "key" not in edge.properties


def test_an_organization_is_seen_and_cut_as_an_org_node(driver: Driver) -> None:
    """Its own kind is `organizationKind`; the node's `kind` stays 'org' for the access filter."""
    records, _, _ = driver.execute_query("MATCH (n:Organization {key: 'org:1'}) RETURN n.kind AS kind")
    assert records[0]["kind"] == "org"
    org = next(n for n in net(driver, FULL, "person:10", 1).nodes if n.id == "org:1")
    assert org.kind == "org" and org.properties["organizationKind"] == "COMPANY"
    no_orgs = GraphAccess(
        edge_kinds=frozenset(EdgeKind), cadres=EVERY_CADRE,
        node_properties={kind: props for kind, props in ALL_PROPERTIES.items() if kind != NodeKind.ORGANIZATION},
    )  # fmt: skip
    assert not any(key.startswith("org:") for key in keys(net(driver, no_orgs, "person:10", 2).nodes))
    unreadable_kind = GraphAccess(
        edge_kinds=frozenset(EdgeKind), cadres=EVERY_CADRE,
        node_properties={**ALL_PROPERTIES, NodeKind.ORGANIZATION: ALL_PROPERTIES[NodeKind.ORGANIZATION] - {"organizationKind"}},
    )  # fmt: skip
    org = next(n for n in net(driver, unreadable_kind, "person:10", 1).nodes if n.id == "org:1")
    assert org.kind == "org" and org.properties == {"name": "湖州恒达建材有限公司", "industry": "建材"}


# ------------------------------------------------------------------------------------------------
# (a) cadre scope: the hidden bridge


def test_scope_hides_the_bridge_cadre(driver: Driver) -> None:
    assert shortest(driver, CITY, "person:40", "person:41") == []
    assert shortest(driver, CITY, "cadre:6", "person:41") == []
    sub = net(driver, CITY, "cadre:6", MAX_NETWORK_HOPS)
    assert keys(sub.nodes) == ["cadre:6", "person:40"]
    assert keys(sub.edges) == ["social_tie:4"]
    assert shared(driver, CITY, ["cadre:6", "cadre:9"]) == []
    # Visible parts are unaffected.
    assert keys(net(driver, CITY, "cadre:1", 2).nodes) == keys(net(driver, FULL, "cadre:1", 2).nodes)
    assert len(conflicts(driver, CITY, "cadre:1")) == 2


def test_unit_scope_sees_only_cadres_of_that_unit(driver: Driver) -> None:
    unit_2 = GraphAccess(
        edge_kinds=frozenset(EdgeKind), node_properties=ALL_PROPERTIES,
        cadres=CadreVisibility.of(Principal(user="t", agency="unit", unit_id=2), ("own_unit",)),
    )
    # cadre:1 and cadre:2 are in unit 2; cadre:3 (unit 3) is hidden, so only cadre:2 reaches person:20.
    assert shared(driver, unit_2, ["cadre:2", "cadre:3"]) == []
    assert [node_keys(p) for p in shortest(driver, unit_2, "cadre:1", "cadre:2")] == [
        ["cadre:1", "post:2", "unit:2", "post:3", "cadre:2"]
    ]
    assert "cadre:3" not in keys(net(driver, unit_2, "cadre:2", MAX_NETWORK_HOPS).nodes)


# ------------------------------------------------------------------------------------------------
# (b) edge kinds restricted by access


def test_edge_kinds_restricted_by_access(driver: Driver) -> None:
    sub = net(driver, POSTS_ONLY, "cadre:1", MAX_NETWORK_HOPS)
    assert keys(sub.nodes) == [
        "cadre:1", "cadre:2", "cadre:4", "post:1", "post:2", "post:3", "post:5", "unit:1", "unit:2",
    ]  # fmt: skip
    assert {node.kind for node in sub.nodes} == {"cadre", "post", "unit"}
    assert {edge.kind for edge in sub.edges} == {"HOLDS", "PART_OF"}
    assert conflicts(driver, POSTS_ONLY, "cadre:1") == []
    assert shared(driver, POSTS_ONLY, ["cadre:2", "cadre:3"]) == []
    assert shortest(driver, POSTS_ONLY, "cadre:2", "cadre:3") == []  # their units are not joined by posts alone


# ------------------------------------------------------------------------------------------------
# (c) node kind `person` not visible


def test_person_kind_not_visible(driver: Driver) -> None:
    sub = net(driver, NO_PERSONS, "cadre:1", MAX_NETWORK_HOPS)
    assert "person" not in {node.kind for node in sub.nodes}
    assert not {"RELATIVE_OF", "TIE"} & {edge.kind for edge in sub.edges}
    assert not any(edge.source.startswith("person:") or edge.target.startswith("person:") for edge in sub.edges)
    assert conflicts(driver, NO_PERSONS, "cadre:1") == []
    assert keys(c.node for c in shared(driver, NO_PERSONS, ["cadre:2", "cadre:3"])) == ["org:3"]
    assert net(driver, NO_PERSONS, "person:10", 2) == EMPTY
    # cadre:4 and cadre:5 stay connected by the nomination, but not through the classmate.
    assert shortest(driver, NO_PERSONS, "cadre:4", "cadre:5", kinds=["TIE"]) == []


# ------------------------------------------------------------------------------------------------
# (d) properties cut per node kind


def test_unreadable_property_is_cut_everywhere(driver: Driver) -> None:
    sub = net(driver, NO_NAMES, "cadre:1", MAX_NETWORK_HOPS)
    assert sub.nodes and all("name" not in node.properties for node in sub.nodes)
    assert next(node for node in sub.nodes if node.id == "cadre:1").properties["rank"] == "处级"
    for path in shortest(driver, NO_NAMES, "cadre:2", "cadre:3"):
        assert all("name" not in node.properties for node in path.nodes)
    for connection in shared(driver, NO_NAMES, ["cadre:2", "cadre:3"]):
        assert "name" not in connection.node.properties
        assert all("name" not in node.properties for path in connection.paths for node in path.nodes)
    found = conflicts(driver, NO_NAMES, "cadre:1")
    assert len(found) == 2
    for conflict in found:
        named = (conflict.cadre, conflict.via, conflict.organization, conflict.unit, conflict.post)
        for node in (*named, *conflict.path.nodes):
            assert "name" not in node.properties


# ------------------------------------------------------------------------------------------------
# (e) a hidden start node looks exactly like a missing one


def test_hidden_start_is_indistinguishable_from_missing(driver: Driver) -> None:
    assert net(driver, FULL, "cadre:9", 2).nodes  # it does exist
    for hops in (1, MAX_NETWORK_HOPS):
        assert net(driver, CITY, "cadre:9", hops) == net(driver, CITY, "cadre:999", hops) == EMPTY
    assert shortest(driver, CITY, "cadre:9", "person:41") == shortest(driver, CITY, "cadre:999", "person:41") == []
    assert shortest(driver, CITY, "person:40", "cadre:9") == shortest(driver, CITY, "person:40", "cadre:999") == []
    assert conflicts(driver, CITY, "cadre:9") == conflicts(driver, CITY, "cadre:999") == []
    assert net(driver, CITY, "org:999", 1) == EMPTY


# ------------------------------------------------------------------------------------------------
# (f) requested edge kinds


def test_requested_edge_kinds_are_intersected(driver: Driver) -> None:
    sub = net(driver, FULL, "cadre:1", 2, kinds=["HOLDS", "PART_OF"])
    assert keys(sub.nodes) == ["cadre:1", "post:1", "post:2", "unit:1", "unit:2"]
    assert net(driver, FULL, "cadre:1", 2, kinds=[EdgeKind.HOLDS]).nodes[1].id == "post:1"
    # Kinds the caller may not see are dropped; nothing left -> empty result.
    assert keys(net(driver, POSTS_ONLY, "cadre:1", 1, kinds=["HOLDS", "TIE"]).nodes) == ["cadre:1", "post:1", "post:2"]
    assert net(driver, POSTS_ONLY, "cadre:1", 2, kinds=["TIE", "RELATIVE_OF"]) == EMPTY
    assert shortest(driver, POSTS_ONLY, "cadre:4", "cadre:5", kinds=["NOMINATED"]) == []
    assert net(driver, FULL, "cadre:1", 2, kinds=[]) == EMPTY
    with pytest.raises(ValueError, match="edge_kinds: unknown edge kind.*FRIEND_OF"):
        net(driver, FULL, "cadre:1", 2, kinds=["HOLDS", "FRIEND_OF"])
    with pytest.raises(ValueError, match="edge_kinds: unknown edge kind.*holds"):
        shortest(driver, FULL, "cadre:4", "cadre:5", kinds=["holds"])
    with pytest.raises(ValueError, match="edge_kinds"):
        net(driver, FULL, "cadre:1", 2, kinds="HOLDS")


# ------------------------------------------------------------------------------------------------
# (g) bounds


def test_bounds_are_validated(driver: Driver) -> None:
    for hops in (0, MAX_NETWORK_HOPS + 1, -1, True, 2.0):
        with pytest.raises(ValueError, match="^hops"):
            net(driver, FULL, "cadre:1", hops)  # type: ignore[arg-type]
    for max_hops in (0, MAX_PATH_HOPS + 1):
        with pytest.raises(ValueError, match="^max_hops"):
            shortest(driver, FULL, "cadre:4", "cadre:5", max_hops)
    for limit in (0, MAX_LIMIT + 1):
        with pytest.raises(ValueError, match="^limit"):
            net(driver, FULL, "cadre:1", 1, limit=limit)
        with pytest.raises(ValueError, match="^limit"):
            shortest(driver, FULL, "cadre:4", "cadre:5", limit=limit)
        with pytest.raises(ValueError, match="^limit"):
            shared(driver, FULL, ["cadre:2", "cadre:3"], limit=limit)
        with pytest.raises(ValueError, match="^limit"):
            conflicts(driver, FULL, "cadre:1", limit=limit)
    for timeout in (0, -1, float("inf"), float("nan"), 10_000):
        with pytest.raises(ValueError, match="^timeout"):
            network(driver, FULL, "cadre:1", hops=1, edge_kinds=None, limit=10, timeout=timeout)
    with pytest.raises(ValueError, match="^person_ids"):
        shared(driver, FULL, ["cadre:2"])
    with pytest.raises(ValueError, match="^person_ids"):
        shared(driver, FULL, ["cadre:2", "cadre:2"])
    with pytest.raises(ValueError, match="^person_ids"):
        shared(driver, FULL, [f"cadre:{n}" for n in range(100)])
    with pytest.raises(ValueError, match="^person_id"):
        net(driver, FULL, 1, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="from_id and to_id"):
        shortest(driver, FULL, "cadre:1", "cadre:1")


def test_limit_truncates_the_network(driver: Driver) -> None:
    assert len(net(driver, FULL, "cadre:1", 2).nodes) == 11
    assert not net(driver, FULL, "cadre:1", 2, limit=11).truncated
    cut = net(driver, FULL, "cadre:1", 2, limit=10)
    assert cut.truncated and len(cut.nodes) == 10 and "unit:2" not in keys(cut.nodes)  # farthest, then last by key
    small = net(driver, FULL, "cadre:1", 2, limit=3)
    assert small.truncated
    assert keys(small.nodes) == ["cadre:1", "person:10", "person:11"]  # nearest first, then by key
    assert keys(small.edges) == ["kinship:1", "social_tie:1"]  # only edges between kept nodes
    alone = net(driver, FULL, "cadre:1", 2, limit=1)
    assert alone.truncated and keys(alone.nodes) == ["cadre:1"] and alone.edges == []
    leaf = net(driver, FULL, "person:41", 1, limit=3)
    assert not leaf.truncated and keys(leaf.nodes) == ["cadre:9", "org:9", "person:41"]
    cut_leaf = net(driver, FULL, "person:41", 1, limit=2)
    assert cut_leaf.truncated and keys(cut_leaf.nodes) == ["cadre:9", "person:41"]


# ------------------------------------------------------------------------------------------------
# (h) injection attempts are plain values


INJECTIONS = [
    "cadre:1' OR 1=1 //",
    "x}) DETACH DELETE n //",
    "cadre:1'}) MATCH (n) DETACH DELETE n //",
    'cadre:1"}) MATCH (n) DETACH DELETE n RETURN n AS s //',
    "cadre:1} RETURN s UNION MATCH (s) RETURN s //",
    "$start",
    "",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_strings_are_plain_values(driver: Driver, value: str) -> None:
    before = _counts(driver)
    assert net(driver, FULL, value, MAX_NETWORK_HOPS) == EMPTY
    assert shortest(driver, FULL, value, "cadre:1") == []
    assert shortest(driver, FULL, "cadre:1", value) == []
    assert shared(driver, FULL, [value, "cadre:2"]) == []
    assert shared(driver, FULL, [value, f"{value} "]) == []
    assert conflicts(driver, FULL, value) == []
    assert _counts(driver) == before == (len(NODES), len(EDGES))
