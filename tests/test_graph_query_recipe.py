"""The recipe for a new graph query (docs/architecture.md), followed step by step on a real Neo4j.

1. graph_sync: the Cypher, with every returned node filtered by `visible_node`, and a function that runs it
   with the caller's `GraphAccess` and cuts each node's properties;
2. schema: a field on the root query that runs it through `run_graph_query` (budget, errors) and notes the
   cadres it shows for the audit;
3. the policy: a `Query.<field>` read line per agency that may use it. Without one, only an agency granted
   every query by a wildcard (`p, org, Query.*, read, allow`) sees the field.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import strawberry
from sqlalchemy import Engine
from starlette.testclient import TestClient
from strawberry.tools import merge_types
from strawberry.types import Info

from graph_sync import queries
from graph_sync.access import GraphAccess, visible_node
from hub.app import create_app
from hub.settings import Settings
from policies.enforcement import PolicyStore
from schema.build import Query, build_full_schema
from schema.context import context_of
from schema.graph import GraphNode, note_graph_cadres, run_graph_query
from tests.conftest import Caller
from tests.graph_world import project_world

pytestmark = pytest.mark.neo4j

# Step 1 (graph_sync/queries.py): the Cypher and its runner.
RELATIVES_TEXT = f"""
MATCH (c:Person {{key: $cadre}})<-[:RELATIVE_OF]-(p:Person)
WHERE 'RELATIVE_OF' IN $edge_kinds AND {visible_node("c")} AND {visible_node("p")}
RETURN properties(p) AS relative
ORDER BY p.key
"""


def relatives(driver: Any, access: GraphAccess, cadre_id: str, *, timeout: float) -> list[queries.GraphNode]:
    parameters = {**access.cypher_parameters(), "cadre": cadre_id}
    records = queries._read(driver, RELATIVES_TEXT, parameters, timeout)
    return [queries._node(access, record["relative"]) for record in records]


# Step 2 (schema/graph.py): the field.
@strawberry.type
class RelativeQueries:
    @strawberry.field(description="The relatives of a cadre, as graph nodes.", graphql_type=list[GraphNode])
    def relatives_in_graph(self, info: Info, cadre_id: strawberry.ID) -> list[queries.GraphNode]:
        found = run_graph_query(
            info, lambda driver, access, timeout: relatives(driver, access, str(cadre_id), timeout=timeout), len
        )
        note_graph_cadres(context_of(info), found)
        return found


QUERY = '{ relativesInGraph(cadreId: "cadre:1") { id kind properties } }'


@pytest.fixture
def recipe_app(
    world: Engine, settings: Settings, neo4j_settings: Settings, policy_dir: Path
) -> Iterator[tuple[TestClient, Settings, Path]]:
    app_settings = project_world(world, settings, neo4j_settings)
    full_schema = build_full_schema(query=merge_types("Query", (Query, RelativeQueries)))
    store = PolicyStore(full_schema, policy_dir)
    with TestClient(create_app(app_settings, policies=store)) as client:
        yield client, app_settings, policy_dir


def agencies_seeing_the_field(policy_dir: Path) -> list[str]:
    store = PolicyStore(build_full_schema(query=merge_types("Query", (Query, RelativeQueries))), policy_dir)
    return [agency for agency in store.agencies if "relativesInGraph" in store.grant(agency).schema.as_str()]


def test_a_new_graph_query_is_seen_only_through_a_wildcard_until_the_policy_grants_it(recipe_app: Any) -> None:
    client, app_settings, policy_dir = recipe_app
    assert agencies_seeing_the_field(policy_dir) == ["org"]  # p, org, Query.*, read, allow
    for agency in ("inspector", "police", "discipline"):
        body = Caller(client, app_settings, agency)(QUERY)
        assert "Cannot query field 'relativesInGraph'" in body["errors"][0]["message"], agency


def test_granted_it_answers_with_the_callers_access(recipe_app: Any) -> None:
    client, app_settings, policy_dir = recipe_app
    with (policy_dir / "policy.csv").open("a") as policy:
        policy.write("\np, inspector, Query.relativesInGraph, read, allow\n")
    assert agencies_seeing_the_field(policy_dir) == ["inspector", "org"]
    inspector = Caller(client, app_settings, "inspector")
    deadline = time.monotonic() + 10  # the hub's policy watch picks the new line up within a second or two
    while "errors" in (body := inspector(QUERY)) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert "errors" not in body, body
    found = body["data"]["relativesInGraph"]
    assert [node["id"] for node in found] == ["person:1", "person:2"]
    assert all(node["kind"] == "PERSON" for node in found)
    assert all("idNumber" not in node["properties"] for node in found)  # cut as in every graph query
    police = Caller(client, app_settings, "police")(QUERY)
    assert "Cannot query field 'relativesInGraph'" in police["errors"][0]["message"]
