"""Saved investigations over HTTP: the investigator's drawing saved to a case, listed and opened by the same agency
only, every opening audited with the case number as its purpose and the drawn cadres named."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from hub import models
from hub.app import create_app
from hub.settings import Settings
from tests.conftest import Caller
from tests.test_cases import NUMBER, _open

SUBGRAPH = {
    "nodes": [{"id": "cadre:1", "kind": "cadre", "name": "王建国"}, {"id": "post:1", "kind": "post", "name": "局长"}],
    "edges": [{"id": "edge:tenure:1", "kind": "HOLDS", "source": "cadre:1", "target": "post:1"}],
    "root": ["cadre:1"],
}
LAYOUT = {"cadre:1": {"x": 10, "y": 20}, "post:1": {"x": 110, "y": 20}}
SAVE = """mutation($input: InvestigationInput!) { saveInvestigation(input: $input) { id caseNumber title author } }"""
LIST = "{ investigations { id caseNumber title author } }"
OPEN = "query($id: Int!) { openInvestigation(id: $id) { caseNumber title notes subgraph layout } }"


def _save(caller: Any, **overrides: Any) -> Any:
    variables = {"input": {"caseNumber": NUMBER, "title": "配偶企业", "notes": "合同与任职重叠", "subgraph": SUBGRAPH,
                           "layout": LAYOUT, **overrides}}
    return caller(SAVE, variables)


def test_an_investigation_is_saved_to_a_case_and_opened_by_the_agency(world: Any, as_agency: Any) -> None:
    author, colleague = as_agency("inspector", user="i1"), as_agency("inspector", user="i2")
    _open(author)
    saved = _save(author)["data"]["saveInvestigation"]
    assert (saved["caseNumber"], saved["author"]) == (NUMBER, "i1")
    colleague.purpose = "线索核查"
    assert colleague.data(LIST)["investigations"] == [{**saved}]
    colleague.purpose = NUMBER
    opened = colleague.data(OPEN, {"id": saved["id"]})["openInvestigation"]
    assert opened["subgraph"] == SUBGRAPH and opened["layout"] == LAYOUT and opened["notes"] == "合同与任职重叠"
    with Session(world) as session:
        entry = session.scalars(select(models.AuditEntry).where(models.AuditEntry.user == "i2")
                                .order_by(models.AuditEntry.id.desc())).first()
    assert entry is not None and entry.purpose == NUMBER and 1 in entry.cadre_ids
    assert "Query.openInvestigation" in entry.fields


def test_opening_or_saving_needs_the_case_number_as_the_purpose(world: Any, as_agency: Any) -> None:
    inspector = as_agency("inspector")
    _open(inspector)
    saved = _save(inspector)["data"]["saveInvestigation"]
    inspector.purpose = "线索核查"
    refused = inspector(OPEN, {"id": saved["id"]})
    assert refused["data"]["openInvestigation"] is None and refused["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert _save(inspector)["errors"][0]["extensions"]["code"] == "BAD_INPUT"


def test_another_agency_neither_lists_nor_opens_it(world: Any, as_agency: Any) -> None:
    inspector, discipline, org = as_agency("inspector"), as_agency("discipline"), as_agency("org")
    _open(inspector)
    saved = _save(inspector)["data"]["saveInvestigation"]
    discipline.purpose = NUMBER
    answer = discipline(OPEN, {"id": saved["id"]})
    assert "errors" in answer and "openInvestigation" in answer["errors"][0]["message"], "no policy line: no field"
    org.purpose = NUMBER
    assert "errors" in org(OPEN, {"id": saved["id"]}) and "errors" in org(LIST), "denied to the Organization Department"



def test_a_colleague_with_a_narrower_scope_opens_only_what_it_may_see(
    world: Any, settings: Settings, policy_dir: Path,
) -> None:
    """The commission's city and county staff share investigations; a county colleague opens one drawn by the city
    without the city-managed cadre, its edges and its place in the layout."""
    with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
        policy.writelines(f"p, discipline, {line}\n" for line in (
            "Query.investigations, read, allow", "Query.openInvestigation, read, allow",
            "InvestigationSummary.*, read, allow", "SavedInvestigation.*, read, allow",
            "Mutation.saveInvestigation, write, allow",
        ))
    with TestClient(create_app(dataclasses.replace(settings, policy_dir=policy_dir))) as client:
        city = Caller(client, settings, "discipline", user="d1", jurisdiction="huzhou", level="city")
        county = Caller(client, settings, "discipline", user="d2", jurisdiction="wuxing", level="county")
        _open(city)
        saved = _save(city)["data"]["saveInvestigation"]
        city.purpose = county.purpose = NUMBER
        assert city.data(OPEN, {"id": saved["id"]})["openInvestigation"]["subgraph"] == SUBGRAPH
        opened = county.data(OPEN, {"id": saved["id"]})["openInvestigation"]
    assert [node["id"] for node in opened["subgraph"]["nodes"]] == ["post:1"]
    assert opened["subgraph"]["edges"] == [] and opened["subgraph"]["root"] == [] and opened["layout"] == {
        "post:1": LAYOUT["post:1"]}
    with Session(world) as session:
        entry = session.scalars(select(models.AuditEntry).where(models.AuditEntry.user == "d2")
                                .order_by(models.AuditEntry.id.desc())).first()
    assert entry is not None and 1 not in entry.cadre_ids
