"""The graph queries planned on the graph server when the hub starts, in the background.

A fresh Neo4j plans the investigator queries in seconds (their row-scope predicates are large, and its planner is
not yet compiled), more than a request's graph budget: the first investigator after a restart would meet
GRAPH_TIMEOUT. Each agency's own parameters are used, since the server keeps a plan per query text and parameter
types (a scope granted or not is a map or a null).
"""

from __future__ import annotations

import logging
import threading

from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from graph_sync.access import graph_access
from graph_sync.queries import warm_up
from hub.access import Principal
from hub.graph_store import GraphStore
from policies.enforcement import PolicyStore
from schema.graph import GraphQueries

log = logging.getLogger("hub.graph")

# The root fields that run graph queries: an agency granted none of them is not warmed.
GRAPH_QUERIES = tuple(
    field.graphql_name or to_camel_case(field.python_name) for field in get_object_definition(GraphQueries, strict=True).fields
)


class GraphWarmUp:
    """One background pass over the policy's agencies; `stop` ends it between queries."""

    def __init__(self, graph: GraphStore, policies: PolicyStore) -> None:
        self._graph = graph
        self._policies = policies
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hub-graph-warm-up", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            driver = self._graph.driver()
        except Exception as down:  # the graph is optional: its outage is reported by /readyz and the queries
            log.info("graph warm-up skipped: %s", down)
            return
        for agency in sorted(self._policies.schema_agencies):
            if self._stopping.is_set():
                return
            if not any(self._policies.may_read(agency, f"Query.{name}") for name in GRAPH_QUERIES):
                continue  # decided from the policy alone: compiling the grant of every agency would cost seconds each
            # Every claim the scope rules compare with is set, so each scope the agency holds is warmed as a map.
            principal = Principal(user="warm-up", agency=agency, jurisdiction="warm-up", level="city", unit_id=0)
            view, _schema = self._policies.view(principal)
            try:
                warm_up(driver, graph_access(view, view.rows.cadre_scope_names()))
            except Exception as failed:
                log.warning("graph warm-up stopped at agency %s: %s", agency, failed)
                return
        log.info("graph queries planned for %d agencies", len(self._policies.schema_agencies))
