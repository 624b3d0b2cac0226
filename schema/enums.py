"""The domain's closed vocabularies exposed as GraphQL enums (the same Python enums the records use), and `Agency`,
whose values are the policy's agencies."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLSchema

from hub.agencies import Agencies, AgencyCode
from hub.models import enums
from policies.agencies import AGENCY_ENUM

Gender = strawberry.enum(enums.Gender)
Rank = strawberry.enum(enums.Rank)
ManagementLevel = strawberry.enum(enums.ManagementLevel)
Education = strawberry.enum(enums.Education)
KinshipKind = strawberry.enum(enums.KinshipKind)
TieKind = strawberry.enum(enums.TieKind)
OrganizationKind = strawberry.enum(enums.OrganizationKind)
OrganizationRoleKind = strawberry.enum(enums.OrganizationRoleKind)
NegativeCategory = strawberry.enum(enums.NegativeCategory)
Severity = strawberry.enum(enums.Severity)
NegativeStatus = strawberry.enum(enums.NegativeStatus)
MatterCategory = strawberry.enum(enums.MatterCategory)
MatterFinding = strawberry.enum(enums.MatterFinding)
SupervisionKind = strawberry.enum(enums.SupervisionKind)
SelectionStatus = strawberry.enum(enums.SelectionStatus)


class _PolicyAgencies(enum.Enum):
    # Which agencies exist is policy data, known only when a schema is built for a policy; this value only lets
    # strawberry validate the schema until `declare_agencies` replaces it (an enum must have a value).
    DECLARED_BY_THE_POLICY = "declared_by_the_policy"


Agency = strawberry.enum(_PolicyAgencies, name=AGENCY_ENUM)


def declare_agencies(schema: GraphQLSchema, agencies: Agencies) -> None:
    """Give a newly built schema's `Agency` enum one value per agency, in the policy's order: `police` is POLICE.

    The enum type belongs to this schema alone. It becomes a plain graphql-core enum, so agency fields and
    arguments carry the codes themselves as strings, in and out, with no Python enum in between.
    """
    agency_enum = schema.type_map[AGENCY_ENUM]
    assert isinstance(agency_enum, GraphQLEnumType)
    agency_enum.__class__ = GraphQLEnumType
    del agency_enum.wrapped_cls  # type: ignore[attr-defined]  # strawberry's, for the stand-in Python enum
    agency_enum.values = GraphQLEnumType(AGENCY_ENUM, {agency.enum_name: agency.code for agency in agencies}).values
    agency_enum.__dict__.pop("_value_lookup", None)  # computed from the values on first use


def graphql_type_of(python_type: Any) -> Any:
    """The annotation a declared field's Python type takes in the schema: an agency code is an `Agency` value."""
    return Agency if python_type is AgencyCode else python_type
