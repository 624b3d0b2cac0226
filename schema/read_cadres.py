"""Which cadres a row read for a response is about, for the access audit.

Most rows name their cadre in a column of their own (`cadre_id`, a review's candidate, a nomination's
nominee and nominator). Some name it through another row only (a review answer through its review, a
relative through the kinships and ties that make them someone's relative): their keys are kept while the
request runs and turned into cadre ids once, in one statement, when the audit entry is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from hub import models

# Columns of a row that hold the id of a cadre the row is about, by table; any other table: `cadre_id`.
CADRE_COLUMNS: dict[str, tuple[str, ...]] = {
    "cadre": ("id",),
    "joint_review": ("candidate_id",),
    "nomination": ("nominee_id", "nominator_id"),
    "social_tie": ("cadre_id", "other_cadre_id"),
}
DEFAULT_CADRE_COLUMNS = ("cadre_id",)

Keys = list[int]


def _of_reports(keys: Keys) -> Select[Any]:
    report = models.PersonalMattersReport
    return select(report.cadre_id).where(report.id.in_(keys))


def _of_verifications(keys: Keys) -> Select[Any]:
    report, verification = models.PersonalMattersReport, models.MattersVerification
    return select(report.cadre_id).join(verification, verification.report_id == report.id).where(verification.id.in_(keys))


def _of_reviews(keys: Keys) -> Select[Any]:
    return select(models.JointReview.candidate_id).where(models.JointReview.id.in_(keys))


def _of_actions(keys: Keys) -> Select[Any]:
    return select(models.SupervisionAction.cadre_id).where(models.SupervisionAction.id.in_(keys))


def _of_negative_records(keys: Keys) -> Select[Any]:
    return select(models.NegativeRecord.cadre_id).where(models.NegativeRecord.id.in_(keys))


def _of_appointment_requests(keys: Keys) -> Select[Any]:
    candidate = models.AppointmentCandidate
    return select(candidate.cadre_id).where(candidate.request_id.in_(keys))


def _of_persons(keys: Keys) -> tuple[Select[Any], ...]:
    kin, tie = models.Kinship, models.SocialTie
    return select(kin.cadre_id).where(kin.person_id.in_(keys)), select(tie.cadre_id).where(tie.person_id.in_(keys))


def _of_cases(keys: Keys) -> Select[Any]:
    link = models.CaseLink
    return select(link.cadre_id).where(link.case_id.in_(keys), link.cadre_id.is_not(None))


# Rows whose cadres are named by another row: table -> (the row's column holding that row's key, the cadres).
LINKED_CADRES: dict[str, tuple[str, Callable[[Keys], Select[Any] | tuple[Select[Any], ...]]]] = {
    "review_answer": ("review_id", _of_reviews),
    "matter_item": ("report_id", _of_reports),
    "matters_verification": ("report_id", _of_reports),
    "matter_gap": ("verification_id", _of_verifications),
    "rectification_item": ("action_id", _of_actions),
    "submitted_record": ("negative_record_id", _of_negative_records),
    "appointment_request": ("id", _of_appointment_requests),
    "person": ("id", _of_persons),
    "case_file": ("id", _of_cases),
    "case_note": ("case_id", _of_cases),
    "case_event": ("case_id", _of_cases),
}
KEYS_PER_STATEMENT = 500


def direct_cadre_ids(table: str | None, row: Any) -> Iterable[int]:
    for column in CADRE_COLUMNS.get(table or "", DEFAULT_CADRE_COLUMNS):
        cadre_id = getattr(row, column, None)
        if cadre_id is not None:
            yield cadre_id


def linked_key(table: str | None, row: Any) -> tuple[str, int] | None:
    """(table, key of the row that names the cadres) for a row that names them through another row."""
    linked = LINKED_CADRES.get(table or "")
    if linked is None:
        return None
    key = getattr(row, linked[0], None)
    return None if key is None else (table, key)  # type: ignore[return-value]


def resolve_linked(session: Session, keys: dict[str, set[int]]) -> set[int]:
    """The cadre ids behind the linked keys, in one statement (a UNION of one SELECT per table and chunk of keys)."""
    statements: list[Select[Any]] = []
    for table, table_keys in sorted(keys.items()):
        build = LINKED_CADRES[table][1]
        ordered = iter(sorted(table_keys))
        while chunk := list(islice(ordered, KEYS_PER_STATEMENT)):
            built = build(chunk)
            statements.extend(built if isinstance(built, tuple) else (built,))
    if not statements:
        return set()
    combined = statements[0] if len(statements) == 1 else union(*statements)
    return {cadre_id for cadre_id in session.scalars(combined) if cadre_id is not None}
