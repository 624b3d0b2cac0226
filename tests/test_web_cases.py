"""The cases page in a real headless Chromium: an inspector filters the triage list, assigns cases in bulk, opens a
case with its notes, links, history, evidence graph and cited rule, and downloads its dossier; triages the detection
alerts (filters, bulk acknowledge, assign and dismiss, a case opened from alerts); the Organization Department reads
alerts without acting on them; the police have neither tab. Screenshots as in tests/test_web_views.py."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import Engine, select

from graph_sync.driver import open_driver
from hub import models
from hub.models.enums import AlertStatus
from hub.services.detection.runner import run_full
from hub.sessions import make_session_factory
from tests.test_web_views import (  # noqa: F401  (fixtures)
    LiveHub,
    browser,
    live_hub,
    login,
    open_page,
    pytestmark,
    screenshot,
    texts,
    wait_for,
)

FIRST, SECOND = "XC-2026-0101", "XC-2026-0102"
RULE = "case_under_investigation"


def _as_inspector(hub: LiveHub, purpose: str, query: str) -> dict[str, Any]:
    response = httpx.post(
        f"{hub.url}/graphql", json={"query": query},
        headers={"Authorization": f"Bearer {hub.token('inspector', user='i1')}", "X-Purpose": quote(purpose)}, timeout=30,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def _warm_graph(hub: LiveHub) -> None:
    """Run the page's graph query once ahead: Neo4j plans a Cypher text on its first run, which on a loaded machine
    can take longer than a request's graph time (the page would then show GRAPH_TIMEOUT, as it should)."""
    query = '{ network(personId: "cadre:1", hops: 1, limit: 100) { truncated } }'
    for _attempt in range(6):
        response = httpx.post(f"{hub.url}/graphql", json={"query": query}, timeout=60, headers={
            "Authorization": f"Bearer {hub.token('inspector')}", "X-Purpose": quote("线索核查")})
        if "errors" not in response.json():
            return


def _open_case(hub: LiveHub, number: str, title: str) -> int:
    opened = _as_inspector(hub, "线索核查", f'mutation {{ openCase(number: "{number}", title: "{title}") {{ ... on Case {{ id }} }} }}')
    return int(opened["openCase"]["id"])


def _listed(browser: WebDriver, field: str = "") -> list[str]:
    """The triage list's case numbers (or one column's texts), read at once: the list is redrawn as it reloads."""
    script = ("return [...document.querySelectorAll('[data-testid=case-list] tbody tr')]"
              + (f".map(r => r.querySelector('td[data-field={field}]').textContent)" if field else ".map(r => r.dataset.case)"))
    return list(browser.execute_script(script))


def _text(browser: WebDriver, selector: str) -> str:
    """An element's text read at once, "" while it is not there (parts of the page are redrawn as they load)."""
    return str(browser.execute_script("return document.querySelector(arguments[0])?.textContent || ''", selector))


def test_inspector_triages_assigns_and_works_a_case(browser: WebDriver, live_hub: LiveHub) -> None:
    first = _open_case(live_hub, FIRST, "配偶企业与本单位业务往来线索")
    _open_case(live_hub, SECOND, "兼职取酬线索")
    _as_inspector(live_hub, FIRST, f'mutation {{ addCaseNote(caseId: {first}, text: "调取合同台账；规则 {RULE}") {{ __typename }} }}')
    _as_inspector(live_hub, FIRST, f"mutation {{ linkToCase(caseId: {first}, cadreId: 1) {{ __typename }} }}")
    _as_inspector(live_hub, FIRST, f"mutation {{ moveCase(caseId: {first}, status: INVESTIGATING) {{ __typename }} }}")

    _warm_graph(live_hub)
    login(browser, live_hub, "inspector", purpose="线索核查", user="i1")
    open_page(browser, live_hub, "/cases")
    wait_for(browser, lambda b: len(_listed(b)) == 2, "both cases in the triage list")
    assert {e.get_attribute("data-tab") for e in browser.find_elements(By.CSS_SELECTOR, "[role=tab]")} == {"cases", "alerts"}

    # Filter by status, then by assignee.
    browser.execute_script("document.getElementById('status-filter').value = 'INVESTIGATING'")
    browser.find_element(By.CSS_SELECTOR, "#case-filters button").click()
    wait_for(browser, lambda b: _listed(b) == [FIRST],
             "the list filtered by status")
    browser.execute_script("document.getElementById('status-filter').value = ''")
    browser.find_element(By.ID, "assignee-filter").send_keys("nobody")
    browser.find_element(By.CSS_SELECTOR, "#case-filters button").click()
    wait_for(browser, lambda b: "No cases" in _text(b, "[data-testid=case-list]"), "no case of that assignee")
    browser.find_element(By.ID, "assignee-filter").clear()
    browser.find_element(By.CSS_SELECTOR, "#case-filters button").click()
    wait_for(browser, lambda b: len(_listed(b)) == 2, "both cases again")

    # Bulk assignment: each case is assigned with its own number as the purpose.
    for checkbox in browser.find_elements(By.CSS_SELECTOR, "input[name=pick]"):
        checkbox.click()
    browser.find_element(By.ID, "bulk-assignee").send_keys("i9")
    browser.find_element(By.ID, "bulk-assign-button").click()
    wait_for(browser, lambda b: _listed(b, "assigneeUser") == ["i9", "i9"], "both cases assigned to i9")
    assert "Assigned 2 to i9" in browser.find_element(By.ID, "list-status").text
    screenshot(browser, "cases-inspector")
    assigned = _as_inspector(live_hub, FIRST, f'{{ case(number: "{FIRST}") {{ assigneeUser history {{ action detail }} }} }}')["case"]
    assert assigned["assigneeUser"] == "i9" and assigned["history"][-1] == {"action": "assignCase", "detail": "assigned to i9"}

    # The case view: facts, notes, links, history, the evidence graph around the linked cadre, the cited rule.
    open_page(browser, live_hub, f"/cases?number={FIRST}")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=case]"), "the case")
    case = browser.find_element(By.CSS_SELECTOR, "[data-testid=case]").text
    assert FIRST in case and "i9" in case and "INVESTIGATING" in case
    assert "调取合同台账" in browser.find_element(By.CSS_SELECTOR, "[data-testid=notes]").text
    assert "王建国" in browser.find_element(By.CSS_SELECTOR, "[data-testid=links]").text
    history = browser.find_element(By.CSS_SELECTOR, "[data-testid=history]").text
    assert all(action in history for action in ("openCase", "addCaseNote", "linkToCase", "moveCase", "assignCase"))
    wait_for(browser, lambda b: (b.execute_script("return window.hubCaseGraph && window.hubCaseGraph.nodes().length") or 0) > 1,
             "the evidence graph")
    nodes = set(browser.execute_script("return window.hubCaseGraph.nodes().map(n => n.id())"))
    assert {"cadre:1", "person:1", "person:2"} <= nodes, nodes  # the linked cadre and its relatives, one hop out
    assert browser.execute_script("return window.hubCaseGraph.$('.linked').map(n => n.id())") == ["cadre:1"]
    wait_for(browser, lambda b: RULE in _text(b, "[data-testid=rules]"), "the cited rule")
    assert "立案审查未了结" in browser.find_element(By.CSS_SELECTOR, "[data-testid=rules]").text

    # The dossier downloads with the case's number as the purpose.
    browser.find_element(By.CSS_SELECTOR, "[data-testid=case-dossier] button[data-kind=xlsx]").click()
    wait_for(browser, lambda b: "Downloaded case-XC-2026-0101.xlsx" in _text(b, "#case-status"), "the dossier download")
    screenshot(browser, "case-inspector")


def test_police_have_no_cases(browser: WebDriver, live_hub: LiveHub) -> None:
    login(browser, live_hub, "police")
    assert not [view for view in texts(browser, "[data-testid=views] li a") if "Cases" in view]
    open_page(browser, live_hub, "/cases")
    assert "does not work or read cases" in browser.find_element(By.TAG_NAME, "main").text
    assert browser.find_elements(By.CSS_SELECTOR, "[role=tab]") == []


def _detected(hub: LiveHub, world: Engine) -> list[models.DetectionAlert]:
    """A full detection run over the hub's world and graph: the alerts it wrote, paid part-time posts among them."""
    driver = open_driver(hub.settings)
    try:
        run_full(make_session_factory(world), driver, date(2026, 6, 1))
    finally:
        driver.close()
    with make_session_factory(world)() as session:
        return list(session.scalars(select(models.DetectionAlert).order_by(models.DetectionAlert.id)))


def _alerts_listed(browser: WebDriver, attribute: str = "alert") -> list[str]:
    return list(browser.execute_script(
        f"return [...document.querySelectorAll('[data-testid=alert-list] tbody tr')].map(r => r.dataset.{attribute})"))


def _pick(browser: WebDriver, alert_ids: list[int]) -> None:
    for alert_id in alert_ids:
        browser.find_element(By.CSS_SELECTOR, f"input[name=pick-alert][value='{alert_id}']").click()


def _open_alerts_tab(browser: WebDriver, hub: LiveHub, count: int) -> None:
    open_page(browser, hub, "/cases")
    browser.find_element(By.CSS_SELECTOR, "[role=tab][data-tab=alerts]").click()
    wait_for(browser, lambda b: len(_alerts_listed(b)) == count, f"the {count} alerts listed")


def test_inspector_triages_alerts_and_opens_a_case_from_them(browser: WebDriver, live_hub: LiveHub, world: Engine) -> None:
    found = _detected(live_hub, world)
    paid = [alert for alert in found if alert.rule == "paid_part_time_post"]
    assert len(found) >= 3 and paid, [alert.rule for alert in found]
    login(browser, live_hub, "inspector", purpose="线索核查", user="i1")
    _open_alerts_tab(browser, live_hub, len(found))
    row = browser.find_element(By.CSS_SELECTOR, f"[data-alert='{paid[0].id}']").text
    assert "paid_part_time_post" in row and "NEW" in row, row  # the rule, its status
    regulation = browser.find_element(By.CSS_SELECTOR, f"[data-alert='{paid[0].id}'] td[data-field=regulation]").text
    assert regulation.strip() not in ("", "—"), "the regulation the rule applies"
    evidence = browser.find_element(By.CSS_SELECTOR, f"[data-alert='{paid[0].id}'] td[data-field=evidence]").text
    assert str(paid[0].evidence["startDate"]) in evidence and paid[0].evidence["organization"] in evidence, evidence

    # Filter by rule.
    browser.execute_script("document.getElementById('alert-rule-filter').value = 'paid_part_time_post'")
    browser.find_element(By.CSS_SELECTOR, "#alert-filters button").click()
    wait_for(browser, lambda b: set(_alerts_listed(b, "rule")) == {"paid_part_time_post"}, "only the paid part-time posts")
    browser.execute_script("document.getElementById('alert-rule-filter').value = ''")
    browser.find_element(By.CSS_SELECTOR, "#alert-filters button").click()
    wait_for(browser, lambda b: len(_alerts_listed(b)) == len(found), "every alert again")

    # Bulk: acknowledge two, assign them, dismiss a third with a reason.
    first, second, third = found[0].id, found[1].id, found[2].id
    _pick(browser, [first, second])
    browser.find_element(By.ID, "alert-acknowledge").click()
    wait_for(browser, lambda b: "Done for 2 alerts" in _text(b, "#alert-status"), "two acknowledged")
    _pick(browser, [first, second])
    browser.find_element(By.ID, "alert-assignee").send_keys("i7")
    browser.find_element(By.ID, "alert-assign").click()
    wait_for(browser, lambda b: "Done for 2 alerts" in _text(b, "#alert-status")
             and _text(b, f"[data-alert='{first}'] td[data-field=assigneeUser]") == "i7", "two assigned to i7")
    _pick(browser, [third])
    browser.find_element(By.ID, "alert-dismiss").click()
    assert "Pick alerts and fill in" in _text(browser, "#alert-status"), "dismissing asks for a reason"
    browser.find_element(By.ID, "alert-reason").send_keys("兼职已报批")
    browser.find_element(By.ID, "alert-dismiss").click()
    wait_for(browser, lambda b: "DISMISSED" in _text(b, f"[data-alert='{third}'] td[data-field=status]"), "the third dismissed")
    screenshot(browser, "alerts-inspector")
    with make_session_factory(world)() as session:
        handled = {alert.id: alert for alert in session.scalars(select(models.DetectionAlert))}
    assert handled[first].status is AlertStatus.ACKNOWLEDGED and handled[first].assignee_user == "i7"
    assert handled[third].status is AlertStatus.DISMISSED and handled[third].note == "兼职已报批"

    # A case opened from the selected alerts: the page goes to the case, which links them.
    _pick(browser, [first, second])
    browser.find_element(By.ID, "alert-case-number").send_keys("XC-2026-0301")
    browser.find_element(By.ID, "alert-case-title").send_keys("预警立案")
    browser.find_element(By.ID, "alert-open-case").click()
    wait_for(browser, lambda b: "XC-2026-0301" in _text(b, "[data-testid=case]"), "the case opened from the alerts")
    linked = _as_inspector(live_hub, "XC-2026-0301", '{ case(number: "XC-2026-0301") { links { alert { id status } } } }')
    assert {link["alert"]["id"] for link in linked["case"]["links"] if link["alert"]} == {first, second}


def test_the_organization_department_reads_alerts_without_acting_on_them(
    browser: WebDriver, live_hub: LiveHub, world: Engine,
) -> None:
    found = _detected(live_hub, world)
    readable = live_hub.graphql("org", "{ detectionAlerts { totalCount } }")["detectionAlerts"]["totalCount"]
    assert 0 < readable <= len(found)
    login(browser, live_hub, "org")
    _open_alerts_tab(browser, live_hub, readable)
    assert browser.find_elements(By.ID, "alert-actions") == [] and browser.find_elements(By.NAME, "pick-alert") == []
