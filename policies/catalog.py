"""The governed vocabulary: every `Type.field` the policy can speak of, read off the full schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_introspection_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

# Types that only carry other values (pagination, errors, payload wrappers): access follows what they carry.
STRUCTURAL_TYPE_NAMES = frozenset(
    {"PageInfo", "FieldError", "ValidationErrors", "VersionConflict", "NotFound", "Deleted", "FitWeight",
     "MattersInquiryBatch", "DetectionAlertsChanged"}
    # Workflow refusals: a message and the state the record is in, never stored data.
    | {"WrongState", "NotAllowed"}
    # Graph results: what they carry is cut by the caller's graph access (graph_sync.access).
    | {"GraphNode", "GraphEdge", "Subgraph", "GraphPath", "SharedConnection", "ConflictOfInterest"}
    | {"Neighbourhood", "NodeBadge", "KindCount", "RelationCount"}
    | {"CadreNode", "PersonNode", "PostNode", "UnitNode", "OrganizationNode"}
    # Timeline events: each value is cut by the record field behind it (schema.timeline).
    | {"TimelineEvent"}
)
# Field metadata: the `Type.field` whose unmasked read a field of a structural type needs (a graph node's property).
GOVERNED_BY = "governed_by"
STRUCTURAL_SUFFIXES = ("Connection", "Edge")
ORDER_ENUM_SUFFIX = "OrderField"
MUTATION = "Mutation"
SUBSCRIPTION = "Subscription"
REQUEST_OBJECTS = frozenset({"Request.purpose"})
ROW_SCOPES: dict[str, tuple[str, ...]] = {
    "Cadre": ("all", "management", "own_unit"),
    "NegativeRecord": ("own_reports",),
    "ReviewAnswer": ("all", "own_answers"),
    "Case": ("all", "own_agency"),
    "AppointmentRequest": ("all", "own_unit"),
    "Selection": ("own_unit",),
    "MattersInquiry": ("all", "own_inquiries"),
}


def is_structural(type_name: str) -> bool:
    return type_name in STRUCTURAL_TYPE_NAMES or type_name.endswith(STRUCTURAL_SUFFIXES)


def metadata_of(element: Any) -> dict[str, Any]:
    definition = (element.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return dict(getattr(definition, "metadata", None) or {})


def user_types(schema: GraphQLSchema) -> list[GraphQLNamedType]:
    return [t for name, t in sorted(schema.type_map.items()) if not is_introspection_type(t) and not name.startswith("__")]


@dataclass(frozen=True)
class Catalog:
    """Readable and writable objects (`Type.field`) of the full schema, and the row scopes."""

    read_objects: frozenset[str]
    write_objects: frozenset[str]
    types: frozenset[str]

    def knows(self, policy_object: str) -> bool:
        """Whether a policy object (possibly with `*`) names anything that exists."""
        if policy_object.startswith("Row."):
            return policy_object.removeprefix("Row.") in ROW_SCOPES
        if policy_object.startswith("Request."):
            return policy_object in REQUEST_OBJECTS
        if policy_object == "*":
            return True
        type_name, _, field = policy_object.partition(".")
        if type_name not in self.types:
            return False
        if field == "*":
            return True
        return policy_object in self.read_objects or policy_object in self.write_objects


def build_catalog(schema: GraphQLSchema) -> Catalog:
    read_objects: set[str] = set()
    write_objects: set[str] = set()
    types: set[str] = set()
    for named in user_types(schema):
        if isinstance(named, GraphQLObjectType) and not is_structural(named.name):
            types.add(named.name)
            target = write_objects if named.name == MUTATION else read_objects
            target.update(f"{named.name}.{field}" for field in named.fields)
        elif isinstance(named, GraphQLInputObjectType):
            for field in named.fields.values():
                writes = metadata_of(field).get("writes")
                if writes:
                    write_objects.add(writes)
    return Catalog(frozenset(read_objects), frozenset(write_objects), frozenset(types))


def named_type_name(graphql_type: Any) -> str:
    return get_named_type(graphql_type).name

