"""The vetting and supervision workflows: reporting rounds, joint reviews, personal matters checks,
rectification items and the ledger of who decided what.

Who may take each step is decided by the policy alone; these tables record who did, and when.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.agencies import CODE_MAX_LENGTH
from hub.models.base import Base, Versioned, enum_column, utcnow
from hub.models.enums import MatterCategory, MatterFinding


class SubmissionKind(enum.Enum):
    ROUND_RETURN = "round_return"  # the half-yearly return of a reporting round (定期报送)
    URGENT = "urgent"  # a serious item reported at once, outside any round (随时报送)


class ReviewVerdict(enum.Enum):
    NORMAL = "normal"
    ABNORMAL = "abnormal"


class ReviewStatus(enum.Enum):
    OPEN = "open"
    CONCLUDED = "concluded"


class ReviewConclusion(enum.Enum):
    PROCEED = "proceed"  # the selection goes on
    STOP = "stop"  # the selection is stopped (终止)
    SUSPEND = "suspend"  # the selection is suspended (暂缓)


class FollowUp(enum.Enum):
    NONE = "none"
    CRITICISM_AND_EDUCATION = "criticism_and_education"  # 批评教育 through a reminder talk
    ADMONISHMENT = "admonishment"  # 诫勉, and the promotion is withdrawn


class ReportingRound(Versioned, Base):
    """A half-year reporting round (每半年报送一次) opened by the Organization Department."""

    __tablename__ = "reporting_round"
    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint("deadline >= period_start", name="deadline_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    opened_by: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH))
    opened_by_user: Mapped[str] = mapped_column(String(128))
    opened_on: Mapped[date] = mapped_column(Date)


class ReportSubmission(Versioned, Base):
    """One agency's return in a round (pending until submitted), or an urgent report outside any round."""

    __tablename__ = "report_submission"
    __table_args__ = (
        UniqueConstraint("round_id", "agency", name="round_agency"),
        CheckConstraint("(round_id IS NULL) = (kind = 'urgent')", name="round_unless_urgent"),
        CheckConstraint("submitted_on IS NOT NULL OR NOT nil_return", name="nil_return_is_submitted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_round.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), index=True)
    kind: Mapped[SubmissionKind] = mapped_column(enum_column(SubmissionKind))
    due_on: Mapped[date | None] = mapped_column(Date)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    submitted_by_user: Mapped[str | None] = mapped_column(String(128))
    nil_return: Mapped[bool] = mapped_column(Boolean, default=False)


class SubmittedRecord(Base):
    """A negative record carried by a submission; each record is submitted once."""

    __tablename__ = "submitted_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("report_submission.id", ondelete="CASCADE"), index=True)
    negative_record_id: Mapped[int] = mapped_column(
        ForeignKey("negative_record.id", ondelete="CASCADE"), unique=True
    )


class JointReview(Versioned, Base):
    """联审: the agencies named by the policy review a candidate for a key post; the conclusion rests on their answers."""

    __tablename__ = "joint_review"
    __table_args__ = (
        CheckConstraint("(status = 'concluded') = (conclusion IS NOT NULL)", name="concluded_with_conclusion"),
        # At most one open review per candidate and post, even under concurrent requests.
        Index(
            "uq_joint_review_open_candidate_post", "candidate_id", "post_id", unique=True,
            sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    selection_id: Mapped[int | None] = mapped_column(ForeignKey("selection.id", ondelete="SET NULL"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus), default=ReviewStatus.OPEN, index=True)
    opened_by: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH))
    opened_by_user: Mapped[str] = mapped_column(String(128))
    opened_on: Mapped[date] = mapped_column(Date)
    last_answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    conclusion: Mapped[ReviewConclusion | None] = mapped_column(enum_column(ReviewConclusion))
    concluded_by: Mapped[str | None] = mapped_column(String(CODE_MAX_LENGTH))
    concluded_by_user: Mapped[str | None] = mapped_column(String(128))
    concluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")


class ReviewAnswer(Base):
    """One asked agency's answer to a joint review; pending while `verdict` is null."""

    __tablename__ = "review_answer"
    __table_args__ = (
        UniqueConstraint("review_id", "agency", name="review_agency"),
        CheckConstraint("verdict IS NOT NULL OR NOT counted_in_conclusion", name="counted_only_if_answered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("joint_review.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), index=True)
    verdict: Mapped[ReviewVerdict | None] = mapped_column(enum_column(ReviewVerdict))
    findings: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_user: Mapped[str | None] = mapped_column(String(128))
    counted_in_conclusion: Mapped[bool] = mapped_column(Boolean, default=False)


class MattersVerification(Base):
    """The outcome of checking a personal matters report (凡提必核) and the follow-up it led to."""

    __tablename__ = "matters_verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("personal_matters_report.id", ondelete="CASCADE"), unique=True
    )
    verified_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[MatterFinding] = mapped_column(enum_column(MatterFinding))
    follow_up: Mapped[FollowUp] = mapped_column(enum_column(FollowUp))
    promotion_withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    supervision_action_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_action.id", ondelete="SET NULL"), index=True
    )
    decided_by: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH))
    decided_by_user: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatterGap(Base):
    """One found item the cadre had not declared, with the rule that classified it."""

    __tablename__ = "matter_gap"

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("matters_verification.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("matter_item.id", ondelete="CASCADE"), unique=True)
    category: Mapped[MatterCategory] = mapped_column(enum_column(MatterCategory))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    intentional: Mapped[bool] = mapped_column(Boolean, default=False)
    finding: Mapped[MatterFinding] = mapped_column(enum_column(MatterFinding))
    rule: Mapped[str] = mapped_column(String(64))


class MattersInquiry(Versioned, Base):
    """One holder of records (market regulation, real estate, banking, securities) asked what it holds on the cadre of
    a personal matters report, and its answer; pending while `answered_at` is null."""

    __tablename__ = "matters_inquiry"
    __table_args__ = (
        UniqueConstraint("report_id", "agency", name="report_agency"),
        CheckConstraint("answered_at IS NULL OR answered_by_user IS NOT NULL", name="answered_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("personal_matters_report.id", ondelete="CASCADE"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)  # the report's
    agency: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), index=True)
    asked_on: Mapped[date] = mapped_column(Date)
    asked_by_user: Mapped[str] = mapped_column(String(128))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_user: Mapped[str | None] = mapped_column(String(128))
    findings: Mapped[str] = mapped_column(Text, default="")


class RectificationItem(Base):
    """One item of a rectification order (限期整改), due by a date."""

    __tablename__ = "rectification_item"
    __table_args__ = (CheckConstraint("completed_on IS NULL OR completed_by_user IS NOT NULL", name="completed_by_someone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("supervision_action.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    completed_on: Mapped[date | None] = mapped_column(Date)
    completed_by_user: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text, default="")


class Decision(Base):
    """The accountability ledger: every workflow step, with the agency and user who took it and when."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    agency: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH))
    user: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_decision_subject", "subject", "subject_id"),)
