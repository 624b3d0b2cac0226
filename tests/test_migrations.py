"""Migrating a database that holds data: 0004 frees the agency columns (agencies are policy data) and keeps every row,
on SQLite (tables rebuilt in batch mode) and PostgreSQL; downgrading puts the constraints back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bench.harness import scratch_postgres_database
from hub import models
from hub.db import make_engine
from hub.migrate import downgrade, upgrade
from hub.models import Base
from hub.models import enums as E
from hub.models import workflow as wf
from hub.settings import Settings
from tests.conftest import BACKENDS, POSTGRES_URL, reset_sequences
from tests.world import build_world

BEFORE = "0003"
AGENCY_COLUMNS = [
    ("negative_record", "reporting_agency"), ("supervision_action", "issued_by"), ("reporting_round", "opened_by"),
    ("report_submission", "agency"), ("joint_review", "opened_by"), ("joint_review", "concluded_by"),
    ("review_answer", "agency"), ("matters_verification", "decided_by"), ("decision", "agency"),
]


@pytest.fixture(params=BACKENDS)
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at 0003 holding the known world and a row in every table with an agency column, each
    referenced by the rows that point to it (the tables SQLite rebuilds must not take those with them)."""
    if request.param == "sqlite":
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'old.db'}"))
        yield from _filled(engine)
        return
    with scratch_postgres_database(POSTGRES_URL, "migrations") as url:
        yield from _filled(make_engine(Settings(database_url=url)))


def _filled(engine: Engine) -> Iterator[Engine]:
    upgrade(engine, BEFORE)
    # Filled through today's models, which 0003's tables still fit (a later migration of these tables would call
    # for rows written in SQL here).
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        build_world(session)
        session.flush()
        session.add_all([
            wf.JointReview(id=1, candidate_id=2, post_id=1, selection_id=1, deadline=date(2026, 7, 1), opened_by="org",
                           opened_by_user="o", opened_on=date(2026, 6, 1), status=wf.ReviewStatus.CONCLUDED,
                           conclusion=wf.ReviewConclusion.PROCEED, concluded_by="org", concluded_by_user="o",
                           concluded_at=now),
            wf.ReportingRound(id=1, title="2026上半年", period_start=date(2026, 1, 1), period_end=date(2026, 6, 30),
                              deadline=date(2026, 7, 15), opened_by="org", opened_by_user="o", opened_on=date(2026, 7, 1)),
            models.SupervisionAction(id=2, cadre_id=2, kind=E.SupervisionKind.RECTIFICATION, issued_by="discipline",
                                     issued_on=date(2026, 2, 1), due_on=date(2026, 4, 1), reason="整改"),
        ])
        session.flush()
        session.add_all([
            wf.ReviewAnswer(review_id=1, agency="police", verdict=wf.ReviewVerdict.NORMAL, findings="",
                            answered_at=now, answered_by_user="p", counted_in_conclusion=True),
            wf.ReportSubmission(id=1, round_id=1, agency="police", kind=wf.SubmissionKind.ROUND_RETURN,
                                due_on=date(2026, 7, 15), submitted_on=date(2026, 7, 10), submitted_by_user="p"),
            wf.MattersVerification(id=1, report_id=1, verified_on=date(2026, 3, 1), outcome=E.MatterFinding.CONCEALMENT,
                                   follow_up=wf.FollowUp.ADMONISHMENT, supervision_action_id=2, decided_by="org",
                                   decided_by_user="o"),
            wf.RectificationItem(action_id=2, description="清退兼职报酬", due_on=date(2026, 3, 1)),
            wf.Decision(agency="org", user="o", action="openJointReview", subject="JointReview", subject_id=1,
                        cadre_id=2, to_state="open"),
        ])
        session.flush()
        session.add_all([
            wf.SubmittedRecord(submission_id=1, negative_record_id=1),
            wf.MatterGap(verification_id=1, item_id=2, category=E.MatterCategory.BUSINESS,
                         finding=E.MatterFinding.CONCEALMENT, rule="hidden_business"),
        ])
    reset_sequences(engine)
    yield engine
    engine.dispose()


def contents(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table that holds any, in id order (tables a later migration adds are empty or absent)."""
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        rows = {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables if table.name in existing
        }
    return {name: table_rows for name, table_rows in rows.items() if table_rows}


def agency_values(engine: Engine) -> dict[tuple[str, str], list[object]]:
    with engine.connect() as connection:
        return {
            (table, column): list(connection.scalars(text(f"SELECT {column} FROM {table} ORDER BY id")))
            for table, column in AGENCY_COLUMNS
        }


def record_naming(engine: Engine, agency: str) -> None:
    with Session(engine) as session, session.begin():
        session.add(models.NegativeRecord(
            cadre_id=1, reporting_agency=agency, category=E.NegativeCategory.OTHER_VIOLATION, facts="…",
            occurred_on=date(2026, 1, 1), reported_on=date(2026, 1, 2), severity=E.Severity.MINOR,
            status=E.NegativeStatus.REPORTED,
        ))


AGENCY_CHECK = "ck_negative_record_agency"


def test_the_old_database_refuses_an_agency_it_does_not_list(old_database: Engine) -> None:
    with pytest.raises(IntegrityError, match=AGENCY_CHECK):
        record_naming(old_database, "tax")


def test_upgrade_keeps_every_row_and_lets_the_columns_hold_any_agency_code(old_database: Engine) -> None:
    before = contents(old_database)
    agencies = agency_values(old_database)
    assert all(values for values in agencies.values()), "every agency column holds a row to carry over"
    upgrade(old_database)
    assert contents(old_database) == before
    assert agency_values(old_database) == agencies
    record_naming(old_database, "tax")
    with Session(old_database) as session:
        assert session.scalar(select(func.count()).where(models.NegativeRecord.reporting_agency == "tax")) == 1


def test_the_upgraded_database_is_what_the_models_describe(old_database: Engine) -> None:
    upgrade(old_database)
    with old_database.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata) == []


def test_upgrade_keeps_the_other_constraints_and_the_partial_unique_index(old_database: Engine) -> None:
    upgrade(old_database)
    with pytest.raises(IntegrityError, match="ck_negative_record_reported_after_occurred"), old_database.begin() as connection:
        connection.execute(text("UPDATE negative_record SET reported_on = '2000-01-01' WHERE id = 1"))
    with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed|fk_review_answer_review_id_joint_review"):
        with old_database.begin() as connection:
            connection.execute(text("INSERT INTO review_answer (review_id, agency, findings, counted_in_conclusion) "
                                    "VALUES (99, 'police', '', false)"))
    reopen = ("INSERT INTO joint_review (candidate_id, post_id, deadline, status, opened_by, opened_by_user, opened_on, "
              "note, version, updated_at) VALUES (2, 1, '2026-08-01', 'open', 'org', 'o', '2026-07-01', '', 1, "
              "'2026-07-01')")
    with old_database.begin() as connection:  # the concluded review does not count: only open ones are unique
        connection.execute(text(reopen))
    with pytest.raises(IntegrityError, match="UNIQUE constraint failed: joint_review|uq_joint_review_open_candidate_post"):
        with old_database.begin() as connection:
            connection.execute(text(reopen))


def test_downgrade_puts_the_constraints_back_and_keeps_every_row(old_database: Engine) -> None:
    before = contents(old_database)
    upgrade(old_database)
    downgrade(old_database, BEFORE)
    assert contents(old_database) == before
    with pytest.raises(IntegrityError, match=AGENCY_CHECK):
        record_naming(old_database, "tax")


def test_downgrade_fails_while_a_row_names_an_agency_0003_did_not_know(old_database: Engine) -> None:
    upgrade(old_database)
    record_naming(old_database, "tax")
    with pytest.raises(IntegrityError, match=AGENCY_CHECK):
        downgrade(old_database, BEFORE)
