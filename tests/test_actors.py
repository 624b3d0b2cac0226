"""Every actor of the seeds can act over HTTP: the reporting departments and data holders report under their own
codes and see only their own reports; a new agency reaches running hubs without a restart; the employing unit
requests appointments and follows them, the Organization Department accepts or declines."""

from __future__ import annotations

import dataclasses
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from hub import models
from hub.app import create_app
from hub.auth import mint_token
from hub.services.bulk_import import OUTSIDE_SCOPE
from hub.settings import Settings
from policies.agencies import load_agencies
from policies.enforcement import POLICY_DIR
from tests.conftest import Caller
from tests.test_bulk_import import POLICE_HEADER, as_csv, upload

# The departments and what each reports (the categories of DOMAIN.md they vouch for).
DEPARTMENTS = {
    "health": "FAMILY_PLANNING",
    "ecology": "INEFFECTIVE_WORK",
    "emergency": "INEFFECTIVE_WORK",
    "political_legal": "INEFFECTIVE_WORK",
    "finance": "FINANCIAL_DISCIPLINE",
    "market": "OTHER_VIOLATION",
    "real_estate": "OTHER_VIOLATION",
    "banking": "FINANCIAL_DISCIPLINE",
    "securities": "OTHER_VIOLATION",
}
CREATE = """mutation($agency: Agency!, $category: NegativeCategory!) { createNegativeRecord(input: {cadreId: 1,
    reportingAgency: $agency, category: $category, facts: "报送事实", occurredOn: "2026-03-01", reportedOn: "2026-03-05",
    severity: MINOR, status: REPORTED}) { __typename ... on NegativeRecord { id reportingAgency }
    ... on ValidationErrors { errors { field message } } } }"""
REACH_SECONDS = 3.0


def names() -> dict[str, tuple[str, str]]:
    return {agency.code: (agency.name_zh, agency.name_en) for agency in load_agencies(POLICY_DIR)}


# ---- the reporting departments --------------------------------------------------------------------


def test_each_department_reports_under_its_own_code_and_reads_back_only_its_own(world: Engine, as_agency: Any) -> None:
    created: dict[str, int] = {}
    for code, category in DEPARTMENTS.items():
        department = as_agency(code)
        own = department.data(CREATE, {"agency": code.upper(), "category": category})["createNegativeRecord"]
        assert own["__typename"] == "NegativeRecord" and own["reportingAgency"] == code.upper(), (code, own)
        created[code] = int(own["id"])
        # Writing under another's code is refused, whichever: the police's, another department's.
        for other in ("POLICE", "HEALTH" if code != "health" else "FINANCE"):
            refused = department.data(CREATE, {"agency": other, "category": category})["createNegativeRecord"]
            assert refused["__typename"] == "ValidationErrors", (code, other, refused)
    with Session(world) as session:
        stored = dict(session.execute(select(models.NegativeRecord.id, models.NegativeRecord.reporting_agency)).all())
    assert {stored[record_id] for record_id in created.values()} == set(DEPARTMENTS)
    assert len(stored) == 4 + len(DEPARTMENTS)  # the world's four and one per department: no refused write stored

    for code, record_id in created.items():
        department = as_agency(code)
        listed = department.data("{ negativeRecords { totalCount edges { node { id reportingAgency } } } }")
        assert listed["negativeRecords"] == {"totalCount": 1, "edges": [
            {"node": {"id": record_id, "reportingAgency": code.upper()}}]}, code
        assert department.data("{ negativeRecord(id: 1) { id } }") == {"negativeRecord": None}  # the police's
        other = created["finance" if code == "health" else "health"]
        assert department.data(f"{{ negativeRecord(id: {other}) {{ id }} }}") == {"negativeRecord": None}
        updated = department.data(f'mutation {{ updateNegativeRecord(id: {other}, input: {{facts: "改写"}}) {{ __typename }} }}')
        assert updated["updateNegativeRecord"]["__typename"] == "NotFound"
        # It sees nothing beyond the reporter's window: no relatives, no audit, no personal matters.
        body = department("{ cadre(id: 1) { relatives { kind } } }")
        assert "Cannot query field 'relatives'" in body["errors"][0]["message"]
        assert "Cannot query field 'accessAudit'" in department("{ accessAudit { totalCount } }")["errors"][0]["message"]


def test_a_department_imports_its_report_under_its_own_name_only(world: Engine, as_agency: Any) -> None:
    health = as_agency("health")
    template = health.client.get("/reports/template?format=xlsx", headers={"Authorization": f"Bearer {health.token}"})
    assert template.status_code == 200
    guide = {row[0]: row[1] for row in load_workbook(io.BytesIO(template.content))["说明"].iter_rows(values_only=True)}
    assert "HEALTH 卫生健康委员会" in guide["报送单位 (reportingAgency)"]

    row = [2, "卫生健康委员会", "FAMILY_PLANNING", "违反计划生育政策", "2025-03-01", "2025-04-01", "MINOR", "REPORTED"]
    imported = upload(health, as_csv(POLICE_HEADER, [row])).json()
    assert imported["ok"] and imported["imported"] == 1, imported
    foreign = upload(health, as_csv(POLICE_HEADER, [[2, "财政局", *row[2:]]])).json()
    assert not foreign["ok"] and foreign["imported"] == 0, foreign
    assert foreign["errors"] == [{"row": 2, "column": None, "reason": OUTSIDE_SCOPE}], foreign
    assert health.data("{ negativeRecords { edges { node { reportingAgency category } } } }") == {"negativeRecords": {
        "edges": [{"node": {"reportingAgency": "HEALTH", "category": "FAMILY_PLANNING"}}]}}


def test_departments_are_asked_in_joint_reviews_and_see_only_their_own_answer(world: Engine, as_agency: Any) -> None:
    org, market, banking = as_agency("org"), as_agency("market"), as_agency("banking")
    review = org.data("""mutation { openJointReview(input: {candidateId: 2, postId: 1, selectionId: 1}) {
        ... on JointReview { id pendingAgencies } } }""")["openJointReview"]
    assert {code.upper() for code in DEPARTMENTS} <= set(review["pendingAgencies"])
    answered = market.data(f"""mutation {{ answerJointReview(reviewId: {review["id"]}, verdict: ABNORMAL,
        findings: "配偶经营企业与其单位有业务往来") {{ __typename ... on ReviewAnswer {{ agency verdict }} }} }}""")
    assert answered["answerJointReview"] == {"__typename": "ReviewAnswer", "agency": "MARKET", "verdict": "ABNORMAL"}
    banking.data(f"mutation {{ answerJointReview(reviewId: {review['id']}, verdict: NORMAL) {{ __typename }} }}")
    seen = banking.data(f"{{ jointReview(id: {review['id']}) {{ answers {{ agency verdict findings }} }} }}")
    assert seen["jointReview"]["answers"] == [{"agency": "BANKING", "verdict": "NORMAL", "findings": ""}]


def test_the_agencies_names_are_in_the_schema(world: Engine, as_agency: Any) -> None:
    described = as_agency("unit").data('{ __type(name: "Agency") { enumValues { name description } } }')
    by_name = {value["name"]: value["description"] for value in described["__type"]["enumValues"]}
    for code, (name_zh, name_en) in names().items():
        assert by_name[code.upper()] == f"{name_zh} ({name_en})"
    assert by_name["HEALTH"] == "卫生健康委员会 (Health Commission)"


# ---- a new agency reaches running hubs -------------------------------------------------------------


def add_tax_bureau(policy_dir: Path) -> None:
    with (policy_dir / "agencies.csv").open("a", encoding="utf-8") as agencies:
        agencies.write("tax,税务局,Tax Bureau\n")
    with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
        policy.write("g, tax, role:identity\ng, tax, role:reporter\n")
    stamp = time.time() + 5  # a modification time the watch sees move even within one filesystem tick
    for name in ("agencies.csv", "policy.csv"):
        os.utime(policy_dir / name, (stamp, stamp))


def until(condition: Any, seconds: float = REACH_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not reached within {seconds} s")
        time.sleep(0.05)


def test_a_new_agency_reaches_a_running_hub_without_a_restart(world: Engine, settings: Settings, policy_dir: Path) -> None:
    with TestClient(create_app(dataclasses.replace(settings, policy_dir=policy_dir))) as client:
        tax, police = Caller(client, settings, "tax"), Caller(client, settings, "police")
        assert client.post("/graphql", json={"query": "{ cadres { totalCount } }"},
                           headers={"Authorization": f"Bearer {tax.token}"}).status_code == 403
        store = client.app.state.hub.policies  # type: ignore[attr-defined]
        version = store.version

        add_tax_bureau(policy_dir)
        until(lambda: store.version > version)

        assert tax.data("{ cadres { totalCount } }") == {"cadres": {"totalCount": 3}}
        created = tax.data(CREATE, {"agency": "TAX", "category": "FINANCIAL_DISCIPLINE"})["createNegativeRecord"]
        assert created["reportingAgency"] == "TAX", created
        # Every agency's schema has the new value; the police may not write under it.
        refused = police.data(CREATE, {"agency": "TAX", "category": "PUBLIC_ORDER"})["createNegativeRecord"]
        assert refused["__typename"] == "ValidationErrors"
        described = police.data('{ __type(name: "Agency") { enumValues { name description } } }')
        assert {"name": "TAX", "description": "税务局 (Tax Bureau)"} in described["__type"]["enumValues"]


POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "")


@pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
def test_a_new_agency_reaches_every_process_after_hub_policy_reload(policy_dir: Path, tmp_path: Path) -> None:
    from bench.harness import run_hub, running_hubs
    from tests.test_scale_out import hub_environment, own_postgres_world

    with own_postgres_world("actors") as url:
        env = hub_environment(url, tmp_path / "var", policy_dir)
        with running_hubs(env, tmp_path, workers=[2, None], ready_path="/readyz") as hubs:
            token = mint_token(Settings(), agency="tax", user="t1", jurisdiction="huzhou", level="city")

            def tax_answers(base_url: str) -> bool:
                response = httpx.post(f"{base_url}/graphql", json={"query": "{ cadres { totalCount } }"},
                                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
                return response.status_code == 200 and response.json()["data"] == {"cadres": {"totalCount": 3}}

            assert not any(tax_answers(hub.url) for hub in hubs)
            add_tax_bureau(policy_dir)
            reload = run_hub(["policy", "reload"], env)
            assert reload.returncode == 0, reload.stderr
            assert "policy OK" in reload.stderr
            # Every process (both workers behind the first hub's port: several fresh connections) serves it.
            until(lambda: all(tax_answers(hub.url) for hub in hubs for _ in range(8)))


# ---- the employing unit --------------------------------------------------------------------------

REQUEST = """... on AppointmentRequest { id status reason declineReason post { id title } unit { id }
    candidates { cadre { id name } } selection { id status } }
    ... on ValidationErrors { errors { field message } } ... on WrongState { message currentState }
    ... on NotAllowed { message }"""


def mutate(caller: Caller, name: str, arguments: str, selection: str = REQUEST) -> dict[str, Any]:
    return caller.data(f"mutation {{ {name}({arguments}) {{ __typename {selection} }} }}")[name]


@pytest.fixture
def units(as_agency: Any) -> Iterator[tuple[Caller, Caller]]:
    """Unit 1 (湖州市财政局: posts 1 and 2, cadres 1 and 2) and unit 3 (湖州市交通运输局: post 4, cadre 4)."""
    yield as_agency("unit", unit_id=1, user="cz-hr"), as_agency("unit", unit_id=3, user="jt-hr")


def test_a_unit_requests_an_appointment_and_the_department_accepts_it(
    world: Engine, as_agency: Any, units: tuple[Caller, Caller]
) -> None:
    finance_bureau, transport_bureau = units
    org = as_agency("org")
    submitted = mutate(finance_bureau, "submitAppointmentRequest",
                       'input: {postId: 2, reason: "副局长空缺一名", candidateIds: [2, 1, 2]}')
    assert submitted["__typename"] == "AppointmentRequest", submitted
    assert (submitted["status"], submitted["post"], submitted["unit"], submitted["selection"]) == (
        "SUBMITTED", {"id": 2, "title": "副局长"}, {"id": 1}, None)
    assert [c["cadre"] for c in submitted["candidates"]] == [{"id": 2, "name": "李明"}, {"id": 1, "name": "王建国"}]
    request_id = submitted["id"]
    none_proposed = mutate(finance_bureau, "submitAppointmentRequest", 'input: {postId: 1, reason: "局长即将退休"}')
    assert none_proposed["status"] == "SUBMITTED" and none_proposed["candidates"] == []

    # Another unit sees nothing of it, neither the request nor the selections for the first unit's posts.
    assert transport_bureau.data(f"{{ appointmentRequest(id: {request_id}) {{ id }} }}") == {"appointmentRequest": None}
    assert transport_bureau.data("{ appointmentRequests { totalCount } selections { totalCount } }") == {
        "appointmentRequests": {"totalCount": 0}, "selections": {"totalCount": 0}}
    # The unit cannot decide its own request.
    body = finance_bureau(f"mutation {{ acceptAppointmentRequest(requestId: {request_id}) {{ __typename }} }}")
    assert "Cannot query field 'acceptAppointmentRequest'" in body["errors"][0]["message"]

    listed = org.data("{ appointmentRequests { totalCount edges { node { id status unit { name } } } } }")
    assert listed["appointmentRequests"]["totalCount"] == 2
    accepted = mutate(org, "acceptAppointmentRequest", f"requestId: {request_id}")
    assert accepted["status"] == "ACCEPTED" and accepted["selection"]["status"] == "OPEN", accepted
    again = mutate(org, "acceptAppointmentRequest", f"requestId: {request_id}")
    assert again["__typename"] == "WrongState" and again["currentState"] == "ACCEPTED"

    mine = finance_bureau.data("""{ appointmentRequests { edges { node { id status selection { id status } } } }
        selections { edges { node { id status post { id } } } } }""")
    assert mine["appointmentRequests"]["edges"][1]["node"] == {
        "id": request_id, "status": "ACCEPTED", "selection": accepted["selection"]}
    assert {edge["node"]["id"] for edge in mine["selections"]["edges"]} == {1, accepted["selection"]["id"]}
    with Session(world) as session:
        selection = session.get(models.Selection, accepted["selection"]["id"])
        assert selection is not None and selection.post_id == 2
        ledger = session.scalars(select(models.Decision.action).where(models.Decision.subject == "AppointmentRequest",
                                                                      models.Decision.subject_id == request_id)).all()
    assert ledger == ["submitAppointmentRequest", "acceptAppointmentRequest"]


def test_the_department_declines_with_a_reason(world: Engine, as_agency: Any, units: tuple[Caller, Caller]) -> None:
    finance_bureau, _transport_bureau = units
    org = as_agency("org")
    request_id = mutate(finance_bureau, "submitAppointmentRequest", 'input: {postId: 2, reason: "增设副职"}')["id"]
    silent = mutate(org, "declineAppointmentRequest", f'requestId: {request_id}, reason: " "')
    assert silent["__typename"] == "ValidationErrors" and silent["errors"][0]["field"] == "reason"
    declined = mutate(org, "declineAppointmentRequest", f'requestId: {request_id}, reason: "职数已满"')
    assert (declined["status"], declined["declineReason"], declined["selection"]) == ("DECLINED", "职数已满", None)
    seen = finance_bureau.data(f"{{ appointmentRequest(id: {request_id}) {{ status declineReason decidedBy }} }}")
    assert seen["appointmentRequest"] == {"status": "DECLINED", "declineReason": "职数已满", "decidedBy": "ORG"}
    late = mutate(org, "acceptAppointmentRequest", f"requestId: {request_id}")
    assert late["__typename"] == "WrongState" and late["currentState"] == "DECLINED"


def test_a_unit_asks_only_for_its_own_posts_and_proposes_only_its_own_cadres(
    world: Engine, as_agency: Any, units: tuple[Caller, Caller]
) -> None:
    finance_bureau, _transport_bureau = units
    foreign_post = mutate(finance_bureau, "submitAppointmentRequest", 'input: {postId: 4, reason: "x"}')
    assert foreign_post["errors"] == [{"field": "postId", "message": "no post with id 4 of your unit"}]
    foreign_cadre = mutate(finance_bureau, "submitAppointmentRequest", 'input: {postId: 2, reason: "x", candidateIds: [4]}')
    assert foreign_cadre["errors"] == [{"field": "candidateIds.0", "message": "no cadre with id 4 is visible to you"}]
    no_reason = mutate(finance_bureau, "submitAppointmentRequest", 'input: {postId: 2, reason: ""}')
    assert no_reason["errors"][0]["field"] == "reason"
    unitless = mutate(as_agency("unit"), "submitAppointmentRequest", 'input: {postId: 2, reason: "x"}')
    assert unitless["__typename"] == "NotAllowed"
    assert as_agency("unit").data("{ appointmentRequests { totalCount } selections { totalCount } }") == {
        "appointmentRequests": {"totalCount": 0}, "selections": {"totalCount": 0}}
    with Session(world) as session:
        assert session.scalars(select(models.AppointmentRequest)).all() == []
    # Only the employing unit asks: the department and the reporters have no such mutation.
    for agency in ("org", "police", "health"):
        body = as_agency(agency)('mutation { submitAppointmentRequest(input: {postId: 2, reason: "x"}) { __typename } }')
        assert "Cannot query field 'submitAppointmentRequest'" in body["errors"][0]["message"]


def test_the_unit_learns_the_joint_reviews_conclusion_never_the_answers(
    world: Engine, as_agency: Any, units: tuple[Caller, Caller]
) -> None:
    finance_bureau, transport_bureau = units
    org, court = as_agency("org"), as_agency("court")
    review = org.data("""mutation { openJointReview(input: {candidateId: 2, postId: 1, selectionId: 1}) {
        ... on JointReview { id pendingAgencies } } }""")["openJointReview"]
    outcome = "{ selections { edges { node { id status reviewOutcomes { status conclusion candidate { name } } } } } }"
    assert finance_bureau.data(outcome)["selections"]["edges"] == [{"node": {
        "id": 1, "status": "OPEN", "reviewOutcomes": [{"status": "OPEN", "conclusion": None, "candidate": {"name": "李明"}}]}}]

    court.data(f"""mutation {{ answerJointReview(reviewId: {review["id"]}, verdict: ABNORMAL, findings: "涉民间借贷诉讼") {{
        __typename }} }}""")
    for agency in review["pendingAgencies"]:
        if agency != "COURT":
            as_agency(agency.lower()).data(
                f"mutation {{ answerJointReview(reviewId: {review['id']}, verdict: NORMAL) {{ __typename }} }}")
    stopped = org.data(f"""mutation {{ concludeJointReview(reviewId: {review["id"]}, conclusion: STOP, note: "涉诉") {{
        ... on JointReview {{ conclusion }} }} }}""")
    assert stopped["concludeJointReview"] == {"conclusion": "STOP"}

    assert finance_bureau.data(outcome)["selections"]["edges"] == [{"node": {
        "id": 1, "status": "STOPPED", "reviewOutcomes": [{"status": "CONCLUDED", "conclusion": "STOP",
                                                          "candidate": {"name": "李明"}}]}}]
    # Never the answers, findings or note, by any path.
    for query, missing in (
        (f"{{ jointReview(id: {review['id']}) {{ conclusion }} }}", "jointReview"),
        ("{ selections { edges { node { reviewOutcomes { note } } } } }", "note"),
        ("{ selections { edges { node { reviewOutcomes { answers { findings } } } } } }", "answers"),
        ("{ selections { edges { node { nominations { id } } } } }", "nominations"),
    ):
        assert f"Cannot query field '{missing}'" in finance_bureau(query)["errors"][0]["message"]
    assert transport_bureau.data(outcome) == {"selections": {"edges": []}}
    # The inspectors, who read selections through nominations, do not get the conclusions either.
    body = as_agency("inspector")("{ cadre(id: 2) { nominations { selection { reviewOutcomes { conclusion } } } } }")
    assert "Cannot query field 'reviewOutcomes'" in body["errors"][0]["message"]


def test_a_units_requests_and_reads_are_audited_with_their_cadres(
    world: Engine, as_agency: Any, units: tuple[Caller, Caller]
) -> None:
    finance_bureau, _transport_bureau = units
    submitted = mutate(finance_bureau, "submitAppointmentRequest", 'input: {postId: 2, reason: "副局长空缺", candidateIds: [2]}')
    finance_bureau.data("{ appointmentRequests { edges { node { id reason } } } }")
    with Session(world) as session:
        entries = session.scalars(select(models.AuditEntry).where(models.AuditEntry.agency == "unit")
                                  .order_by(models.AuditEntry.id)).all()
    write, read = entries[-2], entries[-1]
    assert (write.operation, write.user, sorted(write.cadre_ids)) == ("mutation", "cz-hr", [2]), write.operation
    assert (read.operation, sorted(read.cadre_ids)) == ("query", [2])
    assert submitted["status"] == "SUBMITTED"


# ---- personal matters inquiries: the holders of records answer what they hold ----------------------

HOLDERS = ["BANKING", "MARKET", "REAL_ESTATE", "SECURITIES"]
INQUIRY = """... on MattersInquiry { id agency findings answeredAt cadre { name } }
    ... on ValidationErrors { errors { field message } } ... on WrongState { message currentState }
    ... on NotFound { message } ... on NotAllowed { message }"""


def test_the_holders_answer_the_personal_matters_inquiries_put_to_them(world: Engine, as_agency: Any) -> None:
    org, market, banking, police = as_agency("org"), as_agency("market"), as_agency("banking"), as_agency("police")
    report_id = org.data("""mutation { createPersonalMattersReport(input: {cadreId: 2, year: 2026,
        submittedOn: "2026-01-15"}) { ... on PersonalMattersReport { id } } }""")["createPersonalMattersReport"]["id"]
    asked = org.data(f"""mutation {{ askMattersInquiries(reportId: {report_id}) {{ __typename
        ... on MattersInquiryBatch {{ inquiries {{ id agency answeredAt }} }} }} }}""")["askMattersInquiries"]
    assert [i["agency"] for i in asked["inquiries"]] == HOLDERS  # every holder the policy lets answer, no one else
    by_agency = {i["agency"]: i["id"] for i in asked["inquiries"]}
    again = mutate(org, "askMattersInquiries", f"reportId: {report_id}", "... on WrongState { currentState }")
    assert again == {"__typename": "WrongState", "currentState": "ASKED"}

    # Each holder sees the inquiry put to it, with the cadre it is about, and answers it; never another's.
    pending = market.data("{ mattersInquiries(pending: true) { totalCount edges { node { id agency cadre { name } } } } }")
    assert pending["mattersInquiries"] == {"totalCount": 1, "edges": [
        {"node": {"id": by_agency["MARKET"], "agency": "MARKET", "cadre": {"name": "李明"}}}]}
    answered = mutate(market, "answerMattersInquiry", f'inquiryId: {by_agency["MARKET"]}, findings: "配偶持有湖州恒达建材有限公司30%股份"',
                      INQUIRY)
    assert answered["findings"] == "配偶持有湖州恒达建材有限公司30%股份" and answered["answeredAt"], answered
    twice = mutate(market, "answerMattersInquiry", f'inquiryId: {by_agency["MARKET"]}, findings: "无"', INQUIRY)
    assert twice["__typename"] == "WrongState"
    foreign = mutate(banking, "answerMattersInquiry", f'inquiryId: {by_agency["MARKET"]}, findings: "无"', INQUIRY)
    assert foreign["__typename"] == "NotFound"  # the market's inquiry does not exist for the banking regulator
    assert banking.data(f"{{ mattersInquiries(reportId: {report_id}) {{ edges {{ node {{ agency findings }} }} }} }}") == {
        "mattersInquiries": {"edges": [{"node": {"agency": "BANKING", "findings": ""}}]}}
    # The holder never sees the report itself (its declared items), nor may the other agencies ask or answer.
    assert "Cannot query field 'report'" in market("{ mattersInquiries { edges { node { report { id } } } } }")["errors"][0]["message"]
    for query in ("{ mattersInquiries { totalCount } }",
                  f'mutation {{ answerMattersInquiry(inquiryId: {by_agency["MARKET"]}, findings: "x") {{ __typename }} }}'):
        assert "Cannot query field" in police(query)["errors"][0]["message"]
    assert "Cannot query field 'askMattersInquiries'" in market(
        f"mutation {{ askMattersInquiries(reportId: {report_id}) {{ __typename }} }}")["errors"][0]["message"]

    # The department reads every answer, and the ledger has who asked and who answered.
    every = org.data(f"{{ mattersInquiries(reportId: {report_id}) {{ edges {{ node {{ agency findings }} }} }} }}")
    assert {e["node"]["agency"]: e["node"]["findings"] for e in every["mattersInquiries"]["edges"]}["MARKET"].startswith("配偶")
    with Session(world) as session:
        steps = session.execute(select(models.Decision.agency, models.Decision.action)
                                .where(models.Decision.cadre_id == 2).order_by(models.Decision.id)).all()
    assert [tuple(step) for step in steps][-2:] == [("org", "askMattersInquiries"), ("market", "answerMattersInquiry")]
