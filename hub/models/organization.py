"""Units, posts and tenures; outside organizations and the cadres' and relatives' roles in them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, Versioned, enum_column
from hub.models.enums import ManagementLevel, OrganizationKind, OrganizationRoleKind, Rank


class Unit(Versioned, Base):
    """单位: an employing unit (bureau, township, department)."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[ManagementLevel] = mapped_column(enum_column(ManagementLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))


class Post(Versioned, Base):
    """岗位: a post in a unit with its approved quota (职数)."""

    __tablename__ = "post"
    __table_args__ = (CheckConstraint("quota >= 0", name="quota_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    rank: Mapped[Rank] = mapped_column(enum_column(Rank))
    quota: Mapped[int] = mapped_column(Integer, default=1)
    is_key_post: Mapped[bool] = mapped_column(Boolean, default=False)
    # Weighted fit dimensions, e.g. {"political_quality": 0.3, "professional_ability": 0.3, ...}
    requirements: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)


class Tenure(Base):
    """任职经历: a cadre holding a post from start to end (open while current)."""

    __tablename__ = "tenure"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class Organization(Versioned, Base):
    """A company, association or institution outside the government units."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[OrganizationKind] = mapped_column(enum_column(OrganizationKind))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    industry: Mapped[str] = mapped_column(String(64), default="")


class OrganizationRole(Base):
    """OWNS / DIRECTS / WORKS_AT: a relative, associate or cadre in an organization, from start to end when known."""

    __tablename__ = "organization_role"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (cadre_id IS NULL)", name="exactly_one_holder"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    role: Mapped[OrganizationRoleKind] = mapped_column(enum_column(OrganizationRoleKind))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(128), default="")  # who reported it
    reported_on: Mapped[date | None] = mapped_column(Date)


class PartTimePosition(Base):
    """MEMBER_OF: a cadre's part-time post (兼职) in an association or company."""

    __tablename__ = "part_time_position"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(128), default="")
    reported_on: Mapped[date | None] = mapped_column(Date)


class SupplyContract(Base):
    """SUPPLIES: an organization's contract with a unit, in force from its start (else its signing) to its end."""

    __tablename__ = "supply_contract"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= coalesce(start_date, signed_on)", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    subject: Mapped[str] = mapped_column(String(128), default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    signed_on: Mapped[date] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
