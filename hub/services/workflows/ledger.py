"""The decisions taken on one subject (a record, a review, a round...), for callers who may see the subject."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import models
from hub.services.workflows.base import Actor, visible

# The subjects decisions are recorded about, by the name the ledger stores.
SUBJECTS: dict[str, type[models.Base]] = {
    model.__name__: model
    for model in (
        models.NegativeRecord,
        models.SupervisionAction,
        models.PersonalMattersReport,
        models.JointReview,
        models.ReportingRound,
        models.ReportSubmission,
        models.RectificationItem,
        models.Selection,
        models.Nomination,
        models.Post,
        models.AppointmentRequest,
        models.MattersInquiry,
    )
}


def decisions_about(session: Session, actor: Actor, subject: str, subject_id: int) -> list[models.Decision]:
    model = SUBJECTS[subject]
    visible(session, actor, model, subject_id)
    return list(session.scalars(
        select(models.Decision)
        .where(models.Decision.subject == subject, models.Decision.subject_id == subject_id, actor.scope(models.Decision))
        .order_by(models.Decision.id)
    ))
