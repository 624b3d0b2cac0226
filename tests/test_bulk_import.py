"""Bulk reporting: templates per agency, all-or-nothing import with per-row errors, scope and write checks, 50,000 rows."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from hub import models
from hub.access import Principal
from hub.app import create_app
from hub.services.bulk_import import NEGATIVE_RECORD_LABELS, OUTSIDE_SCOPE, import_report
from hub.services.record_writes import WriteGate
from hub.services.specs import SPECS_BY_TYPE
from hub.sessions import make_session_factory
from hub.settings import Settings
from tests.conftest import Caller

POLICE_HEADER = [
    "干部编号 (cadreId)", "报送单位 (reportingAgency)", "类别 (category)", "事实 (facts)",
    "发生日期 (occurredOn)", "报送日期 (reportedOn)", "严重程度 (severity)", "状态 (status)",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def good_row(cadre_id: int = 1, facts: str = "酒驾，行政处罚", agency: str = "POLICE") -> list[Any]:
    return [cadre_id, agency, "PUBLIC_ORDER", facts, "2025-03-01", "2025-04-01", "MINOR", "REPORTED"]


def as_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def as_xlsx(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("负面信息")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(caller: Caller, body: bytes, content_type: str = "text/csv", accept: str = "application/json") -> Any:
    return caller.client.post(
        "/reports/import", content=body,
        headers={"Authorization": f"Bearer {caller.token}", "Content-Type": content_type, "Accept": accept},
    )


def negative_records(engine: Engine) -> int:
    with make_session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(models.NegativeRecord)) or 0)


def audit_entries(engine: Engine, operation_name: str) -> list[models.AuditEntry]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(models.AuditEntry).where(models.AuditEntry.operation_name == operation_name)))


def test_template_has_the_columns_the_agency_may_write(world: Engine, as_agency: Any) -> None:
    police = as_agency("police")
    response = police.client.get("/reports/template?format=xlsx", headers={"Authorization": f"Bearer {police.token}"})
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    assert 'filename="negative-records-police.xlsx"' in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    header = next(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(header) == POLICE_HEADER  # no conclusion (审定结论): only the Organization Department writes it
    org = as_agency("org")
    csv_template = org.client.get("/reports/template?format=csv", headers={"Authorization": f"Bearer {org.token}"})
    org_header = next(csv.reader(io.StringIO(csv_template.content.decode("utf-8-sig"))))
    assert org_header == [*POLICE_HEADER, "审定结论 (conclusion)"]


def test_template_and_import_refuse_agencies_that_do_not_report(world: Engine, as_agency: Any, client: TestClient) -> None:
    inspector = as_agency("inspector")
    inspector_headers = {"Authorization": f"Bearer {inspector.token}", "X-Purpose": quote("线索核查")}
    assert client.get("/reports/template", headers=inspector_headers).status_code == 403
    assert client.post("/reports/import", content=as_csv(POLICE_HEADER, [good_row()]), headers=inspector_headers).status_code == 403
    assert client.get("/reports/template").status_code == 401
    assert client.get("/reports/template?format=pdf", headers={"Authorization": f"Bearer {as_agency('police').token}"}).status_code == 400


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_good_file_imports_every_row_with_one_audit_entry(world: Engine, as_agency: Any, file_format: str) -> None:
    police = as_agency("police")
    rows = [good_row(1, "第一条"), good_row(2, "第二条"), [4, "公安", "治安违法", "第三条", "2025/05/01", "2025-05-02", "严重", "已报送"]]
    before = negative_records(world)
    body = as_csv(POLICE_HEADER, rows) if file_format == "csv" else as_xlsx(POLICE_HEADER, rows)
    response = upload(police, body, "text/csv" if file_format == "csv" else XLSX)
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "rows": 3, "imported": 3, "errorCount": 0, "errors": []}
    assert negative_records(world) == before + 3
    facts = police.data("{ negativeRecords(first: 10) { edges { node { facts severity cadre { id } } } } }")
    imported = {(e["node"]["facts"], e["node"]["severity"], e["node"]["cadre"]["id"]) for e in facts["negativeRecords"]["edges"]}
    assert {("第一条", "MINOR", 1), ("第二条", "MINOR", 2), ("第三条", "SERIOUS", 4)} <= imported
    [entry] = audit_entries(world, "importNegativeRecords")
    assert entry.agency == "police" and entry.cadre_ids == [1, 2, 4]
    assert "NegativeRecord.facts" in entry.fields and "NegativeRecord.conclusion" not in entry.fields


def test_bad_rows_are_reported_by_row_column_and_reason_and_nothing_is_imported(world: Engine, as_agency: Any) -> None:
    police = as_agency("police")
    rows = [
        good_row(1, "正常一条"),                                                                        # row 2
        [2, "POLICE", "NOT_A_CATEGORY", "类别错误", "2025-03-01", "2025-04-01", "MINOR", "REPORTED"],    # row 3
        [1, "POLICE", "PUBLIC_ORDER", "日期颠倒", "2025-05-01", "2025-04-01", "MINOR", "REPORTED"],      # row 4
        [1, "POLICE", "PUBLIC_ORDER", "", "2025-03-01", "2025-04-01", "MINOR", "REPORTED"],              # row 5
        [999, "POLICE", "PUBLIC_ORDER", "无此干部", "2025-03-01", "2025-04-01", "MINOR", "REPORTED"],    # row 6
        [1, "POLICE", "PUBLIC_ORDER", "日期格式", "三月一日", "2025-04-01", "MINOR", "REPORTED"],         # row 7
        good_row(2, "正常二条"),                                                                        # row 8
    ]
    before = negative_records(world)
    response = upload(police, as_csv(POLICE_HEADER, rows))
    assert response.status_code == 422
    body = response.json()
    assert body["ok"] is False and body["imported"] == 0 and body["rows"] == 7
    errors = {(e["row"], e["column"]) for e in body["errors"]}
    assert errors == {(3, "category"), (4, "reportedOn"), (5, "facts"), (6, "cadreId"), (7, "occurredOn")}
    reasons = {e["row"]: e["reason"] for e in body["errors"]}
    assert "NOT_A_CATEGORY" in reasons[3] and "is required" in reasons[5] and "no Cadre with id 999" in reasons[6]
    assert negative_records(world) == before
    assert [entry.operation for entry in audit_entries(world, "importNegativeRecords")] == ["write_refused"]


def test_a_column_the_agency_may_not_write_refuses_the_file(world: Engine, as_agency: Any) -> None:
    police = as_agency("police")
    response = upload(police, as_csv([*POLICE_HEADER, "审定结论 (conclusion)"], [[*good_row(), "属实"]]))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"row": 1, "column": "conclusion", "reason": "your agency may not write this field"}]
    unknown = upload(police, as_csv([*POLICE_HEADER, "salary"], [[*good_row(), "1"]]))
    assert unknown.json()["errors"][0]["column"] == "salary"
    missing = upload(police, as_csv(POLICE_HEADER[1:], [good_row()[1:]]))
    assert missing.json()["errors"] == [{"row": 1, "column": "cadreId", "reason": "required column is missing"}]
    assert negative_records(world) == 4


def test_rows_outside_the_agencys_scope_are_refused(world: Engine, as_agency: Any) -> None:
    """Cadre 3 is county-managed (the city police cannot see it); a COURT record is not the police's own report."""
    police = as_agency("police")
    rows = [good_row(1, "本单位"), good_row(3, "县管干部"), good_row(2, "冒名法院", agency="COURT")]
    response = upload(police, as_csv(POLICE_HEADER, rows))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "cadreId"), (4, None)]
    assert "no Cadre with id 3 is visible to you" in errors[0]["reason"]
    assert errors[1]["reason"] == "the record would fall outside the rows your agency may write"
    assert negative_records(world) == 4
    county = as_agency("police", jurisdiction="wuxing", level="county")
    assert upload(county, as_csv(POLICE_HEADER, [good_row(3, "县管干部")])).status_code == 200


def test_unreadable_files_are_refused_clearly(world: Engine, as_agency: Any) -> None:
    police = as_agency("police")
    empty = upload(police, b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["reason"] == "the file is empty"
    fake = upload(police, b"not a workbook", XLSX)
    assert "not an Excel workbook" in fake.json()["errors"][0]["reason"]
    header_only = upload(police, as_csv(POLICE_HEADER, []))
    assert header_only.json()["errors"][0]["reason"] == "the file has no rows below its header"


def test_gb18030_csv_from_a_chinese_excel_is_read(world: Engine, as_agency: Any) -> None:
    police = as_agency("police")
    body = as_csv(POLICE_HEADER, [good_row(1, "国标编码")]).decode("utf-8").encode("gb18030")
    assert upload(police, body).json()["imported"] == 1


def test_fifty_thousand_rows_import_in_one_transaction_with_progress(world: Engine, as_agency: Any, settings: Settings) -> None:
    police = as_agency("police")
    count = 50_000
    rows = ([(1, 2, 4)[i % 3], "POLICE", "PUBLIC_ORDER", f"批量事实 {i}", "2025-01-02", "2025-06-30", "MINOR", "REPORTED"]
            for i in range(count))
    body = as_xlsx(POLICE_HEADER, rows)
    started = time.perf_counter()
    response = upload(police, body, XLSX, accept="application/x-ndjson")
    elapsed = time.perf_counter() - started
    lines = [json.loads(line) for line in response.text.splitlines()]
    result = lines[-1]["result"]
    assert result == {"ok": True, "rows": count, "imported": count, "errorCount": 0, "errors": []}
    phases = [line["progress"] for line in lines[:-1]]
    writes = [p for p in phases if p["phase"] == "write"]
    assert writes[-1] == {"phase": "write", "done": count, "total": count} and len(writes) == count // 1000
    assert {p["phase"] for p in phases} == {"read", "validate", "write"}
    assert negative_records(world) == 4 + count
    assert len(audit_entries(world, "importNegativeRecords")) == 1
    print(f"\n50,000-row xlsx import on {settings.database_url.split(':')[0]}: {elapsed:.1f} s")
    assert elapsed < 120


def test_fifty_thousand_rows_with_one_bad_row_import_nothing(world: Engine, as_agency: Any) -> None:
    police = as_agency("police")
    rows = [good_row(1, f"批量 {i}") for i in range(50_000)]
    rows[41_999] = [1, "POLICE", "PUBLIC_ORDER", "坏行", "2025-03-01", "2025-04-01", "HUGE", "REPORTED"]
    response = upload(police, as_csv(POLICE_HEADER, rows))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"row": 42_001, "column": "severity", "reason": "'HUGE' is not one of MINOR, SERIOUS, GRAVE"}]
    assert negative_records(world) == 4


def test_a_refused_import_is_audited_with_its_cadres_and_columns(world: Engine, as_agency: Any) -> None:
    police = as_agency("police")
    police.purpose = "半年报送"
    response = upload(police, as_csv(POLICE_HEADER, [good_row(1), good_row(3), [2, *good_row()[1:6], "HUGE", "REPORTED"]]))
    assert response.status_code == 422
    refused = audit_entries(world, "importNegativeRecords")
    assert [(entry.operation, entry.agency, entry.cadre_ids) for entry in refused] == [("write_refused", "police", [1, 2, 3])]
    assert "NegativeRecord.severity" in refused[0].fields and refused[0].purpose == ""  # the upload sent no purpose
    unreadable = upload(police, b"not a workbook", XLSX)
    assert unreadable.status_code == 422
    assert [entry.operation for entry in audit_entries(world, "importNegativeRecords")] == ["write_refused"] * 2


def test_a_refused_file_never_takes_the_write_lock(world: Engine, settings: Settings, policy_store: Any) -> None:
    """Validation writes nothing: while every row of a large failing file is checked, others can still write.

    The last row falls outside the caller's scope (Row.NegativeRecord own_reports), which once could only be found
    out by writing the rows.
    """
    if not settings.database_url.startswith("sqlite:///"):
        pytest.skip("the write lock is SQLite's")
    path = settings.database_url.removeprefix("sqlite:///")
    access, _schema = policy_store.view(Principal(user="p1", agency="police", jurisdiction="huzhou", level="city"))
    gate = WriteGate(writable=access.writable, row_clause=access.rows.clause, agencies=access.agencies)
    rows = [(number + 2, good_row((1, 2, 4)[number % 3], f"事实 {number}")) for number in range(5_000)]
    rows.append((5_002, good_row(1, "他局报送", agency="ORG")))  # the police reports only its own records
    locks: list[bool] = []

    def try_to_write(_phase: str, _done: int, _total: int) -> None:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            locks.append(True)
        except sqlite3.OperationalError:
            locks.append(False)
        finally:
            other.close()

    with make_session_factory(world)() as session:
        result = import_report(session, SPECS_BY_TYPE["NegativeRecord"], gate, POLICE_HEADER, rows,
                               NEGATIVE_RECORD_LABELS, try_to_write)
        session.rollback()
    assert [(error.row, error.reason) for error in result.errors] == [(5_002, OUTSIDE_SCOPE)]
    assert len(locks) >= 5 and all(locks), f"another writer was locked out during validation: {locks}"
    assert negative_records(world) == 4


@pytest.mark.parametrize("listed", [False, True])
def test_with_an_allow_list_the_import_runs_only_if_the_list_names_it(
    world: Engine, settings: Settings, policy_store: Any, tmp_path: Path, listed: bool
) -> None:
    listing = tmp_path / "allowed.json"
    listing.write_text(json.dumps(["{ cadre(id: 1) { name } }", *(["/reports/import"] if listed else [])]))
    before = negative_records(world)
    with TestClient(create_app(replace(settings, allowed_operations_file=listing), policies=policy_store)) as client:
        police = Caller(client, settings, "police")
        response = upload(police, as_csv(POLICE_HEADER, [good_row()]))
        template = client.get("/reports/template?format=csv", headers={"Authorization": f"Bearer {police.token}"})
    assert template.status_code == 200
    if listed:
        assert response.status_code == 200 and negative_records(world) == before + 1
    else:
        assert response.status_code == 403 and response.json()["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
        assert negative_records(world) == before


def test_reads_keep_answering_while_a_long_valid_import_writes(world: Engine, as_agency: Any, settings: Settings) -> None:
    """A valid file large enough to write for seconds: every concurrent read (each one audited, so each one writes
    its audit entry) answers, and the import is all there afterwards, in one transaction."""
    police, org = as_agency("police"), as_agency("org")
    count = 80_000  # its write phase holds SQLite's write lock for several seconds on a 2-core machine
    body = as_csv(POLICE_HEADER, (good_row((1, 2, 4)[i % 3], f"长事实 {i}") for i in range(count)))
    outcome: dict[str, Any] = {}

    def run_import() -> None:
        response = police.client.post(
            "/reports/import", content=body,
            headers={"Authorization": f"Bearer {police.token}", "Content-Type": "text/csv", "Accept": "application/x-ndjson"},
        )
        outcome["result"] = json.loads(response.text.splitlines()[-1])["result"]

    importer = threading.Thread(target=run_import)
    importer.start()
    reads: list[tuple[int, float, str]] = []
    while importer.is_alive():
        started = time.perf_counter()
        response = org.post("{ cadres(first: 2) { totalCount edges { node { name } } } }")
        reads.append((response.status_code, time.perf_counter() - started))
        time.sleep(0.1)
    importer.join()
    print(f"\n{len(reads)} reads during an {count:,}-row import, slowest {max(took for _status, took in reads):.1f} s")
    assert outcome["result"] == {"ok": True, "rows": count, "imported": count, "errorCount": 0, "errors": []}
    assert negative_records(world) == 4 + count
    assert len(reads) >= 10 and [status for status, _took in reads if status != 200] == []
