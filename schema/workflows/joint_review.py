"""Joint review (联审) in GraphQL: open a review, the asked agencies' answers, the conclusion."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from hub import models
from hub.models import workflow as wf
from hub.services.workflows import joint_review
from schema.context import context_of
from schema.enums import Agency
from schema.pagination import Connection, paginate
from schema.record_types import CadreType, PostType, SelectionType, record_type, reference
from schema.relations import belongs_to, has_many
from schema.workflows.steps import StepRefusal, agencies_allowed_to, run_step

ReviewVerdict = wf.ReviewVerdict
ReviewStatus = wf.ReviewStatus
ReviewConclusion = wf.ReviewConclusion
strawberry.enum(ReviewVerdict)  # marks the class as a GraphQL enum in place (the other two: schema.record_types)


@record_type(wf.JointReview, "JointReview", "联审: the asked agencies' answers on a candidate for a key post.")
class JointReviewType:
    id: int
    deadline: date
    status: ReviewStatus
    opened_by: Agency
    opened_by_user: str
    opened_on: date
    conclusion: ReviewConclusion | None
    concluded_by: Agency | None
    concluded_by_user: str | None
    concluded_at: datetime | None
    note: str
    version: int

    candidate: CadreType | None = belongs_to(models.Cadre, "candidate_id")

    post: PostType | None = belongs_to(models.Post, "post_id")

    selection: SelectionType | None = belongs_to(models.Selection, "selection_id")

    answers: list[ReviewAnswerType] = has_many(
        wf.ReviewAnswer, wf.ReviewAnswer.review_id, (wf.ReviewAnswer.agency,),
        description="The answers you may see: your agency's own, or all if the policy says so.",
    )

    @strawberry.field(description="Asked agencies (among the answers you may see) that have not answered.")
    async def pending_agencies(self, info: Info) -> list[Agency]:
        loaders = context_of(info).loaders
        by_agency = (wf.ReviewAnswer.agency,)
        answers = await loaders.children(wf.ReviewAnswer, wf.ReviewAnswer.review_id, order_by=by_agency).load(self.id)
        return [answer.agency for answer in answers if answer.verdict is None]


@record_type(wf.ReviewAnswer, "ReviewAnswer", "One asked agency's answer to a joint review; pending while verdict is null.")
class ReviewAnswerType:
    id: int
    agency: Agency
    verdict: ReviewVerdict | None
    findings: str
    answered_at: datetime | None
    answered_by_user: str | None
    counted_in_conclusion: bool

    review: JointReviewType | None = belongs_to(wf.JointReview, "review_id")


@strawberry.input
class OpenJointReviewInput:
    candidate_id: int
    post_id: int
    selection_id: int | None = None
    deadline: date | None = strawberry.field(default=None, description="Default: a week from today.")


JointReviewResult: TypeAlias = Annotated[JointReviewType | StepRefusal, strawberry.union("JointReviewResult")]
ReviewAnswerResult: TypeAlias = Annotated[ReviewAnswerType | StepRefusal, strawberry.union("ReviewAnswerResult")]


@strawberry.type
class JointReviewQueries:
    @strawberry.field
    async def joint_review(self, info: Info, id: int) -> JointReviewType | None:
        return await reference(info, wf.JointReview, id)

    @strawberry.field(description="Joint reviews you may see, newest first.")
    def joint_reviews(
        self, info: Info, candidate_id: int | None = None, status: ReviewStatus | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[JointReviewType]:
        context = context_of(info)
        statement = select(wf.JointReview).where(context.loaders.scoped(wf.JointReview))
        if candidate_id is not None:
            statement = statement.where(wf.JointReview.candidate_id == candidate_id)
        if status is not None:
            statement = statement.where(wf.JointReview.status == status)
        connection = paginate(context.session, statement.order_by(wf.JointReview.id.desc()), first, after)
        context.read_log.cadre_ids.update(edge.node.candidate_id for edge in connection.edges)
        context.loaders.siblings.remember([edge.node for edge in connection.edges])
        return connection


@strawberry.type
class JointReviewMutations:
    @strawberry.mutation(description="Open a joint review of a candidate for a key post; it asks every agency the policy lets answer.")
    def open_joint_review(self, info: Info, input: OpenJointReviewInput) -> JointReviewResult:
        answering = agencies_allowed_to(context_of(info), joint_review.ANSWER)
        return run_step(info, joint_review.OPEN, ("JointReview.candidate", "JointReview.post", "JointReview.deadline"),
                        lambda session, actor: joint_review.open_review(
                            session, actor, input.candidate_id, input.post_id, input.selection_id, input.deadline, answering))

    @strawberry.mutation(description="Your agency's answer (normal / abnormal, with findings) to a joint review.")
    def answer_joint_review(
        self, info: Info, review_id: int, verdict: ReviewVerdict, findings: str | None = None,
        expected_version: int | None = None,
    ) -> ReviewAnswerResult:
        return run_step(info, joint_review.ANSWER, ("ReviewAnswer.verdict", "ReviewAnswer.findings"),
                        lambda session, actor: joint_review.answer(session, actor, review_id, verdict, findings, expected_version))

    @strawberry.mutation(description="Conclude a joint review (proceed / stop / suspend) once every answer is in or the deadline passed.")
    def conclude_joint_review(
        self, info: Info, review_id: int, conclusion: ReviewConclusion, note: str | None = None,
        expected_version: int | None = None,
    ) -> JointReviewResult:
        return run_step(info, joint_review.CONCLUDE, ("JointReview.conclusion", "JointReview.note", "Selection.status"),
                        lambda session, actor: joint_review.conclude(session, actor, review_id, conclusion, note, expected_version))
