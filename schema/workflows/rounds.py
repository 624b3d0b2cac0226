"""Reporting rounds in GraphQL: the rounds, their returns, overdue returns and urgent reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from hub import models
from hub.models import workflow as wf
from hub.services.workflows import clock, rounds
from schema.context import context_of
from schema.enums import Agency
from schema.pagination import Connection, paginate
from schema.record_types import NegativeRecordType, record_type, reference
from schema.relations import belongs_to, has_many
from schema.workflows.steps import StepRefusal, agencies_allowed_to, date_or_today, run_step

SubmissionKind = wf.SubmissionKind
strawberry.enum(SubmissionKind)  # marks the class as a GraphQL enum in place


@record_type(wf.ReportingRound, "ReportingRound", "A half-year reporting round of negative information.")
class ReportingRoundType:
    id: int
    title: str
    period_start: date
    period_end: date
    deadline: date
    opened_by: Agency
    opened_by_user: str
    opened_on: date
    version: int

    submissions: list[ReportSubmissionType] = has_many(
        wf.ReportSubmission, wf.ReportSubmission.round_id, (wf.ReportSubmission.agency,),
        description="Every return the round asks for, submitted or still pending.",
    )

    @strawberry.field(description="Your agency's return in this round; null if the round asks you for none.")
    async def own_submission(self, info: Info) -> ReportSubmissionType | None:
        context = context_of(info)
        mine = (wf.ReportSubmission.agency == context.access.principal.agency,)
        rows = await context.loaders.children(wf.ReportSubmission, wf.ReportSubmission.round_id, where=mine).load(self.id)
        return rows[0] if rows else None


@record_type(wf.ReportSubmission, "ReportSubmission", "A round return (pending until submitted) or an urgent report.")
class ReportSubmissionType:
    id: int
    agency: Agency
    kind: SubmissionKind
    due_on: date | None
    submitted_on: date | None
    submitted_by_user: str | None
    nil_return: bool
    version: int

    @strawberry.field(description="Not submitted by its due date (still missing, or submitted late).")
    def overdue(self) -> bool:
        due: date | None = self.due_on
        if due is None:
            return False
        submitted: date | None = self.submitted_on
        return submitted > due if submitted is not None else clock.today() > due

    round: ReportingRoundType | None = belongs_to(wf.ReportingRound, "round_id")

    @strawberry.field(description="The negative records submitted (those you may see).")
    async def records(self, info: Info) -> list[NegativeRecordType]:
        loaders = context_of(info).loaders
        links = await loaders.children(wf.SubmittedRecord, wf.SubmittedRecord.submission_id).load(self.id)
        loaded = await loaders.by_id(models.NegativeRecord).load_many(
            [link.negative_record_id for link in links]
        )
        return [record for record in loaded if record is not None]


@strawberry.input
class OpenReportingRoundInput:
    title: str
    period_start: date
    period_end: date
    deadline: date


RoundResult: TypeAlias = Annotated[ReportingRoundType | StepRefusal, strawberry.union("OpenReportingRoundResult")]
SubmissionResult: TypeAlias = Annotated[ReportSubmissionType | StepRefusal, strawberry.union("SubmissionResult")]


@strawberry.type
class RoundQueries:
    @strawberry.field(description="Reporting rounds, latest deadline first.")
    def reporting_rounds(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[ReportingRoundType]:
        context = context_of(info)
        statement = select(wf.ReportingRound).where(context.loaders.scoped(wf.ReportingRound)).order_by(
            wf.ReportingRound.deadline.desc(), wf.ReportingRound.id.desc()
        )
        return paginate(context.session, statement, first, after)

    @strawberry.field
    async def reporting_round(self, info: Info, id: int) -> ReportingRoundType | None:
        return await reference(info, wf.ReportingRound, id)

    @strawberry.field(description="Round returns not made by the deadline (missing or late), for rounds due before asOf.")
    def overdue_reports(self, info: Info, as_of: date | None = None) -> list[ReportSubmissionType]:
        return rounds.overdue_returns(context_of(info).session, date_or_today(as_of))  # type: ignore[return-value]


@strawberry.type
class RoundMutations:
    @strawberry.mutation(description="Open a half-year reporting round; it asks every agency the policy lets submit returns.")
    def open_reporting_round(self, info: Info, input: OpenReportingRoundInput) -> RoundResult:
        reporters = agencies_allowed_to(context_of(info), rounds.SUBMIT_RETURN)
        return run_step(info, rounds.OPEN_ROUND, ("ReportingRound.title", "ReportingRound.deadline"),
                        lambda session, actor: rounds.open_round(
                            session, actor, input.title, input.period_start, input.period_end, input.deadline, reporters))

    @strawberry.mutation(description="Submit your agency's return in a round: its negative records, or an explicit nil return.")
    def submit_round_return(
        self, info: Info, round_id: int, record_ids: list[int], nil_return: bool = False,
        expected_version: int | None = None,
    ) -> SubmissionResult:
        return run_step(info, rounds.SUBMIT_RETURN, ("ReportSubmission.submittedOn", "ReportSubmission.records"),
                        lambda session, actor: rounds.submit_round_return(
                            session, actor, round_id, record_ids, nil_return, expected_version))

    @strawberry.mutation(description="Report serious negative records at once, outside any round.")
    def submit_urgent_report(self, info: Info, record_ids: list[int]) -> SubmissionResult:
        return run_step(info, rounds.SUBMIT_URGENT, ("ReportSubmission.submittedOn", "ReportSubmission.records"),
                        lambda session, actor: rounds.submit_urgent_report(session, actor, record_ids))
