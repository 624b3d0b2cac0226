"""What one request may spend on the graph, across all its graph fields (aliases included).

A request of thirty aliased `network(hops: 4, limit: 500)` fields would otherwise run thirty queries of up to
the per-query timeout each. The budget bounds the request as a whole: every graph query gets at most the time
left, a query asks for at most the nodes left, and once either is spent the remaining graph fields fail with
GRAPH_BUDGET_SPENT (relational fields of the same request still answer).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from graphql import GraphQLError

# For contexts made outside an HTTP request (the gateway passes the configured HUB_GRAPH_REQUEST_* values).
DEFAULT_SECONDS = 20.0
DEFAULT_NODES = 5000
# Below this a Neo4j transaction cannot do useful work; the budget counts as spent.
MIN_QUERY_SECONDS = 0.05


def budget_spent(what: str) -> GraphQLError:
    return GraphQLError(
        f"this request has spent its graph budget ({what}); ask for fewer or smaller graph fields",
        extensions={"code": "GRAPH_BUDGET_SPENT"},
    )


@dataclass
class GraphBudget:
    """Seconds and nodes left for the request's graph queries (counted from the start of its execution)."""

    seconds: float = DEFAULT_SECONDS
    nodes: int = DEFAULT_NODES
    started: float = field(default_factory=time.monotonic)
    nodes_spent: int = 0

    def seconds_left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def nodes_left(self) -> int:
        return self.nodes - self.nodes_spent

    def timeout(self, per_query_cap: float) -> float:
        """The timeout of the next graph query; refuses when the time or the nodes are spent."""
        left = self.seconds_left()
        if left < MIN_QUERY_SECONDS:
            raise budget_spent(f"{self.seconds:g} s")
        if self.nodes_left() <= 0:
            raise budget_spent(f"{self.nodes:,} nodes")
        return min(per_query_cap, left)

    def cap(self, limit: int) -> int:
        """A query's node limit, lowered to what is left (a limit out of range is left for the query to refuse)."""
        return min(limit, max(1, self.nodes_left())) if limit >= 1 else limit

    def spend(self, nodes: int) -> None:
        self.nodes_spent += nodes
