"""Investigators' cases: opened with a number the purpose pattern accepts, worked by the opening agency, assigned,
annotated, linked to the cadres, persons and organizations they concern, and closed with an outcome. Every step
appends to the case's history."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import CaseStatus
from hub.services import watch_events
from hub.services.workflows import clock
from hub.services.workflows.base import (
    Actor,
    NotAllowed,
    Problems,
    WrongState,
    check_version,
    flush,
    flush_unique,
    visible,
)

OPEN_CASE = "openCase"
ASSIGN_CASE = "assignCase"
ADD_CASE_NOTE = "addCaseNote"
LINK_CASE = "linkToCase"
MOVE_CASE = "moveCase"
MAX_NOTE = 10_000

CLOSED = frozenset({CaseStatus.CLOSED_FOUNDED, CaseStatus.CLOSED_UNFOUNDED, CaseStatus.CLOSED_TRANSFERRED})
# open → investigating → one of the closings; a case may also close straight from open (e.g. transferred at once).
NEXT: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.INVESTIGATING} | CLOSED),
    CaseStatus.INVESTIGATING: CLOSED,
    **{status: frozenset() for status in CLOSED},
}


def open_case(session: Session, actor: Actor, number: str, title: str, case_pattern: str,
              assignee: str | None, *, operation: str = OPEN_CASE) -> models.Case:
    """`operation`: the step that opens it (a case opened from detection alerts is `openCaseFromAlerts`)."""
    actor.require(operation)
    problems = Problems()
    number = problems.text("number", number, max_length=64).strip()
    title = problems.text("title", title, max_length=200)
    if number and re.fullmatch(case_pattern, number) is None:
        problems.add("number", "must be a case number the purpose pattern accepts (HUB_PURPOSE_CASE_PATTERN)")
    assignee = problems.text("assignee", assignee, required=False, max_length=64) or None
    problems.raise_if_any()
    case = models.Case(number=number, title=title, agency=actor.agency, assignee_user=assignee or actor.user,
                       opened_by_user=actor.user, status=CaseStatus.OPEN, outcome="")
    session.add(case)
    # A number in use, even by a case the caller may not see, refuses the same way: nothing about it is told.
    flush_unique(session, "a case with this number already exists", "numbered")
    _event(session, actor, case, operation, f"{number}: {title}")
    return case


def assign_case(session: Session, actor: Actor, purpose: str, case_id: int, assignee: str,
                expected_version: int | None) -> models.Case:
    actor.require(ASSIGN_CASE)
    problems = Problems()
    assignee = problems.text("assignee", assignee, max_length=64)
    problems.raise_if_any()
    return _change(session, actor, purpose, case_id, expected_version, ASSIGN_CASE, f"assigned to {assignee}",
                   lambda case: setattr(case, "assignee_user", assignee))


def add_case_note(session: Session, actor: Actor, purpose: str, case_id: int, text: str) -> models.CaseNote:
    actor.require(ADD_CASE_NOTE)
    problems = Problems()
    text = problems.text("text", text, max_length=MAX_NOTE)
    problems.raise_if_any()
    case = worked_case(session, actor, purpose, case_id)
    note = models.CaseNote(case_id=case.id, author_user=actor.user, text=text)
    session.add(note)
    _event(session, actor, case, ADD_CASE_NOTE, text[:200])
    flush(session, note)
    return note


def link_to_case(session: Session, actor: Actor, purpose: str, case_id: int, *, cadre_id: int | None = None,
                 person_id: int | None = None, organization_id: int | None = None) -> models.CaseLink:
    """Link one cadre, person or organization the caller may see."""
    actor.require(LINK_CASE)
    # argument -> (model, the link's column, value)
    targets: dict[str, tuple[type[Any], str, int | None]] = {
        "cadreId": (models.Cadre, "cadre_id", cadre_id), "personId": (models.Person, "person_id", person_id),
        "organizationId": (models.Organization, "organization_id", organization_id),
    }
    given = [(name, model, column, value) for name, (model, column, value) in targets.items() if value is not None]
    if len(given) != 1:
        problems = Problems()
        problems.add("target", "name exactly one of cadreId, personId, organizationId")
        problems.raise_if_any()
    name, model, column, value = given[0]
    case = worked_case(session, actor, purpose, case_id)
    target = visible(session, actor, model, value, name.removesuffix("Id"))
    link = models.CaseLink(case_id=case.id, linked_by_user=actor.user, **{column: target.id})
    session.add(link)
    _event(session, actor, case, LINK_CASE, f"{name.removesuffix('Id')} {target.id}")
    flush(session, link)
    return link


def move_case(session: Session, actor: Actor, purpose: str, case_id: int, status: CaseStatus, outcome: str | None,
              expected_version: int | None) -> models.Case:
    """Investigating, or closed as founded, unfounded or transferred (a closing states its outcome)."""
    actor.require(MOVE_CASE)
    problems = Problems()
    outcome_text = problems.text("outcome", outcome, required=status in CLOSED, max_length=MAX_NOTE)
    problems.raise_if_any()
    case = worked_case(session, actor, purpose, case_id)
    if status not in NEXT[case.status]:
        raise WrongState(f"the case is {case.status.name}; it cannot become {status.name}", case.status.name)

    def apply(row: models.Case) -> None:
        row.status = status
        if status in CLOSED:
            row.outcome = outcome_text
            row.closed_at = datetime.combine(clock.today(), datetime.min.time()).astimezone()

    return _change(session, actor, purpose, case_id, expected_version, MOVE_CASE, f"{case.status.name} → {status.name}", apply)


def visible_case_numbers(session: Session, actor: Actor, numbers: set[str]) -> set[str]:
    """Which of `numbers` name a case the caller works on."""
    if not numbers:
        return set()
    return set(session.scalars(select(models.Case.number).where(models.Case.number.in_(numbers), actor.scope(models.Case))))


def worked_case(session: Session, actor: Actor, purpose: str, case_id: int) -> models.Case:
    """The case, if the caller works on it and states its number as the purpose (so the audit names it)."""
    case = visible(session, actor, models.Case, case_id, "case")
    if case.number not in purpose:
        raise NotAllowed(f"state the case number {case.number} as the purpose of access (X-Purpose) to work on it")
    return case


def _change(session: Session, actor: Actor, purpose: str, case_id: int, expected_version: int | None, action: str,
            detail: str, apply: Callable[[models.Case], None]) -> models.Case:
    case = worked_case(session, actor, purpose, case_id)
    check_version(case, expected_version)
    if case.status in CLOSED and action != MOVE_CASE:
        raise WrongState(f"the case is {case.status.name}, which is final", case.status.name)
    apply(case)
    _event(session, actor, case, action, detail)
    flush(session, case)
    return case


def _event(session: Session, actor: Actor, case: models.Case, action: str, detail: str) -> None:
    session.flush()  # the case has its id
    session.add(models.CaseEvent(case_id=case.id, agency=actor.agency, user=actor.user, action=action, detail=detail[:500]))
    # Watchers of the case's cadres and persons hear of the step (its name only: what it wrote is read through the
    # case, under the reader's own policy).
    watch_events.publish(
        session, watch_events.CASE_CHANGED, watch_events.case_subjects(session, case.id), "case_file", case.id,
        watch_events.CREATED if action == OPEN_CASE else watch_events.UPDATED, detail=action,
    )



def record_event(session: Session, actor: Actor, case: models.Case, action: str, detail: str) -> None:
    """Append a step taken elsewhere (alerts linked to the case) to the case's history."""
    _event(session, actor, case, action, detail)
