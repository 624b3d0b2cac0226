"""The access audit: an append-only, hash-chained log of who read or wrote which cadres' fields and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, utcnow

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(128), index=True)
    agency: Mapped[str] = mapped_column(String(32), index=True)
    operation: Mapped[str] = mapped_column(String(16))  # query | mutation
    operation_name: Mapped[str] = mapped_column(String(128), default="")
    cadre_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row holding the hash of the newest entry; appends compare-and-swap it so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=0)


class AuditAlert(Base):
    """An anomaly the audit review found: which rule fired, for whom, on which entries. `key` names what fired (the
    rule and its subject: an entry, a user's day, a user's day with one cadre), so the same entries never alert
    twice."""

    __tablename__ = "audit_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user: Mapped[str] = mapped_column(String(128), index=True)
    agency: Mapped[str] = mapped_column(String(32), index=True)
    entry_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    cadre_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    detail: Mapped[str] = mapped_column(Text, default="")


class AuditReviewState(Base):
    """One row: the newest audit entry the review has scanned."""

    __tablename__ = "audit_review_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_entry_id: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
