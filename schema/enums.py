"""The domain's closed vocabularies exposed as GraphQL enums (the same Python enums the records use)."""

from __future__ import annotations

import strawberry

from hub.models import enums

Gender = strawberry.enum(enums.Gender)
Rank = strawberry.enum(enums.Rank)
ManagementLevel = strawberry.enum(enums.ManagementLevel)
Education = strawberry.enum(enums.Education)
KinshipKind = strawberry.enum(enums.KinshipKind)
TieKind = strawberry.enum(enums.TieKind)
OrganizationKind = strawberry.enum(enums.OrganizationKind)
OrganizationRoleKind = strawberry.enum(enums.OrganizationRoleKind)
Agency = strawberry.enum(enums.Agency)
NegativeCategory = strawberry.enum(enums.NegativeCategory)
Severity = strawberry.enum(enums.Severity)
NegativeStatus = strawberry.enum(enums.NegativeStatus)
MatterCategory = strawberry.enum(enums.MatterCategory)
MatterFinding = strawberry.enum(enums.MatterFinding)
SupervisionKind = strawberry.enum(enums.SupervisionKind)
SelectionStatus = strawberry.enum(enums.SelectionStatus)
