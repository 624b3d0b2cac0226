"""Appointment requests in GraphQL: the employing unit asks for a post of its own to be filled, follows its
requests and the selections for its posts (their status and the joint reviews' conclusions, never the answers);
the Organization Department accepts or declines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from hub import models
from hub.models import enums
from hub.services.workflows import appointments
from schema.context import context_of
from schema.enums import Agency
from schema.pagination import Connection, paginate
from schema.record_types import CadreType, PostType, SelectionType, UnitType, record_type, reference
from schema.relations import belongs_to, has_many
from schema.workflows.steps import StepRefusal, run_step

AppointmentRequestStatus = enums.AppointmentRequestStatus
strawberry.enum(AppointmentRequestStatus)  # marks the class as a GraphQL enum in place


@record_type(models.AppointmentCandidate, "AppointmentCandidate", "A cadre the unit proposes for the post.")
class AppointmentCandidateType:
    id: int

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@record_type(models.AppointmentRequest, "AppointmentRequest", "用人需求: an employing unit asks for a post to be filled.")
class AppointmentRequestType:
    id: int
    reason: str
    status: AppointmentRequestStatus
    submitted_by_user: str
    submitted_on: date
    decided_by: Agency | None
    decided_by_user: str | None
    decided_at: datetime | None
    decline_reason: str = strawberry.field(description="Why the request was declined; empty otherwise.")
    version: int

    unit: UnitType | None = belongs_to(models.Unit, "unit_id")

    post: PostType | None = belongs_to(models.Post, "post_id")

    selection: SelectionType | None = belongs_to(
        models.Selection, "selection_id", description="The selection opened when the request was accepted.",
    )

    candidates: list[AppointmentCandidateType] = has_many(
        models.AppointmentCandidate, models.AppointmentCandidate.request_id, (models.AppointmentCandidate.id,),
        description="The cadres the unit proposed (those you may see).",
    )


@strawberry.input
class AppointmentRequestInput:
    post_id: int
    reason: str
    candidate_ids: list[int] = strawberry.field(default_factory=list, description="Proposed cadres; may be empty.")


AppointmentRequestResult: TypeAlias = Annotated[
    AppointmentRequestType | StepRefusal, strawberry.union("AppointmentRequestResult")
]


@strawberry.type
class AppointmentQueries:
    @strawberry.field
    async def appointment_request(self, info: Info, id: int) -> AppointmentRequestType | None:
        return await reference(info, models.AppointmentRequest, id)

    @strawberry.field(description="Appointment requests you may see, newest first.")
    def appointment_requests(
        self, info: Info, status: AppointmentRequestStatus | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[AppointmentRequestType]:
        context = context_of(info)
        request = models.AppointmentRequest
        statement = select(request).where(context.loaders.scoped(request))
        if status is not None:
            statement = statement.where(request.status == status)
        connection = paginate(context.session, statement.order_by(request.id.desc()), first, after)
        context.read_log.note(edge.node for edge in connection.edges)
        context.loaders.siblings.remember([edge.node for edge in connection.edges])
        return connection

    @strawberry.field(description="Selections you may see (a unit: those for its own posts), newest first.")
    def selections(
        self, info: Info, post_id: int | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[SelectionType]:
        context = context_of(info)
        selection = models.Selection
        statement = select(selection).where(context.loaders.scoped(selection))
        if post_id is not None:
            statement = statement.where(selection.post_id == post_id)
        connection = paginate(context.session, statement.order_by(selection.id.desc()), first, after)
        context.loaders.siblings.remember([edge.node for edge in connection.edges])
        return connection


@strawberry.type
class AppointmentMutations:
    @strawberry.mutation(description="Ask for a post of your unit to be filled, with the reason and the cadres you propose.")
    def submit_appointment_request(self, info: Info, input: AppointmentRequestInput) -> AppointmentRequestResult:
        return run_step(info, appointments.SUBMIT, ("AppointmentRequest.post", "AppointmentRequest.reason",
                                                    "AppointmentRequest.candidates"),
                        lambda session, actor: appointments.submit(
                            session, actor, input.post_id, input.reason, input.candidate_ids))

    @strawberry.mutation(description="Accept an appointment request: a selection is opened for its post.")
    def accept_appointment_request(
        self, info: Info, request_id: int, expected_version: int | None = None,
    ) -> AppointmentRequestResult:
        return run_step(info, appointments.ACCEPT, ("AppointmentRequest.status", "AppointmentRequest.selection"),
                        lambda session, actor: appointments.accept(session, actor, request_id, expected_version))

    @strawberry.mutation(description="Decline an appointment request, saying why.")
    def decline_appointment_request(
        self, info: Info, request_id: int, reason: str, expected_version: int | None = None,
    ) -> AppointmentRequestResult:
        return run_step(info, appointments.DECLINE, ("AppointmentRequest.status", "AppointmentRequest.declineReason"),
                        lambda session, actor: appointments.decline(session, actor, request_id, reason, expected_version))
