"""Counting a node's neighbours per edge kind and expanding it with a cap, against a real local Neo4j.

The graph is test_graph_queries' (see its docstring for the picture).
"""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from graph_sync.queries import KindCount, NodeBadge, expand, neighbour_counts
from tests.test_graph_queries import CITY, FULL, POSTS_ONLY, driver, keys  # noqa: F401  (driver: the fixture)

pytestmark = pytest.mark.neo4j

# Answers are checked here, not speed: a cold server on a loaded machine may plan a query text for over 10 s.
T = 120.0


def counts(driver: Driver, access: Any, node: str) -> dict[str, int]:
    return {count.kind: count.count for count in neighbour_counts(driver, access, node, timeout=T)}


def grow(driver: Driver, access: Any, node: str, *, hops: int = 1, limit: int = 20, kinds: Any = None,
         most_connected: bool = True, drawn: tuple[str, ...] = ()) -> Any:
    return expand(driver, access, node, edge_kinds=kinds, hops=hops, limit=limit, most_connected=most_connected,
                  drawn=list(drawn), timeout=T)


def test_neighbours_are_counted_per_edge_kind(driver: Driver) -> None:
    assert counts(driver, FULL, "cadre:1") == {"HOLDS": 2, "RELATIVE_OF": 2, "TIE": 1}
    assert counts(driver, FULL, "unit:3") == {"PART_OF": 2, "SUPPLIES": 2}
    assert counts(driver, POSTS_ONLY, "cadre:1") == {"HOLDS": 2}
    assert counts(driver, FULL, "cadre:404") == {}


def test_counts_never_include_a_hidden_neighbour_or_node(driver: Driver) -> None:
    assert counts(driver, FULL, "person:40") == {"RELATIVE_OF": 1, "TIE": 1}
    assert counts(driver, CITY, "person:40") == {"TIE": 1}  # cadre:9 (county-managed) is hidden from CITY
    assert counts(driver, CITY, "cadre:9") == {}


def test_expansion_keeps_the_most_connected_neighbours_and_counts_the_rest(driver: Driver) -> None:
    # org:1's neighbours: unit:3 (4 neighbours), unit:1 (3), person:10 (2).
    most = grow(driver, FULL, "org:1", limit=1)
    assert keys(most.nodes) == ["org:1", "unit:3"]
    assert keys(most.edges) == ["supply_contract:2"]
    assert most.truncated
    assert most.left_out == [KindCount("person", 1), KindCount("unit", 1)]
    assert most.badges == [NodeBadge("org:1", neighbours=3, undrawn=2), NodeBadge("unit:3", neighbours=4, undrawn=3)]
    by_key = grow(driver, FULL, "org:1", limit=1, most_connected=False)
    assert keys(by_key.nodes) == ["org:1", "person:10"]


def test_expansion_by_kind_and_edges_to_what_is_drawn(driver: Driver) -> None:
    only_supplies = grow(driver, FULL, "org:1", kinds=["SUPPLIES"])
    assert keys(only_supplies.nodes) == ["org:1", "unit:1", "unit:3"] and not only_supplies.truncated
    joined = grow(driver, FULL, "org:1", limit=1, drawn=("person:10", "cadre:1"))
    assert keys(joined.edges) == ["organization_role:1", "supply_contract:2"]
    assert NodeBadge("org:1", neighbours=3, undrawn=1) in joined.badges
    beyond = grow(driver, FULL, "org:1", limit=1, drawn=("unit:3",))  # a drawn node leaves room for a new one
    assert keys(beyond.nodes) == ["org:1", "unit:1"]


def test_two_hops_stay_connected_and_hidden_drawn_nodes_gain_no_edges(driver: Driver) -> None:
    two = grow(driver, FULL, "cadre:1", hops=2, limit=5)
    assert keys(two.nodes) == ["cadre:1", "person:10", "person:11", "person:12", "post:1", "post:2"]  # hop one first
    assert {count.kind: count.count for count in two.left_out} == {"org": 3, "unit": 2}
    hidden = grow(driver, CITY, "person:40", drawn=("cadre:9",))
    assert keys(hidden.nodes) == ["cadre:6", "person:40"]
    assert keys(hidden.edges) == ["social_tie:4"]
    assert NodeBadge("person:40", neighbours=1, undrawn=0) in hidden.badges


def test_bad_arguments_are_refused(driver: Driver) -> None:
    with pytest.raises(ValueError, match="hops"):
        grow(driver, FULL, "cadre:1", hops=3)
    with pytest.raises(ValueError, match="drawn"):
        grow(driver, FULL, "cadre:1", drawn=tuple(f"cadre:{n}" for n in range(1001)))
