"""Working detection alerts: acknowledged, dismissed (with a reason) or assigned in bulk, or escalated by opening a
case from them (the case links each alert and its cadre). Every change goes through `alert_changed`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import models
from hub.models.base import utcnow
from hub.models.enums import AlertStatus
from hub.services.detection.store import AlertChange, alert_changed
from hub.services.record_writes import RecordNotFound
from hub.services.workflows import cases
from hub.services.workflows.base import Actor, Problems, WrongState, flush

ACKNOWLEDGE_ALERTS = "acknowledgeAlerts"
DISMISS_ALERTS = "dismissAlerts"
ASSIGN_ALERTS = "assignAlerts"
OPEN_CASE_FROM_ALERTS = "openCaseFromAlerts"
MAX_ALERTS_PER_STEP = 500


def visible_alerts(session: Session, actor: Actor, alert_ids: Sequence[int]) -> list[models.DetectionAlert]:
    """The alerts, every one of which the caller must see (else nothing is changed)."""
    wanted = list(dict.fromkeys(alert_ids))
    problems = Problems()
    if not wanted or len(wanted) > MAX_ALERTS_PER_STEP:
        problems.add("alertIds", f"name from 1 to {MAX_ALERTS_PER_STEP} alerts")
    problems.raise_if_any()
    alert = models.DetectionAlert
    found = {row.id: row for row in session.scalars(select(alert).where(alert.id.in_(wanted), actor.scope(alert)))}
    missing = [alert_id for alert_id in wanted if alert_id not in found]
    if missing:
        raise RecordNotFound(f"no alert with id {missing[0]} is visible to you")
    return [found[alert_id] for alert_id in wanted]


def set_status(session: Session, actor: Actor, operation: str, alert_ids: Sequence[int], status: AlertStatus,
               note: str | None = None) -> list[models.DetectionAlert]:
    actor.require(operation)
    problems = Problems()
    text = problems.text("note", note, required=status is AlertStatus.DISMISSED, max_length=2000)
    problems.raise_if_any()
    rows = visible_alerts(session, actor, alert_ids)
    escalated = [row.id for row in rows if row.status is AlertStatus.ESCALATED]
    if escalated:
        raise WrongState(f"alert {escalated[0]} is escalated to a case; the case decides it now", "ESCALATED")
    for row in rows:
        row.status, row.changed_at, row.changed_by_user = status, utcnow(), actor.user
        if text:
            row.note = text
    flush(session)
    for row in rows:
        alert_changed(session, row, AlertChange.STATUS_CHANGED)
    return rows


def assign(session: Session, actor: Actor, alert_ids: Sequence[int], assignee: str) -> list[models.DetectionAlert]:
    actor.require(ASSIGN_ALERTS)
    problems = Problems()
    assignee = problems.text("assignee", assignee, max_length=64)
    problems.raise_if_any()
    rows = visible_alerts(session, actor, alert_ids)
    for row in rows:
        row.assignee_user, row.changed_at, row.changed_by_user = assignee, utcnow(), actor.user
    flush(session)
    for row in rows:
        alert_changed(session, row, AlertChange.ASSIGNED)
    return rows


def open_case_from_alerts(session: Session, actor: Actor, number: str, title: str, case_pattern: str,
                          alert_ids: Sequence[int], assignee: str | None) -> models.Case:
    """Open a case that links every alert and the cadre of each; the alerts are then escalated."""
    actor.require(OPEN_CASE_FROM_ALERTS)
    rows = visible_alerts(session, actor, alert_ids)
    case = cases.open_case(session, actor, number, title, case_pattern, assignee, operation=OPEN_CASE_FROM_ALERTS)
    linked_cadres: set[int] = set()
    for row in rows:
        session.add(models.CaseLink(case_id=case.id, detection_alert_id=row.id, linked_by_user=actor.user))
        if row.cadre_id is not None and row.cadre_id not in linked_cadres:
            linked_cadres.add(row.cadre_id)
            session.add(models.CaseLink(case_id=case.id, cadre_id=row.cadre_id, linked_by_user=actor.user))
        row.status, row.changed_at, row.changed_by_user = AlertStatus.ESCALATED, utcnow(), actor.user
    cases.record_event(session, actor, case, cases.LINK_CASE,
                       "alerts " + ", ".join(str(row.id) for row in rows))
    flush(session)
    for row in rows:
        alert_changed(session, row, AlertChange.STATUS_CHANGED)
    return case
