"""Person-post fit (人岗相适) in GraphQL: a post's weighted dimensions, candidates' scores, the ranking and
the start of inspection."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info
from strawberry.types.unset import UNSET

from hub.services.workflows import clock, fit, rules
from schema.context import context_of
from schema.record_types import FitWeight, NominationType, PostType, SelectionType
from schema.workflows.screening import ScreeningVerdict
from schema.workflows.steps import StepRefusal, actor_of, date_or_today, note_read, run_read, run_step

FitDimension = rules.FitDimension
strawberry.enum(FitDimension)  # marks the class as a GraphQL enum in place


@strawberry.type(name="CandidateFit", description="One candidate's person-post match.")
class CandidateFitType:
    source: strawberry.Private[fit.CandidateFit]

    @strawberry.field
    def nomination(self) -> NominationType:
        return self.source.nomination  # type: ignore[return-value]

    @strawberry.field
    def rank(self) -> int:
        return self.source.rank

    @strawberry.field(description="Weighted 0-100 score; null while a weighted dimension has no score.")
    def score(self) -> float | None:
        return self.source.score

    @strawberry.field
    def missing_dimensions(self) -> list[FitDimension]:
        return list(self.source.missing)

    @strawberry.field(description="The candidate's screening verdict on what your agency may read.")
    def verdict(self) -> ScreeningVerdict:
        return self.source.verdict

    @strawberry.field(description="Not disqualified: counts towards the candidate minimum.")
    def eligible(self) -> bool:
        return self.source.eligible


@strawberry.type(name="FitRanking", description="The candidates of a selection ranked by person-post fit.")
class FitRankingType:
    source: strawberry.Private[fit.FitRanking]

    @strawberry.field
    def selection(self) -> SelectionType:
        return self.source.selection  # type: ignore[return-value]

    @strawberry.field
    def post(self) -> PostType:
        return self.source.post  # type: ignore[return-value]

    @strawberry.field(description="The weights used: the post's requirements, or equal weights if it has none.")
    def weights(self) -> list[FitWeight]:
        return [FitWeight(dimension=name, weight=weight) for name, weight in sorted(self.source.weights.items())]

    @strawberry.field
    def weights_from_post(self) -> bool:
        return self.source.weights_from_post

    @strawberry.field(description="Eligible candidates the post needs (2 for a key post).")
    def minimum_candidates(self) -> int:
        return self.source.minimum_candidates

    @strawberry.field
    def eligible_candidates(self) -> int:
        return self.source.eligible_candidates

    @strawberry.field
    def meets_minimum(self) -> bool:
        return self.source.meets_minimum

    @strawberry.field
    def candidates(self) -> list[CandidateFitType]:
        return [CandidateFitType(source=candidate) for candidate in self.source.candidates]


@strawberry.input
class FitDimensionWeightInput:
    dimension: FitDimension
    weight: float


@strawberry.input(description="0-100 per dimension; a dimension left out keeps its score, null clears it.")
class FitScoresInput:
    political_quality: int | None = UNSET
    professional_ability: int | None = UNSET
    responsibility: int | None = UNSET
    performance: int | None = UNSET
    reputation: int | None = UNSET


PostRequirementsResult: TypeAlias = Annotated[PostType | StepRefusal, strawberry.union("PostRequirementsResult")]
NominationScoreResult: TypeAlias = Annotated[NominationType | StepRefusal, strawberry.union("NominationScoreResult")]
SelectionStepResult: TypeAlias = Annotated[SelectionType | StepRefusal, strawberry.union("SelectionStepResult")]


@strawberry.type
class FitQueries:
    @strawberry.field(description="The selection's candidates ranked by person-post fit, with the candidate minimum.")
    def rank_candidates(self, info: Info, selection_id: int, as_of: date | None = None) -> FitRankingType:
        context = context_of(info)
        ranking = run_read("selectionId", lambda: fit.rank_candidates(
            context.session, actor_of(context), selection_id, date_or_today(as_of)
        ))
        note_read(info, (candidate.nomination for candidate in ranking.candidates))
        return FitRankingType(source=ranking)


@strawberry.type
class FitMutations:
    @strawberry.mutation(description="Set a post's weighted fit dimensions; the weights sum to 1.")
    def set_post_requirements(
        self, info: Info, post_id: int, weights: list[FitDimensionWeightInput], expected_version: int | None = None
    ) -> PostRequirementsResult:
        by_dimension = {weight.dimension: weight.weight for weight in weights}
        return run_step(info, fit.SET_REQUIREMENTS, ("Post.requirements",),
                        lambda session, actor: fit.set_post_requirements(
                            session, actor, post_id, by_dimension, len(weights), expected_version))

    @strawberry.mutation(description="Score a nominated candidate on the fit dimensions (0-100).")
    def score_nomination(
        self, info: Info, nomination_id: int, scores: FitScoresInput, expected_version: int | None = None
    ) -> NominationScoreResult:
        given = {
            dimension: getattr(scores, dimension.value)
            for dimension in rules.FitDimension
            if getattr(scores, dimension.value) is not UNSET
        }
        fields = tuple(f"Nomination.{fit._camel(dimension.value)}" for dimension in given)
        return run_step(info, fit.SCORE, fields,
                        lambda session, actor: fit.score_nomination(session, actor, nomination_id, given, expected_version))

    @strawberry.mutation(description="OPEN → INSPECTING; a key post needs at least two eligible candidates (1:2).")
    def start_inspection(self, info: Info, selection_id: int, expected_version: int | None = None) -> SelectionStepResult:
        return run_step(info, fit.START_INSPECTION, ("Selection.status",),
                        lambda session, actor: fit.start_inspection(session, actor, selection_id, clock.today(), expected_version))
