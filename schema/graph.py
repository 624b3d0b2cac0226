"""Investigator queries over the relationship graph, cut to what the caller may read.

Resolvers hand the caller's `GraphAccess` (derived from its compiled policy view) to the Cypher
queries, which apply it inside the traversal. The types below are the GraphQL shape of `graph_sync.queries`'
results, which resolvers return as they are: each field reads the attribute of the same name.

Each node kind has a type of its own (`CadreNode`, `PersonNode`, ...) implementing the `GraphNode` interface: its
fields are the kind's graph properties, typed as the record fields they project, and each is governed by that
record field (`Cadre.name`), so an agency's schema has only the properties it may read (`policies.schema_view`).
Node and edge kinds are enums; `properties` stays, as JSON, for clients that draw whatever they get.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from datetime import date
from enum import Enum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError, GraphQLResolveInfo
from neo4j.exceptions import ClientError, DriverError, Neo4jError
from strawberry.scalars import JSON
from strawberry.types import Info

from graph_sync import queries
from graph_sync.access import GraphAccess, graph_access
from graph_sync.driver import GraphUnavailable
from graph_sync.model import NODE_PROPERTIES, NODE_TYPE, EdgeKind, NodeKind, parse_node_key
from hub.core.usage_windows import Exhausted, Reservation
from hub.record_fields import RECORD_KINDS
from policies.catalog import GOVERNED_BY
from schema.context import RequestContext, context_of
from schema.executor import SOURCE_READ
from schema.graph_budget import MIN_QUERY_SECONDS, budget_spent
from schema.rule_catalogue import DetectionRuleType, citation

GRAPH_TIMEOUT_SECONDS = 10.0
Result = TypeVar("Result")


strawberry.enum(NodeKind, name="GraphNodeKind", description="The kind of a graph node.")
strawberry.enum(EdgeKind, name="GraphEdgeKind", description="The kind of a graph edge.")


@strawberry.interface(description="A node of the relationship graph; properties hold only what the caller may read.")
class GraphNode:
    id: strawberry.ID
    kind: NodeKind
    labels: list[str]
    properties: JSON

    @classmethod
    def resolve_type(cls, value: Any, info: GraphQLResolveInfo, _abstract: Any) -> str | None:
        """The node's type named by its kind in one lookup, not by asking each node type's `is_type_of` in turn (a
        network of 500 nodes asked up to eight each); None, as before, for a kind the caller's schema lacks."""
        name = NODE_TYPE_NAMES.get(getattr(value, "kind", None))
        return name if name is not None and info.schema.get_type(name) is not None else None


def _property_value(python_type: Any, value: Any) -> Any:
    """A published property value as its GraphQL type takes it: enum members by name, dates from ISO text."""
    if value is None:
        return None
    if isinstance(python_type, type) and issubclass(python_type, Enum):
        return python_type[value]
    if python_type is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _property_field(name: str, python_type: Any, governed_by: str) -> Any:
    def read(node: Any) -> Any:
        return _property_value(python_type, node.properties.get(name))

    def resolve(root: strawberry.Parent[Any]) -> Any:
        return read(root)

    return strawberry.field(
        resolver=resolve, name=name, graphql_type=python_type | None,
        metadata={GOVERNED_BY: governed_by, SOURCE_READ: read},  # the compiled executor reads it without the resolver
    )


def _node_type(kind: NodeKind) -> type:
    """`CadreNode` etc.: the GraphNode of one kind, a field per graph property, governed by its record field."""
    type_name = NODE_TYPE[kind]
    record_kind = RECORD_KINDS[type_name]
    namespace: dict[str, Any] = {"__annotations__": {}}
    for property_name, (attr, policy_field) in NODE_PROPERTIES[kind].items():
        namespace[property_name] = _property_field(property_name, record_kind.field(attr).python_type, f"{type_name}.{policy_field}")
    namespace["is_type_of"] = classmethod(lambda _cls, value, _info: getattr(value, "kind", None) == kind.value)
    node_type = type(f"{type_name}Node", (GraphNode,), namespace)
    return strawberry.type(node_type, description=f"A {type_name.lower()} node: the properties the caller may read.")


NODE_TYPES: tuple[type, ...] = tuple(_node_type(kind) for kind in NodeKind)
NODE_TYPE_NAMES: dict[str | None, str] = {kind.value: f"{NODE_TYPE[kind]}Node" for kind in NodeKind}


EDGE_ID_PREFIX = "edge:"


def _edge_id(edge: Any) -> str:
    return f"{EDGE_ID_PREFIX}{edge.id}"


@strawberry.type(description="An edge of the relationship graph (source and target are node ids).")
class GraphEdge:
    @strawberry.field(
        description="`edge:` and the edge's key (`edge:post:3`): never a node's id.", metadata={SOURCE_READ: _edge_id},
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(_edge_id(self))

    kind: EdgeKind
    source: strawberry.ID
    target: strawberry.ID
    properties: JSON


@strawberry.type(description="Nodes and edges ready for drawing.")
class Subgraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool


@strawberry.enum(description="Which neighbours an expansion keeps first, after the nearest.")
class NeighbourOrder(Enum):
    MOST_CONNECTED = "most_connected"
    BY_KEY = "by_key"


@strawberry.type(description="How many visible neighbours edges of one kind join to a node.")
class RelationCount:
    kind: EdgeKind
    count: int


@strawberry.type(description="A node's visible neighbours, and how many of them are neither in the answer nor drawn.")
class NodeBadge:
    node_id: strawberry.ID
    neighbours: int
    undrawn: int


@strawberry.type(description="How many nodes of one kind were reachable but left out.")
class KindCount:
    kind: NodeKind
    count: int


@strawberry.type(description="A capped expansion: nodes, the edges among them and to the nodes already drawn, a badge "
                               "per node and what was left out, per node kind.")
class Neighbourhood:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool
    badges: list[NodeBadge]
    left_out: list[KindCount]


@strawberry.type(description="A path: edges[i] joins nodes[i] and nodes[i + 1].")
class GraphPath:
    nodes: list[GraphNode]
    edges: list[GraphEdge]


@strawberry.type(description="A relative, associate or organization that two or more of the given cadres share.")
class SharedConnection:
    node: GraphNode
    connected: list[strawberry.ID]
    paths: list[GraphPath]


@strawberry.type(description="An organization tied to a cadre's relative or associate that supplied the cadre's unit "
                               "while all the ties on the path held at once.")
class ConflictOfInterest:
    cadre: GraphNode
    via: GraphNode
    organization: GraphNode
    unit: GraphNode
    post: GraphNode
    path: GraphPath
    window_start: date | None = strawberry.field(description="When the contract, tenure, role and tie first all held "
                                                             "(null: earlier than any known date).")
    window_end: date | None = strawberry.field(description="When one of them ended (null: all still hold).")
    rule: str = strawberry.field(description="The code of the rule it fires in the catalogue.")
    explanation: str = strawberry.field(description="Why it fires, in words.")

    @strawberry.field(description="The rule in the catalogue, with the regulation it applies.")
    def citation(self) -> DetectionRuleType:
        return citation(self.rule)


def _access(context: RequestContext) -> GraphAccess:
    return graph_access(context.access, context.access.rows.cadre_scope_names())


def note_graph_cadres(context: RequestContext, nodes: Iterable[queries.GraphNode]) -> None:
    for node in nodes:
        kind, record_id = parse_node_key(node.id)
        if kind is NodeKind.CADRE:
            context.read_log.cadre_ids.add(record_id)
        elif kind is NodeKind.PERSON:
            context.read_log.note_linked("person", record_id)  # a relative or associate: their cadres' data


def rate_limited(context: RequestContext, retry_after: int) -> GraphQLError:
    """The caller's (or its agency's) graph time for this window is spent: HTTP 429 with Retry-After."""
    if context.http_response is not None:
        context.http_response.status_code = 429
        context.http_response.headers["Retry-After"] = str(retry_after)
    return GraphQLError(
        f"the graph time of your account or agency for this period is spent; try again in {retry_after} s",
        extensions={"code": "RATE_LIMITED", "retryAfter": retry_after},
    )


def _reserve(context: RequestContext, seconds: float) -> Reservation | None:
    """Graph time for one query from the user's and the agency's shared windows (None where there are none)."""
    windows = context.graph_windows
    if windows is None:
        return None
    principal = context.access.principal
    reservation = windows.reserve(principal.agency, principal.user, seconds)
    if isinstance(reservation, Exhausted):
        raise rate_limited(context, reservation.retry_after)
    if reservation.seconds < MIN_QUERY_SECONDS:
        windows.settle(reservation, 0)
        raise rate_limited(context, windows.seconds_to_next_window())
    return reservation


def run_graph_query(info: Info, query: Callable[[Any, GraphAccess, float], Result], count_nodes: Callable[[Result], int]) -> Result:
    """Run a graph query with the caller's access, within the request's graph budget (`query` gets the timeout)
    and the graph time its user and agency have left in the shared window.

    Graph outages and bad arguments become clear errors.
    """
    context = context_of(info)
    budget = context.graph_budget
    budget_timeout = budget.timeout(GRAPH_TIMEOUT_SECONDS)
    reservation = _reserve(context, budget_timeout)
    # Only a window that had less left than asked cuts the timeout; the millisecond rounding of a reservation
    # does not, or the request's own budget running out would be reported as the window's.
    cut_by_window = reservation is not None and reservation.cut_short and reservation.seconds < budget_timeout
    timeout = reservation.seconds if reservation is not None and cut_by_window else budget_timeout
    started = time.monotonic()
    try:
        if context.graph is None:
            raise GraphUnavailable("this request has no graph store")
        driver = context.graph.driver()
        with context.graph.query_span(info.field_name):
            result = query(driver, _access(context), timeout)
    except ValueError as bad:
        raise GraphQLError(str(bad), extensions={"code": "BAD_INPUT"}) from None
    except (GraphUnavailable, DriverError) as down:
        raise GraphQLError("graph store unavailable; relational queries still work", extensions={"code": "GRAPH_UNAVAILABLE"}) from down
    except ClientError as refused:
        if any(word in (refused.code or "") for word in ("Timeout", "TimedOut", "Terminated")):
            if cut_by_window and context.graph_windows is not None:
                raise rate_limited(context, context.graph_windows.seconds_to_next_window()) from None
            if timeout < GRAPH_TIMEOUT_SECONDS:  # cut short by what was left of the request's budget
                raise budget_spent(f"{budget.seconds:g} s") from None
            raise GraphQLError("the graph query took too long; narrow it", extensions={"code": "GRAPH_TIMEOUT"}) from None
        raise
    except Neo4jError as failure:
        raise GraphQLError("graph store unavailable; relational queries still work", extensions={"code": "GRAPH_UNAVAILABLE"}) from failure
    finally:
        if reservation is not None and context.graph_windows is not None:
            context.graph_windows.settle(reservation, time.monotonic() - started)
    budget.spend(count_nodes(result))
    return result


def _path_nodes(found: list[queries.GraphPath]) -> int:
    return sum(len(path.nodes) for path in found)


@strawberry.type
class GraphQueries:
    @strawberry.field(description="The subgraph within `hops` of a person (e.g. cadre:12, person:40).", graphql_type=Subgraph)
    def network(
        self, info: Info, person_id: strawberry.ID, hops: int = 2, edge_kinds: list[EdgeKind] | None = None, limit: int = 200
    ) -> queries.Subgraph:
        budget = context_of(info).graph_budget
        result = run_graph_query(info, lambda driver, access, timeout: queries.network(
            driver, access, str(person_id), hops=hops, edge_kinds=edge_kinds, limit=budget.cap(limit), timeout=timeout,
        ), lambda subgraph: len(subgraph.nodes))
        note_graph_cadres(context_of(info), result.nodes)
        return result

    @strawberry.field(
        description="Visible neighbours of a node per edge kind, to choose what to expand.", graphql_type=list[RelationCount],
    )
    def neighbour_counts(self, info: Info, node_id: strawberry.ID) -> list[queries.RelationCount]:
        return run_graph_query(info, lambda driver, access, timeout: queries.neighbour_counts(
            driver, access, str(node_id), timeout=timeout,
        ), lambda counts: 1)

    @strawberry.field(
        description="Up to `limit` nodes within `hops` (1 or 2) of a node over `kinds`: the nearest first, then the most "
                    "connected; with the edges to the `drawn` nodes, a badge per node and a count of what was left out. "
                    "The default two-hop view is `expand(nodeId, hops: 2, limit: 40)`.",
        graphql_type=Neighbourhood,
    )
    def expand(
        self, info: Info, node_id: strawberry.ID, kinds: list[EdgeKind] | None = None, hops: int = 1, limit: int = 20,
        order: NeighbourOrder = NeighbourOrder.MOST_CONNECTED, drawn: list[strawberry.ID] | None = None,
    ) -> queries.Neighbourhood:
        budget = context_of(info).graph_budget
        result = run_graph_query(info, lambda driver, access, timeout: queries.expand(
            driver, access, str(node_id), edge_kinds=kinds, hops=hops, limit=budget.cap(limit),
            most_connected=order is NeighbourOrder.MOST_CONNECTED, drawn=[str(key) for key in drawn or []],
            timeout=timeout,
        ), lambda neighbourhood: len(neighbourhood.nodes))
        note_graph_cadres(context_of(info), result.nodes)
        return result

    @strawberry.field(description="Shortest paths between two people (e.g. a nominator and a nominee).", graphql_type=list[GraphPath])
    def paths(
        self, info: Info, from_id: strawberry.ID, to_id: strawberry.ID, max_hops: int = 4,
        edge_kinds: list[EdgeKind] | None = None, limit: int = 10,
    ) -> list[queries.GraphPath]:
        found = run_graph_query(info, lambda driver, access, timeout: queries.paths(
            driver, access, str(from_id), str(to_id), max_hops=max_hops, edge_kinds=edge_kinds, limit=limit,
            timeout=timeout,
        ), _path_nodes)
        note_graph_cadres(context_of(info), (n for path in found for n in path.nodes))
        return found

    @strawberry.field(
        description="Relatives, associates or organizations that two or more of the cadres share.",
        graphql_type=list[SharedConnection],
    )
    def shared_connections(self, info: Info, person_ids: list[strawberry.ID], limit: int = 100) -> list[queries.SharedConnection]:
        found = run_graph_query(info, lambda driver, access, timeout: queries.shared_connections(
            driver, access, [str(key) for key in person_ids], limit=limit, timeout=timeout,
        ), lambda shared: sum(1 + sum(len(path.nodes) for path in s.paths) for s in shared))
        note_graph_cadres(context_of(info), (n for shared in found for path in shared.paths for n in path.nodes))
        return found

    @strawberry.field(
        description="Organizations tied to the cadre's relatives or associates that supply its units.",
        graphql_type=list[ConflictOfInterest],
    )
    def conflicts_of_interest(self, info: Info, cadre_id: strawberry.ID, limit: int = 50) -> list[queries.ConflictOfInterest]:
        found = run_graph_query(info, lambda driver, access, timeout: queries.conflicts_of_interest(
            driver, access, str(cadre_id), limit=limit, timeout=timeout,
        ), lambda conflicts: sum(len(c.path.nodes) for c in conflicts))
        note_graph_cadres(context_of(info), (n for conflict in found for n in conflict.path.nodes))
        return found
