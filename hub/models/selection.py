"""Selections for a post, the nominations in them (who nominated whom, with fit scores), and the employing units'
requests that open them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.agencies import CODE_MAX_LENGTH
from hub.models.base import Base, Versioned, enum_column
from hub.models.enums import AppointmentRequestStatus, SelectionStatus

SCORE_RANGE = "BETWEEN 0 AND 100"


class Selection(Versioned, Base):
    """A selection procedure for one post."""

    __tablename__ = "selection"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    status: Mapped[SelectionStatus] = mapped_column(enum_column(SelectionStatus), default=SelectionStatus.OPEN)
    notes: Mapped[str] = mapped_column(Text, default="")


class Nomination(Versioned, Base):
    """NOMINATED: a first nominator (首推责任人) puts a nominee into a selection."""

    __tablename__ = "nomination"
    __table_args__ = (
        UniqueConstraint("selection_id", "nominee_id", name="selection_nominee"),
        CheckConstraint("nominee_id <> nominator_id", name="not_self_nominated"),
        *(
            CheckConstraint(f"{score} IS NULL OR {score} {SCORE_RANGE}", name=f"{score}_range")
            for score in (
                "political_quality",
                "professional_ability",
                "responsibility",
                "performance",
                "reputation",
            )
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selection.id", ondelete="CASCADE"), index=True)
    nominee_id: Mapped[int] = mapped_column(ForeignKey("cadre.id"), index=True)
    nominator_id: Mapped[int] = mapped_column(ForeignKey("cadre.id"), index=True)
    nominated_on: Mapped[date] = mapped_column(Date)
    political_quality: Mapped[int | None] = mapped_column(Integer)
    professional_ability: Mapped[int | None] = mapped_column(Integer)
    responsibility: Mapped[int | None] = mapped_column(Integer)
    performance: Mapped[int | None] = mapped_column(Integer)
    reputation: Mapped[int | None] = mapped_column(Integer)


class AppointmentRequest(Versioned, Base):
    """An employing unit asks for a post of its own to be filled; the Organization Department accepts it (a
    selection is opened) or declines it with a reason."""

    __tablename__ = "appointment_request"
    __table_args__ = (
        CheckConstraint("status <> 'declined' OR decline_reason <> ''", name="declined_with_reason"),
        CheckConstraint("status = 'submitted' OR decided_by IS NOT NULL", name="decided_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the post's unit, the requester
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[AppointmentRequestStatus] = mapped_column(
        enum_column(AppointmentRequestStatus), default=AppointmentRequestStatus.SUBMITTED, index=True
    )
    submitted_by_user: Mapped[str] = mapped_column(String(128))
    submitted_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(CODE_MAX_LENGTH))
    decided_by_user: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    selection_id: Mapped[int | None] = mapped_column(
        ForeignKey("selection.id", ondelete="SET NULL"), unique=True
    )


class AppointmentCandidate(Base):
    """A cadre the unit proposes for the post it asks to fill."""

    __tablename__ = "appointment_candidate"
    __table_args__ = (UniqueConstraint("request_id", "cadre_id", name="request_cadre"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("appointment_request.id", ondelete="CASCADE"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
