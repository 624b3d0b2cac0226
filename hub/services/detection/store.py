"""Findings become alerts: the same evidence never twice, changed evidence reopens a handled alert, evidence a
later run no longer finds lapses the alert, and evidence found again reopens it.

`alert_changed` is the one place where an alert comes into being or changes its evidence or status: it tells those
who watch the alert's cadre (`hub.services.watch_events`), in the transaction of the change.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import AlertStatus
from hub.services import watch_events
from hub.services.detection.findings import Finding, unique

HANDLED = frozenset({AlertStatus.ACKNOWLEDGED, AlertStatus.DISMISSED, AlertStatus.ESCALATED})
# A person's decision stands when the evidence goes: a dismissed alert stays dismissed, an escalated one with its case.
LAPSES = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.REOPENED)
_CHUNK = 400


class AlertChange(enum.Enum):
    CREATED = "created"
    EVIDENCE_CHANGED = "evidence_changed"  # still unhandled: it stays as it was, with the new evidence
    REOPENED = "reopened"  # handled, and its evidence changed; or lapsed, and its evidence found again
    LAPSED = "lapsed"  # a run over its cadre no longer found its evidence
    STATUS_CHANGED = "status_changed"  # acknowledged, dismissed, escalated
    ASSIGNED = "assigned"


def alert_changed(session: Session, alert: models.DetectionAlert, change: AlertChange) -> None:
    """An alert was created, reopened, or changed evidence, status or assignee (flushed, not yet committed)."""
    watch_events.publish(
        session, watch_events.ALERT_CHANGED, watch_events.Subjects.of([alert.cadre_id]), "detection_alert", alert.id,
        watch_events.CREATED if change is AlertChange.CREATED else watch_events.UPDATED, change.value,
    )


@dataclass
class Recorded:
    created: int = 0
    reopened: int = 0
    changed: int = 0
    seen: int = 0
    lapsed: int = 0
    alert_ids: list[int] = field(default_factory=list)

    def add(self, other: Recorded) -> None:
        self.created += other.created
        self.reopened += other.reopened
        self.changed += other.changed
        self.seen += other.seen
        self.lapsed += other.lapsed
        self.alert_ids.extend(other.alert_ids)


def record_findings(session: Session, findings: Sequence[Finding], now: datetime) -> Recorded:
    """Turn findings into alerts in the session's transaction (the caller commits)."""
    recorded = Recorded()
    distinct = unique(findings)
    for start in range(0, len(distinct), _CHUNK):
        recorded.add(_record_chunk(session, distinct[start:start + _CHUNK], now))
    return recorded


def _record_chunk(session: Session, findings: Sequence[Finding], now: datetime) -> Recorded:
    alert = models.DetectionAlert
    keys = [(finding.rule, finding.subject) for finding in findings]
    existing = {
        (row.rule, row.subject): row
        for row in session.scalars(select(alert).where(tuple_(alert.rule, alert.subject).in_(keys)))
    }
    cadre_ids = {finding.cadre_id for finding in findings if finding.cadre_id is not None}
    jurisdictions: dict[int, str] = {
        cadre_id: jurisdiction for cadre_id, jurisdiction in session.execute(
            select(models.Cadre.id, models.Cadre.jurisdiction).where(models.Cadre.id.in_(cadre_ids)))
    } if cadre_ids else {}
    recorded = Recorded()
    seen: list[int] = []
    changes: list[tuple[models.DetectionAlert, AlertChange]] = []
    for finding in findings:
        digest = finding.fingerprint
        row = existing.get((finding.rule, finding.subject))
        if row is None:
            row = alert(
                rule=finding.rule, subject=finding.subject, cadre_id=finding.cadre_id,
                jurisdiction=jurisdictions.get(finding.cadre_id, "") if finding.cadre_id is not None else "",
                evidence=finding.evidence, fingerprint=digest, status=AlertStatus.NEW,
                first_seen_at=now, last_seen_at=now, changed_at=now, times_reopened=0, note="",
            )
            session.add(row)
            changes.append((row, AlertChange.CREATED))
            recorded.created += 1
        elif row.fingerprint == digest and row.status is not AlertStatus.LAPSED:
            seen.append(row.id)
            recorded.seen += 1
        else:
            row.evidence, row.fingerprint, row.last_seen_at, row.changed_at = finding.evidence, digest, now, now
            if row.status in HANDLED or row.status is AlertStatus.LAPSED:
                row.status = AlertStatus.REOPENED
                row.times_reopened += 1
                row.changed_by_user = None
                changes.append((row, AlertChange.REOPENED))
                recorded.reopened += 1
            else:
                changes.append((row, AlertChange.EVIDENCE_CHANGED))
                recorded.changed += 1
    if seen:
        session.execute(update(alert).where(alert.id.in_(seen)).values(last_seen_at=now))
    session.flush()
    for row, change in changes:
        alert_changed(session, row, change)
        recorded.alert_ids.append(row.id)
    return recorded


def lapse_unfound(
    session: Session, cadre_ids: Sequence[int], rules: frozenset[str], found: Sequence[Finding], now: datetime,
) -> Recorded:  # fmt: skip
    """Alerts of `rules` about these cadres that the run just looked for and did not find: lapsed (the caller
    commits). Only rules whose detectors ran over exactly these cadres may be given."""
    recorded = Recorded()
    if not cadre_ids or not rules:
        return recorded
    alert = models.DetectionAlert
    still = {(finding.rule, finding.subject) for finding in found}
    for start in range(0, len(cadre_ids), _CHUNK):
        gone = [
            row for row in session.scalars(select(alert).where(
                alert.cadre_id.in_(cadre_ids[start:start + _CHUNK]), alert.rule.in_(sorted(rules)),
                alert.status.in_(LAPSES),
            ))
            if (row.rule, row.subject) not in still
        ]
        for row in gone:
            row.status, row.changed_at, row.changed_by_user = AlertStatus.LAPSED, now, None
        session.flush()
        for row in gone:
            alert_changed(session, row, AlertChange.LAPSED)
            recorded.alert_ids.append(row.id)
        recorded.lapsed += len(gone)
    return recorded
