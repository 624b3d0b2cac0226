"""The vetting and supervision workflows in GraphQL: `WorkflowQueries` and `WorkflowMutations`.

Resolvers only translate: they build the acting agency from the request's access view, call
`hub.services.workflows`, and turn refusals into typed results. Who may call what comes from the
policy (the agency's cut schema and, again, the services); which agencies a round or a joint
review asks comes from the compiled policy too, never from a name in this code.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar, Union

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry.types import Info
from strawberry.types.unset import UNSET

from hub import models
from hub.models import workflow as wf
from hub.services.records import RecordNotFound, ValidationFailed
from hub.services.workflows import (
    alerts,
    clock,
    fit,
    joint_review,
    ledger,
    personal_matters,
    rounds,
    rules,
    screening,
    supervision,
    verification,
)
from hub.services.workflows.base import Actor, NotAllowed, WrongState
from schema.context import RequestContext, context_of
from schema.enums import Agency, MatterCategory, MatterFinding
from schema.errors import BadInput, NotFound, ValidationErrors, VersionConflict
from schema.mutations import audit_write, run_write
from schema.pagination import Connection, paginate
from schema.records import (
    CadreType,
    FitWeight,
    MatterItemType,
    NegativeRecordType,
    NominationType,
    PartTimePositionType,
    PersonalMattersReportType,
    PostType,
    SelectionType,
    SupervisionActionType,
    TenureType,
    record_type,
    reference,
)
from schema.relations import belongs_to, has_many

T = TypeVar("T")

SubmissionKind = strawberry.enum(wf.SubmissionKind)
ReviewVerdict = strawberry.enum(wf.ReviewVerdict)
ReviewStatus = strawberry.enum(wf.ReviewStatus)
ReviewConclusion = strawberry.enum(wf.ReviewConclusion)
FollowUp = strawberry.enum(wf.FollowUp)
ScreeningVerdict = strawberry.enum(rules.Verdict, name="ScreeningVerdict")
FitDimension = strawberry.enum(rules.FitDimension)
DecisionSubject = strawberry.enum(
    enum.Enum(  # type: ignore[misc]
        "DecisionSubject", {re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper(): name for name in sorted(ledger.SUBJECTS)}
    ),
    description="What a decision was taken about (NEGATIVE_RECORD, JOINT_REVIEW, ...).",
)


# ---- errors --------------------------------------------------------------------------------------


@strawberry.type(name="WrongState", description="The step does not apply in the record's current state; nothing was written.")
class WrongStateError:
    message: str
    current_state: str


@strawberry.type(name="NotAllowed", description="Your agency may not take this step on this record; nothing was written.")
class NotAllowedError:
    message: str


# ---- the acting agency and the policy ------------------------------------------------------------


def actor_of(context: RequestContext) -> Actor:
    access = context.access
    return Actor(
        agency_code=access.principal.agency, user=access.principal.user, writable=access.writable,
        readable=access.readable, row_clause=access.rows.clause, agencies=access.agencies,
    )


def agencies_allowed_to(context: RequestContext, operation: str) -> list[str]:
    """Agencies whose compiled grant may write `Mutation.<operation>`: the policy decides who is asked."""
    store = context.extras.get("policies")
    if store is None:
        raise RuntimeError("the request context carries no policy store (context.extras['policies'])")
    return [agency for agency in store.agencies if f"Mutation.{operation}" in store.grant(agency).writable]


def _as_of(value: date | None) -> date:
    return value if value is not None else clock.today()


def _cadre_ids(session: Session, row: Any) -> tuple[int, ...]:
    """The cadres a written row is about, for the audit entry."""
    if isinstance(row, models.Cadre):
        return (row.id,)
    if isinstance(row, wf.JointReview):
        return (row.candidate_id,)
    if isinstance(row, models.Nomination):
        return (row.nominee_id,)
    if isinstance(row, wf.ReviewAnswer):
        review = session.get(wf.JointReview, row.review_id)
        return (review.candidate_id,) if review else ()
    if isinstance(row, wf.MattersVerification):
        report = session.get(models.PersonalMattersReport, row.report_id)
        return (report.cadre_id,) if report else ()
    if isinstance(row, wf.RectificationItem):
        action = session.get(models.SupervisionAction, row.action_id)
        return (action.cadre_id,) if action else ()
    cadre_id = getattr(row, "cadre_id", None)
    return (cadre_id,) if cadre_id is not None else ()


def _step(info: Info, operation: str, written: Iterable[str], action: Callable[[Session, Actor], T]) -> Any:
    """Run one workflow step in its own transaction with its audit entry; refusals become typed results."""
    context = context_of(info)
    actor = actor_of(context)
    fields = tuple(written)
    try:
        return run_write(
            context,
            lambda: action(context.session, actor),
            lambda row: audit_write(context, operation, _cadre_ids(context.session, row), fields),
        )
    except WrongState as refused:
        return WrongStateError(message=str(refused), current_state=refused.current_state)
    except NotAllowed as refused:
        return NotAllowedError(message=str(refused))


def _read(argument: str, action: Callable[[], T]) -> T:
    """Run a query's service call; a refusal becomes a BAD_INPUT error naming the argument (`argument` when
    the row it names is not visible)."""
    try:
        return action()
    except ValidationFailed as failure:
        first = failure.violations[0]
        raise BadInput(first.field, first.message) from None
    except RecordNotFound as missing:
        raise BadInput(argument, str(missing)) from None
    except NotAllowed as refused:
        raise BadInput("agency", str(refused)) from None


def _note(info: Info, rows: Iterable[Any]) -> None:
    context_of(info).read_log.note(rows)


# ---- reporting rounds ----------------------------------------------------------------------------


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


# ---- screening -----------------------------------------------------------------------------------


@strawberry.type(name="ScreeningReason", description="One rule that keeps a nominee from being clear.")
class ScreeningReasonType:
    source: strawberry.Private[screening.Reason]

    @strawberry.field(description="The rule's code in the hub's screening rules.")
    def rule(self) -> str:
        return self.source.rule.code

    @strawberry.field
    def verdict(self) -> ScreeningVerdict:  # type: ignore[valid-type]
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


@strawberry.type(name="NomineeScreening", description="One nominee's screening.")
class NomineeScreeningType:
    source: strawberry.Private[screening.NomineeScreening]

    @strawberry.field
    def cadre(self) -> CadreType:
        return self.source.cadre  # type: ignore[return-value]

    @strawberry.field(description="The worst verdict among the reasons your agency may read (CLEAR when none).")
    def verdict(self) -> ScreeningVerdict:  # type: ignore[valid-type]
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


# ---- joint review --------------------------------------------------------------------------------


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
    async def pending_agencies(self, info: Info) -> list[Agency]:  # type: ignore[valid-type]
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


# ---- personal matters, supervision, the ledger ---------------------------------------------------


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


@record_type(wf.RectificationItem, "RectificationItem", "One item of a rectification order, due by a date.")
class RectificationItemType:
    id: int
    description: str
    due_on: date
    completed_on: date | None
    completed_by_user: str | None
    note: str

    action: SupervisionActionType | None = belongs_to(models.SupervisionAction, "action_id")


@record_type(wf.Decision, "Decision", "One workflow step: who (agency and user) took it, when, and what changed.")
class DecisionType:
    id: int
    at: datetime
    agency: Agency
    user: str
    action: str
    subject: str
    subject_id: int
    from_state: str | None
    to_state: str | None
    note: str


# ---- alerts and fit ------------------------------------------------------------------------------


@strawberry.type(name="PostOccupancy", description="A post held by more cadres (that you may see) than its quota.")
class PostOccupancyType:
    source: strawberry.Private[alerts.PostOccupancy]

    @strawberry.field
    def post(self) -> PostType:
        return self.source.post  # type: ignore[return-value]

    @strawberry.field
    def holders(self) -> int:
        return self.source.holders

    @strawberry.field(description="Holders beyond the approved quota.")
    def excess(self) -> int:
        return self.source.holders - self.source.post.quota


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
    def missing_dimensions(self) -> list[FitDimension]:  # type: ignore[valid-type]
        return list(self.source.missing)

    @strawberry.field(description="The candidate's screening verdict on what your agency may read.")
    def verdict(self) -> ScreeningVerdict:  # type: ignore[valid-type]
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


# ---- inputs --------------------------------------------------------------------------------------


@strawberry.input
class OpenReportingRoundInput:
    title: str
    period_start: date
    period_end: date
    deadline: date


@strawberry.input
class OpenJointReviewInput:
    candidate_id: int
    post_id: int
    selection_id: int | None = None
    deadline: date | None = strawberry.field(default=None, description="Default: a week from today.")


@strawberry.input(description="An item the verification found; it confirms a declared item or is a gap.")
class VerifiedMatterInput:
    category: MatterCategory
    description: str
    declared_item_id: int | None = strawberry.field(default=None, description="The declared item it confirms.")
    amount: Decimal | None = strawberry.field(default=None, description="Yuan; required for undeclared investments and insurance.")
    intentional: bool = strawberry.field(default=False, description="Evidence shows it was hidden on purpose.")


@strawberry.input
class RectificationItemInput:
    description: str
    due_on: date


@strawberry.input
class FitDimensionWeightInput:
    dimension: FitDimension  # type: ignore[valid-type]
    weight: float


@strawberry.input(description="0-100 per dimension; a dimension left out keeps its score, null clears it.")
class FitScoresInput:
    political_quality: int | None = UNSET
    professional_ability: int | None = UNSET
    responsibility: int | None = UNSET
    performance: int | None = UNSET
    reputation: int | None = UNSET


def _result(name: str, output: type) -> Any:
    """Every workflow mutation answers with its result or one of the same five refusals, nothing written."""
    members = (output, ValidationErrors, NotFound, WrongStateError, NotAllowedError, VersionConflict)
    return Annotated[Union[members], strawberry.union(name)]  # type: ignore[valid-type]


RoundResult = _result("OpenReportingRoundResult", ReportingRoundType)
SubmissionResult = _result("SubmissionResult", ReportSubmissionType)
NegativeRecordStepResult = _result("NegativeRecordStepResult", NegativeRecordType)
JointReviewResult = _result("JointReviewResult", JointReviewType)
ReviewAnswerResult = _result("ReviewAnswerResult", ReviewAnswerType)
MattersVerificationResult = _result("MattersVerificationResult", MattersVerificationType)
SupervisionActionResult = _result("SupervisionActionResult", SupervisionActionType)
RectificationItemResult = _result("RectificationItemResult", RectificationItemType)
PostRequirementsResult = _result("PostRequirementsResult", PostType)
NominationScoreResult = _result("NominationScoreResult", NominationType)
SelectionStepResult = _result("SelectionStepResult", SelectionType)


# ---- queries -------------------------------------------------------------------------------------


@strawberry.type
class WorkflowQueries:
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
        return rounds.overdue_returns(context_of(info).session, _as_of(as_of))  # type: ignore[return-value]

    @strawberry.field(description="Screen nominees for a post in one batch: a verdict and readable reasons each.")
    def screen_nominees(self, info: Info, cadre_ids: list[int], post_id: int, as_of: date | None = None) -> ScreeningType:
        context = context_of(info)
        result = _read("postId", lambda: screening.screen_nominees(
            context.session, actor_of(context), cadre_ids, post_id, _as_of(as_of)
        ))
        _note(info, (entry.cadre for entry in result.results))
        loader = context.loaders.by_id(models.Cadre)
        for entry in result.results:
            loader.prime(entry.cadre.id, entry.cadre)
        return ScreeningType(source=result)

    @strawberry.field(description="The decisions taken about a record you may see, oldest first.")
    def decisions(self, info: Info, subject: DecisionSubject, subject_id: int) -> list[DecisionType]:  # type: ignore[valid-type]
        context = context_of(info)
        found = _read("subjectId", lambda: ledger.decisions_about(
            context.session, actor_of(context), subject.value, subject_id
        ))
        _note(info, found)
        return found  # type: ignore[return-value]

    @strawberry.field
    async def joint_review(self, info: Info, id: int) -> JointReviewType | None:
        return await reference(info, wf.JointReview, id)

    @strawberry.field(description="Joint reviews you may see, newest first.")
    def joint_reviews(
        self, info: Info, candidate_id: int | None = None, status: ReviewStatus | None = None,  # type: ignore[valid-type]
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

    @strawberry.field(description="The verification of a personal matters report, once made.")
    def matters_verification(self, info: Info, report_id: int) -> MattersVerificationType | None:
        context = context_of(info)
        found = context.session.scalar(
            select(wf.MattersVerification).where(
                wf.MattersVerification.report_id == report_id, context.loaders.scoped(wf.MattersVerification)
            )
        )
        _note(info, (found,))
        return found  # type: ignore[return-value]

    @strawberry.field(description="The items of a rectification order.")
    async def rectification_items(self, info: Info, action_id: int) -> list[RectificationItemType]:
        loaders = context_of(info).loaders
        return await loaders.children(
            wf.RectificationItem, wf.RectificationItem.action_id, order_by=(wf.RectificationItem.due_on,)
        ).load(action_id)

    @strawberry.field(description="Alert: current tenures of at least minYears (default 10) in one post.")
    def long_tenures(
        self, info: Info, as_of: date | None = None, min_years: int = rules.LONG_TENURE_YEARS,
        first: int | None = None, after: str | None = None,
    ) -> Connection[TenureType]:
        if not 1 <= min_years <= 60:
            raise BadInput("minYears", "must be between 1 and 60")
        context = context_of(info)
        return _page(info, alerts.long_tenures(actor_of(context), _as_of(as_of), min_years), first, after)

    @strawberry.field(description="Alert: posts held by more cadres than their approved quota (职数).")
    def over_quota_posts(self, info: Info, as_of: date | None = None) -> list[PostOccupancyType]:
        context = context_of(info)
        found = alerts.posts_over_quota(context.session, actor_of(context), _as_of(as_of))
        return [PostOccupancyType(source=occupancy) for occupancy in found]

    @strawberry.field(description="Alert: part-time positions (兼职) held without approval.")
    def unapproved_part_time_positions(
        self, info: Info, as_of: date | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[PartTimePositionType]:
        context = context_of(info)
        return _page(info, alerts.unapproved_part_time_positions(actor_of(context), _as_of(as_of)), first, after)

    @strawberry.field(description="Alert: inquiry letters past their reply deadline without a reply.")
    def overdue_inquiry_replies(
        self, info: Info, as_of: date | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[SupervisionActionType]:
        context = context_of(info)
        return _page(info, alerts.overdue_inquiry_replies(actor_of(context), _as_of(as_of)), first, after)

    @strawberry.field(description="Alert: rectification items past their due date and not completed.")
    def overdue_rectification_items(
        self, info: Info, as_of: date | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[RectificationItemType]:
        context = context_of(info)
        return _page(info, alerts.overdue_rectification_items(actor_of(context), _as_of(as_of)), first, after)

    @strawberry.field(description="The selection's candidates ranked by person-post fit, with the candidate minimum.")
    def rank_candidates(self, info: Info, selection_id: int, as_of: date | None = None) -> FitRankingType:
        context = context_of(info)
        ranking = _read("selectionId", lambda: fit.rank_candidates(context.session, actor_of(context), selection_id, _as_of(as_of)))
        _note(info, (candidate.nomination for candidate in ranking.candidates))
        return FitRankingType(source=ranking)


def _page(info: Info, statement: Any, first: int | None, after: str | None) -> Connection[Any]:
    context = context_of(info)
    connection = paginate(context.session, statement, first, after)
    _note(info, (edge.node for edge in connection.edges))
    return connection


# ---- mutations -----------------------------------------------------------------------------------

NEGATIVE_RECORD_STEP_FIELDS = ("NegativeRecord.status", "NegativeRecord.conclusion")
SUPERVISION_FIELDS = (
    "SupervisionAction.cadre", "SupervisionAction.kind", "SupervisionAction.issuedBy", "SupervisionAction.issuedOn",
    "SupervisionAction.dueOn", "SupervisionAction.reason",
)


@strawberry.type
class WorkflowMutations:
    @strawberry.mutation(description="Open a half-year reporting round; it asks every agency the policy lets submit returns.")
    def open_reporting_round(self, info: Info, input: OpenReportingRoundInput) -> RoundResult:
        reporters = agencies_allowed_to(context_of(info), rounds.SUBMIT_RETURN)
        return _step(info, rounds.OPEN_ROUND, ("ReportingRound.title", "ReportingRound.deadline"), lambda session, actor: rounds.open_round(
            session, actor, input.title, input.period_start, input.period_end, input.deadline, reporters
        ))

    @strawberry.mutation(description="Submit your agency's return in a round: its negative records, or an explicit nil return.")
    def submit_round_return(
        self, info: Info, round_id: int, record_ids: list[int], nil_return: bool = False,
        expected_version: int | None = None,
    ) -> SubmissionResult:
        return _step(info, rounds.SUBMIT_RETURN, ("ReportSubmission.submittedOn", "ReportSubmission.records"),
                     lambda session, actor: rounds.submit_round_return(
                         session, actor, round_id, record_ids, nil_return, expected_version))

    @strawberry.mutation(description="Report serious negative records at once, outside any round.")
    def submit_urgent_report(self, info: Info, record_ids: list[int]) -> SubmissionResult:
        return _step(info, rounds.SUBMIT_URGENT, ("ReportSubmission.submittedOn", "ReportSubmission.records"),
                     lambda session, actor: rounds.submit_urgent_report(session, actor, record_ids))

    @strawberry.mutation(description="REPORTED → VERIFYING.")
    def start_negative_record_verification(
        self, info: Info, id: int, note: str | None = None, expected_version: int | None = None
    ) -> NegativeRecordStepResult:
        return _step(info, verification.START_VERIFICATION, NEGATIVE_RECORD_STEP_FIELDS,
                     lambda session, actor: verification.start_verification(session, actor, id, note, expected_version))

    @strawberry.mutation(description="VERIFYING → CONFIRMED (or PARTLY_CONFIRMED), with the conclusion (审定结论).")
    def confirm_negative_record(
        self, info: Info, id: int, conclusion: str, partly: bool = False, expected_version: int | None = None
    ) -> NegativeRecordStepResult:
        return _step(info, verification.CONFIRM, NEGATIVE_RECORD_STEP_FIELDS,
                     lambda session, actor: verification.confirm(session, actor, id, conclusion, partly, expected_version))

    @strawberry.mutation(description="VERIFYING → CLEARED (unfounded, 澄清): the record stops counting everywhere.")
    def clear_negative_record(
        self, info: Info, id: int, conclusion: str, expected_version: int | None = None
    ) -> NegativeRecordStepResult:
        return _step(info, verification.CLEAR, NEGATIVE_RECORD_STEP_FIELDS,
                     lambda session, actor: verification.clear(session, actor, id, conclusion, expected_version))

    @strawberry.mutation(description="Open a joint review of a candidate for a key post; it asks every agency the policy lets answer.")
    def open_joint_review(self, info: Info, input: OpenJointReviewInput) -> JointReviewResult:
        answering = agencies_allowed_to(context_of(info), joint_review.ANSWER)
        return _step(info, joint_review.OPEN, ("JointReview.candidate", "JointReview.post", "JointReview.deadline"),
                     lambda session, actor: joint_review.open_review(
                         session, actor, input.candidate_id, input.post_id, input.selection_id, input.deadline, answering))

    @strawberry.mutation(description="Your agency's answer (normal / abnormal, with findings) to a joint review.")
    def answer_joint_review(
        self, info: Info, review_id: int, verdict: ReviewVerdict, findings: str | None = None,  # type: ignore[valid-type]
        expected_version: int | None = None,
    ) -> ReviewAnswerResult:
        return _step(info, joint_review.ANSWER, ("ReviewAnswer.verdict", "ReviewAnswer.findings"),
                     lambda session, actor: joint_review.answer(session, actor, review_id, verdict, findings, expected_version))

    @strawberry.mutation(description="Conclude a joint review (proceed / stop / suspend) once every answer is in or the deadline passed.")
    def conclude_joint_review(
        self, info: Info, review_id: int, conclusion: ReviewConclusion, note: str | None = None,  # type: ignore[valid-type]
        expected_version: int | None = None,
    ) -> JointReviewResult:
        return _step(info, joint_review.CONCLUDE, ("JointReview.conclusion", "JointReview.note", "Selection.status"),
                     lambda session, actor: joint_review.conclude(session, actor, review_id, conclusion, note, expected_version))

    @strawberry.mutation(description="Compare a personal matters report with the verified items; classify gaps and follow up.")
    def verify_personal_matters(
        self, info: Info, report_id: int, found_items: list[VerifiedMatterInput], verified_on: date | None = None
    ) -> MattersVerificationResult:
        found = [
            personal_matters.FoundItem(item.category, item.description, item.declared_item_id, item.amount, item.intentional)
            for item in found_items
        ]
        return _step(info, personal_matters.VERIFY,
                     ("PersonalMattersReport.verifiedOn", "MatterItem.found", "MatterItem.finding", *SUPERVISION_FIELDS),
                     lambda session, actor: personal_matters.verify_report(session, actor, report_id, verified_on, found))

    @strawberry.mutation(description="Record a reminder talk (提醒谈话).")
    def hold_reminder_talk(
        self, info: Info, cadre_id: int, reason: str, held_on: date | None = None
    ) -> SupervisionActionResult:
        return _step(info, supervision.REMINDER_TALK, SUPERVISION_FIELDS,
                     lambda session, actor: supervision.hold_reminder_talk(session, actor, cadre_id, reason, held_on))

    @strawberry.mutation(description="Send an inquiry letter (函询) with a reply deadline.")
    def send_inquiry_letter(
        self, info: Info, cadre_id: int, reason: str, reply_due: date, issued_on: date | None = None
    ) -> SupervisionActionResult:
        return _step(info, supervision.INQUIRY_LETTER, SUPERVISION_FIELDS,
                     lambda session, actor: supervision.send_inquiry_letter(
                         session, actor, cadre_id, reason, reply_due, issued_on))

    @strawberry.mutation(description="Record the written reply to an inquiry letter.")
    def record_inquiry_reply(
        self, info: Info, action_id: int, reply: str, replied_on: date | None = None, expected_version: int | None = None
    ) -> SupervisionActionResult:
        return _step(info, supervision.INQUIRY_REPLY, ("SupervisionAction.reply", "SupervisionAction.repliedOn"),
                     lambda session, actor: supervision.record_inquiry_reply(
                         session, actor, action_id, reply, replied_on, expected_version))

    @strawberry.mutation(description="Admonish a cadre (诫勉).")
    def admonish(self, info: Info, cadre_id: int, reason: str, issued_on: date | None = None) -> SupervisionActionResult:
        return _step(info, supervision.ADMONISH, SUPERVISION_FIELDS,
                     lambda session, actor: supervision.admonish(session, actor, cadre_id, reason, issued_on))

    @strawberry.mutation(description="Order rectification (限期整改): items, each with its due date.")
    def order_rectification(
        self, info: Info, cadre_id: int, reason: str, items: list[RectificationItemInput], issued_on: date | None = None
    ) -> SupervisionActionResult:
        demands = [supervision.RectificationDemand(item.description, item.due_on) for item in items]
        return _step(info, supervision.RECTIFICATION, (*SUPERVISION_FIELDS, "RectificationItem.description", "RectificationItem.dueOn"),
                     lambda session, actor: supervision.order_rectification(
                         session, actor, cadre_id, reason, demands, issued_on))

    @strawberry.mutation(description="Mark a rectification item completed.")
    def complete_rectification_item(
        self, info: Info, item_id: int, completed_on: date | None = None, note: str | None = None
    ) -> RectificationItemResult:
        return _step(info, supervision.COMPLETE_ITEM, ("RectificationItem.completedOn", "RectificationItem.note"),
                     lambda session, actor: supervision.complete_rectification_item(
                         session, actor, item_id, completed_on, note))

    @strawberry.mutation(description="Set a post's weighted fit dimensions; the weights sum to 1.")
    def set_post_requirements(
        self, info: Info, post_id: int, weights: list[FitDimensionWeightInput], expected_version: int | None = None
    ) -> PostRequirementsResult:
        by_dimension = {weight.dimension: weight.weight for weight in weights}
        return _step(info, fit.SET_REQUIREMENTS, ("Post.requirements",),
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
        return _step(info, fit.SCORE, fields,
                     lambda session, actor: fit.score_nomination(session, actor, nomination_id, given, expected_version))

    @strawberry.mutation(description="OPEN → INSPECTING; a key post needs at least two eligible candidates (1:2).")
    def start_inspection(self, info: Info, selection_id: int, expected_version: int | None = None) -> SelectionStepResult:
        return _step(info, fit.START_INSPECTION, ("Selection.status",),
                     lambda session, actor: fit.start_inspection(session, actor, selection_id, clock.today(), expected_version))


__all__ = ["WorkflowMutations", "WorkflowQueries"]
