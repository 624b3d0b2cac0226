"""Detection alerts in GraphQL: the list the investigators triage, and the steps that work alerts in bulk or open a
case from them. Every read of an alert is audited, naming its cadre and every cadre its evidence names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, TypeAlias

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON
from strawberry.types import Info

from hub import models
from hub.models.enums import AlertStatus
from hub.services.workflows import alert_handling
from schema.context import context_of
from schema.errors import BadInput
from schema.pagination import Connection, paginate
from schema.record_types import CadreType, record_type
from schema.relations import belongs_to
from schema.rule_catalogue import DetectionRuleType, citation
from schema.workflows.cases import CaseResult
from schema.workflows.steps import StepRefusal, run_step

strawberry.enum(AlertStatus)

_CADRE_KEY = re.compile(r"^cadre:(\d+)$")


@record_type(models.DetectionAlert, "DetectionAlert",
             "预警: one detection rule's finding, once per evidence; changed evidence reopens it.")
class DetectionAlertType:
    id: int
    rule: str
    subject: str
    status: AlertStatus
    jurisdiction: str
    assignee_user: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    changed_at: datetime
    changed_by_user: str | None
    times_reopened: int
    note: str
    version: int
    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")

    @strawberry.field(description="What the finding rests on: the records by key, their dates and kinds.")
    def evidence(self) -> JSON:
        return self.evidence  # type: ignore[attr-defined,no-any-return]

    @strawberry.field(description="The hash of the canonical evidence.")
    def fingerprint(self) -> str:
        return self.fingerprint  # type: ignore[attr-defined,no-any-return]

    @strawberry.field(description="The rule it fires, with the regulation it applies.")
    def citation(self) -> DetectionRuleType:
        return citation(self.rule)


@strawberry.type(name="DetectionAlertsChanged", description="The alerts a bulk step changed.")
class DetectionAlertsChanged:
    alerts: list[DetectionAlertType]


AlertsResult: TypeAlias = Annotated[DetectionAlertsChanged | StepRefusal, strawberry.union("DetectionAlertsResult")]
MAX_FILTER_LENGTH = 64
ALERT_FIELDS = ("DetectionAlert.status", "DetectionAlert.assigneeUser", "DetectionAlert.note")


def _cadres_named(evidence: Any) -> Iterable[int]:
    """Cadre ids the evidence names (`cadre:12`), at any depth."""
    if isinstance(evidence, str):
        match = _CADRE_KEY.match(evidence)
        if match:
            yield int(match.group(1))
    elif isinstance(evidence, dict):
        for value in evidence.values():
            yield from _cadres_named(value)
    elif isinstance(evidence, list):
        for value in evidence:
            yield from _cadres_named(value)


def note_alerts(info: Info, rows: Iterable[models.DetectionAlert]) -> None:
    log = context_of(info).read_log
    for row in rows:
        log.note([row])
        log.cadre_ids.update(_cadres_named(row.evidence))


@strawberry.type
class DetectionAlertQueries:
    @strawberry.field(description="Detection alerts you may read, most recently changed first; filter by status, rule, "
                                  "assignee or cadre.")
    def detection_alerts(
        self, info: Info, status: list[AlertStatus] | None = None, rule: str | None = None,
        assignee: str | None = None, cadre_id: int | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[DetectionAlertType]:
        context = context_of(info)
        alert = models.DetectionAlert
        statement = select(alert).where(context.loaders.scoped(alert))
        for name, value in (("rule", rule), ("assignee", assignee)):
            if value is not None and len(value) > MAX_FILTER_LENGTH:
                raise BadInput(name, f"at most {MAX_FILTER_LENGTH} characters")
        if status:
            statement = statement.where(alert.status.in_(status))
        if rule is not None:
            statement = statement.where(alert.rule == rule)
        if assignee is not None:
            statement = statement.where(alert.assignee_user == assignee)
        if cadre_id is not None:
            statement = statement.where(alert.cadre_id == cadre_id)
        connection = paginate(context.session, statement.order_by(alert.changed_at.desc(), alert.id.desc()), first, after)
        note_alerts(info, (edge.node for edge in connection.edges))
        return connection


def _changed(info: Info, rows: list[models.DetectionAlert]) -> DetectionAlertsChanged:
    note_alerts(info, rows)
    return DetectionAlertsChanged(alerts=rows)  # type: ignore[arg-type]


@strawberry.type
class DetectionAlertMutations:
    @strawberry.mutation(description="Acknowledge alerts: seen, being looked at.")
    def acknowledge_alerts(self, info: Info, alert_ids: list[int]) -> AlertsResult:
        return run_step(info, alert_handling.ACKNOWLEDGE_ALERTS, ALERT_FIELDS, lambda session, actor: _changed(
            info, alert_handling.set_status(session, actor, alert_handling.ACKNOWLEDGE_ALERTS, alert_ids,
                                            AlertStatus.ACKNOWLEDGED)))

    @strawberry.mutation(description="Dismiss alerts, saying why: looked at, nothing to pursue.")
    def dismiss_alerts(self, info: Info, alert_ids: list[int], reason: str) -> AlertsResult:
        return run_step(info, alert_handling.DISMISS_ALERTS, ALERT_FIELDS, lambda session, actor: _changed(
            info, alert_handling.set_status(session, actor, alert_handling.DISMISS_ALERTS, alert_ids,
                                            AlertStatus.DISMISSED, reason)))

    @strawberry.mutation(description="Assign alerts to a user of your agency.")
    def assign_alerts(self, info: Info, alert_ids: list[int], assignee: str) -> AlertsResult:
        return run_step(info, alert_handling.ASSIGN_ALERTS, ALERT_FIELDS, lambda session, actor: _changed(
            info, alert_handling.assign(session, actor, alert_ids, assignee)))

    @strawberry.mutation(description="Open a case from alerts: it links each alert and its cadre; the alerts are "
                                      "escalated.")
    def open_case_from_alerts(self, info: Info, number: str, title: str, alert_ids: list[int],
                              assignee: str | None = None) -> CaseResult:
        pattern = context_of(info).case_pattern
        return run_step(info, alert_handling.OPEN_CASE_FROM_ALERTS, ("Case.number", "Case.title", *ALERT_FIELDS),
                        lambda session, actor: alert_handling.open_case_from_alerts(
                            session, actor, number, title, pattern, alert_ids, assignee))
