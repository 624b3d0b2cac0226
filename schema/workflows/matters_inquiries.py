"""Personal matters inquiries in GraphQL: the Organization Department asks the holders of records about a report's
cadre; each holder sees and answers only the inquiries put to it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry.types import Info

from hub import models
from hub.models import workflow as wf
from hub.services.workflows import matters_inquiries
from hub.services.workflows.base import Actor
from schema.context import context_of
from schema.enums import Agency
from schema.pagination import Connection, paginate
from schema.record_types import CadreType, PersonalMattersReportType, record_type
from schema.relations import belongs_to
from schema.workflows.steps import StepRefusal, agencies_allowed_to, run_step


@record_type(wf.MattersInquiry, "MattersInquiry", "A holder of records asked what it holds on a report's cadre, and its answer.")
class MattersInquiryType:
    id: int
    agency: Agency
    asked_on: date
    answered_at: datetime | None
    answered_by_user: str | None
    findings: str = strawberry.field(description="What the agency holds on the cadre and family; empty while pending.")
    version: int

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")

    report: PersonalMattersReportType | None = belongs_to(models.PersonalMattersReport, "report_id")


@strawberry.type(description="The inquiries one request put to the holders of records.")
class MattersInquiryBatch:
    inquiries: list[MattersInquiryType]
    cadre_id: strawberry.Private[int]  # for the audit entry


MattersInquiryResult: TypeAlias = Annotated[MattersInquiryType | StepRefusal, strawberry.union("MattersInquiryResult")]
MattersInquiryBatchResult: TypeAlias = Annotated[
    MattersInquiryBatch | StepRefusal, strawberry.union("MattersInquiryBatchResult")
]


@strawberry.type
class MattersInquiryQueries:
    @strawberry.field(description="Personal matters inquiries you may see (a holder: those put to it), newest first.")
    def matters_inquiries(
        self, info: Info, report_id: int | None = None, pending: bool | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[MattersInquiryType]:
        context = context_of(info)
        inquiry = wf.MattersInquiry
        statement = select(inquiry).where(context.loaders.scoped(inquiry))
        if report_id is not None:
            statement = statement.where(inquiry.report_id == report_id)
        if pending is not None:
            statement = statement.where(inquiry.answered_at.is_(None) if pending else inquiry.answered_at.is_not(None))
        connection = paginate(context.session, statement.order_by(inquiry.id.desc()), first, after)
        context.read_log.note(edge.node for edge in connection.edges)
        context.loaders.siblings.remember([edge.node for edge in connection.edges])
        return connection


@strawberry.type
class MattersInquiryMutations:
    @strawberry.mutation(description="Ask every holder of records the policy lets answer what it holds on the report's cadre.")
    def ask_matters_inquiries(self, info: Info, report_id: int) -> MattersInquiryBatchResult:
        holders = agencies_allowed_to(context_of(info), matters_inquiries.ANSWER)

        def ask(session: Session, actor: Actor) -> MattersInquiryBatch:
            asked = matters_inquiries.ask(session, actor, report_id, holders)
            return MattersInquiryBatch(inquiries=asked, cadre_id=asked[0].cadre_id)  # type: ignore[arg-type]

        return run_step(info, matters_inquiries.ASK, ("MattersInquiry.report",), ask)

    @strawberry.mutation(description="Your agency's answer to a personal matters inquiry put to it.")
    def answer_matters_inquiry(
        self, info: Info, inquiry_id: int, findings: str, expected_version: int | None = None,
    ) -> MattersInquiryResult:
        return run_step(info, matters_inquiries.ANSWER, ("MattersInquiry.findings",),
                        lambda session, actor: matters_inquiries.answer(session, actor, inquiry_id, findings, expected_version))
