"""What one caller may see of the graph, derived from their compiled `AccessView` (never from agency names).

Graph queries restrict the traversal itself (edges of visible kinds, through visible nodes only), so a
hidden node is never revealed by an edge that leads to it; properties are then cut per node kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph_sync.model import (
    EDGE_SPECS,
    NODE_PROPERTIES,
    NODE_TYPE,
    STRUCTURAL_EDGE_PROPERTIES,
    STRUCTURAL_NODE_PROPERTIES,
    EdgeKind,
    NodeKind,
)
from schema.access import AccessView


@dataclass(frozen=True)
class CadreVisibility:
    """Which cadre nodes are visible: any of the granted scopes (an empty tuple means none)."""

    all: bool = False
    management: tuple[str, str] | None = None  # (level, jurisdiction)
    unit_id: int | None = None

    def cypher_parameters(self) -> dict[str, Any]:
        return {
            "all_cadres": self.all,
            "scope_level": self.management[0] if self.management else None,
            "scope_jurisdiction": self.management[1] if self.management else None,
            "scope_unit_id": self.unit_id,
        }


# A node is visible when its kind is visible and, for cadres, it falls in the caller's scope.
# Used inside Cypher as: WHERE <VISIBLE_NODE with n bound> (all values come from parameters).
VISIBLE_NODE_CYPHER = (
    "({n}.kind IN $visible_kinds AND ({n}.kind <> 'cadre' OR $all_cadres"
    " OR ({n}.managementLevel = $scope_level AND {n}.jurisdiction = $scope_jurisdiction)"
    " OR {n}.unitId = $scope_unit_id))"
)


def visible_node(variable: str) -> str:
    return VISIBLE_NODE_CYPHER.format(n=variable)


# Structural properties are never cut into `properties`: a node's key and kind travel as its id and kind.
_EDGE_PROPERTY_NAMES = {
    kind: frozenset(spec.properties) - STRUCTURAL_EDGE_PROPERTIES for kind, spec in EDGE_SPECS.items()
}


@dataclass(frozen=True)
class GraphAccess:
    edge_kinds: frozenset[EdgeKind]
    node_properties: dict[NodeKind, frozenset[str]]  # readable property names per visible node kind
    cadres: CadreVisibility
    # What cut_node / cut_edge keep, per kind: computed once, used for every node and edge of every answer.
    _node_keeps: dict[NodeKind, frozenset[str]] = field(init=False, repr=False, compare=False)
    _edge_keeps: dict[EdgeKind, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        node_keeps = {kind: names - STRUCTURAL_NODE_PROPERTIES for kind, names in self.node_properties.items()}
        edge_keeps = {kind: _EDGE_PROPERTY_NAMES[kind] for kind in self.edge_kinds}
        object.__setattr__(self, "_node_keeps", node_keeps)
        object.__setattr__(self, "_edge_keeps", edge_keeps)

    @property
    def visible_kinds(self) -> list[str]:
        return sorted(kind.value for kind in self.node_properties)

    def cypher_parameters(self) -> dict[str, Any]:
        return {
            "visible_kinds": self.visible_kinds,
            "edge_kinds": sorted(kind.value for kind in self.edge_kinds),
            **self.cadres.cypher_parameters(),
        }

    def cut_node(self, kind: NodeKind, properties: dict[str, Any]) -> dict[str, Any]:
        """The node's record properties the caller may read (none of a kind it may not see)."""
        keep = self._node_keeps.get(kind, frozenset())
        return {name: value for name, value in properties.items() if name in keep}

    def cut_edge(self, kind: EdgeKind, properties: dict[str, Any]) -> dict[str, Any]:
        """The edge's record properties, if the caller may see its kind (none otherwise)."""
        keep = self._edge_keeps.get(kind, frozenset())
        return {name: value for name, value in properties.items() if name in keep}


def graph_access(view: AccessView, cadre_scopes: tuple[str, ...]) -> GraphAccess:
    """Node kinds, properties and edge kinds the view may read; cadre scope from the granted scope names."""
    node_properties: dict[NodeKind, frozenset[str]] = {}
    for kind, properties in NODE_PROPERTIES.items():
        type_name = NODE_TYPE[kind]
        if not view.can_read(type_name, "id"):
            continue
        node_properties[kind] = frozenset(
            name for name, (_attr, field) in properties.items() if view.can_read_unmasked(type_name, field)
        )
    edge_kinds = frozenset(
        kind
        for kind, spec in EDGE_SPECS.items()
        if all(view.can_read(*field.split(".", 1)) for field in spec.governed_by)
        and NodeKind(spec.source[1]) in node_properties
        and NodeKind(spec.target[1]) in node_properties
    )
    principal = view.principal
    cadres = CadreVisibility(
        all="all" in cadre_scopes,
        management=(principal.level, principal.jurisdiction)
        if "management" in cadre_scopes and principal.level and principal.jurisdiction
        else None,
        unit_id=principal.unit_id if "own_unit" in cadre_scopes else None,
    )
    return GraphAccess(edge_kinds=edge_kinds, node_properties=node_properties, cadres=cadres)
