"""Detection alerts: what a rule found over the cadres, once per distinct evidence, and how it was handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, Versioned, enum_column, utcnow
from hub.models.enums import AlertStatus

FINGERPRINT_LENGTH = 64  # sha256, hex


class DetectionAlert(Versioned, Base):
    """预警: one rule's finding about one subject (a cadre, and the other records the finding rests on).

    `subject` names the finding's records as node keys (`cadre:12/org:5/unit:2`), so that two findings of a rule
    about the same records are one alert; `fingerprint` is the hash of its canonical evidence. The same evidence
    found again only moves `last_seen_at`; changed evidence replaces it and reopens a handled alert.
    """

    __tablename__ = "detection_alert"
    __table_args__ = (
        UniqueConstraint("rule", "subject", "fingerprint", name="rule_subject_fingerprint"),
        Index("ix_detection_alert_rule_subject", "rule", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)  # its code in hub/core/rules.csv
    subject: Mapped[str] = mapped_column(String(255))
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(32), index=True, default="")  # the cadre's, when found
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(FINGERPRINT_LENGTH))
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus), default=AlertStatus.NEW, index=True)
    assignee_user: Mapped[str | None] = mapped_column(String(64), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # evidence or status
    changed_by_user: Mapped[str | None] = mapped_column(String(64))
    times_reopened: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")  # why it was dismissed, say


class DetectionCheckpoint(Base):
    """Where the scheduled detection stands: the last graph outbox row whose changes it has looked at, and when the
    last full and the last of any run began (one row, shared by every process)."""

    __tablename__ = "detection_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_outbox_id: Mapped[int] = mapped_column(Integer, default=0)
    last_full_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # full or incremental
