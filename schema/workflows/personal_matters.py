"""Verifying a personal matters report in GraphQL: the gaps found, their classification and the follow-up."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from hub import models
from hub.models import workflow as wf
from hub.services.workflows import personal_matters
from schema.context import context_of
from schema.enums import Agency, MatterCategory, MatterFinding
from schema.record_types import MatterItemType, PersonalMattersReportType, SupervisionActionType, record_type
from schema.relations import belongs_to, has_many
from schema.workflows.steps import StepRefusal, note_read, run_step
from schema.workflows.supervision import SUPERVISION_FIELDS

FollowUp = wf.FollowUp
strawberry.enum(FollowUp)  # marks the class as a GraphQL enum in place


@record_type(wf.MatterGap, "MatterGap", "A found item the cadre had not declared, and the rule that classified it.")
class MatterGapType:
    id: int
    category: MatterCategory
    amount: Decimal | None
    intentional: bool
    finding: MatterFinding
    rule: str

    item: MatterItemType | None = belongs_to(models.MatterItem, "item_id")


@record_type(wf.MattersVerification, "MattersVerification", "The outcome of checking a personal matters report.")
class MattersVerificationType:
    id: int
    verified_on: date
    outcome: MatterFinding
    follow_up: FollowUp
    promotion_withdrawn: bool
    decided_by: Agency
    decided_by_user: str
    decided_at: datetime

    report: PersonalMattersReportType | None = belongs_to(models.PersonalMattersReport, "report_id")

    supervision_action: SupervisionActionType | None = belongs_to(
        models.SupervisionAction, "supervision_action_id",
        description="The supervision action taken as follow-up, if any.",
    )

    gaps: list[MatterGapType] = has_many(wf.MatterGap, wf.MatterGap.verification_id)


@strawberry.input(description="An item the verification found; it confirms a declared item or is a gap.")
class VerifiedMatterInput:
    category: MatterCategory
    description: str
    declared_item_id: int | None = strawberry.field(default=None, description="The declared item it confirms.")
    amount: Decimal | None = strawberry.field(default=None, description="Yuan; required for undeclared investments and insurance.")
    intentional: bool = strawberry.field(default=False, description="Evidence shows it was hidden on purpose.")


MattersVerificationResult: TypeAlias = Annotated[MattersVerificationType | StepRefusal, strawberry.union("MattersVerificationResult")]


@strawberry.type
class PersonalMattersQueries:
    @strawberry.field(description="The verification of a personal matters report, once made.")
    def matters_verification(self, info: Info, report_id: int) -> MattersVerificationType | None:
        context = context_of(info)
        found = context.session.scalar(
            select(wf.MattersVerification).where(
                wf.MattersVerification.report_id == report_id, context.loaders.scoped(wf.MattersVerification)
            )
        )
        note_read(info, (found,))
        return found  # type: ignore[return-value]


@strawberry.type
class PersonalMattersMutations:
    @strawberry.mutation(description="Compare a personal matters report with the verified items; classify gaps and follow up.")
    def verify_personal_matters(
        self, info: Info, report_id: int, found_items: list[VerifiedMatterInput], verified_on: date | None = None
    ) -> MattersVerificationResult:
        found = [
            personal_matters.FoundItem(item.category, item.description, item.declared_item_id, item.amount, item.intentional)
            for item in found_items
        ]
        return run_step(info, personal_matters.VERIFY,
                        ("PersonalMattersReport.verifiedOn", "MatterItem.found", "MatterItem.finding", *SUPERVISION_FIELDS),
                        lambda session, actor: personal_matters.verify_report(session, actor, report_id, verified_on, found))
