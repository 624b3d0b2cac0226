"""Agencies are policy data: a new agency is a few policy lines and a line of `agencies.csv`, with no migration;
a value naming an agency the policy does not declare is refused on write."""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import time
from collections.abc import Iterator
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from hub.access import Principal
from hub.app import create_app
from hub.services.record_writes import RecordWriter, ValidationFailed, Violation, WriteGate
from hub.services.specs import SPECS_BY_TYPE
from hub.services.workflows import clock, rounds
from hub.services.workflows.base import Actor
from hub.settings import InvalidSettings, Settings
from policies.agencies import AgenciesFileError, load_agencies
from policies.check import check_policy
from policies.enforcement import POLICY_DIR, AgenciesDiffer, PolicyStore
from schema.build import build_full_schema
from tests.conftest import Caller
from tests.test_bulk_import import POLICE_HEADER, as_csv, good_row, upload
from tests.test_operator_errors import assert_one_line_error, run_hub

TAX_LINES = ["g, tax, role:identity", "g, tax, role:reporter", "p, tax, Cadre.timeline, read, allow"]  # as the police
TAX_AGENCY = "tax,税务局,Tax Bureau"


def copy_policy(target: Path) -> Path:
    target.mkdir()
    for name in ("model.conf", "policy.csv", "agencies.csv"):
        shutil.copy(POLICY_DIR / name, target / name)
    return target


def append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)
    stamp = time.time() + 5  # visible to the file watch even within one mtime tick
    os.utime(path, (stamp, stamp))


@pytest.fixture
def tax_policy(tmp_path: Path) -> Path:
    """The shipped policy plus a tax bureau that reports negative records like the police does."""
    policy_dir = copy_policy(tmp_path / "policies")
    append(policy_dir / "agencies.csv", TAX_AGENCY)
    append(policy_dir / "policy.csv", *TAX_LINES)
    return policy_dir


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2026, 7, 1))
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date(2026, 7, 1), clock_time(12), tzinfo=clock.LOCAL_ZONE))


@pytest.fixture
def tax_hub(world: Engine, settings: Settings, tax_policy: Path, fixed_today: None) -> Iterator[TestClient]:
    """A hub started on the tax policy over the database as migrated for the shipped one (no migration)."""
    with TestClient(create_app(dataclasses.replace(settings, policy_dir=tax_policy))) as client:
        yield client


def caller(client: TestClient, settings: Settings, agency: str) -> Caller:
    return Caller(client, settings, agency)


def test_the_recipe_a_new_agency_without_a_migration(tax_hub: TestClient, settings: Settings, tax_policy: Path) -> None:
    tax, org = caller(tax_hub, settings, "tax"), caller(tax_hub, settings, "org")

    # Its token is accepted, and it sees what its lines give (the reporter's window, like the police's) and no more.
    assert tax.data("{ cadres { totalCount } }") == {"cadres": {"totalCount": 3}}  # city-managed, its jurisdiction
    assert "Cannot query field 'relatives'" in tax.post("{ cadres { edges { node { relatives { kind } } } } }").text
    store = tax_hub.app.state.hub.policies  # type: ignore[attr-defined]
    assert (store.grant("tax").readable, store.grant("tax").writable) == (
        store.grant("police").readable, store.grant("police").writable)
    assert str(store.grant("tax").schema) == str(store.grant("police").schema)
    assert tax.data("{ negativeRecords { totalCount } }") == {"negativeRecords": {"totalCount": 0}}  # own reports only

    # It can be named as the reporting agency (by itself, and in a report file) and as an issuer.
    created = tax.data("""mutation { createNegativeRecord(input: {cadreId: 1, reportingAgency: TAX,
        category: FINANCIAL_DISCIPLINE, facts: "偷逃税款", occurredOn: "2026-03-01", reportedOn: "2026-03-05",
        severity: SERIOUS, status: REPORTED}) { __typename ... on NegativeRecord { id reportingAgency } } }""")
    record = created["createNegativeRecord"]
    assert record["reportingAgency"] == "TAX", record
    template = tax_hub.get("/reports/template?format=xlsx", headers={"Authorization": f"Bearer {tax.token}"})
    guide = {row[0]: row[1] for row in load_workbook(io.BytesIO(template.content))["说明"].iter_rows(values_only=True)}
    assert "TAX 税务局" in guide["报送单位 (reportingAgency)"]
    imported = upload(tax, as_csv(POLICE_HEADER, [good_row(2, "漏缴个税", agency="税务局")])).json()
    assert imported["ok"] and imported["imported"] == 1, imported
    assert tax.data("{ negativeRecords { edges { node { reportingAgency } } } }") == {"negativeRecords": {"edges": [
        {"node": {"reportingAgency": "TAX"}}, {"node": {"reportingAgency": "TAX"}}]}}
    issued = org.data("""mutation { createSupervisionAction(input: {cadreId: 1, kind: INQUIRY_LETTER, issuedBy: TAX,
        issuedOn: "2026-06-01"}) { __typename ... on SupervisionAction { issuedBy } } }""")
    assert issued["createSupervisionAction"] == {"__typename": "SupervisionAction", "issuedBy": "TAX"}

    # A reporting round asks it for a return, and it submits one; a joint review asks it for an answer.
    opened = org.data("""mutation { openReportingRound(input: {title: "2026年上半年", periodStart: "2026-01-01",
        periodEnd: "2026-06-30", deadline: "2026-07-15"}) { ... on ReportingRound { id submissions { agency } } } }""")
    round_ = opened["openReportingRound"]
    assert [s["agency"] for s in round_["submissions"]] == sorted([
        "AUDIT", "COURT", "DISCIPLINE", "PETITION", "POLICE", "PROCURATORATE", "TAX", "HEALTH", "ECOLOGY", "EMERGENCY",
        "POLITICAL_LEGAL", "FINANCE", "MARKET", "REAL_ESTATE", "BANKING", "SECURITIES"])
    submitted = tax.data(f"""mutation {{ submitRoundReturn(roundId: {round_["id"]}, recordIds: [{record["id"]}]) {{
        __typename ... on ReportSubmission {{ agency records {{ id }} }} }} }}""")
    assert submitted["submitRoundReturn"] == {
        "__typename": "ReportSubmission", "agency": "TAX", "records": [{"id": record["id"]}]}
    review = org.data("""mutation { openJointReview(input: {candidateId: 2, postId: 1, selectionId: 1}) {
        ... on JointReview { id pendingAgencies } } }""")["openJointReview"]
    assert "TAX" in review["pendingAgencies"]
    answered = tax.data(f"""mutation {{ answerJointReview(reviewId: {review["id"]}, verdict: NORMAL) {{
        __typename ... on ReviewAnswer {{ agency verdict }} }} }}""")
    assert answered["answerJointReview"] == {"__typename": "ReviewAnswer", "agency": "TAX", "verdict": "NORMAL"}

    problems, _store = check_policy(build_full_schema, tax_policy)
    assert problems == []


# ---- an agency the policy does not declare --------------------------------------------------------


def police_gate(policy_store: PolicyStore) -> WriteGate:
    access, _schema = policy_store.view(Principal(user="p1", agency="police", jurisdiction="huzhou", level="city"))
    return WriteGate(writable=access.writable, row_clause=access.rows.clause, agencies=access.agencies)


def test_a_write_naming_an_undeclared_agency_is_refused_naming_the_field(world: Engine, policy_store: PolicyStore) -> None:
    spec = SPECS_BY_TYPE["NegativeRecord"]
    with Session(world) as session:
        writer = RecordWriter(session, spec, police_gate(policy_store))
        with pytest.raises(ValidationFailed) as refused:
            writer.update(1, {"reporting_agency": "tax"})
    assert refused.value.violations == [Violation("reportingAgency", "'tax' is not one of the hub's agencies")]


def test_the_schema_and_a_report_file_refuse_an_undeclared_agency(world: Engine, as_agency: Any) -> None:
    police = as_agency("police")
    body = police("""mutation { createNegativeRecord(input: {cadreId: 1, reportingAgency: TAX, category: PUBLIC_ORDER,
        facts: "x", occurredOn: "2026-03-01", reportedOn: "2026-03-05", severity: MINOR, status: REPORTED}) {
        __typename } }""")
    assert "Value 'TAX' does not exist in 'Agency' enum" in body["errors"][0]["message"]
    result = upload(police, as_csv(POLICE_HEADER, [good_row(1, agency="税务局")])).json()
    assert result["errors"] == [{"row": 2, "column": "reportingAgency", "reason": (
        "'税务局' is not one of ORG, DISCIPLINE, POLICE, COURT, PROCURATORATE, AUDIT, PETITION, UNIT, INSPECTOR, SECURITY, "
        "HEALTH, ECOLOGY, EMERGENCY, POLITICAL_LEGAL, FINANCE, MARKET, REAL_ESTATE, BANKING, SECURITIES")}]


def test_a_workflow_refuses_to_record_an_undeclared_agency(world: Engine, policy_store: PolicyStore) -> None:
    access, _schema = policy_store.view(Principal(user="o1", agency="org", jurisdiction="huzhou", level="city"))
    org = Actor(agency_code="org", user="o1", writable=access.writable, readable=access.readable,
                agencies=access.agencies)
    with Session(world) as session, pytest.raises(ValidationFailed) as refused:
        rounds.open_round(session, org, "2026年上半年", date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 15),
                          ["police", "tax"])
    assert refused.value.violations == [Violation("title", "'tax' is not one of the hub's agencies")]


# ---- the agencies file, checked and reloaded with the policy -----------------------------------------


def test_check_names_an_agency_with_policy_lines_that_is_not_declared(tmp_path: Path) -> None:
    policy_dir = copy_policy(tmp_path / "policies")
    append(policy_dir / "policy.csv", *TAX_LINES)
    problems, _store = check_policy(build_full_schema, policy_dir)
    assert problems == ["agency 'tax' has policy lines but is not declared in agencies.csv"]


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("Tax,税务局,Tax Bureau", "the code 'Tax' must be lower case letters"),
        ("tax-bureau,税务局,Tax Bureau", "the code 'tax-bureau' must be lower case letters"),
        ("police,公安,Public Security", "the agency 'police' is declared twice"),
        ("tax,税务局", "expected a code, a Chinese name and an English name"),
    ],
)
def test_the_agencies_file_is_checked_line_by_line(tmp_path: Path, line: str, complaint: str) -> None:
    policy_dir = copy_policy(tmp_path / "policies")
    append(policy_dir / "agencies.csv", line)
    with pytest.raises(AgenciesFileError, match=complaint) as refused:
        load_agencies(policy_dir)
    assert f"agencies.csv:{len((policy_dir / 'agencies.csv').read_text().splitlines())}:" in str(refused.value)


def test_names_reload_with_the_policy_and_a_new_list_of_agencies_builds_the_schema_again(tmp_path: Path) -> None:
    policy_dir = copy_policy(tmp_path / "policies")
    store = PolicyStore(policy_dir=policy_dir, build_schema=lambda agencies: build_full_schema(agencies=agencies))
    agencies = policy_dir / "agencies.csv"
    shipped = agencies.read_text(encoding="utf-8")
    agencies.write_text(shipped.replace("petition,信访,", "petition,信访局,"), encoding="utf-8")
    os.utime(agencies, (time.time() + 5, time.time() + 5))
    old_schema, old_catalog = store.full_schema, store.catalog
    assert store.refresh() is True
    assert [a.name_zh for a in store.declared_agencies if a.code == "petition"] == ["信访局"]
    assert store.full_schema is old_schema  # the same agencies: the schema stays

    append(agencies, TAX_AGENCY)
    assert store.refresh() is True and store.version == 3
    assert "tax" in store.declared_agencies and store.schema_agencies[-1] == "tax"
    assert "TAX" in store.full_schema._schema.type_map["Agency"].values  # type: ignore[union-attr]
    assert "TAX" in str(store.grant("police").schema)  # every agency's cut schema is built from the new one
    assert store.full_schema is not old_schema and store.catalog is not old_catalog


def test_a_store_that_cannot_build_the_schema_refuses_a_new_list_of_agencies(tmp_path: Path) -> None:
    policy_dir = copy_policy(tmp_path / "policies")
    store = PolicyStore(build_full_schema(), policy_dir)
    append(policy_dir / "agencies.csv", TAX_AGENCY)
    assert store.refresh() is False  # logged; the last good policy is kept
    assert "tax" not in store.declared_agencies and store.version == 1
    with pytest.raises(AgenciesDiffer, match="restart the hub"):
        store.reload()
    assert "tax" in PolicyStore(build_full_schema(agencies=load_agencies(policy_dir)), policy_dir).declared_agencies


def test_a_policy_folder_without_agencies_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy_dir = copy_policy(tmp_path / "policies")
    (policy_dir / "agencies.csv").unlink()
    monkeypatch.setenv("HUB_POLICY_DIR", str(policy_dir))
    with pytest.raises(InvalidSettings, match=f"HUB_POLICY_DIR.*the folder {policy_dir} has no agencies.csv"):
        Settings.from_env()


def test_a_broken_agencies_file_is_one_line_for_the_operator(tmp_path: Path) -> None:
    policy_dir = copy_policy(tmp_path / "policies")
    agencies = policy_dir / "agencies.csv"
    append(agencies, "police,公安,Public Security")
    last_line = len(agencies.read_text(encoding="utf-8").splitlines())
    result = run_hub("policy", "check", tmp_path=tmp_path, HUB_POLICY_DIR=str(policy_dir))
    assert_one_line_error(result, f"{agencies}:{last_line}: the agency 'police' is declared twice")
