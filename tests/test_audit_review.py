"""The audit review over HTTP: the security officer searches the audit (user, agency, cadre, purpose, time; reads
per user per day), and `hub audit review` raises anomaly alerts for the security officer only: on an unusual reader
and never on an ordinary one, on reads outside the case or selection named as the purpose, once per entry."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hub import models
from hub.cli import app as cli_app
from hub.settings import Settings

NUMBER = "XC-2026-0042"
ALERTS = "{ auditAlerts(first: 100) { totalCount edges { node { rule severity user agency entryIds cadreIds detail " \
         "citation { code name nameEn regulation } } } } }"


@pytest.fixture
def review(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`hub audit review` on the test's database, with thresholds small enough for a handful of requests."""
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_VAR_DIR", str(settings.var_dir))
    for name, value in {"VOLUME_FLOOR": "6", "REPEAT_LOOKUPS": "5", "BULK_CADRES": "3"}.items():
        monkeypatch.setenv(f"HUB_AUDIT_{name}", value)

    def run() -> str:
        result = CliRunner().invoke(cli_app, ["audit", "review"])
        assert result.exit_code == 0, result.output
        return result.output

    return run


def _read(caller: Any, cadre_id: int) -> None:
    caller.data(f"{{ cadre(id: {cadre_id}) {{ name }} }}")


def _alerts(as_agency: Any) -> list[dict[str, Any]]:
    return [edge["node"] for edge in as_agency("security").data(ALERTS)["auditAlerts"]["edges"]]


def _entries(engine: Engine, user: str) -> list[models.AuditEntry]:
    with Session(engine) as session:
        return list(session.scalars(select(models.AuditEntry).where(models.AuditEntry.user == user)
                                    .order_by(models.AuditEntry.id)))


def test_an_unusual_reader_is_flagged_and_an_ordinary_one_is_not(world: Engine, as_agency: Any, review: Any) -> None:
    ordinary = as_agency("police", user="p-ordinary")
    for cadre_id in (2, 2, 4):
        _read(ordinary, cadre_id)
    snoop = as_agency("inspector", user="i-snoop")
    for _ in range(6):
        _read(snoop, 1)
    snoop.data("{ cadres(first: 10) { edges { node { name } } } }")
    assert "new alert(s)" in review()

    alerts = _alerts(as_agency)
    assert {alert["user"] for alert in alerts} == {"i-snoop"}, "the ordinary reader is not flagged"
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for alert in alerts:
        by_rule.setdefault(alert["rule"], []).append(alert)
    snoop_entries = [entry.id for entry in _entries(world, "i-snoop")]
    assert set(by_rule) == {"audit_repeated_lookup", "audit_volume_spike", "audit_bulk_export", "audit_senior_cadre"}
    assert [(a["cadreIds"], sorted(a["entryIds"])) for a in by_rule["audit_repeated_lookup"]] == [([1], snoop_entries)]
    assert sorted(by_rule["audit_volume_spike"][0]["entryIds"]) == snoop_entries
    assert by_rule["audit_bulk_export"][0]["entryIds"] == [snoop_entries[-1]]
    assert sorted(by_rule["audit_bulk_export"][0]["cadreIds"]) == [1, 2, 3, 4]
    assert len(by_rule["audit_senior_cadre"]) == 7, "every read of the 正处级 cadre 1, each naming its entry"
    assert all(alert["cadreIds"] == [1] for alert in by_rule["audit_senior_cadre"])
    citation = by_rule["audit_bulk_export"][0]["citation"]
    assert citation["code"] == "audit_bulk_export" and citation["regulation"].startswith("《")


def test_the_same_entries_never_alert_twice(world: Any, as_agency: Any, review: Any) -> None:
    snoop = as_agency("inspector", user="i-snoop")
    for _ in range(5):
        _read(snoop, 1)
    first = review()
    assert "6 new alert(s)" in first, first  # 5 senior reads + the repeated lookup
    assert "0 new alert(s)" in review()
    _read(snoop, 1)
    third = review()
    assert "1 new alert(s)" in third and "audit_senior_cadre" in third, (first, third)
    assert len(_alerts(as_agency)) == 7


def test_reads_outside_the_purposes_case_or_selection_are_flagged(world: Engine, as_agency: Any, review: Any) -> None:
    worker = as_agency("inspector", user="i-case")
    worker.purpose = "线索核查"
    case_id = worker.data(f'mutation {{ openCase(number: "{NUMBER}", title: "线索") {{ ... on Case {{ id }} }} }}')
    worker.purpose = NUMBER
    worker.data(f"mutation {{ linkToCase(caseId: {case_id['openCase']['id']}, cadreId: 3) {{ __typename }} }}")
    _read(worker, 3)  # the linked cadre
    _read(worker, 4)  # nothing ties cadre 4 to cadre 3 or to 3's spouse
    worker.purpose = "选任审查 selection 1"
    _read(worker, 2)  # the selection's nominee
    _read(worker, 3)  # not in the selection
    review()

    alerts = [alert for alert in _alerts(as_agency) if alert["rule"] == "audit_outside_purpose"]
    reads = [entry for entry in _entries(world, "i-case") if entry.operation == "query"]
    assert [(alert["entryIds"], alert["cadreIds"]) for alert in sorted(alerts, key=lambda a: a["entryIds"])] == [
        ([reads[1].id], [4]), ([reads[3].id], [3]),
    ]
    assert {alert["user"] for alert in _alerts(as_agency)} == {"i-case"}


def test_alerts_and_the_daily_counts_are_for_the_security_officer_only(world: Any, as_agency: Any, review: Any) -> None:
    for _ in range(6):
        _read(as_agency("inspector", user="i-snoop"), 1)
    review()
    assert _alerts(as_agency)
    for agency in ("org", "inspector", "discipline", "police"):
        for query in (ALERTS, "{ auditReadsPerDay { reads } }"):
            error = as_agency(agency)(query)["errors"][0]["message"]
            assert "Cannot query field" in error, (agency, error)


def test_the_audit_is_searchable_by_user_agency_cadre_purpose_and_time(world: Any, as_agency: Any) -> None:
    police = as_agency("police", user="p1")
    _read(police, 2)
    _read(police, 4)
    inspector = as_agency("inspector", user="i1")
    inspector.purpose = "线索核查 赵某举报"
    _read(inspector, 4)
    security = as_agency("security")

    def search(arguments: str) -> list[tuple[str, list[int]]]:
        found = security.data(f"{{ accessAudit({arguments}) {{ edges {{ node {{ user cadreIds }} }} }} }}")
        return [(edge["node"]["user"], edge["node"]["cadreIds"]) for edge in found["accessAudit"]["edges"]]

    assert search('user: "p1"') == [("p1", [4]), ("p1", [2])]
    assert search('agency: "inspector"') == [("i1", [4])]
    assert search("cadreId: 4") == [("i1", [4]), ("p1", [4])]
    assert search('purposeContains: "赵某"') == [("i1", [4])]
    assert search('since: "2000-01-01T00:00:00+00:00", until: "2000-01-02T00:00:00+00:00"') == []
    assert len(search('since: "2000-01-01T00:00:00+00:00", user: "p1"')) == 2
    days = security.data('{ auditReadsPerDay(agency: "police") { day user agency reads cadresRead } }')
    assert [(d["user"], d["agency"], d["reads"], d["cadresRead"]) for d in days["auditReadsPerDay"]] == [
        ("p1", "police", 2, 2)]
