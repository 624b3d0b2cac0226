"""A cadre's and a person's timeline over HTTP: every dated event in order, cut per agency exactly as the record
fields are (types, the fields that date them, row scopes), masked values masked, cases only under their number."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from hub import models
from hub.app import create_app
from hub.settings import Settings
from policies.enforcement import PolicyStore
from schema.build import build_full_schema
from tests.conftest import Caller

EVENT = "kind recordType recordId start end reportedOn source title"


@pytest.fixture
def dated_world(world: Engine) -> Engine:
    """The hand-made world with the evidence dated: a marriage, a relative's role, a tie."""
    with Session(world) as session:
        session.execute(update(models.Kinship).where(models.Kinship.id == 1).values(
            start_date=date(1996, 10, 1), source="婚姻登记", reported_on=date(1997, 1, 15)))
        session.execute(update(models.OrganizationRole).where(models.OrganizationRole.id == 1).values(
            start_date=date(2016, 3, 1), source="市场监管局", reported_on=date(2016, 4, 1)))
        session.execute(update(models.SocialTie).where(models.SocialTie.id == 1).values(start_date=date(1988, 9, 1)))
        session.commit()
    return world


def _timeline(caller: Any, cadre_id: int = 1) -> list[dict[str, Any]]:
    cadre = caller.data(f"{{ cadre(id: {cadre_id}) {{ timeline {{ {EVENT} }} }} }}")["cadre"]
    return cadre["timeline"]  # type: ignore[no-any-return]


def _kinds(events: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(event["kind"], event["start"], event["title"]) for event in events]


def test_the_organization_department_sees_every_dated_event_in_order(dated_world: Engine, as_agency: Any) -> None:
    events = _timeline(as_agency("org"))
    assert _kinds(events) == [
        ("SOCIAL_TIE", "1988-09-01", "CLASSMATE"),
        ("KINSHIP", "1996-10-01", "SPOUSE"),
        ("TENURE", "2008-01-01", "副局长"),
        ("TENURE", "2015-01-01", "局长"),
        ("RELATIVE_ORGANIZATION_ROLE", "2016-03-01", "OWNER"),
        ("NEGATIVE_RECORD", "2023-03-03", "PUBLIC_ORDER"),
        ("SUPPLY_CONTRACT", "2023-05-20", "办公楼装修材料"),
        ("NEGATIVE_RECORD", "2024-05-05", "PETITION_REPORT"),
        ("PERSONAL_MATTERS_REPORT", "2026-01-20", "2025"),
        ("REPORT_VERIFIED", "2026-03-01", "2025"),
    ]
    marriage = events[1]
    assert marriage == {"kind": "KINSHIP", "recordType": "Relative", "recordId": 1, "start": "1996-10-01", "end": None,
                        "reportedOn": "1997-01-15", "source": "婚姻登记", "title": "SPOUSE"}
    assert events[0]["end"] is None and events[2]["end"] == "2014-12-31"
    assert events[5]["source"] == "police" and events[5]["reportedOn"] == "2023-04-01"


def test_the_police_see_no_relatives_events_and_only_their_own_reports(dated_world: Engine, as_agency: Any) -> None:
    events = _timeline(as_agency("police"))
    assert _kinds(events) == [
        ("TENURE", "2008-01-01", "副局长"),
        ("TENURE", "2015-01-01", "局长"),
        ("NEGATIVE_RECORD", "2023-03-03", "PUBLIC_ORDER"),
    ]
    assert as_agency("police")("{ cadre(id: 1) { relatives { kind } } }")["errors"], "the same cut as the field"


def test_a_cadre_outside_the_scope_has_no_timeline_and_pages_batch_the_same_events(
    dated_world: Engine, as_agency: Any,
) -> None:
    county_police = as_agency("police", jurisdiction="wuxing", level="county")
    assert county_police.data("{ cadre(id: 1) { timeline { kind } } }")["cadre"] is None
    org = as_agency("org")
    page = org.data(f"{{ cadres(first: 10) {{ edges {{ node {{ id timeline {{ {EVENT} }} }} }} }} }}")["cadres"]["edges"]
    assert {edge["node"]["id"] for edge in page} == {1, 2, 4}, "org's scope: the city's cadres"
    for edge in page:
        assert edge["node"]["timeline"] == _timeline(org, edge["node"]["id"])
    cadre_two = _kinds(_timeline(org, 2))
    assert ("PART_TIME_POSITION", "2021-01-01", "副会长") in cadre_two
    assert ("SUPERVISION_ACTION", "2026-01-05", "INQUIRY_LETTER") in cadre_two
    assert ("NOMINATION", "2026-05-03", None) in cadre_two


def test_masked_values_stay_masked_and_unreadable_ones_are_absent(
    dated_world: Engine, settings: Settings, policy_dir: Path,
) -> None:
    with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
        policy.write("p, inspector, Relative.source, read, deny\n"
                     "p, inspector, Relative.source, read_masked, allow\n"
                     "p, inspector, Relative.reportedOn, read, deny\n"
                     "p, inspector, OrganizationRole.startDate, read, deny\n")
    store = PolicyStore(build_full_schema(), policy_dir)
    with TestClient(create_app(settings, policies=store)) as client:
        inspector = Caller(client, settings, "inspector")
        events = _timeline(inspector)
        relatives = inspector.data("{ cadre(id: 1) { relatives { id source } } }")["cadre"]["relatives"]
    marriage = next(event for event in events if event["kind"] == "KINSHIP")
    shown_source = next(relative["source"] for relative in relatives if relative["id"] == 1)
    assert marriage["source"] == shown_source == "****", "masked exactly as the field itself"
    assert marriage["reportedOn"] is None, "a field the agency may not read is not shown"
    assert "RELATIVE_ORGANIZATION_ROLE" not in {event["kind"] for event in events}, "its dating field is not readable"
    assert ("SOCIAL_TIE", "1988-09-01", "CLASSMATE") in _kinds(events)


def test_a_case_shows_only_under_its_number_and_a_person_has_a_timeline(dated_world: Engine, as_agency: Any) -> None:
    inspector = as_agency("inspector")
    inspector.purpose = "线索核查"
    opened = inspector.data('mutation { openCase(number: "XC-2026-0077", title: "线索") { ... on Case { id } } }')
    inspector.purpose = "XC-2026-0077"
    inspector.data(f"mutation {{ linkToCase(caseId: {opened['openCase']['id']}, cadreId: 1) {{ __typename }} }}")
    assert "CASE" in {event["kind"] for event in _timeline(inspector)}
    case = next(event for event in _timeline(inspector) if event["kind"] == "CASE")
    assert case["title"] == "XC-2026-0077" and case["start"] == date.today().isoformat()
    inspector.purpose = "线索核查"
    assert "CASE" not in {event["kind"] for event in _timeline(inspector)}
    assert "CASE" not in {event["kind"] for event in _timeline(as_agency("org"))}, "org reads outcomes, not links"
    person = inspector.data(f"{{ person(id: 1) {{ timeline {{ {EVENT} }} }} }}")["person"]["timeline"]
    assert _kinds(person) == [("KINSHIP", "1996-10-01", "SPOUSE"), ("ORGANIZATION_ROLE", "2016-03-01", "OWNER")]
