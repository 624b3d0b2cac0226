"""What agencies report and find: negative records, personal matters reports, supervision actions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.agencies import CODE_MAX_LENGTH
from hub.models.base import Base, Versioned, enum_column
from hub.models.enums import (
    MatterCategory,
    MatterFinding,
    NegativeCategory,
    NegativeStatus,
    Severity,
    SupervisionKind,
)


class NegativeRecord(Versioned, Base):
    """负面信息: one item on the negative list."""

    __tablename__ = "negative_record"
    __table_args__ = (
        CheckConstraint("reported_on >= occurred_on", name="reported_after_occurred"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    reporting_agency: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), index=True)
    category: Mapped[NegativeCategory] = mapped_column(enum_column(NegativeCategory), index=True)
    facts: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date] = mapped_column(Date)
    reported_on: Mapped[date] = mapped_column(Date)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    status: Mapped[NegativeStatus] = mapped_column(enum_column(NegativeStatus), index=True)
    conclusion: Mapped[str | None] = mapped_column(Text)


class PersonalMattersReport(Versioned, Base):
    """个人有关事项报告 of one year, with the items declared and found on verification."""

    __tablename__ = "personal_matters_report"
    __table_args__ = (UniqueConstraint("cadre_id", "year", name="cadre_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    submitted_on: Mapped[date] = mapped_column(Date)
    verified_on: Mapped[date | None] = mapped_column(Date)


class MatterItem(Base):
    """One item of a report: declared by the cadre, found by verification, or both."""

    __tablename__ = "matter_item"
    __table_args__ = (CheckConstraint("declared OR found", name="declared_or_found"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("personal_matters_report.id", ondelete="CASCADE"), index=True)
    category: Mapped[MatterCategory] = mapped_column(enum_column(MatterCategory))
    description: Mapped[str] = mapped_column(String(256))
    declared: Mapped[bool] = mapped_column(Boolean, default=True)
    found: Mapped[bool] = mapped_column(Boolean, default=False)
    finding: Mapped[MatterFinding] = mapped_column(enum_column(MatterFinding), default=MatterFinding.PENDING)


class SupervisionAction(Versioned, Base):
    """Reminder talk, inquiry letter, admonishment, rectification or problem file."""

    __tablename__ = "supervision_action"
    __table_args__ = (
        CheckConstraint("due_on IS NULL OR due_on >= issued_on", name="due_after_issued"),
        CheckConstraint("replied_on IS NULL OR replied_on >= issued_on", name="replied_after_issued"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SupervisionKind] = mapped_column(enum_column(SupervisionKind))
    issued_by: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH))
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str | None] = mapped_column(Text)
    replied_on: Mapped[date | None] = mapped_column(Date)
