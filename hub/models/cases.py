"""Investigators' cases: a number, a status, an assignee, notes, the cadres, persons and organizations it concerns,
and every change in its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, Versioned, enum_column, utcnow
from hub.models.enums import CaseStatus


class Case(Versioned, Base):
    """案件: worked by the agency that opened it."""

    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), default=CaseStatus.OPEN)
    agency: Mapped[str] = mapped_column(String(32), index=True)
    assignee_user: Mapped[str | None] = mapped_column(String(64))
    opened_by_user: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(Text, default="")


class CaseNote(Base):
    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    author_user: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class CaseLink(Base):
    """A cadre, person, organization or detection alert the case concerns (exactly one)."""

    __tablename__ = "case_link"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN cadre_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN person_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN organization_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN detection_alert_id IS NULL THEN 0 ELSE 1 END) = 1", name="exactly_one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    detection_alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("detection_alert.id", ondelete="CASCADE"), index=True
    )
    linked_by_user: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseEvent(Base):
    """One change to a case, as it happened: who, when, what."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    agency: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(500), default="")
