"""Daily supervision in GraphQL: reminder talks, inquiry letters and replies, admonishments, rectification orders."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from hub import models
from hub.models import workflow as wf
from hub.services.workflows import supervision
from schema.context import context_of
from schema.record_types import SupervisionActionType, record_type
from schema.relations import belongs_to
from schema.workflows.steps import StepRefusal, run_step

SUPERVISION_FIELDS = (
    "SupervisionAction.cadre", "SupervisionAction.kind", "SupervisionAction.issuedBy", "SupervisionAction.issuedOn",
    "SupervisionAction.dueOn", "SupervisionAction.reason",
)


@record_type(wf.RectificationItem, "RectificationItem", "One item of a rectification order, due by a date.")
class RectificationItemType:
    id: int
    description: str
    due_on: date
    completed_on: date | None
    completed_by_user: str | None
    note: str

    action: SupervisionActionType | None = belongs_to(models.SupervisionAction, "action_id")


@strawberry.input
class RectificationItemInput:
    description: str
    due_on: date


SupervisionActionResult: TypeAlias = Annotated[SupervisionActionType | StepRefusal, strawberry.union("SupervisionActionResult")]
RectificationItemResult: TypeAlias = Annotated[RectificationItemType | StepRefusal, strawberry.union("RectificationItemResult")]


@strawberry.type
class SupervisionQueries:
    @strawberry.field(description="The items of a rectification order.")
    async def rectification_items(self, info: Info, action_id: int) -> list[RectificationItemType]:
        loaders = context_of(info).loaders
        return await loaders.children(
            wf.RectificationItem, wf.RectificationItem.action_id, order_by=(wf.RectificationItem.due_on,)
        ).load(action_id)


@strawberry.type
class SupervisionMutations:
    @strawberry.mutation(description="Record a reminder talk (提醒谈话).")
    def hold_reminder_talk(
        self, info: Info, cadre_id: int, reason: str, held_on: date | None = None
    ) -> SupervisionActionResult:
        return run_step(info, supervision.REMINDER_TALK, SUPERVISION_FIELDS,
                        lambda session, actor: supervision.hold_reminder_talk(session, actor, cadre_id, reason, held_on))

    @strawberry.mutation(description="Send an inquiry letter (函询) with a reply deadline.")
    def send_inquiry_letter(
        self, info: Info, cadre_id: int, reason: str, reply_due: date, issued_on: date | None = None
    ) -> SupervisionActionResult:
        return run_step(info, supervision.INQUIRY_LETTER, SUPERVISION_FIELDS,
                        lambda session, actor: supervision.send_inquiry_letter(
                            session, actor, cadre_id, reason, reply_due, issued_on))

    @strawberry.mutation(description="Record the written reply to an inquiry letter.")
    def record_inquiry_reply(
        self, info: Info, action_id: int, reply: str, replied_on: date | None = None, expected_version: int | None = None
    ) -> SupervisionActionResult:
        return run_step(info, supervision.INQUIRY_REPLY, ("SupervisionAction.reply", "SupervisionAction.repliedOn"),
                        lambda session, actor: supervision.record_inquiry_reply(
                            session, actor, action_id, reply, replied_on, expected_version))

    @strawberry.mutation(description="Admonish a cadre (诫勉).")
    def admonish(self, info: Info, cadre_id: int, reason: str, issued_on: date | None = None) -> SupervisionActionResult:
        return run_step(info, supervision.ADMONISH, SUPERVISION_FIELDS,
                        lambda session, actor: supervision.admonish(session, actor, cadre_id, reason, issued_on))

    @strawberry.mutation(description="Order rectification (限期整改): items, each with its due date.")
    def order_rectification(
        self, info: Info, cadre_id: int, reason: str, items: list[RectificationItemInput], issued_on: date | None = None
    ) -> SupervisionActionResult:
        demands = [supervision.RectificationDemand(item.description, item.due_on) for item in items]
        return run_step(info, supervision.RECTIFICATION, (*SUPERVISION_FIELDS, "RectificationItem.description", "RectificationItem.dueOn"),
                        lambda session, actor: supervision.order_rectification(
                            session, actor, cadre_id, reason, demands, issued_on))

    @strawberry.mutation(description="Mark a rectification item completed.")
    def complete_rectification_item(
        self, info: Info, item_id: int, completed_on: date | None = None, note: str | None = None
    ) -> RectificationItemResult:
        return run_step(info, supervision.COMPLETE_ITEM, ("RectificationItem.completedOn", "RectificationItem.note"),
                        lambda session, actor: supervision.complete_rectification_item(
                            session, actor, item_id, completed_on, note))
