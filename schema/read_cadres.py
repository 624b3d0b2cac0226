"""Which cadres a row read for a response is about, for the access audit.

Most rows name their cadre in a column of their own (`cadre_id`, a review's candidate, a nomination's
nominee and nominator). Some name it through another row only (a review answer through its review, a
relative through the kinships and ties that make them someone's relative): their keys are kept while the
request runs and turned into cadre ids once, in one statement, when the audit entry is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson
from sqlalchemy import BindParameter, ColumnElement, Integer, Select, any_, bindparam, func, literal_column, select, union
from sqlalchemy.dialects.postgresql import ARRAY
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

# `column IN (the keys)`, the keys bound as one value: the statement's text is the same for any number of keys, and
# binding them is one value, not one parameter per key (a page notes hundreds of its relatives' persons).
Keys = Callable[[Any], ColumnElement[bool]]


def keys_bound_once(dialect: str, keys: list[int]) -> Keys:
    if dialect == "postgresql":
        array = bindparam("linked_keys", keys, type_=ARRAY(Integer), unique=True)
        return lambda column: column == any_(array)
    document: BindParameter[str] = bindparam("linked_keys", orjson.dumps(keys).decode(), unique=True)
    listed = select(literal_column("value", Integer)).select_from(func.json_each(document))
    return lambda column: column.in_(listed)


def _of_reports(keys: Keys) -> Select[Any]:
    report = models.PersonalMattersReport
    return select(report.cadre_id).where(keys(report.id))


def _of_verifications(keys: Keys) -> Select[Any]:
    report, verification = models.PersonalMattersReport, models.MattersVerification
    return select(report.cadre_id).join(verification, verification.report_id == report.id).where(keys(verification.id))


def _of_reviews(keys: Keys) -> Select[Any]:
    return select(models.JointReview.candidate_id).where(keys(models.JointReview.id))


def _of_actions(keys: Keys) -> Select[Any]:
    return select(models.SupervisionAction.cadre_id).where(keys(models.SupervisionAction.id))


def _of_negative_records(keys: Keys) -> Select[Any]:
    return select(models.NegativeRecord.cadre_id).where(keys(models.NegativeRecord.id))


def _of_appointment_requests(keys: Keys) -> Select[Any]:
    candidate = models.AppointmentCandidate
    return select(candidate.cadre_id).where(keys(candidate.request_id))


def _of_persons(keys: Keys) -> tuple[Select[Any], ...]:
    kin, tie = models.Kinship, models.SocialTie
    return select(kin.cadre_id).where(keys(kin.person_id)), select(tie.cadre_id).where(keys(tie.person_id))


def _of_cases(keys: Keys) -> Select[Any]:
    link = models.CaseLink
    return select(link.cadre_id).where(keys(link.case_id), link.cadre_id.is_not(None))


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
    """The cadre ids behind the linked keys, in one statement (a UNION of one SELECT per table)."""
    dialect = session.get_bind().dialect.name
    statements: list[Select[Any]] = []
    for table, table_keys in sorted(keys.items()):
        if not table_keys:
            continue
        built = LINKED_CADRES[table][1](keys_bound_once(dialect, sorted(table_keys)))
        statements.extend(built if isinstance(built, tuple) else (built,))
    if not statements:
        return set()
    combined = statements[0] if len(statements) == 1 else union(*statements)
    found = set(session.scalars(combined).all())  # fetched at once: row by row costs as much as the statement
    found.discard(None)  # type: ignore[arg-type]
    return found
