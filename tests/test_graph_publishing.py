"""What a graph answer carries of a node's or an edge's stored properties: only those the agency may read unmasked,
closed-vocabulary values by their GraphQL member name, anything else as stored; for every agency of the policy."""

from __future__ import annotations

from enum import Enum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_sync.access import graph_access
from graph_sync.model import (
    EDGE_ENUM_PROPERTIES,
    EDGE_SPECS,
    NODE_ENUM_PROPERTIES,
    NODE_PROPERTIES,
    NODE_TYPE,
    STRUCTURAL_EDGE_PROPERTIES,
    STRUCTURAL_NODE_PROPERTIES,
)
from hub.access import Principal
from policies.enforcement import PolicyStore


def _stored_values(vocabulary: type[Enum] | None) -> st.SearchStrategy[Any]:
    unknown = st.one_of(st.none(), st.integers(), st.text(max_size=8))
    if vocabulary is None:
        return unknown
    return st.one_of(st.sampled_from([member.value for member in vocabulary]), unknown)


def _stored(names: list[str], vocabularies: dict[str, type[Enum]]) -> st.SearchStrategy[dict[str, Any]]:
    """Stored properties: some of `names` (structural ones and unknown names among them), any values."""
    return st.dictionaries(
        st.sampled_from(names), st.none(), max_size=len(names)
    ).flatmap(lambda chosen: st.fixed_dictionaries({name: _stored_values(vocabularies.get(name)) for name in chosen}))


def _expected(stored: dict[str, Any], readable: set[str], vocabularies: dict[str, type[Enum]]) -> dict[str, Any]:
    def published(name: str, value: Any) -> Any:
        members = {member.value: member.name for member in vocabularies.get(name, ())}
        return members.get(value, value) if isinstance(value, (str, int)) or value is None else value

    return {name: published(name, value) for name, value in stored.items() if name in readable}


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_node_and_edge_properties_are_cut_to_the_readable_and_published_by_member_name(
    policy_store: PolicyStore, data: st.DataObject
) -> None:
    agency = data.draw(st.sampled_from(sorted(policy_store.agencies)))
    view, _schema = policy_store.view(Principal(user="tester", agency=agency, jurisdiction="huzhou", level="city"))
    access = graph_access(view, view.rows.cadre_scope_names())
    node_kind = data.draw(st.sampled_from(sorted(NODE_PROPERTIES, key=lambda kind: kind.value)))
    names = [*NODE_PROPERTIES[node_kind], *STRUCTURAL_NODE_PROPERTIES, "notAProperty"]
    stored = data.draw(_stored(names, NODE_ENUM_PROPERTIES[node_kind]))
    type_name = NODE_TYPE[node_kind]
    readable = {
        name for name, (_attr, field) in NODE_PROPERTIES[node_kind].items()
        if view.can_read(type_name, "id") and view.can_read_unmasked(type_name, field)
    }  # fmt: skip
    assert access.published_node(node_kind, stored) == _expected(stored, readable, NODE_ENUM_PROPERTIES[node_kind])

    edge_kind = data.draw(st.sampled_from(sorted(EDGE_SPECS, key=lambda kind: kind.value)))
    names = [*EDGE_SPECS[edge_kind].properties, *STRUCTURAL_EDGE_PROPERTIES, "notAProperty"]
    stored = data.draw(_stored(names, EDGE_ENUM_PROPERTIES[edge_kind]))
    readable = set(EDGE_SPECS[edge_kind].properties) - STRUCTURAL_EDGE_PROPERTIES if edge_kind in access.edge_kinds else set()
    assert access.published_edge(edge_kind, stored) == _expected(stored, readable, EDGE_ENUM_PROPERTIES[edge_kind])
