"""Joint review (联审) of a candidate for a key post.

The agencies asked to answer are those the policy lets write `Mutation.answerJointReview`, fixed
when the review opens (one pending answer each). Each answers once, normal or abnormal with its
findings; the Organization Department concludes once every answer is in or the deadline passed,
and the answers the conclusion rested on are marked. Stopping or suspending carries over to the
selection the review belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import SelectionStatus
from hub.models.workflow import JointReview, ReviewAnswer, ReviewConclusion, ReviewStatus, ReviewVerdict
from hub.services.record_writes import RecordNotFound
from hub.services.workflows import clock, rules
from hub.services.workflows.base import (
    Actor,
    NotAllowed,
    Problems,
    Row,
    WrongState,
    check_version,
    flush,
    flush_unique,
    record_decision,
    visible,
)

OPEN = "openJointReview"
ANSWER = "answerJointReview"
CONCLUDE = "concludeJointReview"


def open_review(
    session: Session,
    actor: Actor,
    candidate_id: int,
    post_id: int,
    selection_id: int | None,
    deadline: date | None,
    answering_agencies: Sequence[str],
) -> JointReview:
    actor.require(OPEN)
    today = clock.today()
    problems = Problems()
    deadline = deadline or today + rules.JOINT_REVIEW_DEFAULT_PERIOD
    if deadline < today:
        problems.add("deadline", "must not be in the past")
    asked = problems.declared("candidateId", answering_agencies, actor.agencies)
    if not asked:
        problems.add("candidateId", "the policy names no agency that answers joint reviews")
    candidate = _visible_or_problem(session, actor, models.Cadre, candidate_id, "candidateId", "cadre", problems)
    post = _visible_or_problem(session, actor, models.Post, post_id, "postId", "post", problems)
    if post is not None and not post.is_key_post:
        problems.add("postId", "joint review is for key posts (人财物重点岗位); this post is not one")
    if selection_id is not None:
        _check_selection(session, actor, selection_id, candidate_id, post_id, problems)
    problems.raise_if_any()
    assert candidate is not None and post is not None
    already_open = session.scalar(
        select(JointReview.id).where(
            JointReview.candidate_id == candidate_id, JointReview.post_id == post_id,
            JointReview.status == ReviewStatus.OPEN,
        )
    )
    if already_open is not None:
        raise WrongState(f"joint review {already_open} of this candidate for this post is still open", "OPEN")
    review = JointReview(
        candidate_id=candidate_id, post_id=post_id, selection_id=selection_id, deadline=deadline,
        status=ReviewStatus.OPEN, opened_by=actor.agency, opened_by_user=actor.user, opened_on=today, note="",
    )
    session.add(review)
    flush_unique(session, "a joint review of this candidate for this post is still open", "OPEN")
    session.add_all(ReviewAnswer(review_id=review.id, agency=agency, findings="") for agency in asked)
    record_decision(session, actor, OPEN, review, cadre_id=candidate_id, to_state=ReviewStatus.OPEN.value,
                    note=", ".join(asked))
    flush(session)
    return review


def answer(
    session: Session,
    actor: Actor,
    review_id: int,
    verdict: ReviewVerdict,
    findings: str | None,
    expected_version: int | None = None,
) -> ReviewAnswer:
    actor.require(ANSWER)
    problems = Problems()
    cleaned = problems.text("findings", findings, required=verdict is ReviewVerdict.ABNORMAL)
    problems.raise_if_any()
    review = visible(session, actor, JointReview, review_id, "joint review")
    check_version(review, expected_version)
    own = session.scalar(select(ReviewAnswer).where(ReviewAnswer.review_id == review.id, ReviewAnswer.agency == actor.agency))
    if own is None:
        raise NotAllowed("your agency is not among the agencies asked to answer this joint review")
    if review.status is not ReviewStatus.OPEN:
        raise WrongState("the joint review is concluded; it takes no more answers", review.status.name)
    if own.verdict is not None:
        raise WrongState("your agency has already answered this joint review", "ANSWERED")
    now = clock.now()
    own.verdict, own.findings, own.answered_at, own.answered_by_user = verdict, cleaned, now, actor.user
    review.last_answered_at = now  # bumps the review's version: an answer and a conclusion cannot cross
    flush(session, review)
    record_decision(session, actor, ANSWER, review, cadre_id=review.candidate_id, to_state=verdict.value)
    flush(session)
    return own


def conclude(
    session: Session,
    actor: Actor,
    review_id: int,
    conclusion: ReviewConclusion,
    note: str | None,
    expected_version: int | None = None,
) -> JointReview:
    actor.require(CONCLUDE)
    problems = Problems()
    cleaned_note = problems.text("note", note, required=conclusion in rules.HALTING_CONCLUSIONS)
    problems.raise_if_any()
    review = visible(session, actor, JointReview, review_id, "joint review")
    check_version(review, expected_version)
    if review.status is not ReviewStatus.OPEN:
        raise WrongState("the joint review is already concluded", review.status.name)
    answers = list(session.scalars(select(ReviewAnswer).where(ReviewAnswer.review_id == review.id)))
    refusal = rules.conclusion_refusal([a.verdict for a in answers], clock.today() > review.deadline, conclusion)
    if refusal is not None:
        raise WrongState(refusal, review.status.name)
    for each in answers:
        each.counted_in_conclusion = each.verdict is not None
    review.status, review.conclusion, review.note = ReviewStatus.CONCLUDED, conclusion, cleaned_note
    review.concluded_by, review.concluded_by_user, review.concluded_at = actor.agency, actor.user, clock.now()
    flush(session, review)
    rested_on = sorted(a.agency for a in answers if a.counted_in_conclusion)
    record_decision(
        session, actor, CONCLUDE, review, cadre_id=review.candidate_id, from_state=ReviewStatus.OPEN.value,
        to_state=conclusion.value, note=f"rested on: {', '.join(rested_on) or 'no answer'}",
    )
    _carry_to_selection(session, actor, review, conclusion)
    flush(session)
    return review


def _carry_to_selection(session: Session, actor: Actor, review: JointReview, conclusion: ReviewConclusion) -> None:
    new_status = rules.selection_status_after(conclusion)
    if review.selection_id is None or new_status is None:
        return
    selection = session.get(models.Selection, review.selection_id)
    if selection is None or selection.status.value not in rules.OPEN_SELECTION_STATUSES:
        return
    previous = selection.status
    selection.status = SelectionStatus(new_status)
    flush(session, selection)
    record_decision(
        session, actor, CONCLUDE, selection, cadre_id=None, from_state=previous.value, to_state=new_status,
        note=f"joint review {review.id}",
    )


def _check_selection(
    session: Session, actor: Actor, selection_id: int, candidate_id: int, post_id: int, problems: Problems
) -> None:
    selection = _visible_or_problem(session, actor, models.Selection, selection_id, "selectionId", "selection", problems)
    if selection is None:
        return
    if selection.post_id != post_id:
        problems.add("selectionId", "the selection is for another post")
    elif selection.status.value not in rules.OPEN_SELECTION_STATUSES:
        problems.add("selectionId", f"the selection is {selection.status.name}; it no longer takes reviews")
    nominated = session.scalar(
        select(exists().where(models.Nomination.selection_id == selection_id, models.Nomination.nominee_id == candidate_id))
    )
    if not nominated:
        problems.add("candidateId", "the candidate is not nominated in this selection")


def _visible_or_problem(
    session: Session, actor: Actor, model: type[Row], row_id: int, field_name: str, label: str, problems: Problems
) -> Row | None:
    """The visible row, or None with the refusal noted against the input field."""
    try:
        return visible(session, actor, model, row_id, label)
    except RecordNotFound as missing:
        problems.add(field_name, str(missing))
        return None
