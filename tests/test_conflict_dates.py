"""A conflict of interest counts only while every tie on its path held at once, and it says when that was.

One cadre, one post in one unit, the cadre's spouse owning a company that supplies that unit. Each edge of the
route gets a period; a conflict is found only when the contract's period overlaps the tenure, the role and the
kinship together, and its window is the latest start to the earliest end (unknown dates count as open).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase

from graph_sync.queries import conflicts_of_interest
from hub.core.rule_catalogue import catalogue
from hub.settings import Settings
from tests.test_graph_queries import FULL, TI, H, O, P, R, S, _cadre, _e, _org, _person, _post, _unit, _wipe, create_graph

pytestmark = pytest.mark.neo4j

NODES = [_unit(1, "湖州市住房和城乡建设局"), _post(1, "局长"), _cadre(1, "张明", 1), _person(10, "刘芳"),
         _person(11, "孙涛"), _org(1, "湖州恒达建材有限公司", "建材")]

# Each edge's period in the base case: they overlap from 2016-03-01 to 2018-12-31.
BASE: dict[str, dict[str, Any]] = {
    "tenure": {"startDate": "2015-01-01", "endDate": "2019-06-30"},
    "contract": {"signedOn": "2016-02-15", "startDate": "2016-03-01", "endDate": "2018-12-31"},
    "role": {"startDate": "2012-05-01", "endDate": None},
    "kinship": {"startDate": "2005-10-01", "endDate": None},
}


def _edges(periods: dict[str, dict[str, Any]], link: str = "kinship") -> list[dict[str, Any]]:
    via = _e("kinship:1", R, "person:10", "cadre:1", kind="spouse", **periods["kinship"]) if link == "kinship" else \
        _e("social_tie:1", TI, "cadre:1", "person:10", kind="classmate", **periods["kinship"])
    return [
        _e("tenure:1", H, "cadre:1", "post:1", **periods["tenure"]),
        _e("post:1", P, "post:1", "unit:1"),
        _e("supply_contract:1", S, "org:1", "unit:1", amount="860000.00", subject="建材", **periods["contract"]),
        _e("organization_role:1", O, "person:10", "org:1", **periods["role"]),
        via,
    ]


@pytest.fixture
def driver(neo4j_settings: Settings) -> Iterator[Driver]:
    driver = GraphDatabase.driver(neo4j_settings.neo4j_uri, auth=(neo4j_settings.neo4j_user, neo4j_settings.neo4j_password))
    _wipe(driver)
    try:
        yield driver
    finally:
        _wipe(driver)
        driver.close()


def _found(driver: Driver, periods: dict[str, dict[str, Any]], link: str = "kinship") -> list[Any]:
    _wipe(driver)
    create_graph(driver, NODES, _edges(periods, link))
    return conflicts_of_interest(driver, FULL, "cadre:1", limit=10, timeout=60.0)


def _with(edge: str, **period: Any) -> dict[str, dict[str, Any]]:
    return {**BASE, edge: {**BASE[edge], **period}}


def test_overlapping_periods_give_one_conflict_with_its_window_and_rule(driver: Driver) -> None:
    for link in ("kinship", "tie"):
        [found] = _found(driver, BASE, link)
        assert (found.window_start, found.window_end) == (date(2016, 3, 1), date(2018, 12, 31))
        assert found.rule == "relative_business_supplies_unit" and found.rule in catalogue()
        assert "2016-03-01" in found.explanation and "2018-12-31" in found.explanation
        assert catalogue()[found.rule].regulation, "the finding cites a regulation"


@pytest.mark.parametrize(("edge", "period", "why"), [
    ("tenure", {"startDate": "2019-01-01", "endDate": "2021-01-01"}, "the cadre took the post after the contract ended"),
    ("tenure", {"startDate": "2010-01-01", "endDate": "2016-02-28"}, "the cadre left the post before the contract began"),
    ("contract", {"signedOn": "2020-01-01", "startDate": None, "endDate": "2020-12-31"}, "signed after the tenure"),
    ("role", {"startDate": "2019-01-01", "endDate": None}, "the relative joined the company after the contract"),
    ("role", {"startDate": "2010-01-01", "endDate": "2015-12-31"}, "the relative left the company before it"),
    ("kinship", {"startDate": "2005-10-01", "endDate": "2015-06-30"}, "divorced before the contract"),
    ("kinship", {"startDate": "2019-05-01", "endDate": None}, "married after the contract ended"),
])
def test_a_period_that_does_not_overlap_the_others_means_no_conflict(
    driver: Driver, edge: str, period: dict[str, Any], why: str,
) -> None:
    assert _found(driver, _with(edge, **period)) == [], why


@pytest.mark.parametrize(("edge", "period", "window"), [
    ("tenure", {"startDate": "2017-01-01", "endDate": None}, (date(2017, 1, 1), date(2018, 12, 31))),
    ("contract", {"signedOn": "2016-02-15", "startDate": None, "endDate": None}, (date(2016, 2, 15), date(2019, 6, 30))),
    ("role", {"startDate": None, "endDate": "2017-06-30"}, (date(2016, 3, 1), date(2017, 6, 30))),
    ("kinship", {"startDate": "2018-01-01", "endDate": None}, (date(2018, 1, 1), date(2018, 12, 31))),
])
def test_each_edge_narrows_the_window_and_unknown_dates_count_as_open(
    driver: Driver, edge: str, period: dict[str, Any], window: tuple[date, date],
) -> None:
    [found] = _found(driver, _with(edge, **period))
    assert (found.window_start, found.window_end) == window


def test_a_route_open_at_both_ends_has_an_open_window(driver: Driver) -> None:
    undated = {"tenure": {"startDate": "2015-01-01", "endDate": None}, "contract": {"signedOn": "2016-02-15"},
               "role": {}, "kinship": {}}
    [found] = _found(driver, undated)
    assert (found.window_start, found.window_end) == (date(2016, 2, 15), None)
    assert "today" in found.explanation
