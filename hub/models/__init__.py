"""The relational model (the system of record)."""

from hub.models.audit import AuditEntry, AuditHead
from hub.models.base import Base
from hub.models.organization import (
    Organization,
    OrganizationRole,
    PartTimePosition,
    Post,
    SupplyContract,
    Tenure,
    Unit,
)
from hub.models.outbox import GraphCheckpoint, GraphOutbox
from hub.models.people import Cadre, Kinship, Person, SocialTie
from hub.models.records import MatterItem, NegativeRecord, PersonalMattersReport, SupervisionAction
from hub.models.selection import Nomination, Selection

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Base",
    "Cadre",
    "GraphCheckpoint",
    "GraphOutbox",
    "Kinship",
    "MatterItem",
    "NegativeRecord",
    "Nomination",
    "Organization",
    "OrganizationRole",
    "PartTimePosition",
    "Person",
    "PersonalMattersReport",
    "Post",
    "Selection",
    "SocialTie",
    "SupervisionAction",
    "SupplyContract",
    "Tenure",
    "Unit",
]
