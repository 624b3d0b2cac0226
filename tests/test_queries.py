"""Queries: single records, lists with filters, sorting and pagination, nested records."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def org(world: Any, as_agency: Any) -> Any:
    return as_agency("org")


def names(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


def test_cadre_by_id_with_nested_records(org: Any) -> None:
    cadre = org.data(
        """{ cadre(id: 1) { name idNumber rank managementLevel unit { name }
             posts { title isKeyPost } tenures { startDate endDate post { title } }
             relatives { kind person { name emigratedTo } } ties { kind person { name } otherCadre { name } }
             negativeRecords { category status reportingAgency } reports { year items { category finding } } } }"""
    )["cadre"]
    assert cadre["name"] == "王建国"
    assert cadre["unit"] == {"name": "湖州市财政局"}
    assert cadre["posts"] == [{"title": "局长", "isKeyPost": True}]
    assert [t["post"]["title"] for t in cadre["tenures"]] == ["副局长", "局长"]
    assert cadre["tenures"][1]["endDate"] is None
    assert {(r["kind"], r["person"]["name"]) for r in cadre["relatives"]} == {("SPOUSE", "周丽"), ("CHILD", "王小明")}
    assert {(t["kind"], (t["person"] or {}).get("name"), (t["otherCadre"] or {}).get("name")) for t in cadre["ties"]} == {
        ("CLASSMATE", "赵强", None),
        ("FORMER_COLLEAGUE", None, "李明"),
    }
    assert [(r["category"], r["status"]) for r in cadre["negativeRecords"]] == [
        ("PUBLIC_ORDER", "CONFIRMED"),
        ("PETITION_REPORT", "VERIFYING"),
    ]
    assert cadre["reports"] == [{"year": 2025, "items": [
        {"category": "REAL_ESTATE", "finding": "CONSISTENT"}, {"category": "BUSINESS", "finding": "CONCEALMENT"},
    ]}]


def test_missing_cadre_is_null(org: Any) -> None:
    assert org.data("{ cadre(id: 999) { name } }") == {"cadre": None}


def test_county_cadre_is_outside_a_city_agencys_management_authority(org: Any, as_agency: Any) -> None:
    assert org.data("{ cadre(id: 3) { name } }") == {"cadre": None}
    county_org = as_agency("org", jurisdiction="wuxing", level="county")
    assert county_org.data("{ cadre(id: 3) { name } }") == {"cadre": {"name": "张伟"}}
    assert county_org.data("{ cadres { totalCount } }")["cadres"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ('{nameContains: "李"}', ["李明"]),
        ("{unitId: 1}", ["王建国", "李明"]),
        ("{rank: DEPUTY_DIVISION}", ["李明", "陈静"]),
        ("{managementLevel: CITY}", ["王建国", "李明", "陈静"]),
        ("{onNegativeList: true}", ["王建国"]),
        ("{onNegativeList: false}", ["李明", "陈静"]),
        ('{nameContains: "%"}', []),
        ('{unitId: 1, rank: DIVISION}', ["王建国"]),
    ],
)
def test_cadre_filters(org: Any, filter_text: str, expected: list[str]) -> None:
    result = org.data(f"{{ cadres(filter: {filter_text}) {{ totalCount edges {{ node {{ name }} }} }} }}")["cadres"]
    assert names(result) == expected
    assert result["totalCount"] == len(expected)


def test_cleared_record_does_not_put_a_cadre_on_the_negative_list(org: Any) -> None:
    listed = org.data("{ cadres(filter: {onNegativeList: true}) { edges { node { id } } } }")["cadres"]["edges"]
    assert {edge["node"]["id"] for edge in listed} == {1}  # cadre 2's only record is cleared


def test_sorting(org: Any) -> None:
    query = "{ cadres(orderBy: [{field: BIRTH_DATE, direction: DESC}]) { edges { node { name } } } }"
    assert names(org.data(query)["cadres"]) == ["李明", "陈静", "王建国"]
    query = "{ cadres(orderBy: [{field: RANK}, {field: NAME, direction: DESC}]) { edges { node { name } } } }"
    assert names(org.data(query)["cadres"])[0] in {"李明", "陈静"}


def test_pagination_walks_every_row_once(org: Any) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = org.data(
            "query($after: String) { cadres(first: 2, after: $after) { totalCount "
            "pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { name } } } }",
            {"after": after},
        )["cadres"]
        assert page["totalCount"] == 3
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        seen += names(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["王建国", "李明", "陈静"]


@pytest.mark.parametrize(("argument", "message"), [
    ('first: -1', "first: must be between 0 and 500"),
    ('first: 501', "first: must be between 0 and 500"),
    ('after: "not-a-cursor"', "after: is not a cursor returned by this API"),
])
def test_bad_page_arguments_get_a_clear_error(org: Any, argument: str, message: str) -> None:
    body = org(f"{{ cadres({argument}) {{ totalCount }} }}")
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"


def test_other_lists_and_lookups(org: Any) -> None:
    data = org.data(
        """{ units(filter: {level: CITY}) { totalCount edges { node { name posts { title quota } } } }
             posts(filter: {isKeyPost: true}) { edges { node { title unit { name } requirements { dimension weight } } } }
             persons(filter: {emigrated: true}) { edges { node { name emigratedTo relativeOf { kind cadre { name } } } } }
             organizations(filter: {kind: COMPANY}) { edges { node { name roles { role person { name } }
                 supplyContracts { amount unit { name } } } } }
             negativeRecords(filter: {status: CONFIRMED}) { edges { node { facts cadre { name } } } }
             unit(id: 2) { name } post(id: 3) { title } person(id: 4) { name } organization(id: 2) { name
                 partTimePositions { title approved cadre { name } } }
             negativeRecord(id: 2) { status conclusion } }"""
    )
    assert data["units"]["totalCount"] == 2
    assert [e["node"]["title"] for e in data["posts"]["edges"]] == ["局长", "局长"]
    assert data["posts"]["edges"][0]["node"]["requirements"][0] == {"dimension": "performance", "weight": 0.2}
    assert data["persons"]["edges"] == [
        {"node": {"name": "王小明", "emigratedTo": "加拿大", "relativeOf": [{"kind": "CHILD", "cadre": {"name": "王建国"}}]}}
    ]
    company = data["organizations"]["edges"][0]["node"]
    assert company["roles"] == [{"role": "OWNER", "person": {"name": "周丽"}}, {"role": "DIRECTOR", "person": {"name": "赵强"}}]
    assert company["supplyContracts"] == [{"amount": "860000.00", "unit": {"name": "湖州市财政局"}}]
    assert data["negativeRecords"]["edges"] == [{"node": {"facts": "酒后滋事，行政拘留五日", "cadre": {"name": "王建国"}}}]
    assert data["unit"] == {"name": "吴兴区住建局"}
    assert data["organization"]["partTimePositions"] == [{"title": "副会长", "approved": False, "cadre": {"name": "李明"}}]
    assert data["negativeRecord"] == {"status": "CLEARED", "conclusion": "不实，予以澄清"}


def test_references_to_cadres_outside_scope_are_null(org: Any) -> None:
    """Person 4 is the spouse of county cadre 3: the city org department sees neither."""
    assert org.data("{ person(id: 4) { name } }") == {"person": None}
    data = org.data("{ unit(id: 2) { cadres { name } } post(id: 3) { tenures { cadre { name } } } }")
    assert data["unit"]["cadres"] == []
    assert data["post"]["tenures"] == []
