"""Investigators' cases over HTTP: opened, assigned, annotated, linked and closed by the agency that works them,
read as outcomes by the Organization Department, invisible to everyone else, every step in the history and the
audit naming the case."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import models
from tests.test_workflows import absent_for

NUMBER = "XC-2026-0042"
RESULT = "... on WrongState { message currentState } ... on NotAllowed { message } ... on ValidationErrors { errors { field message } }"


def _open(caller: Any, number: str = NUMBER, title: str = "配偶企业与本单位业务往来线索") -> dict[str, Any]:
    caller.purpose = "线索核查"
    opened = caller.data(f'mutation {{ openCase(number: "{number}", title: "{title}") {{ __typename '
                         f"... on Case {{ id number status assigneeUser agency }} {RESULT} }} }}")["openCase"]
    caller.purpose = number
    return opened  # type: ignore[no-any-return]


def _case(caller: Any, number: str = NUMBER) -> Any:
    return caller(f'{{ case(number: "{number}") {{ number status outcome assigneeUser notes {{ text authorUser }} '
                  "links { cadre { id name } person { id } organization { id } } history { action user detail } } }")


def test_an_inspector_works_a_case_from_opening_to_its_outcome(world: Any, as_agency: Any) -> None:
    inspector = as_agency("inspector", user="i1")
    opened = _open(inspector)
    assert opened["__typename"] == "Case" and opened["status"] == "OPEN" and opened["assigneeUser"] == "i1"
    case_id = opened["id"]
    steps = [
        f'assignCase(caseId: {case_id}, assignee: "i2") {{ __typename {RESULT} }}',
        f'addCaseNote(caseId: {case_id}, text: "调取合同台账") {{ __typename {RESULT} }}',
        f"linkToCase(caseId: {case_id}, cadreId: 1) {{ __typename {RESULT} }}",
        f"linkToCase(caseId: {case_id}, organizationId: 1) {{ __typename {RESULT} }}",
        f"moveCase(caseId: {case_id}, status: INVESTIGATING) {{ __typename {RESULT} }}",
        f'moveCase(caseId: {case_id}, status: CLOSED_FOUNDED, outcome: "查实，移交纪委") {{ __typename {RESULT} }}',
    ]
    for step in steps:
        answer = inspector.data(f"mutation {{ {step} }}")
        assert next(iter(answer.values()))["__typename"] in ("Case", "CaseNote", "CaseLink"), answer
    case = inspector.data(f'{{ case(number: "{NUMBER}") {{ number status outcome assigneeUser notes {{ text authorUser }} '
                          "links { cadre { id } organization { id } } history { action user } } }")["case"]
    assert case["status"] == "CLOSED_FOUNDED" and case["outcome"] == "查实，移交纪委" and case["assigneeUser"] == "i2"
    assert case["notes"] == [{"text": "调取合同台账", "authorUser": "i1"}]
    assert [link["cadre"] or link["organization"] for link in case["links"]] == [{"id": 1}, {"id": 1}]
    assert [event["action"] for event in case["history"]] == [
        "openCase", "assignCase", "addCaseNote", "linkToCase", "linkToCase", "moveCase", "moveCase"]
    reopened = inspector.data(f"mutation {{ moveCase(caseId: {case_id}, status: INVESTIGATING) {{ __typename {RESULT} }} }}")
    assert reopened["moveCase"]["__typename"] == "WrongState", "a closed case is final"


def test_every_read_and_write_of_a_case_is_audited_with_its_number(world: Any, as_agency: Any) -> None:
    inspector = as_agency("inspector")
    case_id = _open(inspector)["id"]
    inspector.data(f"mutation {{ linkToCase(caseId: {case_id}, cadreId: 2) {{ __typename }} }}")
    assert _case(inspector)["data"]["case"]["number"] == NUMBER
    with Session(world) as session:
        entries = session.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id)).all()
    on_the_case = [entry for entry in entries if entry.purpose == NUMBER]
    assert {entry.operation for entry in on_the_case} >= {"write", "query"}, [(e.operation, e.purpose) for e in entries]
    assert any(2 in (entry.cadre_ids or []) for entry in on_the_case), "the linked cadre is named in the audit"


def test_reading_or_working_a_case_needs_its_number_as_the_purpose(world: Any, as_agency: Any) -> None:
    inspector = as_agency("inspector")
    case_id = _open(inspector)["id"]
    inspector.purpose = "线索核查"
    refused = _case(inspector)
    assert refused["data"]["case"] is None and refused["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    note = inspector.data(f'mutation {{ addCaseNote(caseId: {case_id}, text: "x") {{ __typename {RESULT} }} }}')
    assert note["addCaseNote"]["__typename"] == "NotAllowed" and NUMBER in note["addCaseNote"]["message"]


def test_a_purpose_naming_a_case_the_reader_does_not_work_on_is_refused(world: Any, as_agency: Any) -> None:
    inspector, discipline = as_agency("inspector"), as_agency("discipline")
    _open(inspector)
    inspector.purpose = "核查 XC-2026-9999"  # the right shape, but no such case
    response = inspector.post("{ cadre(id: 1) { name } }")
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"
    assert "XC-2026-9999" in response.json()["errors"][0]["message"]
    discipline.purpose = "线索核查"
    assert discipline.data("{ cases { totalCount } }")["cases"]["totalCount"] == 0, "another agency's case is not listed"
    inspector.purpose = NUMBER
    assert inspector.post("{ cadre(id: 1) { name } }").status_code == 200


def test_the_organization_department_reads_outcomes_only(world: Any, as_agency: Any) -> None:
    _open(as_agency("inspector"))
    org = as_agency("org")
    listed = org.data("{ cases { edges { node { number title status outcome } } } }")["cases"]["edges"]
    assert [edge["node"]["number"] for edge in listed] == [NUMBER]
    assert absent_for(org, "{ cases { edges { node { notes { text } } } } }")
    assert absent_for(org, f'{{ case(number: "{NUMBER}") {{ number }} }}')
    assert absent_for(org, 'mutation { openCase(number: "XC-2026-0001", title: "t") { __typename } }')


@pytest.mark.parametrize("agency", ["police", "court", "procuratorate", "audit", "petition", "unit", "security"])
def test_a_case_is_invisible_to_every_other_agency(world: Any, as_agency: Any, agency: str) -> None:
    _open(as_agency("inspector"))
    caller = as_agency(agency)
    assert absent_for(caller, "{ cases { totalCount } }")
    assert absent_for(caller, f'{{ case(number: "{NUMBER}") {{ number }} }}')
    assert "type Case " not in caller.client.app.state.hub.policies.grant(agency).schema.as_str()


def test_a_case_number_must_have_the_shape_the_purpose_pattern_accepts_and_be_new(world: Any, as_agency: Any) -> None:
    inspector = as_agency("inspector")
    bad = _open(inspector, number="case 42")
    assert bad["__typename"] == "ValidationErrors" and bad["errors"][0]["field"] == "number"
    assert _open(inspector)["__typename"] == "Case"
    assert _open(as_agency("discipline"), number=NUMBER)["__typename"] == "WrongState", "numbers are unique"
