"""A client's mistakes over HTTP: the codes clients switch on, and log lines free of what the client typed."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from hub.logs import logging_config
from schema.request_errors import query_digest
from tests.conftest import Caller

NAME = "王建国"  # a cadre of the test world, as an investigator would type it into a filter

MISTAKES = [
    # (query, variables, code)
    ('query FindCadre { cadres(filter: {nameContains: "王建国") { totalCount } }', None, "GRAPHQL_PARSE_FAILED"),
    ('query FindCadre { cadres(filter: {reserveTier: "王建国"}) { totalCount } }', None, "GRAPHQL_VALIDATION_FAILED"),
    ('query FindCadre { cadres(filter: {nameContains: "王建国"}) { totalCont } }', None, "GRAPHQL_VALIDATION_FAILED"),
    ("query FindCadre($tier: Int) { cadres(filter: {reserveTier: $tier}) { totalCount } }", {"tier": NAME},
     "BAD_USER_INPUT"),
]


@pytest.fixture
def org(as_agency: Any) -> Caller:
    return as_agency("org")


@pytest.mark.parametrize(("query", "variables", "code"), MISTAKES)
def test_request_errors_carry_apollo_codes(org: Caller, world: Any, query: str, variables: Any, code: str) -> None:
    body = org(query, variables)
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == [code] * len(body["errors"])


def test_request_errors_carry_their_code_in_graphql_response_json_too(org: Caller, world: Any) -> None:
    response = org.client.post(
        "/graphql", json={"query": "{ cadres { nope } }"},
        headers={"Authorization": f"Bearer {org.token}", "Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_code_given_on_purpose_is_kept(org: Caller, world: Any) -> None:
    body = org("{ cadres(first: 100000) { edges { node { tenures { post { unit { cadres { name } } } } } } } }")
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


@pytest.mark.parametrize(("query", "variables", "code"), MISTAKES)
def test_a_mistyped_search_leaves_no_searched_name_in_the_log(
    org: Caller, world: Any, caplog: pytest.LogCaptureFixture, query: str, variables: Any, code: str,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    org(query, variables)
    assert caplog.records, "the mistake is logged"
    for record in caplog.records:
        line = logging.Formatter("%(message)s").format(record) + json.dumps(record.__dict__, default=str, ensure_ascii=False)
        assert NAME not in line, line
        assert record.exc_info is None, record.getMessage()
    mistake = next(record for record in caplog.records if record.name == "hub.requests")
    assert mistake.levelno == logging.INFO
    assert code in mistake.getMessage()
    assert ("FindCadre" in mistake.getMessage()) is (code != "GRAPHQL_PARSE_FAILED")  # unparsed: the name is unknown
    assert query_digest(query) in mistake.getMessage()


def test_bad_input_is_logged_without_a_traceback(org: Caller, world: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = org('{ cadres(after: "王建国") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert caplog.records and all(record.exc_info is None for record in caplog.records)
    assert all(NAME not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_log_timestamps_carry_their_zone(log_format: str) -> None:
    config = logging_config(log_format)
    formatter_config = dict(config["formatters"]["hub"])
    factory = formatter_config.pop("()", logging.Formatter)
    formatter = factory(**{("fmt" if key == "format" else key): value for key, value in formatter_config.items()})
    record = logging.LogRecord("hub", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id = ""
    line = formatter.format(record)
    assert re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}", line), line
