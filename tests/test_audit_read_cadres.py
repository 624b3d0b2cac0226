"""Every read that carries a cadre's data names that cadre in its audit entry, whatever row type carried it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub import models
from hub.models import enums as E
from hub.models import workflow as wf
from tests.conftest import Caller
from tests.test_graph_api import NETWORK, graph_app  # noqa: F401  (the fixture, for the graph read)


def last_read(engine: Engine, agency: str) -> list[int]:
    """The cadre ids of the agency's latest read entry."""
    with Session(engine) as session:
        entry = session.scalars(
            select(models.AuditEntry)
            .where(models.AuditEntry.agency == agency, models.AuditEntry.operation == "query")
            .order_by(models.AuditEntry.id.desc())
        ).first()
    assert entry is not None, f"no read by {agency} was audited"
    return sorted(entry.cadre_ids)


@pytest.fixture
def reviewed(world: Engine) -> Engine:
    """A joint review of cadre 2 with police findings and its ledger entry; a verified personal matters report
    of cadre 1 with one gap; a rectification order for cadre 2 with one item."""
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with Session(world) as session, session.begin():
        session.add(wf.JointReview(
            id=1, candidate_id=2, post_id=1, selection_id=1, deadline=date(2026, 7, 1), opened_by="org",
            opened_by_user="org-tester", opened_on=date(2026, 6, 1),
        ))
        session.add(wf.MattersVerification(
            id=1, report_id=1, verified_on=date(2026, 3, 1), outcome=E.MatterFinding.CONCEALMENT,
            follow_up=wf.FollowUp.ADMONISHMENT, decided_by="org", decided_by_user="org-tester",
        ))
        session.add(models.SupervisionAction(
            id=2, cadre_id=2, kind=E.SupervisionKind.RECTIFICATION, issued_by="org",
            issued_on=date(2026, 2, 1), due_on=date(2026, 4, 1), reason="整改",
        ))
        session.flush()
        session.add_all([
            wf.ReviewAnswer(review_id=1, agency="police", verdict=wf.ReviewVerdict.ABNORMAL,
                            findings="涉嫌违法", answered_at=now, answered_by_user="police-tester"),
            wf.Decision(agency="org", user="org-tester", action="open_joint_review", subject="JointReview",
                        subject_id=1, cadre_id=2, to_state="open"),
            wf.MatterGap(verification_id=1, item_id=2, category=E.MatterCategory.BUSINESS,
                         finding=E.MatterFinding.CONCEALMENT, rule="hidden_business"),
            wf.RectificationItem(action_id=2, description="清退兼职报酬", due_on=date(2026, 3, 1)),
        ])
    return world


def test_a_joint_review_read_by_id_names_its_candidate(reviewed: Engine, as_agency: Any) -> None:
    answers = as_agency("police").data("{ jointReview(id: 1) { answers { findings } } }")["jointReview"]["answers"]
    assert answers == [{"findings": "涉嫌违法"}]
    assert last_read(reviewed, "police") == [2]


def test_the_decisions_about_a_review_name_its_candidate(reviewed: Engine, as_agency: Any) -> None:
    found = as_agency("org").data("{ decisions(subject: JOINT_REVIEW, subjectId: 1) { action } }")["decisions"]
    assert found == [{"action": "open_joint_review"}]
    assert last_read(reviewed, "org") == [2]


def test_a_list_of_persons_names_the_cadres_they_are_relatives_or_associates_of(world: Engine, as_agency: Any) -> None:
    inspector = as_agency("inspector")
    names = inspector.data("{ persons { edges { node { name } } } }")["persons"]["edges"]
    assert len(names) == 4
    assert last_read(world, "inspector") == [1, 3]  # persons 1-3 are cadre 1's, person 4 is cadre 3's


def test_a_person_read_by_id_names_their_cadre(world: Engine, as_agency: Any) -> None:
    assert as_agency("inspector").data("{ person(id: 4) { occupation } }")["person"] == {"occupation": "教师"}
    assert last_read(world, "inspector") == [3]


def test_a_matters_verification_names_the_reporting_cadre(reviewed: Engine, as_agency: Any) -> None:
    found = as_agency("org").data("{ mattersVerification(reportId: 1) { outcome gaps { rule } } }")
    assert found["mattersVerification"]["gaps"] == [{"rule": "hidden_business"}]
    assert last_read(reviewed, "org") == [1]


def test_rectification_items_name_the_cadre_ordered_to_rectify(reviewed: Engine, as_agency: Any) -> None:
    found = as_agency("org").data("{ rectificationItems(actionId: 2) { description } }")["rectificationItems"]
    assert found == [{"description": "清退兼职报酬"}]
    assert last_read(reviewed, "org") == [2]


def test_a_fit_ranking_names_nominee_and_nominator(world: Engine, as_agency: Any) -> None:
    ranking = as_agency("org").data("{ rankCandidates(selectionId: 1) { candidates { rank } } }")["rankCandidates"]
    assert ranking["candidates"]
    assert last_read(world, "org") == [2, 4]


@pytest.mark.neo4j
def test_a_graph_answer_names_the_cadres_of_the_persons_in_it(graph_app: Any) -> None:
    client, app_settings = graph_app
    inspector = Caller(client, app_settings, "inspector")
    network = inspector.data(NETWORK, {"id": "org:1", "hops": 1, "kinds": ["OWNS"]})["network"]
    kinds = {node["kind"] for node in network["nodes"]}
    assert kinds == {"ORGANIZATION", "PERSON"}, network  # no cadre in the answer itself
    auditor = Caller(client, app_settings, "security")
    entries = auditor.data("{ accessAudit { edges { node { agency fields cadreIds } } } }")["accessAudit"]["edges"]
    entry = next(e["node"] for e in entries if e["node"]["agency"] == "inspector")
    assert entry["fields"] == ["Query.network"] and entry["cadreIds"] == [1]
