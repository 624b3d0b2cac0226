"""The access audit as seen through GraphQL (by the agencies the policy lets read it)."""

from __future__ import annotations

from datetime import datetime

from hub import models
from schema.record_types import record_type


@record_type(models.AuditEntry, "AuditEntry", "One request that read or wrote cadre data.")
class AuditEntryType:
    id: int
    at: datetime
    user: str
    agency: str
    operation: str
    operation_name: str
    cadre_ids: list[int]
    fields: list[str]
    purpose: str
    prev_hash: str
    hash: str



