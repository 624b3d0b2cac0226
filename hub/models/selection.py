"""Selections for a post and the nominations in them (who nominated whom, with fit scores)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, Versioned, enum_column
from hub.models.enums import SelectionStatus

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
