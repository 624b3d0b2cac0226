"""How records map onto the graph: node keys and labels, edge kinds, and the properties each carries.

Node keys are strings `<kind>:<record id>` (`cadre:12`, `person:40`, `post:3`, `unit:1`, `org:7`);
edge keys are `<table>:<record id>`. Every node has the label of its kind and the structural properties
`key` and `kind` (its NodeKind value, which the access Cypher filters on); cadres and relatives are both
`Person` nodes (a cadre also carries the `Cadre` label). The node properties are the record fields declared
with a graph property (`hub.record_fields`); each names the GraphQL `Type.field` whose read permission covers
it; no record property may take a structural name (the organization's own kind is `organizationKind`).

The graph stores a closed-vocabulary value as its record value (`male`); queries publish it by its member name
(`MALE`), the case of the GraphQL enums (`cut_and_published`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from hub.record_fields import RECORD_KINDS, RecordKind


class NodeKind(str, Enum):
    CADRE = "cadre"
    PERSON = "person"
    POST = "post"
    UNIT = "unit"
    ORGANIZATION = "org"


class EdgeKind(str, Enum):
    HOLDS = "HOLDS"
    PART_OF = "PART_OF"
    RELATIVE_OF = "RELATIVE_OF"
    TIE = "TIE"
    OWNS = "OWNS"
    DIRECTS = "DIRECTS"
    WORKS_AT = "WORKS_AT"
    MEMBER_OF = "MEMBER_OF"
    NOMINATED = "NOMINATED"
    SUPPLIES = "SUPPLIES"


# Properties every node carries for the graph itself; never the name of a record property.
STRUCTURAL_NODE_PROPERTIES = frozenset({"key", "kind"})
STRUCTURAL_EDGE_PROPERTIES = frozenset({"key"})

NODE_LABELS: dict[NodeKind, tuple[str, ...]] = {
    NodeKind.CADRE: ("Person", "Cadre"),
    NodeKind.PERSON: ("Person",),
    NodeKind.POST: ("Post",),
    NodeKind.UNIT: ("Unit",),
    NodeKind.ORGANIZATION: ("Organization",),
}

# GraphQL type whose field permissions govern a node kind's properties.
NODE_TYPE: dict[NodeKind, str] = {
    NodeKind.CADRE: "Cadre",
    NodeKind.PERSON: "Person",
    NodeKind.POST: "Post",
    NodeKind.UNIT: "Unit",
    NodeKind.ORGANIZATION: "Organization",
}


def _node_properties(type_name: str) -> dict[str, tuple[str, str]]:
    """graph property name -> (record attribute, GraphQL field that governs reading it), from the declared fields."""
    return {field.graph: (field.attr, field.policy_name) for field in RECORD_KINDS[type_name].graph_fields if field.graph}


NODE_PROPERTIES: dict[NodeKind, dict[str, tuple[str, str]]] = {
    kind: _node_properties(type_name) for kind, type_name in NODE_TYPE.items()
}


@dataclass(frozen=True)
class EdgeSpec:
    """An edge kind: the table it comes from, its endpoints, its properties, and who may see it."""

    table: str
    source: tuple[str, NodeKind]  # (record column holding the source id, node kind)
    target: tuple[str, NodeKind]
    properties: dict[str, str]  # graph property -> record attribute
    governed_by: tuple[str, ...]  # GraphQL `Type.field`s an agency must read to see this edge kind


# The period and source of evidence that can begin and end (graph property -> record attribute).
DATED = {"startDate": "start_date", "endDate": "end_date", "source": "source", "reportedOn": "reported_on"}

EDGE_SPECS: dict[EdgeKind, EdgeSpec] = {
    EdgeKind.HOLDS: EdgeSpec(
        "tenure", ("cadre_id", NodeKind.CADRE), ("post_id", NodeKind.POST),
        {"startDate": "start_date", "endDate": "end_date"}, ("Cadre.tenures", "Tenure.post"),
    ),
    EdgeKind.PART_OF: EdgeSpec("post", ("id", NodeKind.POST), ("unit_id", NodeKind.UNIT), {}, ("Post.unit",)),
    EdgeKind.RELATIVE_OF: EdgeSpec(
        "kinship", ("person_id", NodeKind.PERSON), ("cadre_id", NodeKind.CADRE),
        {"kind": "kind", **DATED}, ("Cadre.relatives", "Relative.person", "Relative.kind"),
    ),
    EdgeKind.TIE: EdgeSpec(
        "social_tie", ("cadre_id", NodeKind.CADRE), ("person_id|other_cadre_id", NodeKind.PERSON),
        {"kind": "kind", **DATED}, ("Cadre.ties", "SocialTie.kind"),
    ),
    EdgeKind.OWNS: EdgeSpec(
        "organization_role", ("person_id|cadre_id", NodeKind.PERSON), ("organization_id", NodeKind.ORGANIZATION),
        DATED, ("Organization.roles", "OrganizationRole.role"),
    ),
    EdgeKind.DIRECTS: EdgeSpec(
        "organization_role", ("person_id|cadre_id", NodeKind.PERSON), ("organization_id", NodeKind.ORGANIZATION),
        DATED, ("Organization.roles", "OrganizationRole.role"),
    ),
    EdgeKind.WORKS_AT: EdgeSpec(
        "organization_role", ("person_id|cadre_id", NodeKind.PERSON), ("organization_id", NodeKind.ORGANIZATION),
        DATED, ("Organization.roles", "OrganizationRole.role"),
    ),
    EdgeKind.MEMBER_OF: EdgeSpec(
        "part_time_position", ("cadre_id", NodeKind.CADRE), ("organization_id", NodeKind.ORGANIZATION),
        {"title": "title", "approved": "approved", "paid": "paid", **DATED},
        ("Cadre.partTimePositions", "PartTimePosition.organization"),
    ),
    EdgeKind.NOMINATED: EdgeSpec(
        "nomination", ("nominator_id", NodeKind.CADRE), ("nominee_id", NodeKind.CADRE),
        {"selectionId": "selection_id", "nominatedOn": "nominated_on"}, ("Cadre.nominations", "Nomination.nominator"),
    ),
    EdgeKind.SUPPLIES: EdgeSpec(
        "supply_contract", ("organization_id", NodeKind.ORGANIZATION), ("unit_id", NodeKind.UNIT),
        {"amount": "amount", "signedOn": "signed_on", "subject": "subject", "startDate": "start_date", "endDate": "end_date"},
        ("Organization.supplyContracts",),
    ),
}

# organization_role.role value -> edge kind
ROLE_EDGE = {"owner": EdgeKind.OWNS, "director": EdgeKind.DIRECTS, "employee": EdgeKind.WORKS_AT}


def _enum_properties(kind: RecordKind, properties: Mapping[str, str]) -> dict[str, type[Enum]]:
    """graph property -> its closed vocabulary, for the properties (graph name -> record attribute) holding one."""
    return {
        name: python_type for name, attr in properties.items()
        if isinstance(python_type := kind.field(attr).python_type, type) and issubclass(python_type, Enum)
    }  # fmt: skip


def _record_kind_of_table(table: str) -> RecordKind:
    (kind,) = (kind for kind in RECORD_KINDS.values() if kind.model.__tablename__ == table)
    return kind


NODE_ENUM_PROPERTIES: dict[NodeKind, dict[str, type[Enum]]] = {
    kind: _enum_properties(RECORD_KINDS[NODE_TYPE[kind]], {name: attr for name, (attr, _f) in NODE_PROPERTIES[kind].items()})
    for kind in NodeKind
}
EDGE_ENUM_PROPERTIES: dict[EdgeKind, dict[str, type[Enum]]] = {
    kind: _enum_properties(_record_kind_of_table(spec.table), spec.properties) for kind, spec in EDGE_SPECS.items()
}


_MEMBER_NAMES: dict[type[Enum], dict[Any, str]] = {
    vocabulary: {member.value: member.name for member in vocabulary}
    for properties in (*NODE_ENUM_PROPERTIES.values(), *EDGE_ENUM_PROPERTIES.values())
    for vocabulary in properties.values()
}


def _member_names_of(vocabularies: Mapping[str, type[Enum]]) -> dict[str, dict[Any, str]]:
    return {name: _MEMBER_NAMES[vocabulary] for name, vocabulary in vocabularies.items()}


# property -> {stored value: member name}, per node and edge kind: what `cut_and_published` looks up, in one step.
NODE_MEMBER_NAMES = {kind: _member_names_of(vocabularies) for kind, vocabularies in NODE_ENUM_PROPERTIES.items()}
EDGE_MEMBER_NAMES = {kind: _member_names_of(vocabularies) for kind, vocabularies in EDGE_ENUM_PROPERTIES.items()}


def cut_and_published(
    properties: Mapping[str, Any], keep: frozenset[str], member_names: Mapping[str, Mapping[Any, str]]
) -> dict[str, Any]:
    """The properties named in `keep`, each closed-vocabulary value by its member name (`male` -> `MALE`; a value
    outside the vocabulary stays as it is), in one pass: a network publishes thousands."""
    if not member_names:
        return {name: value for name, value in properties.items() if name in keep}
    return {
        name: member_names[name].get(value, value) if name in member_names else value
        for name, value in properties.items() if name in keep
    }  # fmt: skip


def node_key(kind: NodeKind, record_id: int) -> str:
    return f"{kind.value}:{record_id}"


def edge_key(table: str, record_id: int) -> str:
    return f"{table}:{record_id}"


def parse_node_key(key: str) -> tuple[NodeKind, int]:
    """`cadre:12` -> (NodeKind.CADRE, 12); raises ValueError for anything else."""
    kind, _, number = key.partition(":")
    if not number.isdigit():
        raise ValueError(f"not a node id: {key!r}")
    return NodeKind(kind), int(number)
