"""The views in a real headless Chromium: two agencies log in, open the investigator view, a cadre file, the
screening page, the bulk import and GraphiQL, and see exactly what their policy gives them. Screenshots of each
view are saved under docs/screenshots/ (linked from the README) when HUB_SAVE_SCREENSHOTS=1."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import Engine

from hub.app import create_app
from hub.auth import mint_token
from hub.settings import Settings
from tests.graph_world import project_world
from tests.live_server import serving
from tests.world import C1_ID, C2_ID

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# The README's screenshots are renewed with HUB_SAVE_SCREENSHOTS=1; otherwise the shots go to a scratch folder, so
# a test run leaves the work tree as it was.
SCREENSHOTS = (
    Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    if os.environ.get("HUB_SAVE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "hub-screenshots"
)
WAIT_SECONDS = 20.0

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - selenium is a pinned test dependency
    webdriver = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
    ),
    pytest.mark.skipif(webdriver is None, reason="browser tests need the selenium package (pip install -e .[test])"),
]


@dataclass
class LiveHub:
    url: str
    settings: Settings

    def token(self, agency: str, **claims: Any) -> str:
        claims.setdefault("jurisdiction", "huzhou")
        claims.setdefault("level", "city")
        return mint_token(self.settings, agency=agency, user=claims.pop("user", f"{agency}-reviewer"), **claims)

    def graphql(self, agency: str, query: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query},
            headers={"Authorization": f"Bearer {self.token(agency)}", "X-Purpose": quote("线索核查")}, timeout=30,
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
def live_hub(world: Engine, settings: Settings, neo4j_settings: Settings, policy_store: Any) -> Iterator[LiveHub]:
    """The hub over the known world and its projected graph, served by uvicorn on a free loopback port."""
    app_settings = project_world(world, settings, neo4j_settings)
    with serving(create_app(app_settings, policies=policy_store)) as url:
        yield LiveHub(url, app_settings)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1440,1000", "--lang=zh-CN",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(1440, 1000)
    yield driver
    driver.quit()


def wait_for(browser: WebDriver, condition: Callable[[WebDriver], Any], what: str) -> Any:
    try:
        return WebDriverWait(browser, WAIT_SECONDS).until(condition)
    except TimeoutException:
        alerts = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "[role=alert]")]
        pytest.fail(f"timed out waiting for {what}; alerts on the page: {alerts}", pytrace=False)


def login(browser: WebDriver, hub: LiveHub, agency: str, purpose: str = "", **claims: Any) -> None:
    browser.get(f"{hub.url}/")
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{hub.url}/")
    wait_for(browser, lambda b: b.find_elements(By.ID, "token"), "the login form")
    browser.find_element(By.ID, "token").send_keys(hub.token(agency, **claims))
    browser.find_element(By.ID, "purpose").send_keys(purpose)
    browser.find_element(By.ID, "login-button").click()
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=views] li"), "the list of views after login")


def open_page(browser: WebDriver, hub: LiveHub, path: str) -> None:
    browser.get(f"{hub.url}{path}")
    wait_for(browser, lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true", f"{path} to load")


def screenshot(browser: WebDriver, name: str) -> None:
    """The whole page (the window grows to the page's height for the shot, up to 2,400 pixels)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(1440, min(max(height, 1000), 2400))
    try:
        browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    finally:
        browser.set_window_size(1440, 1000)


def texts(browser: WebDriver, selector: str) -> list[str]:
    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, selector)]


def node_ids(browser: WebDriver) -> set[str]:
    """The nodes listed under the graph, read in one step (the list is redrawn as the graph changes)."""
    return set(browser.execute_script("return [...document.querySelectorAll('#node-list li')].map(li => li.dataset.node)"))


def test_views_offered_follow_each_agencys_schema(browser: WebDriver, live_hub: LiveHub) -> None:
    login(browser, live_hub, "inspector", purpose="线索核查")
    inspector_views = texts(browser, "[data-testid=views] li a")
    assert any("Investigator" in view for view in inspector_views)
    assert not any("Bulk report" in view for view in inspector_views)
    login(browser, live_hub, "police")
    police_views = texts(browser, "[data-testid=views] li a")
    assert any("Bulk report" in view for view in police_views)
    assert not any("Investigator" in view for view in police_views)
    assert "police · police-reviewer" in browser.find_element(By.CSS_SELECTOR, "[data-testid=who]").text


WARM_QUERIES = (
    '{ expand(nodeId: "cadre:1", hops: 1, limit: 5) { truncated } }',
    '{ expand(nodeId: "cadre:1", hops: 2, limit: 5) { truncated } }',
    '{ expand(nodeId: "cadre:1", hops: 1, limit: 5, drawn: ["cadre:2"]) { truncated } }',
    '{ expand(nodeId: "cadre:1", hops: 2, limit: 5, drawn: ["cadre:2"]) { truncated } }',
    '{ neighbourCounts(nodeId: "cadre:1") { count } }',
    '{ conflictsOfInterest(cadreId: "cadre:1") { windowStart } }',
    '{ paths(fromId: "cadre:4", toId: "cadre:2", maxHops: 4, limit: 1) { nodes { id } } }',
    '{ network(personId: "cadre:1", hops: 1) { truncated } }',
)


def warm_graph(hub: LiveHub) -> None:
    """Ask the view's graph queries once before the browser does: a cold Neo4j on a loaded machine plans a query
    text for longer than a request's graph time (planned, each answers in well under a second)."""
    for number, query in enumerate(WARM_QUERIES):
        for attempt in range(5):
            token = hub.token("inspector", user=f"warm-{number}-{attempt}")
            response = httpx.post(f"{hub.url}/graphql", json={"query": query}, timeout=60,
                                  headers={"Authorization": f"Bearer {token}", "X-Purpose": quote("线索核查")})
            if "errors" not in response.json():
                break


def test_inspector_draws_expands_filters_and_finds_the_shortest_path(browser: WebDriver, live_hub: LiveHub) -> None:
    warm_graph(live_hub)
    login(browser, live_hub, "inspector", purpose="线索核查")
    open_page(browser, live_hub, "/explore?person=cadre:1&hops=1")
    assert node_ids(browser) == {"cadre:1", "cadre:2", "person:1", "person:2", "person:3", "post:1", "post:2"}
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "周丽" in page and "王小明" in page and "赵强" in page
    assert C1_ID not in browser.page_source  # no ID number is drawn for an investigator

    # Expand on click: the spouse's company appears.
    browser.execute_script("window.hubGraph.getElementById('person:1').emit('tap')")
    wait_for(browser, lambda b: "org:1" in node_ids(b), "the spouse's company after expanding her node")
    assert "湖州恒达建材有限公司" in browser.find_element(By.ID, "details").text + browser.find_element(By.ID, "node-list").text
    screenshot(browser, "explore-inspector")

    # Edge-kind filter: relatives only, two hops.
    for checkbox in browser.find_elements(By.CSS_SELECTOR, "input[name=edgeKind]"):
        if checkbox.get_attribute("value") != "RELATIVE_OF" and checkbox.is_selected():
            checkbox.click()
    browser.find_element(By.ID, "hops").send_keys("2")
    browser.find_element(By.ID, "draw").click()
    wait_for(browser, lambda b: node_ids(b) == {"cadre:1", "person:1", "person:2"}, "the relatives-only network")

    # The shortest path from the nominator to the nominee is highlighted.
    open_page(browser, live_hub, "/explore?person=cadre:4&hops=1&from=cadre:4&to=cadre:2")
    wait_for(browser, lambda b: "陈静 → 李明" in b.find_element(By.ID, "path-summary").text, "the highlighted path")
    highlighted = browser.execute_script("return window.hubGraph.$('.path').map(e => e.id())")
    assert {"cadre:4", "cadre:2"} <= set(highlighted) and len(highlighted) == 3  # two nodes and the NOMINATED edge
    screenshot(browser, "explore-path")


def test_police_has_no_graph_view_and_a_cadre_file_cut_to_its_window(browser: WebDriver, live_hub: LiveHub) -> None:
    login(browser, live_hub, "police")
    open_page(browser, live_hub, "/explore")
    assert "no graph queries" in browser.find_element(By.ID, "status").text

    open_page(browser, live_hub, "/cadre?id=1")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=cadre-name]"), "the cadre file")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=cadre-name]").text == "王建国"
    id_number = browser.find_element(By.CSS_SELECTOR, "[data-testid=basics] dd[data-field=idNumber]").text
    assert id_number == C1_ID[:6] + "*" * 11 + C1_ID[-1]
    sections = {e.get_attribute("data-section") for e in browser.find_elements(By.CSS_SELECTOR, "[data-section]")}
    assert "negativeRecords" in sections and "posts" in sections
    assert not {"relatives", "ties", "reports", "supervisionActions", "nominations"} & sections
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "酒后滋事，行政拘留五日" in page  # its own report
    assert "群众来信反映插手工程" not in page and "周丽" not in page  # the petition office's report, the spouse
    assert C1_ID not in browser.page_source
    window = browser.find_element(By.CSS_SELECTOR, "[data-testid=window]").text
    assert "negativeRecords" in window and "relatives" not in window and "reserveTier" not in window
    lanes = {e.get_attribute("data-kind") for e in browser.find_elements(By.CSS_SELECTOR, "[data-testid=timeline] .lane")}
    assert lanes == {"TENURE", "NEGATIVE_RECORD"}, "the timeline band: its tenures and own report, no relative's event"
    screenshot(browser, "cadre-police")

    open_page(browser, live_hub, "/cadre?id=3")  # county-managed: outside the city police's scope
    assert "No cadre 3 is visible" in browser.find_element(By.CSS_SELECTOR, "[data-testid=not-visible]").text


def test_org_sees_the_whole_file(browser: WebDriver, live_hub: LiveHub) -> None:
    login(browser, live_hub, "org")
    open_page(browser, live_hub, "/cadre?id=1")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=cadre-name]"), "the cadre file")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=basics] dd[data-field=idNumber]").text == C1_ID
    sections = {e.get_attribute("data-section") for e in browser.find_elements(By.CSS_SELECTOR, "[data-section]")}
    assert {"relatives", "ties", "negativeRecords", "reports", "posts", "tenures"} <= sections
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "周丽" in page and "酒后滋事，行政拘留五日" in page and "群众来信反映插手工程" in page
    lanes = {e.get_attribute("data-kind") for e in browser.find_elements(By.CSS_SELECTOR, "[data-testid=timeline] .lane")}
    assert {"TENURE", "NEGATIVE_RECORD", "SUPPLY_CONTRACT", "PERSONAL_MATTERS_REPORT"} <= lanes
    screenshot(browser, "cadre-org")


def test_org_screening_page_and_joint_review_board(browser: WebDriver, live_hub: LiveHub) -> None:
    org_schema = live_hub.graphql("org", '{ __type(name: "Mutation") { fields { name } } }')
    mutations = {field["name"] for field in org_schema["__type"]["fields"]}
    if "openJointReview" not in mutations:
        pytest.skip("the workflow operations (openJointReview) are not in this build's schema")
    opened = live_hub.graphql("org", "mutation { openJointReview(input: {candidateId: 2, postId: 1, selectionId: 1}) "
                                     "{ __typename ... on JointReview { id } } }")["openJointReview"]
    assert opened["__typename"] == "JointReview", opened
    review_id = opened["id"]
    for agency, verdict, findings in (("police", "NORMAL", ""), ("court", "ABNORMAL", "涉民间借贷诉讼，尚未审结")):
        answered = live_hub.graphql(agency, f'mutation {{ answerJointReview(reviewId: {review_id}, verdict: {verdict}, '
                                            f'findings: "{findings}") {{ __typename }} }}')
        assert answered["answerJointReview"]["__typename"] == "ReviewAnswer"

    login(browser, live_hub, "org")
    open_page(browser, live_hub, "/screening?selection=1")
    assert "局长" in browser.find_element(By.CSS_SELECTOR, "[data-testid=selection-title]").text
    assert "李明" in browser.find_element(By.CSS_SELECTOR, "[data-testid=nominations]").text
    assert browser.find_elements(By.CSS_SELECTOR, "[data-testid=screening] [data-verdict]")
    board = browser.find_element(By.CSS_SELECTOR, "[data-testid=review-board]")
    answers = board.find_element(By.CSS_SELECTOR, "[data-testid=answers]").text
    assert "POLICE" in answers or "公安" in answers
    assert "涉民间借贷诉讼，尚未审结" in answers  # the department sees every agency's findings
    pending = board.find_element(By.CSS_SELECTOR, "[data-testid=pending]").text
    assert "DISCIPLINE" in pending and "POLICE" not in pending
    assert "pending" in board.find_element(By.CSS_SELECTOR, "[data-field=conclusion]").text
    screenshot(browser, "screening-org")

    login(browser, live_hub, "police")
    open_page(browser, live_hub, "/screening")
    reviews = browser.find_element(By.CSS_SELECTOR, "[data-testid=review-list]").text
    assert "李明" in reviews
    open_page(browser, live_hub, "/screening?selection=1")
    assert "no selections" in browser.find_element(By.ID, "screening-body").text
    assert "涉民间借贷诉讼" not in browser.find_element(By.TAG_NAME, "body").text

    # The discipline commission screens a nomination list without seeing selections.
    login(browser, live_hub, "discipline")
    open_page(browser, live_hub, "/screening")
    browser.find_element(By.ID, "screen-post").send_keys("1")
    browser.find_element(By.ID, "screen-cadres").send_keys("2, 999")
    browser.find_element(By.CSS_SELECTOR, "#screening-body button[type=submit]").click()
    result = wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=screening] [data-cadre='2']"), "the screening")
    assert "李明" in result[0].text
    assert "999" in browser.find_element(By.CSS_SELECTOR, "[data-testid=screening]").text  # not visible, said so


def test_bulk_import_page_shows_row_errors_then_imports(browser: WebDriver, live_hub: LiveHub, tmp_path: Path) -> None:
    header = (
        "干部编号 (cadreId),报送单位 (reportingAgency),类别 (category),事实 (facts),"
        "发生日期 (occurredOn),报送日期 (reportedOn),严重程度 (severity),状态 (status)"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\n1,POLICE,PUBLIC_ORDER,酒驾,2025-03-01,2025-04-01,MINOR,REPORTED\n"
                   f"2,POLICE,UNKNOWN,无效类别,2025-03-01,2025-04-01,MINOR,REPORTED\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text(f"{header}\n1,POLICE,PUBLIC_ORDER,酒驾,2025-03-01,2025-04-01,MINOR,REPORTED\n", encoding="utf-8")
    login(browser, live_hub, "police")
    open_page(browser, live_hub, "/import")
    browser.find_element(By.ID, "report-file").send_keys(str(bad))
    browser.find_element(By.ID, "upload").click()
    errors = wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=import-errors] tbody tr"), "the row errors")
    cells = [cell.text for cell in errors[0].find_elements(By.TAG_NAME, "td")]
    assert cells[:2] == ["3", "category"] and "UNKNOWN" in cells[2]
    assert "Nothing was imported" in browser.find_element(By.CSS_SELECTOR, "[data-testid=import-failed]").text
    screenshot(browser, "import-errors")
    browser.find_element(By.ID, "report-file").clear()
    browser.find_element(By.ID, "report-file").send_keys(str(good))
    browser.find_element(By.ID, "upload").click()
    done = wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=import-ok]"), "the import result")
    assert "Imported 1 rows" in done[0].text
    progress = browser.find_element(By.ID, "import-progress")
    assert progress.get_attribute("value") == progress.get_attribute("max")


def test_graphiql_opens_on_the_agencys_schema_with_examples(browser: WebDriver, live_hub: LiveHub) -> None:
    login(browser, live_hub, "police")
    open_page(browser, live_hub, "/graphiql")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".graphiql-container"), "GraphiQL")
    police_examples = int(browser.find_element(By.TAG_NAME, "body").get_attribute("data-examples") or 0)
    assert police_examples >= 2
    tabs = " ".join(texts(browser, ".graphiql-tab"))
    assert "OnTheList" in tabs and "Report" in tabs and "Network" not in tabs and "Audit" not in tabs
    screenshot(browser, "graphiql-police")
    login(browser, live_hub, "inspector", purpose="线索核查")
    open_page(browser, live_hub, "/graphiql")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".graphiql-container"), "GraphiQL")
    tabs = " ".join(texts(browser, ".graphiql-tab"))
    assert "Network" in tabs and "Paths" in tabs and "Report" not in tabs
    assert C2_ID not in browser.page_source


# `next` values as they appear in a link's query string: /\evil.example, //evil.example, /\127.0.0.2/x, ...
FOREIGN_NEXT = ["%2F%5Cevil.example", "//evil.example", "/%5C127.0.0.2/x", "https://evil.example", "javascript:alert(1)"]


def login_then_follow(browser: WebDriver, hub: LiveHub, raw_next: str) -> None:
    browser.get(f"{hub.url}/")
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{hub.url}/?next={raw_next}")
    wait_for(browser, lambda b: b.find_elements(By.ID, "token"), "the login form")
    browser.find_element(By.ID, "token").send_keys(hub.token("police"))
    browser.find_element(By.ID, "login-button").click()


def test_login_never_leaves_the_hubs_origin(browser: WebDriver, live_hub: LiveHub) -> None:
    for raw_next in FOREIGN_NEXT:
        login_then_follow(browser, live_hub, raw_next)
        wait_for(browser, lambda b: b.current_url == f"{live_hub.url}/" and b.find_elements(
            By.CSS_SELECTOR, "[data-testid=views] li"), f"the hub's own home page after login with next={raw_next}")
    login_then_follow(browser, live_hub, quote("/cadre?id=1", safe=""))
    wait_for(browser, lambda b: b.current_url == f"{live_hub.url}/cadre?id=1", "the same-origin page named by next")


def graph(browser: WebDriver, script: str) -> Any:
    return browser.execute_script(f"const cy = window.hubGraph; return {script}")


def test_inspector_sees_a_conflict_of_interest_drawn_counted_expanded_and_labelled(browser: WebDriver, live_hub: LiveHub) -> None:
    warm_graph(live_hub)
    login(browser, live_hub, "inspector", purpose="线索核查")
    open_page(browser, live_hub, "/explore?person=cadre:1&hops=2&view=conflicts")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=conflict]"), "the conflicts of interest")

    # Every edge is drawn, post -> unit included: edge ids never equal node ids.
    part_of = graph(browser, "cy.edges('[kind = \"PART_OF\"]').map(e => [e.source().id(), e.target().id()])")
    assert ["post:1", "unit:1"] in part_of
    assert not graph(browser, "cy.edges().filter(e => !cy.getElementById(e.id()).isEdge()).length")

    # The first finding's path is highlighted (the spouse's company supplying the cadre's unit) with its dates.
    finding = browser.find_element(By.CSS_SELECTOR, "[data-testid=conflict]").text
    assert "周丽" in finding and "湖州恒达建材有限公司" in finding
    assert any(char.isdigit() for char in finding.split("·")[0]), "the window of the conflict is dated"
    highlighted = set(graph(browser, "cy.$('.finding').map(e => e.id())"))
    assert {"cadre:1", "post:1", "unit:1", "org:1", "person:1"} <= highlighted
    assert len([key for key in highlighted if key.startswith("edge:")]) == 5
    # Legible: a highlighted node keeps its size and gains no thick border.
    assert graph(browser, "cy.getElementById('post:1').numericStyle('border-width')") <= 2
    assert graph(browser, "cy.getElementById('post:1').numericStyle('width')") >= 26

    # Enum values in Chinese, English on hover: edge labels, typed properties.
    relatives = graph(browser, "cy.edges('[kind = \"RELATIVE_OF\"]').map(e => [e.data('label'), e.data('hint')])")
    assert relatives and all(text.startswith("亲属关系 · ") and "RELATIVE_OF" not in text for text, _hint in relatives)
    assert all(hint.startswith("Relative of · ") for _text, hint in relatives)
    screenshot(browser, "explore-conflict")

    # A readable first view: capped, the rest counted, badges on nodes with more.
    cap = browser.find_element(By.ID, "cap")
    cap.clear()
    cap.send_keys("2")
    browser.find_element(By.ID, "draw").click()
    wait_for(browser, lambda b: len(node_ids(b)) == 3, "the view capped to the cadre and two neighbours")
    assert "未显示 Not drawn" in browser.find_element(By.ID, "status").text
    assert graph(browser, "cy.getElementById('cadre:1').data('badge')") > 0
    assert "+" in browser.find_element(By.CSS_SELECTOR, "#node-list li[data-node='cadre:1']").text

    # Counts per kind before expanding; tapping expands by the most connected, up to the cap.
    browser.execute_script("window.hubGraph.getElementById('cadre:1').emit('tap')")
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-testid=relation-counts] li[data-kind=HOLDS]"), "counts per kind")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=relation-counts] li[data-kind=HOLDS]").text.startswith("任职 2")
    gender = browser.find_element(By.CSS_SELECTOR, "#details dd[data-field=gender]")
    assert gender.text in {"男", "女"} and gender.get_attribute("title") in {"Male", "Female"}
    wait_for(browser, lambda b: len(node_ids(b)) == 5, "two more neighbours after expanding the cadre")
    browser.find_element(By.CSS_SELECTOR, "[data-expand-kind=HOLDS]").click()
    wait_for(browser, lambda b: {"post:1", "post:2"} <= node_ids(b), "the posts after expanding by HOLDS")
    browser.find_element(By.ID, "collapse").click()
    wait_for(browser, lambda b: len(node_ids(b)) == 3, "the view collapsed back to its first nodes")
