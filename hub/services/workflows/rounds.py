"""Reporting rounds: every half year each reporting agency submits its negative records or a nil return.

The agencies a round expects are those the policy lets write `Mutation.submitRoundReturn`, fixed
when the round opens (one pending return each), so a missed return stays on record against the
agency that failed to make it (应报未报). Urgent reports are submitted at any time, outside rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub import models
from hub.models.workflow import ReportingRound, ReportSubmission, SubmissionKind, SubmittedRecord
from hub.services.workflows import clock
from hub.services.workflows.base import (
    Actor,
    NotAllowed,
    Problems,
    WrongState,
    check_version,
    flush,
    flush_unique,
    record_decision,
    visible,
)

OPEN_ROUND = "openReportingRound"
SUBMIT_RETURN = "submitRoundReturn"
SUBMIT_URGENT = "submitUrgentReport"
MAX_RECORDS_PER_SUBMISSION = 1000


def open_round(
    session: Session,
    actor: Actor,
    title: str,
    period_start: date,
    period_end: date,
    deadline: date,
    reporting_agencies: Sequence[str],
) -> ReportingRound:
    actor.require(OPEN_ROUND)
    problems = Problems()
    cleaned_title = problems.text("title", title, max_length=128)
    if period_end < period_start:
        problems.add("periodEnd", "must not be before periodStart")
    if deadline < period_end:
        problems.add("deadline", "must not be before periodEnd: the return covers the whole period")
    expected = problems.declared("title", reporting_agencies, actor.agencies)
    if not expected:
        problems.add("title", "the policy names no agency that submits returns")
    problems.raise_if_any()
    round_ = ReportingRound(
        title=cleaned_title, period_start=period_start, period_end=period_end, deadline=deadline,
        opened_by=actor.agency, opened_by_user=actor.user, opened_on=clock.today(),
    )
    session.add(round_)
    flush(session)
    session.add_all(
        ReportSubmission(round_id=round_.id, agency=agency, kind=SubmissionKind.ROUND_RETURN, due_on=deadline)
        for agency in expected
    )
    record_decision(session, actor, OPEN_ROUND, round_, cadre_id=None, to_state="open",
                    note=", ".join(expected))
    flush(session)
    return round_


def submit_round_return(
    session: Session,
    actor: Actor,
    round_id: int,
    record_ids: Sequence[int],
    nil_return: bool,
    expected_version: int | None = None,
) -> ReportSubmission:
    actor.require(SUBMIT_RETURN)
    problems = Problems()
    if nil_return and record_ids:
        problems.add("nilReturn", "a nil return carries no records; leave recordIds empty")
    if not nil_return and not record_ids:
        problems.add("recordIds", "give the records to submit, or make an explicit nil return (nilReturn: true)")
    problems.raise_if_any()
    round_ = visible(session, actor, ReportingRound, round_id, "reporting round")
    submission = session.scalar(
        select(ReportSubmission).where(ReportSubmission.round_id == round_.id, ReportSubmission.agency == actor.agency)
    )
    if submission is None:
        raise NotAllowed("this round does not ask your agency for a return")
    check_version(submission, expected_version)
    if submission.submitted_on is not None:
        raise WrongState(f"your agency submitted its return for this round on {submission.submitted_on}", "SUBMITTED")
    records = _own_unsubmitted_records(session, actor, record_ids)
    today = clock.today()
    submission.submitted_on, submission.submitted_by_user, submission.nil_return = today, actor.user, nil_return
    flush(session, submission)
    session.add_all(SubmittedRecord(submission_id=submission.id, negative_record_id=r.id) for r in records)
    flush_unique(session, "a record was submitted by another request meanwhile; reload and submit again", "PENDING")
    late = today > round_.deadline
    record_decision(
        session, actor, SUBMIT_RETURN, submission, cadre_id=None, from_state="pending",
        to_state="late" if late else "submitted", note="nil return" if nil_return else f"{len(records)} records",
    )
    flush(session)
    return submission


def submit_urgent_report(session: Session, actor: Actor, record_ids: Sequence[int]) -> ReportSubmission:
    """Serious information is reported at once (随时报送), whatever round is running."""
    actor.require(SUBMIT_URGENT)
    if not record_ids:
        problems = Problems()
        problems.add("recordIds", "an urgent report carries at least one record")
        problems.raise_if_any()
    records = _own_unsubmitted_records(session, actor, record_ids)
    today = clock.today()
    submission = ReportSubmission(
        round_id=None, agency=actor.agency, kind=SubmissionKind.URGENT, due_on=None, submitted_on=today,
        submitted_by_user=actor.user, nil_return=False,
    )
    session.add(submission)
    flush(session)
    session.add_all(SubmittedRecord(submission_id=submission.id, negative_record_id=r.id) for r in records)
    flush_unique(session, "a record was submitted by another request meanwhile; reload and submit again", "PENDING")
    record_decision(session, actor, SUBMIT_URGENT, submission, cadre_id=None, to_state="submitted",
                    note=f"{len(records)} records")
    flush(session)
    return submission


def overdue_returns(session: Session, as_of: date) -> list[ReportSubmission]:
    """Round returns not submitted by the deadline (still missing, or submitted late), for rounds due before `as_of`."""
    statement = (
        select(ReportSubmission)
        .join(ReportingRound, ReportingRound.id == ReportSubmission.round_id)
        .where(
            ReportingRound.deadline < as_of,
            or_(
                ReportSubmission.submitted_on.is_(None),
                ReportSubmission.submitted_on > ReportingRound.deadline,
            ),
        )
        .order_by(ReportingRound.deadline, ReportSubmission.round_id, ReportSubmission.agency)
    )
    return list(session.scalars(statement))


def _own_unsubmitted_records(session: Session, actor: Actor, record_ids: Sequence[int]) -> list[models.NegativeRecord]:
    """The records, each visible, reported by the caller's agency and not yet submitted; or every reason not."""
    problems = Problems()
    if len(record_ids) > MAX_RECORDS_PER_SUBMISSION:
        problems.add("recordIds", f"at most {MAX_RECORDS_PER_SUBMISSION} records per submission")
        problems.raise_if_any()
    if len(set(record_ids)) != len(record_ids):
        problems.add("recordIds", "a record is listed twice")
    found = {
        row.id: row
        for row in session.scalars(
            select(models.NegativeRecord).where(
                models.NegativeRecord.id.in_(record_ids), actor.scope(models.NegativeRecord)
            )
        )
    }
    for record_id in sorted(set(record_ids)):
        record = found.get(record_id)
        if record is None:
            problems.add("recordIds", f"no negative record with id {record_id} is visible to you")
        elif record.reporting_agency != actor.agency:
            problems.add("recordIds", f"negative record {record_id} was not reported by your agency")
    already = session.scalars(
        select(SubmittedRecord.negative_record_id).where(SubmittedRecord.negative_record_id.in_(list(found)))
    ).all()
    for record_id in sorted(already):
        problems.add("recordIds", f"negative record {record_id} was already submitted")
    problems.raise_if_any()
    return [found[record_id] for record_id in dict.fromkeys(record_ids)]
