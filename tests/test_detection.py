"""Detection runs over the known world, on a real local Neo4j and the test database (SQLite, and PostgreSQL when
configured): every rule's finding becomes one alert, found again it stays one, changed evidence reopens it; the
nominee tied to the first nominator through a classmate or a relative is found and is a screening reason; alerts are
read and worked by the agencies the policy names, audited, and escalated to cases."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from graph_sync.driver import open_driver
from graph_sync.sync import apply_pending
from hub import models
from hub.core.rule_catalogue import catalogue
from hub.db import transaction
from hub.models import enums as E
from hub.models.enums import AlertStatus
from hub.models.workflow import JointReview, ReviewAnswer, ReviewStatus, ReviewVerdict
from hub.services.detection.detectors import PER_CADRE
from hub.services.detection.runner import RunSummary, run_full, run_incremental
from hub.services.detection.schedule import DetectionSchedule
from hub.sessions import make_session_factory
from hub.settings import Settings
from tests.graph_world import project_world

pytestmark = pytest.mark.neo4j

AS_OF = date(2026, 6, 1)
ALERT = ("id rule subject status evidence timesReopened assigneeUser cadre { id } "
         "citation { code name nameEn regulation severity reveals }")
RESULT = "... on WrongState { message currentState } ... on NotAllowed { message } ... on ValidationErrors { errors { field message } }"


@pytest.fixture
def graph(world: Engine, settings: Settings, neo4j_settings: Settings) -> Iterator[Driver]:
    driver = open_driver(project_world(world, settings, neo4j_settings))
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def sessions(world: Engine) -> sessionmaker[Session]:
    return make_session_factory(world)


def detect(sessions: sessionmaker[Session], graph: Driver) -> RunSummary:
    return run_full(sessions, graph, AS_OF, batch_size=2)  # several batches even in the small world


def alerts(sessions: sessionmaker[Session], rule: str | None = None) -> list[models.DetectionAlert]:
    with sessions() as session:
        statement = select(models.DetectionAlert).order_by(models.DetectionAlert.id)
        if rule is not None:
            statement = statement.where(models.DetectionAlert.rule == rule)
        return list(session.scalars(statement))


def change(sessions: sessionmaker[Session], graph: Driver, *rows: Any) -> None:
    """Write rows as the hub does (through the outbox), then let the graph sync apply them."""
    with transaction(sessions) as session:
        for row in rows:
            session.merge(row) if getattr(row, "id", None) else session.add(row)
    apply_pending(sessions, graph)


TIES = {
    # The nominee (cadre 2) and the nominator (cadre 4) were classmates of the same person.
    "classmate": lambda: [
        models.SocialTie(id=10, cadre_id=2, person_id=3, kind=E.TieKind.CLASSMATE, source="档案"),
        models.SocialTie(id=11, cadre_id=4, person_id=3, kind=E.TieKind.CLASSMATE, source="档案"),
    ],
    # The nominee's sister is the nominator's wife.
    "relative": lambda: [
        models.Person(id=5, name="李娟", gender=E.Gender.FEMALE, occupation="会计", jurisdiction="huzhou"),
        models.Kinship(id=10, cadre_id=2, person_id=5, kind=E.KinshipKind.SIBLING),
        models.Kinship(id=11, cadre_id=4, person_id=5, kind=E.KinshipKind.SPOUSE),
    ],
}


@pytest.mark.parametrize("tie", sorted(TIES))
def test_a_nominee_tied_to_the_nominator_through_a_classmate_or_a_relative(
    sessions: sessionmaker[Session], graph: Driver, as_agency: Any, tie: str,
) -> None:
    org = as_agency("org")
    screening = ("{ screenNominees(cadreIds: [2], postId: 1) { results { cadre { id } reasons { rule "
                 "nomination { id } citation { code regulation } } } } }")

    def tied_reasons() -> list[dict[str, Any]]:
        results = org.data(screening)["screenNominees"]["results"]
        return [r for r in results[0]["reasons"] if r["rule"] == "nominee_tied_to_nominator"]

    detect(sessions, graph)
    assert alerts(sessions, "nominator_tie") == [] and tied_reasons() == [], "no tie yet"

    change(sessions, graph, *TIES[tie]())
    detect(sessions, graph)
    [alert] = alerts(sessions, "nominator_tie")
    via = "person:3" if tie == "classmate" else "person:5"
    assert alert.subject == "nomination:1" and alert.cadre_id == 2
    assert alert.evidence["path"] == ["cadre:2", via, "cadre:4"]
    assert alert.evidence["nominator"] == "cadre:4" and alert.evidence["selection"] == 1
    [reason] = tied_reasons()
    assert reason["nomination"] == {"id": 1}
    assert reason["citation"]["code"] == "nominee_tied_to_nominator" and reason["citation"]["regulation"].startswith("《")


def test_an_alert_found_twice_stays_one_and_changed_evidence_reopens_it(
    sessions: sessionmaker[Session], graph: Driver, as_agency: Any,
) -> None:
    first = detect(sessions, graph)
    found = alerts(sessions)
    assert first.recorded.created == len(found) > 0
    conflicts = {alert.subject: alert for alert in alerts(sessions, "relative_business_supplies_unit")}
    assert sorted(conflicts) == ["cadre:1/person:1/org:1/unit:1/post:1", "cadre:1/person:3/org:1/unit:1/post:1"]
    conflict = conflicts["cadre:1/person:1/org:1/unit:1/post:1"]  # the spouse's company; the classmate directs it
    assert conflict.evidence["routes"][0]["windowStart"] == "2023-05-20"

    again = detect(sessions, graph)
    assert again.recorded.created == 0 and again.recorded.seen == len(found)
    assert [(a.id, a.fingerprint) for a in alerts(sessions)] == [(a.id, a.fingerprint) for a in found]

    inspector = as_agency("inspector")
    dismissed = inspector.data(f'mutation {{ dismissAlerts(alertIds: [{conflict.id}], reason: "合同已终止") '
                               f"{{ __typename ... on DetectionAlertsChanged {{ alerts {{ id status note }} }} {RESULT} }} }}")
    assert dismissed["dismissAlerts"]["alerts"] == [{"id": conflict.id, "status": "DISMISSED", "note": "合同已终止"}]

    # The contract turns out to have run until 2025: the same conflict, other evidence. The incremental run after the
    # sync looks only at the cadres around what changed, and reopens the alert.
    change(sessions, graph, models.SupplyContract(id=1, organization_id=1, unit_id=1, subject="办公楼装修材料",
                                                  amount=1, signed_on=date(2023, 5, 20), end_date=date(2025, 12, 31)))
    incremental = run_incremental(sessions, graph, AS_OF)
    assert incremental.run is not None and incremental.cadre_ids == {1, 2}, incremental.cadre_ids
    reopened = {alert.subject: alert for alert in alerts(sessions, "relative_business_supplies_unit")}[conflict.subject]
    assert reopened.id == conflict.id and reopened.status is AlertStatus.REOPENED and reopened.times_reopened == 1
    assert reopened.evidence["routes"][0]["windowEnd"] == "2025-12-31"
    assert len(alerts(sessions)) == len(found), "no second alert for the same subject"
    assert run_incremental(sessions, graph, AS_OF).run is None, "nothing changed since"


def test_an_alert_whose_evidence_goes_lapses_unless_handled_and_comes_back_reopened(
    sessions: sessionmaker[Session], graph: Driver, as_agency: Any,
) -> None:
    detect(sessions, graph)
    conflicts = {alert.subject: alert for alert in alerts(sessions, "relative_business_supplies_unit")}
    spouse, classmate = conflicts["cadre:1/person:1/org:1/unit:1/post:1"], conflicts["cadre:1/person:3/org:1/unit:1/post:1"]
    as_agency("inspector").data(f'mutation {{ dismissAlerts(alertIds: [{classmate.id}], reason: "同学关系已核实") '
                                f"{{ __typename }} }}")
    others = {alert.id: alert.status for alert in alerts(sessions) if alert.rule != "relative_business_supplies_unit"}

    # Without the graph, the graph's rules are not run: their alerts do not lapse.
    run_full(sessions, None, AS_OF, batch_size=2)
    assert {a.id: a.status for a in alerts(sessions, "relative_business_supplies_unit")} == {
        spouse.id: AlertStatus.NEW, classmate.id: AlertStatus.DISMISSED}

    # The contract was entered by mistake and is deleted: no conflict any more. The dismissed alert keeps its decision.
    with transaction(sessions) as session:
        row = session.get(models.SupplyContract, 1)
        assert row is not None
        contract = {column.key: getattr(row, column.key) for column in models.SupplyContract.__table__.columns}
        session.delete(row)
    apply_pending(sessions, graph)
    summary = run_incremental(sessions, graph, AS_OF)
    assert summary.run is not None and summary.run.recorded.lapsed == 1
    after = {a.id: a for a in alerts(sessions, "relative_business_supplies_unit")}
    assert (after[spouse.id].status, after[classmate.id].status) == (AlertStatus.LAPSED, AlertStatus.DISMISSED)
    assert after[spouse.id].evidence == spouse.evidence, "the evidence it had is kept"
    assert {alert.id: alert.status for alert in alerts(sessions) if alert.id in others} == others, "only what went"
    lapsed = as_agency("inspector").data('{ detectionAlerts(status: [LAPSED]) { edges { node { id status } } } }')
    assert lapsed["detectionAlerts"]["edges"] == [{"node": {"id": spouse.id, "status": "LAPSED"}}]

    change(sessions, graph, models.SupplyContract(**contract))  # entered again
    run_incremental(sessions, graph, AS_OF)
    back = {a.id: a for a in alerts(sessions, "relative_business_supplies_unit")}[spouse.id]
    assert (back.status, back.times_reopened, back.fingerprint) == (AlertStatus.REOPENED, 1, spouse.fingerprint)
    assert len(alerts(sessions, "relative_business_supplies_unit")) == 2, "the same alert, not a new one"


def _every_kind(sessions: sessionmaker[Session], graph: Driver) -> None:
    """Rows that make every detection rule fire in the known world (some fire already)."""
    change(sessions, graph,
           *TIES["classmate"](),
           models.Kinship(id=12, cadre_id=2, person_id=1, kind=E.KinshipKind.SIBLING_IN_LAW),  # kin in one unit
           models.Tenure(id=6, cadre_id=4, post_id=1, start_date=date(2026, 2, 1)),  # post 1 over its quota of one
           models.RectificationItem(id=1, action_id=1, description="清退兼职报酬", due_on=date(2026, 3, 1)),
           # Cadre 3 was appointed in 2024 by a decided selection; his record is confirmed now.
           models.Selection(id=2, post_id=3, opened_on=date(2024, 1, 1), status=E.SelectionStatus.DECIDED),
           models.Nomination(id=2, selection_id=2, nominee_id=3, nominator_id=1, nominated_on=date(2024, 1, 5)),
           models.Tenure(id=7, cadre_id=3, post_id=3, start_date=date(2024, 4, 1)),
           models.Decision(id=1, agency="org", user="考察组-钱", action="startInspection", subject="Selection",
                           subject_id=2, cadre_id=None, from_state="open", to_state="inspecting"),
           JointReview(id=1, candidate_id=3, post_id=3, selection_id=2, deadline=date(2024, 2, 1),
                       status=ReviewStatus.OPEN, opened_by="org", opened_by_user="o1", opened_on=date(2024, 1, 10)),
           )
    with transaction(sessions) as session:
        session.add(ReviewAnswer(review_id=1, agency="discipline", verdict=ReviewVerdict.NORMAL,
                                 findings="未发现问题", answered_by_user="d1"))
        record = session.get(models.NegativeRecord, 3)
        assert record is not None
        record.status = E.NegativeStatus.CONFIRMED


def test_a_rules_citation_is_present_on_every_finding_kind(
    sessions: sessionmaker[Session], graph: Driver, as_agency: Any,
) -> None:
    _every_kind(sessions, graph)
    summary = detect(sessions, graph)
    detection_rules = {code for code, rule in catalogue().items() if rule.kind == "detection"}
    assert set(summary.by_rule) == detection_rules, detection_rules ^ set(summary.by_rule)
    declared = frozenset().union(*(detector.rules for detector in PER_CADRE))
    assert declared | {"post_over_quota"} == detection_rules, "each per-cadre rule is a detector's to lapse"
    again = detect(sessions, graph)  # batches of two cadres: each detector finds again all that holds in each
    assert (again.recorded.created, again.recorded.lapsed, again.recorded.seen) == (0, 0, summary.recorded.created)

    inspector = as_agency("inspector")
    page = inspector.data(f"{{ detectionAlerts(first: 100) {{ totalCount edges {{ node {{ {ALERT} }} }} }} }}")
    nodes = [edge["node"] for edge in page["detectionAlerts"]["edges"]]
    assert {node["rule"] for node in nodes} == detection_rules
    for node in nodes:
        assert node["citation"]["code"] == node["rule"] and node["citation"]["regulation"].startswith("《"), node
        assert node["citation"]["name"] and node["citation"]["reveals"]

    [bad] = [node for node in nodes if node["rule"] == "bad_appointment_accountability"]
    evidence = bad["evidence"]
    assert (evidence["selection"], evidence["firstNominator"], evidence["negativeRecord"]) == (
        "selection:2", "cadre:1", "negative_record:3")
    assert evidence["inspection"] == [{"agency": "org", "user": "考察组-钱", "on": evidence["inspection"][0]["on"]}]
    assert evidence["disciplineOpinion"] == {"verdict": "normal", "findings": "未发现问题", "user": "d1"}
    [kin] = [node for node in nodes if node["rule"] == "kin_in_same_unit"]
    assert kin["evidence"]["cadres"] == ["cadre:1", "cadre:2"] and kin["evidence"]["relation"] == "same_unit"

    filtered = inspector.data('{ detectionAlerts(rule: "paid_part_time_post", status: [NEW], cadreId: 2) '
                              "{ totalCount edges { node { rule cadre { id } } } } }")["detectionAlerts"]
    assert filtered["totalCount"] == 1 and filtered["edges"][0]["node"] == {"rule": "paid_part_time_post", "cadre": {"id": 2}}


def test_police_see_no_alerts_and_the_organization_department_only_reads_them(
    sessions: sessionmaker[Session], graph: Driver, as_agency: Any,
) -> None:
    detect(sessions, graph)
    police = as_agency("police")
    refused = police("{ detectionAlerts { totalCount } }")
    assert refused["errors"][0]["message"].startswith("Cannot query field 'detectionAlerts'")
    refused = police("mutation { acknowledgeAlerts(alertIds: [1]) { __typename } }")
    assert "Cannot query field 'acknowledgeAlerts'" in refused["errors"][0]["message"]

    org = as_agency("org")
    seen = org.data("{ detectionAlerts { totalCount edges { node { rule cadre { id } } } } }")["detectionAlerts"]
    assert seen["totalCount"] > 0
    assert {edge["node"]["cadre"]["id"] for edge in seen["edges"] if edge["node"]["cadre"]} <= {1, 2, 4}, \
        "org sees the city-managed cadres' alerts only"
    refused = org("mutation { acknowledgeAlerts(alertIds: [1]) { __typename } }")
    assert "Cannot query field 'acknowledgeAlerts'" in refused["errors"][0]["message"]


def test_reading_an_alert_is_audited_and_a_case_opened_from_alerts_links_them(
    sessions: sessionmaker[Session], graph: Driver, as_agency: Any, world: Engine,
) -> None:
    change(sessions, graph, *TIES["relative"]())
    detect(sessions, graph)
    [tie] = alerts(sessions, "nominator_tie")
    [paid] = alerts(sessions, "paid_part_time_post")
    inspector = as_agency("inspector", user="i1")
    inspector.data('{ detectionAlerts(rule: "nominator_tie") { edges { node { id } } } }')
    with Session(world) as session:
        entry = session.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id.desc())).first()
    assert entry is not None and {2, 4} <= set(entry.cadre_ids or []), "the nominee and the nominator its evidence names"

    assigned = inspector.data(f'mutation {{ assignAlerts(alertIds: [{tie.id}, {paid.id}], assignee: "i2") '
                              "{ __typename ... on DetectionAlertsChanged { alerts { assigneeUser } } } }")
    assert [a["assigneeUser"] for a in assigned["assignAlerts"]["alerts"]] == ["i2", "i2"]
    opened = inspector.data(f'mutation {{ openCaseFromAlerts(number: "XC-2026-0077", title: "首推人与被提名人关系", '
                            f"alertIds: [{tie.id}, {paid.id}]) {{ __typename ... on Case {{ id number }} {RESULT} }} }}")
    assert opened["openCaseFromAlerts"]["__typename"] == "Case", opened
    inspector.purpose = "XC-2026-0077"
    case = inspector.data('{ case(number: "XC-2026-0077") { links { cadre { id } alert { id status rule } } '
                          "history { action detail } } }")["case"]
    assert {link["alert"]["id"] for link in case["links"] if link["alert"]} == {tie.id, paid.id}
    assert {link["alert"]["status"] for link in case["links"] if link["alert"]} == {"ESCALATED"}
    assert {link["cadre"]["id"] for link in case["links"] if link["cadre"]} == {2}
    assert [event["action"] for event in case["history"]] == ["openCaseFromAlerts", "linkToCase"]
    again = inspector.data(f"mutation {{ acknowledgeAlerts(alertIds: [{tie.id}]) {{ __typename {RESULT} }} }}")
    assert again["acknowledgeAlerts"]["__typename"] == "WrongState", "an escalated alert is the case's now"


def test_the_schedule_runs_on_one_process_only(world: Engine, settings: Settings, neo4j_settings: Settings) -> None:
    """Two schedules on one database (as two hub processes would run them): one leads and runs the rules, the other
    stands by; when the leader stops, the other takes over. A full run first, then incremental ones."""
    app_settings = project_world(world, settings, neo4j_settings)
    sessions = make_session_factory(world)
    schedules = [DetectionSchedule(app_settings, sessions, interval=0.2, full_every=3600.0) for _ in range(2)]
    for schedule in schedules:
        schedule.start()
    try:
        wait_for(lambda: any(schedule.runs >= 3 for schedule in schedules), 90, "three runs of the leader")
        [leader] = [schedule for schedule in schedules if schedule.leader]
        [standby] = [schedule for schedule in schedules if schedule is not leader]
        assert standby.runs == 0 and leader.last_error is None, leader.last_error
        with sessions() as session:
            checkpoint = session.get(models.DetectionCheckpoint, 1)
            assert checkpoint is not None and checkpoint.last_full_run_at is not None
        assert alerts(sessions), "the full run found the known world's alerts"
        leader.stop()
        wait_for(lambda: standby.leader and standby.runs >= 1, 30, "the standby to take over")
        assert standby.last_error is None, standby.last_error
    finally:
        for schedule in schedules:
            schedule.stop()


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def test_hub_detect_run_reports_what_each_rule_found(world: Engine, settings: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`hub detect run --no-graph` on the known world: the relational rules, a table of findings, alerts written."""
    from typer.testing import CliRunner

    from hub.cli import app

    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_VAR_DIR", str(settings.var_dir))
    result = CliRunner().invoke(app, ["detect", "run", "--no-graph", "--as-of", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "paid_part_time_post" in result.output and "long_tenure" in result.output
    assert "4 cadres" in result.output
    rules_found = {alert.rule for alert in alerts(make_session_factory(world))}
    assert {"paid_part_time_post", "unapproved_part_time_post", "long_tenure", "overdue_inquiry_reply"} <= rules_found
    again = CliRunner().invoke(app, ["detect", "run", "--no-graph", "--as-of", "2026-06-01"])
    assert "0 new alerts" in again.output, again.output


def test_two_served_hubs_with_the_schedule_on_run_it_once(world: Engine, settings: Settings, neo4j_settings: Settings,
                                                          policy_store: Any) -> None:
    """`HUB_DETECT_INTERVAL_SECONDS` set: each hub starts the schedule, one leads it, `/readyz` says which."""
    from contextlib import ExitStack

    from starlette.testclient import TestClient

    from hub.app import create_app
    from tests.conftest import LOCAL_OPERATOR

    hub_settings = dataclasses.replace(project_world(world, settings, neo4j_settings), detect_interval_seconds=0.2)
    with ExitStack() as hubs:
        clients = [hubs.enter_context(TestClient(create_app(hub_settings, policies=policy_store), client=LOCAL_OPERATOR))
                   for _ in range(2)]
        wait_for(lambda: alerts(make_session_factory(world)), 90, "the schedule's first run")
        states = [client.get("/readyz").json()["detection"] for client in clients]
        assert sorted(state["leader"] for state in states) == [False, True], states
        assert [state["runs"] for state in states if not state["leader"]] == [0]
