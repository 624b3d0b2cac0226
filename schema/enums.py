"""The domain's closed vocabularies exposed as GraphQL enums (the same Python enums the records use), and `Agency`,
whose values are the policy's agencies."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import strawberry
from graphql import GraphQLEnumType, GraphQLEnumValue, GraphQLSchema

from hub.agencies import Agencies, AgencyCode
from hub.models import enums
from hub.models.labels import Label, enum_labels
from policies.agencies import AGENCY_ENUM

Gender = enums.Gender
Rank = enums.Rank
ManagementLevel = enums.ManagementLevel
Education = enums.Education
KinshipKind = enums.KinshipKind
TieKind = enums.TieKind
OrganizationKind = enums.OrganizationKind
OrganizationRoleKind = enums.OrganizationRoleKind
NegativeCategory = enums.NegativeCategory
Severity = enums.Severity
NegativeStatus = enums.NegativeStatus
MatterCategory = enums.MatterCategory
MatterFinding = enums.MatterFinding
SupervisionKind = enums.SupervisionKind
SelectionStatus = enums.SelectionStatus

# Registered as the GraphQL enums of the same names: the records' own enum members go in and out.
for _record_enum in (
    Gender, Rank, ManagementLevel, Education, KinshipKind, TieKind, OrganizationKind, OrganizationRoleKind,
    NegativeCategory, Severity, NegativeStatus, MatterCategory, MatterFinding, SupervisionKind, SelectionStatus,
):
    strawberry.enum(_record_enum)


class _PolicyAgencies(enum.Enum):
    # Which agencies exist is policy data, known only when a schema is built for a policy; this value only lets
    # strawberry validate the schema until `declare_agencies` replaces it (an enum must have a value).
    DECLARED_BY_THE_POLICY = "declared_by_the_policy"


if TYPE_CHECKING:
    # What an `Agency` field or argument holds in Python once `declare_agencies` has run: the agency's code.
    Agency: TypeAlias = AgencyCode
else:
    Agency = strawberry.enum(_PolicyAgencies, name=AGENCY_ENUM)


def declare_agencies(schema: GraphQLSchema, agencies: Agencies) -> None:
    """Give a newly built schema's `Agency` enum one value per agency, in the policy's order: `police` is POLICE,
    described by its names (公安 Public Security).

    The enum type belongs to this schema alone. It becomes a plain graphql-core enum, so agency fields and
    arguments carry the codes themselves as strings, in and out, with no Python enum in between.
    """
    agency_enum = schema.type_map[AGENCY_ENUM]
    assert isinstance(agency_enum, GraphQLEnumType)
    agency_enum.__class__ = GraphQLEnumType
    del agency_enum.wrapped_cls  # type: ignore[attr-defined]  # strawberry's, for the stand-in Python enum
    agency_enum.values = GraphQLEnumType(AGENCY_ENUM, {
        agency.enum_name: GraphQLEnumValue(agency.code, description=Label(agency.name_zh, agency.name_en).description)
        for agency in agencies
    }).values
    agency_enum.__dict__.pop("_value_lookup", None)  # computed from the values on first use


def describe_enum_values(schema: GraphQLSchema) -> None:
    """Every labelled enum value's description is its Chinese and English label (`hub/models/enum_labels.csv`)."""
    for enum_name, labels in enum_labels().items():
        enum_type = schema.type_map.get(enum_name)
        if isinstance(enum_type, GraphQLEnumType):
            for value_name, label in labels.items():
                value = enum_type.values.get(value_name)
                if value is not None:
                    value.description = label.description


def graphql_type_of(python_type: Any) -> Any:
    """The annotation a declared field's Python type takes in the schema: an agency code is an `Agency` value."""
    return Agency if python_type is AgencyCode else python_type


def computed_enum(name: str, members: dict[str, str]) -> type[enum.Enum]:
    """`enum.Enum(name, members)`, for members computed at import: mypy reads that call as a member lookup
    unless its arguments are literals."""
    return cast(type[enum.Enum], enum.Enum(name, members))
