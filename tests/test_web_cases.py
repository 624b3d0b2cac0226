"""The cases page in a real headless Chromium: an inspector filters the triage list, assigns cases in bulk, opens a
case with its notes, links, history, evidence graph and cited rule, and downloads its dossier; the police have no
cases. Screenshots as in tests/test_web_views.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

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
    assert [e.get_attribute("data-tab") for e in browser.find_elements(By.CSS_SELECTOR, "[role=tab]")] == ["alerts"]
