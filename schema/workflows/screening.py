"""Screening nominees in GraphQL: one verdict per nominee with the reasons the caller may read."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from hub import models
from hub.models import workflow as wf
from hub.services.workflows import rules, screening
from schema.context import context_of
from schema.record_types import (
    CadreType,
    MatterItemType,
    NegativeRecordType,
    NominationType,
    PostType,
    SupervisionActionType,
    reference,
)
from schema.rule_catalogue import DetectionRuleType, citation
from schema.workflows.joint_review import JointReviewType
from schema.workflows.steps import actor_of, date_or_today, note_read, run_read

ScreeningVerdict = rules.Verdict
strawberry.enum(ScreeningVerdict, name="ScreeningVerdict")  # marks the class as a GraphQL enum in place


@strawberry.type(name="ScreeningReason", description="One rule that keeps a nominee from being clear.")
class ScreeningReasonType:
    source: strawberry.Private[screening.Reason]

    @strawberry.field(description="The rule's code in the hub's screening rules.")
    def rule(self) -> str:
        return self.source.rule.code

    @strawberry.field(description="The rule in the catalogue, with the regulation it applies.")
    def citation(self) -> DetectionRuleType:
        return citation(self.source.rule.code)

    @strawberry.field
    def verdict(self) -> ScreeningVerdict:
        return self.source.rule.verdict

    @strawberry.field
    def explanation(self) -> str:
        return self.source.rule.explanation

    @strawberry.field
    async def negative_record(self, info: Info) -> NegativeRecordType | None:
        return await reference(info, models.NegativeRecord, self.source.negative_record_id)

    @strawberry.field
    async def supervision_action(self, info: Info) -> SupervisionActionType | None:
        return await reference(info, models.SupervisionAction, self.source.supervision_action_id)

    @strawberry.field
    async def matter_item(self, info: Info) -> MatterItemType | None:
        return await reference(info, models.MatterItem, self.source.matter_item_id)

    @strawberry.field
    async def joint_review(self, info: Info) -> JointReviewType | None:
        return await reference(info, wf.JointReview, self.source.joint_review_id)

    @strawberry.field(description="The nomination whose first nominator the nominee is tied to.")
    async def nomination(self, info: Info) -> NominationType | None:
        return await reference(info, models.Nomination, self.source.nomination_id)


@strawberry.type(name="NomineeScreening", description="One nominee's screening.")
class NomineeScreeningType:
    source: strawberry.Private[screening.NomineeScreening]

    @strawberry.field
    def cadre(self) -> CadreType:
        return self.source.cadre  # type: ignore[return-value]

    @strawberry.field(description="The worst verdict among the reasons your agency may read (CLEAR when none).")
    def verdict(self) -> ScreeningVerdict:
        return self.source.verdict

    @strawberry.field(description="The reasons your agency may read, worst first.")
    def reasons(self) -> list[ScreeningReasonType]:
        return [ScreeningReasonType(source=reason) for reason in self.source.reasons]


@strawberry.type(name="Screening", description="Nominees checked against the negative list and supervision records.")
class ScreeningType:
    source: strawberry.Private[screening.Screening]

    @strawberry.field
    def post(self) -> PostType:
        return self.source.post  # type: ignore[return-value]

    @strawberry.field
    def as_of(self) -> date:
        return self.source.as_of

    @strawberry.field
    def results(self) -> list[NomineeScreeningType]:
        return [NomineeScreeningType(source=result) for result in self.source.results]

    @strawberry.field(description="Requested ids that are no cadre visible to you.")
    def unknown_cadre_ids(self) -> list[int]:
        return self.source.unknown_cadre_ids


@strawberry.type
class ScreeningQueries:
    @strawberry.field(description="Screen nominees for a post in one batch: a verdict and readable reasons each.")
    def screen_nominees(self, info: Info, cadre_ids: list[int], post_id: int, as_of: date | None = None) -> ScreeningType:
        context = context_of(info)
        result = run_read("postId", lambda: screening.screen_nominees(
            context.session, actor_of(context), cadre_ids, post_id, date_or_today(as_of)
        ))
        note_read(info, (entry.cadre for entry in result.results))
        loader = context.loaders.by_id(models.Cadre)
        for entry in result.results:
            loader.prime(entry.cadre.id, entry.cadre)
        return ScreeningType(source=result)
