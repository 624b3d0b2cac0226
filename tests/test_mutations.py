"""Mutations for every record kind: create, update and delete, typed errors, and nothing written on failure."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub import models
from hub.services.specs import RECORD_SPECS
from tests.world import id_number

NEW_ID = id_number("330502", date(1985, 9, 9), 77)

# A valid create input for every record kind, in GraphQL literal syntax, referring to the world's rows.
VALID_INPUTS: dict[str, str] = {
    "Unit": '{name: "湖州市审计局", jurisdiction: "huzhou", level: CITY}',
    "Post": '{unitId: 1, title: "总会计师", rank: DEPUTY_DIVISION, quota: 1, isKeyPost: true, '
    'requirements: [{dimension: "performance", weight: 0.6}, {dimension: "reputation", weight: 0.4}]}',
    "Cadre": f'{{name: "孙悦", gender: FEMALE, birthDate: "1985-09-09", idNumber: "{NEW_ID}", '
    'workStartDate: "2007-08-01", education: MASTER, rank: DEPUTY_DIVISION, managementLevel: CITY, '
    'unitId: 3, jurisdiction: "huzhou", reserveTier: 2}',
    "Tenure": '{cadreId: 4, postId: 2, startDate: "2018-01-01", endDate: "2020-08-31"}',
    "Person": '{name: "钱多", gender: MALE, occupation: "个体", jurisdiction: "huzhou"}',
    "Relative": "{cadreId: 4, personId: 3, kind: SIBLING}",
    "SocialTie": '{cadreId: 2, otherCadreId: 4, kind: FELLOW_TOWNSMAN, source: "籍贯"}',
    "Organization": '{name: "湖州德清物流有限公司", kind: COMPANY, industry: "物流"}',
    "OrganizationRole": "{organizationId: 2, cadreId: 4, role: EMPLOYEE}",
    "PartTimePosition": '{cadreId: 4, organizationId: 2, title: "理事", approved: true, startDate: "2022-01-01"}',
    "SupplyContract": '{organizationId: 1, unitId: 3, subject: "沥青", amount: "120000.50", signedOn: "2024-03-01"}',
    "NegativeRecord": '{cadreId: 4, reportingAgency: AUDIT, category: AUDIT_FINDING, facts: "专项资金管理不规范", '
    'occurredOn: "2024-01-01", reportedOn: "2024-03-01", severity: MINOR, status: REPORTED}',
    "PersonalMattersReport": '{cadreId: 2, year: 2025, submittedOn: "2026-01-15"}',
    "MatterItem": '{reportId: 1, category: INSURANCE, description: "商业保险", declared: true, found: true}',
    "SupervisionAction": '{cadreId: 4, kind: REMINDER_TALK, issuedBy: ORG, issuedOn: "2026-02-01", reason: "苗头性问题"}',
    "Selection": '{postId: 2, openedOn: "2026-06-01"}',
    "Nomination": '{selectionId: 1, nomineeId: 1, nominatorId: 4, nominatedOn: "2026-05-04", performance: 70}',
}
# One field per kind to update, with the new value, as (GraphQL input, field to read back, expected value).
UPDATES: dict[str, tuple[str, str, Any]] = {
    "Unit": ('{name: "湖州市财政局（改）"}', "name", "湖州市财政局（改）"),
    "Post": ("{quota: 3}", "quota", 3),
    "Cadre": ("{reserveTier: 1}", "reserveTier", 1),
    "Tenure": ('{endDate: "2021-01-01"}', "endDate", "2021-01-01"),
    "Person": ('{employer: "无"}', "employer", "无"),
    "Relative": ("{kind: PARENT}", "kind", "PARENT"),
    "SocialTie": ('{source: "同学录"}', "source", "同学录"),
    "Organization": ('{industry: "装饰"}', "industry", "装饰"),
    "OrganizationRole": ("{role: EMPLOYEE}", "role", "EMPLOYEE"),
    "PartTimePosition": ("{approved: true}", "approved", True),
    "SupplyContract": ('{amount: "1.00"}', "amount", "1.00"),
    "NegativeRecord": ('{facts: "补充事实"}', "facts", "补充事实"),
    "PersonalMattersReport": ('{verifiedOn: "2026-04-01"}', "verifiedOn", "2026-04-01"),
    "MatterItem": ("{finding: OMISSION}", "finding", "OMISSION"),
    "SupervisionAction": ('{reply: "已说明情况", repliedOn: "2026-02-18"}', "reply", "已说明情况"),
    "Selection": ('{notes: "拟提名"}', "notes", "拟提名"),
    "Nomination": ("{reputation: 95}", "reputation", 95),
}
EXISTING_ROW = {spec.type_name: 1 for spec in RECORD_SPECS}


@pytest.fixture
def org(world: Any, as_agency: Any) -> Any:
    return as_agency("org")


def count_rows(engine: Any, model: type[models.Base]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_every_record_kind_has_a_sample() -> None:
    assert set(VALID_INPUTS) == set(UPDATES) == {spec.type_name for spec in RECORD_SPECS}


@pytest.mark.parametrize("spec", RECORD_SPECS, ids=lambda spec: spec.type_name)
def test_create_update_delete(org: Any, world: Any, spec: Any) -> None:
    name = spec.type_name
    before = count_rows(world, spec.model)
    created = org.data(
        f"mutation {{ create{name}(input: {VALID_INPUTS[name]}) {{ __typename "
        f"... on {name} {{ id }} ... on ValidationErrors {{ errors {{ field message }} }} }} }}"
    )[f"create{name}"]
    assert created["__typename"] == name, created
    assert count_rows(world, spec.model) == before + 1

    change, field, expected = UPDATES[name]
    updated = org.data(
        f"mutation {{ update{name}(id: {created['id']}, input: {change}) {{ __typename "
        f"... on {name} {{ {field} }} ... on ValidationErrors {{ errors {{ field message }} }} }} }}"
    )[f"update{name}"]
    assert updated == {"__typename": name, field: expected}

    deleted = org.data(f"mutation {{ delete{name}(id: {created['id']}) {{ __typename ... on Deleted {{ id }} }} }}")
    assert deleted[f"delete{name}"] == {"__typename": "Deleted", "id": created["id"]}
    assert count_rows(world, spec.model) == before


def validation_errors(org: Any, mutation: str) -> list[dict[str, str]]:
    result = next(iter(org.data(mutation).values()))
    assert result["__typename"] == "ValidationErrors", result
    return result["errors"]  # type: ignore[no-any-return]


CREATE_CADRE = (
    'mutation {{ createCadre(input: {{name: "{name}", gender: MALE, birthDate: "{birth}", idNumber: "{id_number}", '
    'workStartDate: "{work}", education: BACHELOR, rank: SECTION, managementLevel: CITY, unitId: {unit}, '
    'jurisdiction: "huzhou"}}) {{ __typename ... on ValidationErrors {{ errors {{ field message }} }} }} }}'
)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")}, "idNumber", "check digit"),
        ({"id_number": "12345"}, "idNumber", "18 characters"),
        ({"id_number": "33050219851399077X"}, "idNumber", "not a date"),
        ({"work": "1980-01-01"}, "workStartDate", "must not be before birthDate"),
        ({"unit": 99}, "unitId", "no Unit with id 99"),
        ({"name": "   "}, "name", "is required"),
        ({"name": "孙" * 65}, "name", "longer than 64"),
        ({"name": "孙\u0007悦"}, "name", "control character"),
        ({"id_number": "C1"}, "idNumber", "already registered"),
    ],
)
def test_invalid_cadre_names_the_field_and_stores_nothing(
    org: Any, world: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    from tests.world import C1_ID

    values = {"name": "孙悦", "birth": "1985-09-09", "id_number": NEW_ID, "work": "2007-08-01", "unit": 3, **overrides}
    if values["id_number"] == "C1":
        values["id_number"] = C1_ID
    before = count_rows(world, models.Cadre)
    errors = validation_errors(org, CREATE_CADRE.format(**values))
    assert any(error["field"] == field and message in error["message"] for error in errors), errors
    assert count_rows(world, models.Cadre) == before


def test_every_broken_rule_is_reported_at_once(org: Any, world: Any) -> None:
    errors = validation_errors(
        org, CREATE_CADRE.format(name="孙悦", birth="1985-09-09", id_number="1", work="1970-01-01", unit=42)
    )
    assert {error["field"] for error in errors} == {"idNumber", "workStartDate", "unitId"}


@pytest.mark.parametrize(
    ("mutation", "fragment"),
    [
        ('mutation { createUnit(input: {name: "x", jurisdiction: "huzhou"}) { __typename } }', "level"),
        (
            'mutation { createUnit(input: {name: "x", jurisdiction: "huzhou", level: PROVINCE}) { __typename } }',
            "input.level: Value 'PROVINCE' does not exist",
        ),
        ('mutation { createPost(input: {unitId: "one", title: "x", rank: SECTION, quota: 1}) { __typename } }', "input.unitId: Int cannot"),
        ('mutation { createTenure(input: {cadreId: 1, postId: 1, startDate: "2020-13-40"}) { __typename } }', "input.startDate"),
    ],
)
def test_malformed_input_is_rejected_before_execution(org: Any, world: Any, mutation: str, fragment: str) -> None:
    before = count_rows(world, models.Unit) + count_rows(world, models.Post) + count_rows(world, models.Tenure)
    body = org(mutation)
    assert body.get("data") is None
    assert fragment in body["errors"][0]["message"]
    assert count_rows(world, models.Unit) + count_rows(world, models.Post) + count_rows(world, models.Tenure) == before


@pytest.mark.parametrize(
    ("mutation", "field", "message"),
    [
        ('mutation { createTenure(input: {cadreId: 1, postId: 1, startDate: "2020-01-01", endDate: "2019-01-01"}) '
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "endDate", "must not be before startDate"),
        ('mutation { updateTenure(id: 2, input: {endDate: "2010-01-01"}) '
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "endDate", "must not be before startDate"),
        ("mutation { createSocialTie(input: {cadreId: 1, personId: 1, otherCadreId: 2, kind: CLASSMATE}) "
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "personId", "exactly one"),
        ("mutation { createSocialTie(input: {cadreId: 1, otherCadreId: 1, kind: CLASSMATE}) "
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "otherCadreId", "themselves"),
        ("mutation { createNomination(input: {selectionId: 1, nomineeId: 2, nominatorId: 2, nominatedOn: \"2026-05-05\"}) "
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "nominatorId", "themselves"),
        ('mutation { createPost(input: {unitId: 1, title: "x", rank: SECTION, quota: 1, '
         'requirements: [{dimension: "performance", weight: 0.5}]}) '
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "requirements", "sum to 1"),
        ("mutation { updateCadre(id: 1, input: {reserveTier: 4}) "
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "reserveTier", "between 1 and 3"),
        ("mutation { updateCadre(id: 1, input: {name: null}) "
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "name", "is required"),
    ],
)
def test_cross_field_rules(org: Any, mutation: str, field: str, message: str) -> None:
    errors = validation_errors(org, mutation)
    assert any(error["field"] == field and message in error["message"] for error in errors), errors


@pytest.mark.parametrize(
    ("mutation", "field", "message"),
    [
        ("mutation { updateNegativeRecord(id: 1, input: {status: CLEARED}) "
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "status", "workflow operations"),
        ('mutation { updateNegativeRecord(id: 1, input: {conclusion: "不实"}) '
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "conclusion", "workflow operations"),
        ('mutation { createNegativeRecord(input: {cadreId: 4, reportingAgency: AUDIT, category: AUDIT_FINDING, '
         'facts: "x", occurredOn: "2024-01-01", reportedOn: "2024-03-01", severity: MINOR, status: CONFIRMED}) '
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "status", "starts as REPORTED"),
        ("mutation { updateSelection(id: 1, input: {status: DECIDED}) "
         "{ __typename ... on ValidationErrors { errors { field message } } } }", "status", "workflow operations"),
    ],
)
def test_statuses_move_only_through_the_workflows(org: Any, mutation: str, field: str, message: str) -> None:
    errors = validation_errors(org, mutation)
    assert any(error["field"] == field and message in error["message"] for error in errors), errors


def test_failed_update_changes_nothing(org: Any) -> None:
    validation_errors(org, 'mutation { updateCadre(id: 1, input: {name: "新名字", reserveTier: 9}) '
                           "{ __typename ... on ValidationErrors { errors { field message } } } }")
    assert org.data("{ cadre(id: 1) { name reserveTier version } }")["cadre"] == {
        "name": "王建国", "reserveTier": None, "version": 1,
    }


def test_update_of_missing_record_is_not_found(org: Any) -> None:
    result = org.data('mutation { updateUnit(id: 999, input: {name: "x"}) { __typename ... on NotFound { message } } }')
    assert result["updateUnit"] == {"__typename": "NotFound", "message": "no Unit with id 999 is visible to you"}


def test_stale_version_is_refused(org: Any) -> None:
    first = org.data('mutation { updateCadre(id: 2, input: {nativePlace: "浙江德清"}, expectedVersion: 1) '
                     "{ __typename ... on Cadre { version } } }")
    assert first["updateCadre"] == {"__typename": "Cadre", "version": 2}
    second = org.data('mutation { updateCadre(id: 2, input: {nativePlace: "浙江长兴"}, expectedVersion: 1) '
                      "{ __typename ... on VersionConflict { currentVersion } } }")
    assert second["updateCadre"] == {"__typename": "VersionConflict", "currentVersion": 2}
    assert org.data("{ cadre(id: 2) { nativePlace } }")["cadre"]["nativePlace"] == "浙江德清"


def test_names_are_normalized_to_nfc_and_stored_verbatim_otherwise(org: Any) -> None:
    decomposed = "Zoe\u0301 O'Brien; DROP TABLE cadre;--"
    result = org.data(f'mutation {{ updatePerson(id: 3, input: {{name: "{decomposed}"}}) {{ ... on Person {{ name }} }} }}')
    assert result["updatePerson"]["name"] == "Zoé O'Brien; DROP TABLE cadre;--"
