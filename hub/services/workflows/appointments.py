"""Appointment requests: an employing unit asks for one of its own posts to be filled (用人单位提出用人需求).

The unit names the post, its reason and the cadres it proposes (or none). The Organization Department accepts
the request, which opens a selection for the post, or declines it with a reason. Every step is in the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import AppointmentRequestStatus, SelectionStatus
from hub.services.record_writes import RecordNotFound
from hub.services.workflows import clock
from hub.services.workflows.base import (
    Actor,
    NotAllowed,
    Problems,
    WrongState,
    check_version,
    flush,
    record_decision,
    visible,
)

SUBMIT = "submitAppointmentRequest"
ACCEPT = "acceptAppointmentRequest"
DECLINE = "declineAppointmentRequest"
MAX_CANDIDATES = 20
REASON_MAX_LENGTH = 2000


def submit(
    session: Session, actor: Actor, post_id: int, reason: str | None, candidate_ids: Sequence[int]
) -> models.AppointmentRequest:
    actor.require(SUBMIT)
    if actor.unit_id is None:
        raise NotAllowed("your token names no employing unit (unit_id)")
    problems = Problems()
    cleaned = problems.text("reason", reason, max_length=REASON_MAX_LENGTH)
    post = session.get(models.Post, post_id)
    if post is None or post.unit_id != actor.unit_id:
        problems.add("postId", f"no post with id {post_id} of your unit")
    chosen = list(dict.fromkeys(candidate_ids))
    if len(chosen) > MAX_CANDIDATES:
        problems.add("candidateIds", f"at most {MAX_CANDIDATES} candidates")
    for index, cadre_id in enumerate(chosen[:MAX_CANDIDATES]):
        try:
            visible(session, actor, models.Cadre, cadre_id, "cadre")
        except RecordNotFound as missing:
            problems.add(f"candidateIds.{index}", str(missing))
    problems.raise_if_any()
    assert post is not None
    request = models.AppointmentRequest(
        unit_id=post.unit_id, post_id=post.id, reason=cleaned, status=AppointmentRequestStatus.SUBMITTED,
        submitted_by_user=actor.user, submitted_on=clock.today(), decline_reason="",
    )
    session.add(request)
    flush(session)
    session.add_all(models.AppointmentCandidate(request_id=request.id, cadre_id=cadre_id) for cadre_id in chosen)
    record_decision(session, actor, SUBMIT, request, cadre_id=None, to_state=AppointmentRequestStatus.SUBMITTED.value,
                    note=f"post {post.id}; candidates: {', '.join(map(str, chosen)) or 'none'}")
    flush(session)
    return request


def accept(
    session: Session, actor: Actor, request_id: int, expected_version: int | None = None
) -> models.AppointmentRequest:
    """Open a selection for the request's post and link it to the request."""
    actor.require(ACCEPT)
    request = _submitted(session, actor, request_id, expected_version)
    selection = models.Selection(
        post_id=request.post_id, opened_on=clock.today(), status=SelectionStatus.OPEN,
        notes=f"appointment request {request.id}",
    )
    session.add(selection)
    flush(session)
    _decide(request, actor, AppointmentRequestStatus.ACCEPTED)
    request.selection_id = selection.id
    flush(session, request)
    record_decision(session, actor, ACCEPT, request, cadre_id=None, from_state=AppointmentRequestStatus.SUBMITTED.value,
                    to_state=AppointmentRequestStatus.ACCEPTED.value, note=f"selection {selection.id}")
    record_decision(session, actor, ACCEPT, selection, cadre_id=None, to_state=SelectionStatus.OPEN.value,
                    note=f"appointment request {request.id}")
    flush(session)
    return request


def decline(
    session: Session, actor: Actor, request_id: int, reason: str | None, expected_version: int | None = None
) -> models.AppointmentRequest:
    actor.require(DECLINE)
    problems = Problems()
    cleaned = problems.text("reason", reason, max_length=REASON_MAX_LENGTH)
    problems.raise_if_any()
    request = _submitted(session, actor, request_id, expected_version)
    _decide(request, actor, AppointmentRequestStatus.DECLINED)
    request.decline_reason = cleaned
    flush(session, request)
    record_decision(session, actor, DECLINE, request, cadre_id=None, from_state=AppointmentRequestStatus.SUBMITTED.value,
                    to_state=AppointmentRequestStatus.DECLINED.value, note=cleaned)
    flush(session)
    return request


def _submitted(
    session: Session, actor: Actor, request_id: int, expected_version: int | None
) -> models.AppointmentRequest:
    request = visible(session, actor, models.AppointmentRequest, request_id, "appointment request")
    check_version(request, expected_version)
    if request.status is not AppointmentRequestStatus.SUBMITTED:
        raise WrongState(f"the request is already {request.status.value}", request.status.name)
    return request


def _decide(request: models.AppointmentRequest, actor: Actor, status: AppointmentRequestStatus) -> None:
    request.status = status
    request.decided_by, request.decided_by_user, request.decided_at = actor.agency, actor.user, clock.now()
