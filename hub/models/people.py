"""Cadres, the people around them (relatives and associates) and the ties between them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from hub.models.base import Base, Versioned, enum_column
from hub.models.enums import Education, Gender, KinshipKind, ManagementLevel, Rank, TieKind
from hub.validation import validate_id_number


class Cadre(Versioned, Base):
    """干部: the file of one official."""

    __tablename__ = "cadre"
    __table_args__ = (
        CheckConstraint("reserve_tier IS NULL OR reserve_tier BETWEEN 1 AND 3", name="reserve_tier_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    birth_date: Mapped[date] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(32), default="汉族")
    native_place: Mapped[str] = mapped_column(String(64), default="")
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    party_join_date: Mapped[date | None] = mapped_column(Date)
    work_start_date: Mapped[date] = mapped_column(Date)
    education: Mapped[Education] = mapped_column(enum_column(Education))
    rank: Mapped[Rank] = mapped_column(enum_column(Rank), index=True)
    management_level: Mapped[ManagementLevel] = mapped_column(enum_column(ManagementLevel), index=True)
    reserve_tier: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(32), index=True)

    unit = relationship("Unit", lazy="raise")

    @validates("id_number")
    def _check_id_number(self, _key: str, value: str) -> str:
        return validate_id_number(value)


class Person(Versioned, Base):
    """A relative or associate of one or more cadres (亲属, 社会关系)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    occupation: Mapped[str] = mapped_column(String(64), default="")
    employer: Mapped[str] = mapped_column(String(128), default="")
    emigrated_to: Mapped[str | None] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(32), index=True)

    @validates("id_number")
    def _check_id_number(self, _key: str, value: str | None) -> str | None:
        return None if value is None else validate_id_number(value)


class Kinship(Base):
    """RELATIVE_OF: a cadre's spouse, child, parent, sibling or in-law; a marriage has dates and may end."""

    __tablename__ = "kinship"
    __table_args__ = (
        UniqueConstraint("cadre_id", "person_id", name="cadre_person"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[KinshipKind] = mapped_column(enum_column(KinshipKind))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(128), default="")
    reported_on: Mapped[date | None] = mapped_column(Date)


class SocialTie(Base):
    """TIE: the social circle, to an associate or to another cadre."""

    __tablename__ = "social_tie"
    __table_args__ = (
        CheckConstraint(
            "(person_id IS NULL) <> (other_cadre_id IS NULL)", name="exactly_one_counterpart"
        ),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    other_cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TieKind] = mapped_column(enum_column(TieKind))
    source: Mapped[str] = mapped_column(String(128), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    reported_on: Mapped[date | None] = mapped_column(Date)
