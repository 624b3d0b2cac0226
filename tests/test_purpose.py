"""The X-Purpose header: no control or formatting characters, a bounded length, and for agencies the policy
obliges to state a purpose (inspectors) a case number or one of the configured reasons."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import mint_token
from hub.settings import Settings

QUERY = {"query": "{ cadres { totalCount } }"}


def post(client: TestClient, token: str, purpose: str, *, encoded: bool = True) -> Any:
    header = quote(purpose) if encoded else purpose
    return client.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}", "X-Purpose": header})


def refused(response: Any, code: str, message_part: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert message_part in error["message"]


@pytest.fixture
def tokens(settings: Settings) -> dict[str, str]:
    return {agency: mint_token(settings, agency=agency, user="u1", jurisdiction="huzhou", level="city")
            for agency in ("inspector", "police")}


@pytest.mark.parametrize(
    "purpose",
    [
        "线索核查\nX-Forged: entry",  # LF
        "线索核查\r",  # CR (not at the end after stripping: checked before)
        "线索核查\x00",  # NUL
        "线索核查\x1b[31m",  # ESC
        "线索核查\u202e查核索线",  # RIGHT-TO-LEFT OVERRIDE
        "线索核查\u2066x\u2069",  # bidi isolates
        "线索\u200b核查",  # ZERO WIDTH SPACE
        "线索核查\u2028第二行",  # LINE SEPARATOR
    ],
)
@pytest.mark.parametrize("agency", ["inspector", "police"])
def test_control_and_format_characters_are_refused(client: TestClient, tokens: dict[str, str], agency: str,
                                                   purpose: str) -> None:
    refused(post(client, tokens[agency], purpose), "BAD_INPUT", "control or formatting characters")


def test_a_raw_tab_in_the_header_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    refused(post(client, tokens["police"], "a\tb", encoded=False), "BAD_INPUT", "U+0009")


def test_an_overlong_purpose_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    refused(post(client, tokens["police"], "线索核查" + "x" * 200), "BAD_INPUT", "longer than 200 characters")
    assert post(client, tokens["police"], "x" * 200).status_code == 200


def test_invalid_utf8_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    refused(post(client, tokens["police"], "%FF%FE", encoded=False), "BAD_INPUT", "UTF-8")


@pytest.mark.parametrize("purpose", ["test", "看看", "随便查查 线索核查", "(2025)刑初", "XC-25-1"])
def test_inspectors_must_name_a_case_or_a_configured_reason(client: TestClient, tokens: dict[str, str],
                                                           purpose: str) -> None:
    refused(post(client, tokens["inspector"], purpose), "PURPOSE_REQUIRED", "case number")


CASES = {"(2025)浙0502刑初123号": "(2025)浙0502刑初123号", "（2025）湖纪立字第12号 关联人核查": "（2025）湖纪立字第12号",
         "核查 XC-2025-0012": "XC-2025-0012"}


@pytest.mark.parametrize("purpose", ["线索核查", "巡察：核查生活圈", "信访核查 12380 举报", *CASES])
def test_inspectors_are_admitted_with_a_case_they_work_on_or_a_reason(client: TestClient, tokens: dict[str, str],
                                                                     purpose: str) -> None:
    if purpose in CASES:
        refused(post(client, tokens["inspector"], purpose), "PURPOSE_REQUIRED", "not a case your agency works on")
        opened = client.post("/graphql", json={"query": f'mutation {{ openCase(number: "{CASES[purpose]}", title: "t") '
                                                        "{ __typename } }"},
                             headers={"Authorization": f"Bearer {tokens['inspector']}", "X-Purpose": quote("线索核查")})
        assert opened.json()["data"]["openCase"]["__typename"] == "Case", opened.text
    assert post(client, tokens["inspector"], purpose).status_code == 200


def test_agencies_without_the_obligation_may_state_any_clean_purpose(client: TestClient, tokens: dict[str, str]) -> None:
    assert post(client, tokens["police"], "例行查询").status_code == 200


def test_the_reasons_and_the_case_pattern_are_configurable(settings: Settings, policy_store: Any,
                                                          tokens: dict[str, str]) -> None:
    custom = replace(settings, purpose_reasons=("专项督查",), purpose_case_pattern=r"CASE-\d{6}")
    with TestClient(create_app(custom, policies=policy_store)) as client:
        assert post(client, tokens["inspector"], "专项督查：第三组").status_code == 200
        refused(post(client, tokens["inspector"], "re CASE-000123"), "PURPOSE_REQUIRED", "CASE-000123")  # no such case yet
        refused(post(client, tokens["inspector"], "线索核查"), "PURPOSE_REQUIRED", "专项督查")


def test_the_bulk_import_routes_refuse_unsafe_purposes(client: TestClient, settings: Settings) -> None:
    police = mint_token(settings, agency="police", user="p1", jurisdiction="huzhou", level="city")
    headers = {"Authorization": f"Bearer {police}", "X-Purpose": quote("报送\r\n伪造")}
    refused(client.get("/reports/template", headers=headers), "BAD_INPUT", "control or formatting characters")
    refused(client.post("/reports/import", content=b"a,b\n", headers=headers), "BAD_INPUT", "control or formatting")
