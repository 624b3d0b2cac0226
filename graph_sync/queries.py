"""The investigators' graph queries, with the caller's authorization applied inside the traversal.

Every query walks only edges whose kind the caller may see (`GraphAccess.edge_kinds`, intersected with
the kinds asked for) and only through nodes for which `visible_node` holds, so a hidden node is never
returned and never used as a stepping stone. A start node that is hidden gives the same empty result as
one that does not exist. Properties are cut with `GraphAccess.cut_node` / `cut_edge` before anything is
returned.

Cypher texts are fixed: values travel as parameters only. Variable-length bounds cannot be parameters,
so one text per allowed hop count is built at import time and picked by a validated int. Every query
runs in a read transaction with the caller's timeout; driver and server errors propagate unchanged.

Results are sorted by key (paths by their sequence of node keys, then edge keys), so they are stable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from neo4j import Driver, Query, RoutingControl

from graph_sync.access import EVERYTHING, GraphAccess, visible_node, visible_record_node
from graph_sync.driver import database_of
from graph_sync.model import (
    NODE_LABELS,
    EdgeKind,
    NodeKind,
)

MAX_NETWORK_HOPS = 4
MAX_PATH_HOPS = 6
MAX_LIMIT = 500
MAX_SHARED_IDS = 50
MAX_EXPAND_HOPS = 2  # the default view is two hops; further is a click away
MAX_DRAWN_IDS = 1000  # nodes a client already draws, for the edges that join new nodes to them
MAX_TIMEOUT = 300.0  # seconds

# shared_connections: a cadre's own connections (one edge away) and the organizations its relatives and
# associates are tied to (two edges away: cadre - relative/associate -> organization).
SHARED_DIRECT_KINDS = (
    EdgeKind.RELATIVE_OF, EdgeKind.TIE, EdgeKind.OWNS, EdgeKind.DIRECTS, EdgeKind.WORKS_AT, EdgeKind.MEMBER_OF,
)  # fmt: skip
SHARED_LINK_KINDS = (EdgeKind.RELATIVE_OF, EdgeKind.TIE)
SHARED_ORG_KINDS = (EdgeKind.OWNS, EdgeKind.DIRECTS, EdgeKind.WORKS_AT, EdgeKind.MEMBER_OF)

# conflicts_of_interest: cadre -HOLDS-> post -PART_OF-> unit <-SUPPLIES- org <-role- relative/associate.
CONFLICT_REQUIRED_KINDS = (EdgeKind.HOLDS, EdgeKind.PART_OF, EdgeKind.SUPPLIES)
CONFLICT_LINK_KINDS = (EdgeKind.RELATIVE_OF, EdgeKind.TIE)
CONFLICT_ROLE_KINDS = (EdgeKind.OWNS, EdgeKind.DIRECTS, EdgeKind.WORKS_AT)


@dataclass(frozen=True)
class GraphNode:
    id: str  # node key, e.g. "cadre:12"
    kind: str  # NodeKind value
    labels: tuple[str, ...]
    properties: dict[str, Any]  # cut to what the caller may read; closed-vocabulary values by name (MALE)


@dataclass(frozen=True)
class GraphEdge:
    id: str  # edge key, e.g. "kinship:3"
    kind: str  # EdgeKind value
    source: str  # node key
    target: str  # node key
    properties: dict[str, Any]  # cut to what the caller may read


@dataclass(frozen=True)
class Subgraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool  # more nodes were reachable than `limit` allowed


@dataclass(frozen=True)
class RelationCount:
    kind: str  # EdgeKind value
    count: int  # distinct visible neighbours joined by edges of this kind


@dataclass(frozen=True)
class NodeBadge:
    node_id: str
    neighbours: int  # distinct visible neighbours over every edge kind the caller may see
    undrawn: int  # of those, how many are neither in the answer nor among the nodes the client said it draws


@dataclass(frozen=True)
class KindCount:
    kind: str  # NodeKind value
    count: int


@dataclass(frozen=True)
class Neighbourhood:
    """A capped expansion: the kept nodes, the edges among them (and to the nodes already drawn), a badge per node,
    and what was reachable but left out, counted per node kind."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool
    badges: list[NodeBadge]
    left_out: list[KindCount]


@dataclass(frozen=True)
class GraphPath:
    """A walk: `edges[i]` joins `nodes[i]` and `nodes[i + 1]` (in either direction, see its source/target)."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]


@dataclass(frozen=True)
class SharedConnection:
    node: GraphNode  # the shared relative, associate, cadre or organization
    connected: list[str]  # keys of the given cadres it connects (two or more), sorted
    paths: list[GraphPath]  # every route found: a given cadre first, `node` last (one or two edges)

    @property
    def edges(self) -> list[GraphEdge]:
        """The distinct edges of all routes, sorted by key."""
        return sorted({edge.id: edge for path in self.paths for edge in path.edges}.values(), key=lambda e: e.id)


@dataclass(frozen=True)
class ConflictOfInterest:
    cadre: GraphNode
    via: GraphNode  # the relative or associate
    organization: GraphNode
    unit: GraphNode
    post: GraphNode  # the cadre's (current or past) post in that unit
    path: GraphPath  # cadre -HOLDS- post -PART_OF- unit -SUPPLIES- organization -role- via -kin/tie- cadre
    # When the contract, the tenure, the role and the kinship or tie all held (ISO dates; None: open-ended).
    window_start: date | None = None
    window_end: date | None = None
    rule: str = "relative_business_supplies_unit"  # the code of its rule in the catalogue

    @property
    def explanation(self) -> str:
        since = self.window_start or "an unknown date"
        until = self.window_end or "today"
        return (f"{self.via.id} holds a role in {self.organization.id}, which had a supply contract with {self.unit.id} "
                f"while {self.cadre.id} held {self.post.id} and was tied to {self.via.id}: from {since} to {until}")


# ---------------------------------------------------------------------------------------------------
# Cypher texts (built once from constants; no input ever reaches them)

_PRIMARY_LABELS = tuple(dict.fromkeys(labels[0] for labels in NODE_LABELS.values()))


def _lookup(variable: str, parameter: str) -> str:
    """A subquery binding `variable` to the node whose key is `$parameter`, using each label's index."""
    branches = "\n  UNION\n  ".join(
        f"MATCH ({variable}:{label} {{key: ${parameter}}}) RETURN {variable}" for label in _PRIMARY_LABELS
    )
    return f"CALL () {{\n  {branches}\n}}"


def _edge_map(variable: str) -> str:
    return (
        f"{{type: type({variable}), source: startNode({variable}).key, target: endNode({variable}).key,"
        f" properties: properties({variable})}}"
    )


def _step(edge_kinds_parameter: str = "edge_kinds") -> str:
    """One step of a quantified path pattern: an allowed edge into a visible node."""
    return f"(()-[r]-(x) WHERE type(r) IN ${edge_kinds_parameter} AND {visible_node('x')})"


def _network_text(hops: int) -> str:
    return f"""
{_lookup("s", "start")}
WITH s WHERE {visible_node("s")}
WITH s, COLLECT {{
  MATCH p = ANY SHORTEST (s){_step()}{{1,{hops}}}(n)
  WHERE n <> s
  WITH n, length(p) AS distance
  ORDER BY distance, n.key
  LIMIT $limit
  RETURN n
}} AS reached
WITH [s] + reached[..($limit - 1)] AS kept, size(reached) >= $limit AS truncated
RETURN [n IN kept | properties(n)] AS nodes, truncated, COLLECT {{
  UNWIND kept AS a
  MATCH (a)-[e]->(b)
  WHERE type(e) IN $edge_kinds AND b IN kept
  RETURN {_edge_map("e")}
}} AS edges
"""


def _paths_text(hops: int) -> str:
    return f"""
{_lookup("s", "source")}
WITH s WHERE {visible_node("s")}
{_lookup("t", "target")}
WITH s, t WHERE {visible_node("t")} AND s <> t
MATCH p = ALL SHORTEST (s){_step()}{{1,{hops}}}(t)
WITH p, [n IN nodes(p) | n.key] AS node_keys, [e IN relationships(p) | e.key] AS edge_keys
ORDER BY node_keys, edge_keys
LIMIT $limit
RETURN [n IN nodes(p) | properties(n)] AS nodes, [e IN relationships(p) | {_edge_map("e")}] AS edges
"""


_SHARED_TEXT = f"""
MATCH (c:Person)
WHERE c.key IN $ids AND c:Cadre AND c.kind = 'cadre' AND {visible_node("c")}
CALL (c) {{
  MATCH (c)-[r]-(x)
  WHERE type(r) IN $direct_kinds AND {visible_node("x")}
  RETURN x, [c, x] AS route_nodes, [r] AS route_edges
  UNION ALL
  MATCH (c)-[r1]-(m)-[r2]->(x:Organization)
  WHERE type(r1) IN $link_kinds AND {visible_node("m")} AND NOT m.key IN $ids
    AND type(r2) IN $org_kinds AND {visible_node("x")}
  RETURN x, [c, m, x] AS route_nodes, [r1, r2] AS route_edges
}}
WITH x, collect(DISTINCT c.key) AS connected, collect({{nodes: route_nodes, edges: route_edges}}) AS routes
WHERE size(connected) >= 2
ORDER BY x.key
LIMIT $limit
RETURN properties(x) AS node, connected, [route IN routes | {{
  nodes: [n IN route.nodes | properties(n)],
  edges: [e IN route.edges | {_edge_map("e")}]
}}] AS routes
"""

# An unknown start or end counts as open: as far back, or as far ahead, as the dates go.
EARLIEST, LATEST = "0000-01-01", "9999-12-31"


def _latest_of(dates: str) -> str:
    return f"reduce(m = '{EARLIEST}', d IN {dates} | CASE WHEN d IS NOT NULL AND d > m THEN d ELSE m END)"


def _earliest_of(dates: str) -> str:
    return f"reduce(m = '{LATEST}', d IN {dates} | CASE WHEN d IS NOT NULL AND d < m THEN d ELSE m END)"


# The contract's period must overlap the cadre's tenure of the post, the relative's role in the organization and
# the kinship or tie, all at once: the window is the latest start to the earliest end.
def _conflicts_text(head: str, limit: str, *, scoped: bool = True) -> str:
    """The conflicts of the cadres `head` binds to `c` (one by key, or a batch of keys). Unscoped (the detection
    runner, who reads every node): without the row-scope predicates, whose planning alone takes seconds."""
    node = visible_node if scoped else (lambda _variable: "true")
    record_node = visible_record_node if scoped else (lambda _variable: "true")
    return f"""
{head}
WHERE c:Cadre AND c.kind = 'cadre' AND {node("c")}
MATCH (c)-[k]-(v:Person)
WHERE type(k) IN $link_kinds AND v <> c AND {node("v")}
MATCH (v)-[role]->(o:Organization)
WHERE type(role) IN $role_kinds AND {record_node("o")}
MATCH (o)-[s:SUPPLIES]->(u:Unit)<-[po:PART_OF]-(p:Post)<-[h:HOLDS]-(c)
WHERE {record_node("u")} AND {record_node("p")}
WITH c, v, o, u, p, k, role, s, po, h,
  {_latest_of("[coalesce(s.startDate, s.signedOn), h.startDate, role.startDate, k.startDate]")} AS window_start,
  {_earliest_of("[s.endDate, h.endDate, role.endDate, k.endDate]")} AS window_end
WHERE window_start <= window_end
WITH c, v, o, u, p, k, role, s, po, h, window_start, window_end
ORDER BY c.key, v.key, o.key, u.key, p.key, h.key, role.key, s.key, k.key
{limit}
RETURN properties(c) AS cadre, properties(p) AS post, properties(u) AS unit, properties(o) AS organization,
  properties(v) AS via,
  [{_edge_map("h")}, {_edge_map("po")}, {_edge_map("s")}, {_edge_map("role")}, {_edge_map("k")}] AS edges,
  CASE window_start WHEN '{EARLIEST}' THEN null ELSE window_start END AS window_start,
  CASE window_end WHEN '{LATEST}' THEN null ELSE window_end END AS window_end
"""


_CONFLICTS_TEXT = _conflicts_text("MATCH (c:Person {key: $cadre})", "LIMIT $limit")
# Every conflict of a batch of cadres in one statement, unscoped: the detection runner reads every cadre, a batch at
# a time (its alerts are cut per reader by their row scope and the policy).
CONFLICTS_BATCH_TEXT = _conflicts_text("UNWIND $cadres AS cadre_key\nMATCH (c:Person {key: cadre_key})", "", scoped=False)

# Neighbours of one node per edge kind, through visible nodes only (a hidden neighbour is never counted).
_NEIGHBOUR_COUNTS_TEXT = f"""
{_lookup("s", "start")}
WITH s WHERE {visible_node("s")}
MATCH (s)-[r]-(x)
WHERE type(r) IN $edge_kinds AND {visible_node("x")}
RETURN type(r) AS kind, count(DISTINCT x) AS count
ORDER BY kind
"""


def _expand_text(hops: int, most_connected: bool) -> str:
    """One row per reached node (the start at distance 0) with its visible neighbours, which give both its degree
    and the drawn nodes it joins: each visibility test appears once, so a cold server plans it in reasonable time."""
    order = "distance, size(neighbours) DESC, n.key" if most_connected else "distance, n.key"
    return f"""
{_lookup("s", "start")}
WITH s WHERE {visible_node("s")}
WITH [{{node: s, distance: 0}}] + COLLECT {{
  MATCH p = ANY SHORTEST (s){_step()}{{1,{hops}}}(n)
  WHERE n <> s AND NOT n.key IN $drawn
  RETURN {{node: n, distance: length(p)}}
}} AS reached
UNWIND reached AS row
WITH row.node AS n, row.distance AS distance
WITH n, distance, COLLECT {{
  MATCH (n)-[dr]-(dy)
  WHERE type(dr) IN $all_kinds AND {visible_node("dy")}
  RETURN DISTINCT dy
}} AS neighbours
ORDER BY {order}
WITH collect({{node: n, neighbours: neighbours}}) AS rows
WITH rows[..($limit + 1)] AS kept_rows, [row IN rows[($limit + 1)..] | row.node.kind] AS left_kinds
WITH [row IN kept_rows | row.node] AS kept, [row IN kept_rows | size(row.neighbours)] AS degrees, left_kinds,
  reduce(found = [], row IN kept_rows | found + [y IN row.neighbours WHERE y.key IN $drawn]) AS drawn_found
WITH kept, degrees, left_kinds, COLLECT {{
  UNWIND drawn_found AS d
  WITH DISTINCT d
  WHERE NOT d IN kept
  RETURN d
}} AS drawn
RETURN [n IN kept | properties(n)] AS nodes, degrees, left_kinds, [n IN drawn | n.key] AS drawn_keys, COLLECT {{
  UNWIND kept + drawn AS a
  MATCH (a)-[e]->(b)
  WHERE type(e) IN $all_kinds AND (b IN kept OR b IN drawn) AND (a IN kept OR b IN kept)
  RETURN {_edge_map("e")}
}} AS edges
"""


EXPAND_QUERIES: dict[tuple[int, bool], str] = {
    (hops, most_connected): _expand_text(hops, most_connected)
    for hops in range(1, MAX_EXPAND_HOPS + 1) for most_connected in (True, False)
}
NETWORK_QUERIES: dict[int, str] = {hops: _network_text(hops) for hops in range(1, MAX_NETWORK_HOPS + 1)}
PATH_QUERIES: dict[int, str] = {hops: _paths_text(hops) for hops in range(1, MAX_PATH_HOPS + 1)}


# ---------------------------------------------------------------------------------------------------
# Validation


def _check_int(name: str, value: Any, maximum: int, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValueError(f"{name} must be an integer from {minimum} to {maximum}, got {value!r}")
    return value


def _check_timeout(timeout: Any) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout):
        raise ValueError(f"timeout must be a number of seconds, got {timeout!r}")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ValueError(f"timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds, got {timeout!r}")
    return float(timeout)


def _check_id(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string node key, got {type(value).__name__}")
    return value


def _edge_kinds(access: GraphAccess, requested: Sequence[str] | None) -> list[str]:
    """The requested edge kinds (all when None) that the caller may see, sorted; unknown names fail."""
    if requested is None:
        return sorted(kind.value for kind in access.edge_kinds)
    if isinstance(requested, str):
        raise ValueError("edge_kinds must be a sequence of edge kind names, not a single string")
    known = {kind.value for kind in EdgeKind}
    unknown = sorted({str(name) for name in requested if name not in known})
    if unknown:
        raise ValueError(f"edge_kinds: unknown edge kind(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    allowed = {kind.value for kind in access.edge_kinds}
    return sorted({EdgeKind(name).value for name in requested} & allowed)


def _allowed(access: GraphAccess, kinds: Sequence[EdgeKind]) -> list[str]:
    return sorted(kind.value for kind in kinds if kind in access.edge_kinds)


# ---------------------------------------------------------------------------------------------------
# Running and converting


def _read(driver: Driver, text: str, parameters: dict[str, Any], timeout: float) -> list[Any]:
    records, _summary, _keys = driver.execute_query(
        Query(text, timeout=timeout), parameters, routing_=RoutingControl.READ, database_=database_of(driver)
    )
    return records


_NODE_KINDS = {kind.value: kind for kind in NodeKind}
_EDGE_KINDS = {kind.value: kind for kind in EdgeKind}


def _node(access: GraphAccess, raw: dict[str, Any]) -> GraphNode:
    kind = _NODE_KINDS.get(raw["kind"]) or NodeKind(raw["kind"])  # the enum call raises for an unknown kind
    return GraphNode(id=raw["key"], kind=kind.value, labels=NODE_LABELS[kind], properties=access.published_node(kind, raw))


def _edge(access: GraphAccess, raw: dict[str, Any]) -> GraphEdge:
    kind = _EDGE_KINDS.get(raw["type"]) or EdgeKind(raw["type"])
    properties = raw["properties"]
    return GraphEdge(
        id=properties["key"], kind=kind.value, source=raw["source"], target=raw["target"],
        properties=access.published_edge(kind, properties),
    )  # fmt: skip


def _date_or_none(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _path(access: GraphAccess, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> GraphPath:
    return GraphPath(nodes=[_node(access, n) for n in nodes], edges=[_edge(access, e) for e in edges])


# ---------------------------------------------------------------------------------------------------
# The queries


def network(
    driver: Driver, access: GraphAccess, person_id: str, *,
    hops: int, edge_kinds: Sequence[str] | None, limit: int, timeout: float,
) -> Subgraph:  # fmt: skip
    """Nodes within `hops` of `person_id` (any node key) and the allowed edges among them.

    At most `limit` nodes, the start included; the nearest are kept (by distance, then key), so the
    subgraph stays connected, and `truncated` says whether more were reachable. Edges are every allowed
    edge between two kept nodes.
    """
    _check_id("person_id", person_id)
    hops = _check_int("hops", hops, MAX_NETWORK_HOPS)
    limit = _check_int("limit", limit, MAX_LIMIT)
    timeout = _check_timeout(timeout)
    kinds = _edge_kinds(access, edge_kinds)
    if not kinds:
        return Subgraph(nodes=[], edges=[], truncated=False)
    parameters = {**access.cypher_parameters(), "edge_kinds": kinds, "start": person_id, "limit": limit}
    records = _read(driver, NETWORK_QUERIES[hops], parameters, timeout)
    if not records:
        return Subgraph(nodes=[], edges=[], truncated=False)
    record = records[0]
    nodes = sorted((_node(access, raw) for raw in record["nodes"]), key=lambda n: n.id)
    edges = sorted((_edge(access, raw) for raw in record["edges"]), key=lambda e: e.id)
    return Subgraph(nodes=nodes, edges=edges, truncated=bool(record["truncated"]))


def paths(
    driver: Driver, access: GraphAccess, from_id: str, to_id: str, *,
    max_hops: int, edge_kinds: Sequence[str] | None, limit: int, timeout: float,
) -> list[GraphPath]:  # fmt: skip
    """All shortest paths (at most `limit`, up to `max_hops` edges) from `from_id` to `to_id`, directions ignored."""
    _check_id("from_id", from_id)
    _check_id("to_id", to_id)
    if from_id == to_id:
        raise ValueError("from_id and to_id must be different nodes")
    max_hops = _check_int("max_hops", max_hops, MAX_PATH_HOPS)
    limit = _check_int("limit", limit, MAX_LIMIT)
    timeout = _check_timeout(timeout)
    kinds = _edge_kinds(access, edge_kinds)
    if not kinds:
        return []
    parameters = {**access.cypher_parameters(), "edge_kinds": kinds, "source": from_id, "target": to_id, "limit": limit}
    records = _read(driver, PATH_QUERIES[max_hops], parameters, timeout)
    return [_path(access, record["nodes"], record["edges"]) for record in records]


def shared_connections(
    driver: Driver, access: GraphAccess, person_ids: Sequence[str], *, limit: int, timeout: float,
) -> list[SharedConnection]:  # fmt: skip
    """Nodes that two or more of the given cadres are connected to, sorted by key (at most `limit`).

    A cadre's connections are
      - one edge away: its relatives (RELATIVE_OF), associates and tied cadres (TIE, either direction),
        and organizations it owns, directs, works at or holds a part-time post in
        (OWNS/DIRECTS/WORKS_AT/MEMBER_OF);
      - two edges away: an organization that one of its relatives or associates owns, directs, works at
        (or, for an associate who is a cadre, holds a part-time post in).
    A given cadre is never the intermediary of another given cadre's two-edge route (so A -TIE-> B
    -MEMBER_OF-> org does not make org shared by A and B). Ids that are not visible cadres are ignored,
    exactly as missing ones are.
    """
    if isinstance(person_ids, str) or not isinstance(person_ids, Sequence):
        raise ValueError("person_ids must be a sequence of cadre keys")
    ids = sorted({_check_id("person_ids", value) for value in person_ids})
    if not 2 <= len(ids) <= MAX_SHARED_IDS:
        raise ValueError(f"person_ids must hold from 2 to {MAX_SHARED_IDS} distinct cadre keys, got {len(ids)}")
    limit = _check_int("limit", limit, MAX_LIMIT)
    timeout = _check_timeout(timeout)
    direct_kinds = _allowed(access, SHARED_DIRECT_KINDS)
    link_kinds = _allowed(access, SHARED_LINK_KINDS)
    org_kinds = _allowed(access, SHARED_ORG_KINDS)
    if not direct_kinds and not (link_kinds and org_kinds):
        return []
    parameters = {
        **access.cypher_parameters(), "ids": ids, "limit": limit,
        "direct_kinds": direct_kinds, "link_kinds": link_kinds, "org_kinds": org_kinds,
    }  # fmt: skip
    records = _read(driver, _SHARED_TEXT, parameters, timeout)
    return [
        SharedConnection(
            node=_node(access, record["node"]),
            connected=sorted(record["connected"]),
            paths=sorted(
                (_path(access, route["nodes"], route["edges"]) for route in record["routes"]),
                key=lambda path: ([n.id for n in path.nodes], [e.id for e in path.edges]),
            ),
        )
        for record in records
    ]


def conflicts_of_interest(
    driver: Driver, access: GraphAccess, cadre_id: str, *, limit: int, timeout: float,
) -> list[ConflictOfInterest]:  # fmt: skip
    """Organizations that a relative or associate of the cadre owns, directs or works at, and that
    supply a unit of one of the cadre's current or past posts, counted only where the contract's period
    overlaps the tenure, the role and the kinship or tie (unknown dates count as open). One result per
    route (sorted by the keys of via, organization, unit, post, then the edges), at most `limit`.
    """
    _check_id("cadre_id", cadre_id)
    limit = _check_int("limit", limit, MAX_LIMIT)
    timeout = _check_timeout(timeout)
    link_kinds = _allowed(access, CONFLICT_LINK_KINDS)
    role_kinds = _allowed(access, CONFLICT_ROLE_KINDS)
    if not link_kinds or not role_kinds or not all(kind in access.edge_kinds for kind in CONFLICT_REQUIRED_KINDS):
        return []
    parameters = {
        **access.cypher_parameters(), "cadre": cadre_id, "limit": limit,
        "link_kinds": link_kinds, "role_kinds": role_kinds,
    }  # fmt: skip
    return [_conflict(access, record) for record in _read(driver, _CONFLICTS_TEXT, parameters, timeout)]


MAX_CONFLICT_BATCH = 5000


def conflicts_parameters(cadre_ids: Sequence[str]) -> dict[str, Any]:
    """The parameters of `CONFLICTS_BATCH_TEXT` for these cadres."""
    return {"cadres": list(cadre_ids), "link_kinds": sorted(kind.value for kind in CONFLICT_LINK_KINDS),
            "role_kinds": sorted(kind.value for kind in CONFLICT_ROLE_KINDS)}


def every_conflict_of_interest(driver: Driver, cadre_ids: Sequence[str], *, timeout: float) -> list[ConflictOfInterest]:
    """`conflicts_of_interest` of many cadres in one statement, for the detection runner: every route of each, sorted
    by cadre then as there, through every node (no row scope) and with every property."""
    if isinstance(cadre_ids, str) or len(cadre_ids) > MAX_CONFLICT_BATCH:
        raise ValueError(f"cadre_ids must be a sequence of at most {MAX_CONFLICT_BATCH} cadre keys")
    ids = [_check_id("cadre_ids", value) for value in cadre_ids]
    timeout = _check_timeout(timeout)
    if not ids:
        return []
    return [_conflict(EVERYTHING, record) for record in _read(driver, CONFLICTS_BATCH_TEXT, conflicts_parameters(ids), timeout)]


def _conflict(access: GraphAccess, record: Any) -> ConflictOfInterest:
    cadre, post, unit, organization, via = (
        _node(access, record[name]) for name in ("cadre", "post", "unit", "organization", "via")
    )
    edges = [_edge(access, raw) for raw in record["edges"]]
    path = GraphPath(nodes=[cadre, post, unit, organization, via, cadre], edges=edges)
    return ConflictOfInterest(
        cadre=cadre, via=via, organization=organization, unit=unit, post=post, path=path,
        window_start=_date_or_none(record["window_start"]), window_end=_date_or_none(record["window_end"]),
    )


def neighbour_counts(driver: Driver, access: GraphAccess, node_id: str, *, timeout: float) -> list[RelationCount]:
    """How many visible neighbours each visible edge kind joins to `node_id`, before expanding it (kinds with none
    are left out; a hidden or missing node has none)."""
    _check_id("node_id", node_id)
    timeout = _check_timeout(timeout)
    kinds = _edge_kinds(access, None)
    if not kinds:
        return []
    parameters = {**access.cypher_parameters(), "edge_kinds": kinds, "start": node_id}
    return [RelationCount(kind=record["kind"], count=record["count"])
            for record in _read(driver, _NEIGHBOUR_COUNTS_TEXT, parameters, timeout)]


def expand(
    driver: Driver, access: GraphAccess, node_id: str, *, edge_kinds: Sequence[str] | None, hops: int, limit: int,
    most_connected: bool, drawn: Sequence[str], timeout: float,
) -> Neighbourhood:  # fmt: skip
    """Up to `limit` nodes within `hops` of `node_id` over `edge_kinds` (all visible kinds when None), the nearest
    first and, at one distance, the most connected (or by key), so the answer stays connected and readable. Nodes
    the client already draws (`drawn`) are not counted against the limit: an expansion brings new ones.

    Edges are every visible edge among the kept nodes and between them and the `drawn` nodes (those the client
    already shows that are visible to the caller). Each kept node has a badge: its visible neighbours and how many
    of them are neither kept nor drawn; what was reachable but not kept is counted per node kind.
    """
    _check_id("node_id", node_id)
    hops = _check_int("hops", hops, MAX_EXPAND_HOPS)
    limit = _check_int("limit", limit, MAX_LIMIT)
    timeout = _check_timeout(timeout)
    if isinstance(drawn, str) or not isinstance(drawn, Sequence):
        raise ValueError("drawn must be a sequence of node keys")
    drawn_ids = sorted({_check_id("drawn", value) for value in drawn})
    if len(drawn_ids) > MAX_DRAWN_IDS:
        raise ValueError(f"drawn may hold at most {MAX_DRAWN_IDS} node keys, got {len(drawn_ids)}")
    kinds = _edge_kinds(access, edge_kinds)
    empty = Neighbourhood(nodes=[], edges=[], truncated=False, badges=[], left_out=[])
    if not kinds:
        return empty
    parameters = {
        **access.cypher_parameters(), "edge_kinds": kinds, "all_kinds": _edge_kinds(access, None),
        "start": node_id, "limit": limit, "drawn": drawn_ids,
    }  # fmt: skip
    records = _read(driver, EXPAND_QUERIES[(hops, bool(most_connected))], parameters, timeout)
    if not records:
        return empty
    record = records[0]
    nodes = [_node(access, raw) for raw in record["nodes"]]
    edges = sorted((_edge(access, raw) for raw in record["edges"]), key=lambda e: e.id)
    shown = {node.id for node in nodes} | set(record["drawn_keys"])
    joined: dict[str, set[str]] = {node.id: set() for node in nodes}
    for edge in edges:
        for end, other in ((edge.source, edge.target), (edge.target, edge.source)):
            if end in joined and other in shown:
                joined[end].add(other)
    badges = [
        NodeBadge(node_id=node.id, neighbours=degree, undrawn=max(0, degree - len(joined[node.id])))
        for node, degree in zip(nodes, record["degrees"], strict=True)
    ]
    left: dict[str, int] = {}
    for kind in record["left_kinds"]:
        left[kind] = left.get(kind, 0) + 1
    return Neighbourhood(
        nodes=sorted(nodes, key=lambda n: n.id), edges=edges, truncated=bool(left),
        badges=sorted(badges, key=lambda b: b.node_id),
        left_out=[KindCount(kind=kind, count=count) for kind, count in sorted(left.items())],
    )


def warm_up(driver: Driver, access: GraphAccess, *, timeout: float = MAX_TIMEOUT) -> None:
    """Each query above run once for a key no node has, with a long timeout: a fresh server's first planning of
    these texts takes seconds (its planner is not yet compiled), more than a request's graph budget allows."""
    absent = "cadre:0"
    for hops in NETWORK_QUERIES:
        network(driver, access, absent, hops=hops, edge_kinds=None, limit=1, timeout=timeout)
    for hops in PATH_QUERIES:
        paths(driver, access, absent, "person:0", max_hops=hops, edge_kinds=None, limit=1, timeout=timeout)
    shared_connections(driver, access, [absent, "person:0"], limit=1, timeout=timeout)
    conflicts_of_interest(driver, access, absent, limit=1, timeout=timeout)
    neighbour_counts(driver, access, absent, timeout=timeout)
    for hops in range(1, MAX_EXPAND_HOPS + 1):
        for most_connected in (True, False):
            expand(driver, access, absent, edge_kinds=None, hops=hops, limit=1, most_connected=most_connected, drawn=[],
                   timeout=timeout)
