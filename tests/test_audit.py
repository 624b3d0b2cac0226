"""The access audit: who read or wrote which cadres' fields and why; hash-chained, tamper-evident."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hub import audit
from hub.cli import app as cli_app
from hub.models import AuditEntry


def entries(as_agency: Any) -> list[dict[str, Any]]:
    data = as_agency("security").data(
        "{ accessAudit(first: 100) { edges { node { id agency user operation operationName cadreIds fields purpose } } } }"
    )
    return [edge["node"] for edge in data["accessAudit"]["edges"]]


def test_reads_are_recorded_with_cadres_fields_and_purpose(world: Any, as_agency: Any) -> None:
    inspector = as_agency("inspector", user="insp-7")
    inspector.purpose = "巡察：核查生活圈"
    inspector.data("query Circle { cadre(id: 1) { name relatives { kind person { name } } } }")
    entry = next(e for e in entries(as_agency) if e["agency"] == "inspector")
    assert entry["user"] == "insp-7"
    assert entry["operation"] == "query"
    assert entry["operationName"] == "Circle"
    assert entry["cadreIds"] == [1]
    assert entry["purpose"] == "巡察：核查生活圈"
    assert set(entry["fields"]) == {
        "Query.cadre", "Cadre.name", "Cadre.relatives", "Relative.kind", "Relative.person", "Person.name",
    }


def test_lists_record_every_cadre_returned(world: Any, as_agency: Any) -> None:
    as_agency("org").data("{ cadres { edges { node { id negativeRecords { facts } } } } }")
    entry = next(e for e in entries(as_agency) if e["agency"] == "org")
    assert entry["cadreIds"] == [1, 2, 4]


def test_writes_are_recorded_in_the_same_transaction(world: Any, as_agency: Any) -> None:
    as_agency("police").data(
        'mutation { createNegativeRecord(input: {cadreId: 2, reportingAgency: POLICE, category: PUBLIC_ORDER, '
        'facts: "x", occurredOn: "2025-01-01", reportedOn: "2025-01-02", severity: MINOR, status: REPORTED}) '
        "{ __typename } }"
    )
    write = next(e for e in entries(as_agency) if e["operation"] == "write")
    assert write["agency"] == "police"
    assert write["operationName"] == "createNegativeRecord"
    assert write["cadreIds"] == [2]
    assert "NegativeRecord.facts" in write["fields"]


def test_refused_writes_leave_no_write_entry(world: Any, as_agency: Any) -> None:
    as_agency("police").data('mutation { updateNegativeRecord(id: 2, input: {facts: "x"}) { __typename } }')
    assert not [e for e in entries(as_agency) if e["operation"] == "write"]


def test_intact_chain_verifies(world: Any, as_agency: Any) -> None:
    for _ in range(3):
        as_agency("org").data("{ cadre(id: 1) { name } }")
    with Session(world) as session:
        assert audit.verify(session) == []


def test_an_edited_row_is_detected(world: Any, as_agency: Any, settings: Any, monkeypatch: Any) -> None:
    for _ in range(3):
        as_agency("org").data("{ cadre(id: 2) { name } }")
    with Session(world) as session, session.begin():
        first_id = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id).limit(1))
        session.execute(update(AuditEntry).where(AuditEntry.id == first_id).values(cadre_ids=[4]))
    with Session(world) as session:
        problems = audit.verify(session)
    assert [(p.entry_id, "edited" in p.reason) for p in problems] == [(first_id, True)]
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_VAR_DIR", str(settings.var_dir))  # where the chain's key and anchors are
    result = CliRunner().invoke(cli_app, ["audit", "verify"])
    assert result.exit_code == 1


def test_a_removed_row_is_detected(world: Any, as_agency: Any) -> None:
    for _ in range(3):
        as_agency("org").data("{ cadre(id: 2) { name } }")
    with Session(world) as session, session.begin():
        session.execute(delete(AuditEntry).where(AuditEntry.id == 2))
    with Session(world) as session:
        reasons = [p.reason for p in audit.verify(session)]
    assert any("link to the previous entry is broken" in reason for reason in reasons)


def test_the_last_row_removed_is_detected_through_the_head(world: Any, as_agency: Any) -> None:
    for _ in range(2):
        as_agency("org").data("{ cadre(id: 2) { name } }")
    with Session(world) as session, session.begin():
        newest = session.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
        assert newest is not None
        session.delete(newest)
    with Session(world) as session:
        assert any("head does not match" in p.reason for p in audit.verify(session))
