"""The relational model (the system of record)."""

from hub.models.audit import AuditAlert, AuditEntry, AuditHead, AuditReviewState
from hub.models.base import Base
from hub.models.cases import Case, CaseEvent, CaseLink, CaseNote
from hub.models.detection import DetectionAlert, DetectionCheckpoint
from hub.models.findings import MatterItem, NegativeRecord, PersonalMattersReport, SupervisionAction
from hub.models.investigations import SavedInvestigation
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
from hub.models.selection import AppointmentCandidate, AppointmentRequest, Nomination, Selection
from hub.models.usage import UsageWindow
from hub.models.watch import WatchEntry, WatchEvent, WatchEventSubject
from hub.models.workflow import (
    Decision,
    JointReview,
    MatterGap,
    MattersInquiry,
    MattersVerification,
    RectificationItem,
    ReportingRound,
    ReportSubmission,
    ReviewAnswer,
    SubmittedRecord,
)

__all__ = [
    "AppointmentCandidate",
    "AppointmentRequest",
    "AuditAlert",
    "AuditEntry",
    "AuditHead",
    "AuditReviewState",
    "Base",
    "Cadre",
    "Case",
    "CaseEvent",
    "CaseLink",
    "CaseNote",
    "Decision",
    "DetectionAlert",
    "DetectionCheckpoint",
    "GraphCheckpoint",
    "GraphOutbox",
    "JointReview",
    "Kinship",
    "MatterGap",
    "MatterItem",
    "MattersInquiry",
    "MattersVerification",
    "NegativeRecord",
    "Nomination",
    "Organization",
    "OrganizationRole",
    "PartTimePosition",
    "Person",
    "PersonalMattersReport",
    "Post",
    "RectificationItem",
    "ReportSubmission",
    "ReportingRound",
    "ReviewAnswer",
    "SavedInvestigation",
    "Selection",
    "SocialTie",
    "SubmittedRecord",
    "SupervisionAction",
    "SupplyContract",
    "Tenure",
    "Unit",
    "UsageWindow",
    "WatchEntry",
    "WatchEvent",
    "WatchEventSubject",
]
