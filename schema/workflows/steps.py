"""What every workflow resolver uses: the acting agency, one step or read run through the services, and
the refusals a step answers with instead of its result."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeAlias, TypeVar

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry.types import Info

from hub import models
from hub.models import workflow as wf
from hub.services.record_writes import RecordNotFound, ValidationFailed
from hub.services.workflows import clock
from hub.services.workflows.base import Actor, NotAllowed, WrongState
from schema.context import RequestContext, context_of
from schema.errors import BadInput, NotFound, ValidationErrors, VersionConflict
from schema.mutations import audit_write, run_write

T = TypeVar("T")


@strawberry.type(name="WrongState", description="The step does not apply in the record's current state; nothing was written.")
class WrongStateError:
    message: str
    current_state: str


@strawberry.type(name="NotAllowed", description="Your agency may not take this step on this record; nothing was written.")
class NotAllowedError:
    message: str


# Every workflow mutation answers with its result or one of the same five refusals, nothing written: its
# result type is `Annotated[<Type> | StepRefusal, strawberry.union("<Name>Result")]`.
StepRefusal: TypeAlias = ValidationErrors | NotFound | WrongStateError | NotAllowedError | VersionConflict


def actor_of(context: RequestContext) -> Actor:
    access = context.access
    return Actor(
        agency_code=access.principal.agency, user=access.principal.user, writable=access.writable,
        readable=access.readable, row_clause=access.rows.clause, agencies=access.agencies,
        unit_id=access.principal.unit_id,
    )


def agencies_allowed_to(context: RequestContext, operation: str) -> list[str]:
    """Agencies whose compiled grant may write `Mutation.<operation>`: the policy decides who is asked."""
    store = context.policies
    if store is None:
        raise RuntimeError("the request context carries no policy store")
    return [agency for agency in store.agencies if f"Mutation.{operation}" in store.grant(agency).writable]


def date_or_today(value: date | None) -> date:
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
    if isinstance(row, models.AppointmentRequest):
        return tuple(session.scalars(
            select(models.AppointmentCandidate.cadre_id).where(models.AppointmentCandidate.request_id == row.id)
        ))
    if isinstance(row, wf.RectificationItem):
        action = session.get(models.SupervisionAction, row.action_id)
        return (action.cadre_id,) if action else ()
    if isinstance(row, models.Case):
        return tuple(session.scalars(
            select(models.CaseLink.cadre_id).where(models.CaseLink.case_id == row.id, models.CaseLink.cadre_id.is_not(None))
        ))
    alerts = getattr(row, "alerts", None)  # a bulk step on detection alerts
    if isinstance(alerts, list):
        return tuple(sorted({alert.cadre_id for alert in alerts if getattr(alert, "cadre_id", None) is not None}))
    cadre_id = getattr(row, "cadre_id", None)
    return (cadre_id,) if cadre_id is not None else ()


def run_step(info: Info, operation: str, written: Iterable[str], action: Callable[[Session, Actor], T]) -> Any:
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


def run_read(argument: str, action: Callable[[], T]) -> T:
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


def note_read(info: Info, rows: Iterable[Any]) -> None:
    context_of(info).read_log.note(rows)
