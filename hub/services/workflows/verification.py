"""Verify and conclude a negative record: reported → verifying → confirmed / partly confirmed / cleared.

Each transition is its own operation, so the policy says which agency may make it (write on
`Mutation.<operation>`); the ledger records who made it and when.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import NegativeStatus
from hub.services.workflows import rules
from hub.services.workflows.base import (
    Actor,
    Problems,
    WrongState,
    check_version,
    flush,
    record_decision,
    visible,
)

START_VERIFICATION = "startNegativeRecordVerification"
CONFIRM = "confirmNegativeRecord"
CLEAR = "clearNegativeRecord"


def start_verification(
    session: Session, actor: Actor, record_id: int, note: str | None, expected_version: int | None = None
) -> models.NegativeRecord:
    return _transition(session, actor, START_VERIFICATION, record_id, NegativeStatus.VERIFYING, None, note, expected_version)


def confirm(
    session: Session, actor: Actor, record_id: int, conclusion: str, partly: bool, expected_version: int | None = None
) -> models.NegativeRecord:
    target = NegativeStatus.PARTLY_CONFIRMED if partly else NegativeStatus.CONFIRMED
    return _transition(session, actor, CONFIRM, record_id, target, conclusion, None, expected_version)


def clear(
    session: Session, actor: Actor, record_id: int, conclusion: str, expected_version: int | None = None
) -> models.NegativeRecord:
    """Unfounded: the record is cleared (澄清) and stops counting against the cadre everywhere."""
    return _transition(session, actor, CLEAR, record_id, NegativeStatus.CLEARED, conclusion, None, expected_version)


def _transition(
    session: Session,
    actor: Actor,
    operation: str,
    record_id: int,
    target: NegativeStatus,
    conclusion: str | None,
    note: str | None,
    expected_version: int | None,
) -> models.NegativeRecord:
    actor.require(operation)
    problems = Problems()
    concluding = target in rules.CONCLUDING_STATUSES
    cleaned_conclusion = problems.text("conclusion", conclusion) if concluding else None
    cleaned_note = problems.text("note", note, required=False)
    problems.raise_if_any()
    record = visible(session, actor, models.NegativeRecord, record_id, "negative record")
    check_version(record, expected_version)
    refusal = rules.transition_refusal(record.status, target)
    if refusal is not None:
        raise WrongState(refusal, record.status.name)
    previous = record.status
    record.status = target
    if concluding:
        record.conclusion = cleaned_conclusion
    flush(session, record)
    record_decision(
        session, actor, operation, record, cadre_id=record.cadre_id,
        from_state=previous.value, to_state=target.value, note=cleaned_conclusion or cleaned_note,
    )
    flush(session)
    return record
