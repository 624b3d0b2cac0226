"""What one caller may see of the graph, derived from their compiled `AccessView` (never from agency names).

Graph queries restrict the traversal itself (edges of visible kinds, through visible nodes only), so a
hidden node is never revealed by an edge that leads to it; properties are then cut per node kind. Cadre and
person nodes are scoped by the same rules as their SQL rows (`policies.scope_rules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph_sync.model import (
    EDGE_MEMBER_NAMES,
    EDGE_SPECS,
    NODE_MEMBER_NAMES,
    NODE_PROPERTIES,
    NODE_TYPE,
    STRUCTURAL_EDGE_PROPERTIES,
    STRUCTURAL_NODE_PROPERTIES,
    EdgeKind,
    NodeKind,
    cut_and_published,
)
from hub.access import AccessView, Principal
from policies.scope_rules import CADRE_SCOPE_RULES, PERSON_TIES, UNTIED_PERSON_MATCH, PersonTie, untied_person_value


@dataclass(frozen=True)
class CadreVisibility:
    """Which cadre and person nodes are visible, by the scope rules of `policies.scope_rules` (as in SQL).

    `scopes` holds, for each cadre scope granted and usable, the principal's values it compares with;
    `untied_person` is the value a person tied to no cadre must match (None: no such person is visible).
    """

    scopes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    untied_person: Any | None = None

    @classmethod
    def of(cls, principal: Principal, scope_names: Iterable[str]) -> CadreVisibility:
        scopes: dict[str, Mapping[str, Any]] = {}
        for name in scope_names:
            values = CADRE_SCOPE_RULES[name].principal_values(principal)
            if values is not None:
                scopes[name] = dict(values)
        return cls(scopes=scopes, untied_person=untied_person_value(principal))

    def cypher_parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {_scope_parameter(name): self.scopes.get(name) for name in CADRE_SCOPE_RULES}
        parameters[_UNTIED_PERSON] = self.untied_person
        return parameters


# The scope rules as Cypher. Each cadre scope is a map parameter (null when not granted) holding the principal's
# values; node properties are found from the record attributes they project (graph_sync.model.NODE_PROPERTIES).
_UNTIED_PERSON = "untied_person"


def _scope_parameter(name: str) -> str:
    return f"scope_{name}"


def _property_of(kind: NodeKind, attribute: str) -> str:
    for name, (record_attribute, _field) in NODE_PROPERTIES[kind].items():
        if record_attribute == attribute:
            return name
    raise ValueError(f"the scope rules compare {kind.value}.{attribute}, which the graph does not project")


def _cadre_in_scope(cadre: str) -> str:
    granted = []
    for name, rule in CADRE_SCOPE_RULES.items():
        parameter = f"${_scope_parameter(name)}"
        tests = [f"{parameter} IS NOT NULL"] + [
            f"{cadre}.{_property_of(NodeKind.CADRE, column)} = {parameter}.{attribute}" for column, attribute in rule.matches
        ]
        granted.append("(" + " AND ".join(tests) + ")")
    return "(" + " OR ".join(granted) + ")"


def _tie_pattern(tie: PersonTie, person: str, cadre: str) -> str:
    """The edge a `tie` row becomes, from the person node to the cadre node, in its projected direction."""
    (kind,) = (kind for kind, spec in EDGE_SPECS.items() if spec.table == tie.table)
    source_columns, target_columns = EDGE_SPECS[kind].source[0].split("|"), EDGE_SPECS[kind].target[0].split("|")
    if tie.person_column in source_columns and tie.cadre_column in target_columns:
        return f"({person})-[:{kind.value}]->({cadre})"
    if tie.person_column in target_columns and tie.cadre_column in source_columns:
        return f"({person})<-[:{kind.value}]-({cadre})"
    raise ValueError(f"{tie.table} ties no person to a cadre in the graph model")


def _person_in_scope(person: str) -> str:
    every_cadre = [f"${_scope_parameter(name)} IS NOT NULL" for name, rule in CADRE_SCOPE_RULES.items() if rule.every_cadre]
    tied_cadre = f"{person}_tied_cadre"  # a name no query uses: a subquery would otherwise bind an outer variable
    tied = [
        f"EXISTS {{ MATCH {_tie_pattern(tie, person, tied_cadre)}"
        f" WHERE {tied_cadre}.kind = 'cadre' AND {_cadre_in_scope(tied_cadre)} }}"
        for tie in PERSON_TIES
    ]
    untied = [f"${_UNTIED_PERSON} IS NOT NULL"]
    untied += [f"NOT EXISTS {{ MATCH {_tie_pattern(tie, person, '')} }}" for tie in PERSON_TIES]
    untied.append(f"{person}.{_property_of(NodeKind.PERSON, UNTIED_PERSON_MATCH[0])} = ${_UNTIED_PERSON}")
    scoped = "(" + " OR ".join([*tied, "(" + " AND ".join(untied) + ")"]) + ")"
    # CASE, not OR: the planner runs an OR's subqueries for every node even when the first operand holds.
    return f"(CASE WHEN {' OR '.join(every_cadre) or 'false'} THEN true ELSE {scoped} END)"


def visible_node(variable: str) -> str:
    """Cypher that holds when the node bound to `variable` is visible: its kind is, and for cadres and persons
    the same row scope as in SQL (all values come from parameters)."""
    return (
        f"({variable}.kind IN $visible_kinds"
        f" AND ({variable}.kind <> 'cadre' OR {_cadre_in_scope(variable)})"
        f" AND ({variable}.kind <> 'person' OR {_person_in_scope(variable)}))"
    )


def visible_record_node(variable: str) -> str:
    """`visible_node` for a node matched by a label that is neither a cadre's nor a person's (Organization, Unit,
    Post): only its kind decides. The same answer without the row scope's subqueries, which the planner would
    otherwise weigh for every such node of a pattern (seconds of planning on a cold server)."""
    return f"({variable}.kind IN $visible_kinds AND NOT {variable}.kind IN ['cadre', 'person'])"


# Structural properties are never cut into `properties`: a node's key and kind travel as its id and kind.
_EDGE_PROPERTY_NAMES = {
    kind: frozenset(spec.properties) - STRUCTURAL_EDGE_PROPERTIES for kind, spec in EDGE_SPECS.items()
}


_NOTHING: frozenset[str] = frozenset()


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
        return cut_and_published(properties, self._node_keeps.get(kind, _NOTHING), {})

    def cut_edge(self, kind: EdgeKind, properties: dict[str, Any]) -> dict[str, Any]:
        """The edge's record properties, if the caller may see its kind (none otherwise)."""
        return cut_and_published(properties, self._edge_keeps.get(kind, _NOTHING), {})

    def published_node(self, kind: NodeKind, properties: Mapping[str, Any]) -> dict[str, Any]:
        """`cut_node`, closed-vocabulary values by member name (`cut_and_published`)."""
        return cut_and_published(properties, self._node_keeps.get(kind, _NOTHING), NODE_MEMBER_NAMES[kind])

    def published_edge(self, kind: EdgeKind, properties: Mapping[str, Any]) -> dict[str, Any]:
        """`cut_edge`, closed-vocabulary values by member name (`cut_and_published`)."""
        return cut_and_published(properties, self._edge_keeps.get(kind, _NOTHING), EDGE_MEMBER_NAMES[kind])


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
    cadres = CadreVisibility.of(view.principal, cadre_scopes)
    return GraphAccess(edge_kinds=edge_kinds, node_properties=node_properties, cadres=cadres)


# Every node kind with every property, every edge kind and every cadre: the detection runner's view (its alerts are
# cut per reader by the alerts' row scope and the policy).
EVERYTHING = GraphAccess(
    edge_kinds=frozenset(EdgeKind),
    node_properties={kind: frozenset(properties) for kind, properties in NODE_PROPERTIES.items()},
    cadres=CadreVisibility(scopes={"all": {}}),
)
