"""Investigators' cases in GraphQL: a case by its number, the triage list, and the steps that work a case.

Reading a case by its number, and every step on a case, needs that number as the request's purpose (X-Purpose),
so the access audit names the case for every read and write of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from hub import models
from hub.models.enums import CaseStatus
from hub.services.workflows import cases
from schema.context import context_of
from schema.errors import BadInput
from schema.pagination import Connection, paginate
from schema.record_types import CadreType, OrganizationType, PersonType, record_type
from schema.relations import belongs_to, has_many
from schema.workflows.steps import StepRefusal, run_step

if TYPE_CHECKING:
    from schema.workflows.detection_alerts import DetectionAlertType

strawberry.enum(CaseStatus)


@record_type(models.CaseNote, "CaseNote", "A note on a case.")
class CaseNoteType:
    id: int
    author_user: str
    written_at: datetime
    text: str


@record_type(models.CaseLink, "CaseLink", "A cadre, person or organization the case concerns.")
class CaseLinkType:
    id: int
    linked_by_user: str
    linked_at: datetime
    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")
    person: PersonType | None = belongs_to(models.Person, "person_id")
    organization: OrganizationType | None = belongs_to(models.Organization, "organization_id")
    alert: Annotated[DetectionAlertType, strawberry.lazy("schema.workflows.detection_alerts")] | None = belongs_to(
        models.DetectionAlert, "detection_alert_id")


@record_type(models.CaseEvent, "CaseEvent", "One change in a case's history.")
class CaseEventType:
    id: int
    at: datetime
    agency: str
    user: str
    action: str
    detail: str


@record_type(models.Case, "Case", "案件: an investigator's case, worked by the agency that opened it.")
class CaseType:
    id: int
    number: str
    title: str
    status: CaseStatus
    agency: str
    assignee_user: str | None
    opened_by_user: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str
    version: int
    notes: list[CaseNoteType] = has_many(models.CaseNote, models.CaseNote.case_id, order_by=(models.CaseNote.id,))
    links: list[CaseLinkType] = has_many(models.CaseLink, models.CaseLink.case_id, order_by=(models.CaseLink.id,))
    history: list[CaseEventType] = has_many(models.CaseEvent, models.CaseEvent.case_id, order_by=(models.CaseEvent.id,))


CaseResult: TypeAlias = Annotated[CaseType | StepRefusal, strawberry.union("CaseResult")]
CaseNoteResult: TypeAlias = Annotated[CaseNoteType | StepRefusal, strawberry.union("CaseNoteResult")]
CaseLinkResult: TypeAlias = Annotated[CaseLinkType | StepRefusal, strawberry.union("CaseLinkResult")]
CASE_FIELDS = ("Case.number", "Case.title", "Case.status", "Case.assigneeUser")


@strawberry.type
class CaseQueries:
    @strawberry.field(description="A case you work on, by its number; the number must be the request's purpose.")
    def case(self, info: Info, number: str) -> CaseType | None:
        context = context_of(info)
        if number not in context.purpose:
            raise BadInput("number", "state the case number as the purpose of access (X-Purpose) to read the case")
        row = context.session.scalar(
            select(models.Case).where(models.Case.number == number, context.loaders.scoped(models.Case))
        )
        context.read_log.note([row])
        return row  # type: ignore[return-value]

    @strawberry.field(description="Cases you may read, newest first (the triage list), optionally of one status.")
    def cases(self, info: Info, status: CaseStatus | None = None, first: int | None = None,
              after: str | None = None) -> Connection[CaseType]:
        context = context_of(info)
        statement = select(models.Case).where(context.loaders.scoped(models.Case))
        if status is not None:
            statement = statement.where(models.Case.status == status)
        return paginate(context.session, statement.order_by(models.Case.id.desc()), first, after)


@strawberry.type
class CaseMutations:
    @strawberry.mutation(description="Open a case with a number the purpose pattern accepts; you are its assignee "
                                      "unless another user is named.")
    def open_case(self, info: Info, number: str, title: str, assignee: str | None = None) -> CaseResult:
        pattern = context_of(info).case_pattern
        return run_step(info, cases.OPEN_CASE, CASE_FIELDS,
                        lambda session, actor: cases.open_case(session, actor, number, title, pattern, assignee))

    @strawberry.mutation(description="Assign the case to a user of your agency.")
    def assign_case(self, info: Info, case_id: int, assignee: str, expected_version: int | None = None) -> CaseResult:
        purpose = context_of(info).purpose
        return run_step(info, cases.ASSIGN_CASE, ("Case.assigneeUser",),
                        lambda session, actor: cases.assign_case(session, actor, purpose, case_id, assignee, expected_version))

    @strawberry.mutation(description="Add a note to the case.")
    def add_case_note(self, info: Info, case_id: int, text: str) -> CaseNoteResult:
        purpose = context_of(info).purpose
        return run_step(info, cases.ADD_CASE_NOTE, ("CaseNote.text",),
                        lambda session, actor: cases.add_case_note(session, actor, purpose, case_id, text))

    @strawberry.mutation(description="Link one cadre, person or organization to the case.")
    def link_to_case(self, info: Info, case_id: int, cadre_id: int | None = None, person_id: int | None = None,
                     organization_id: int | None = None) -> CaseLinkResult:
        purpose = context_of(info).purpose
        return run_step(info, cases.LINK_CASE, ("CaseLink.cadre", "CaseLink.person", "CaseLink.organization"),
                        lambda session, actor: cases.link_to_case(
                            session, actor, purpose, case_id, cadre_id=cadre_id, person_id=person_id,
                            organization_id=organization_id))

    @strawberry.mutation(description="Move the case on: INVESTIGATING, or closed as founded, unfounded or transferred "
                                      "(a closing states its outcome).")
    def move_case(self, info: Info, case_id: int, status: CaseStatus, outcome: str | None = None,
                  expected_version: int | None = None) -> CaseResult:
        purpose = context_of(info).purpose
        return run_step(info, cases.MOVE_CASE, ("Case.status", "Case.outcome"),
                        lambda session, actor: cases.move_case(session, actor, purpose, case_id, status, outcome,
                                                               expected_version))
