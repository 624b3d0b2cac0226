"""Unexpected errors (a database error, say) reach the client as `internal error` with an error id, in every
mode; the SQL, tables and columns stay in the server log under the same id."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from hub.app import create_app
from hub.settings import Settings
from tests.conftest import Caller, production_settings, table_renamed_away

# Words of the failing statements that must never reach a client.
LEAKS = re.compile(r"select|insert|from |where|sqlite|psycopg|no such table|relation|post_gone|audit_entry|unit_id|"
                   r"quota|is_key_post|\[SQL|sqlalche\.me", re.IGNORECASE)


@pytest.fixture(params=["development", "production"])
def caller(request: pytest.FixtureRequest, settings: Settings, world: Engine) -> Iterator[Caller]:
    app_settings = production_settings(settings) if request.param == "production" else settings
    with TestClient(create_app(app_settings)) as client:
        yield Caller(client, app_settings, "org")


@pytest.fixture
def audit_table_missing(world: Engine) -> Iterator[Engine]:
    """The audit table renamed away: the access audit's own write fails after the query ran."""
    with table_renamed_away(world, "audit_entry") as engine:
        yield engine


def assert_generic(body: dict[str, Any], caplog: pytest.LogCaptureFixture) -> str:
    assert body["errors"], body
    for error in body["errors"]:
        assert error["message"] == "internal error", error
        assert error["extensions"]["code"] == "INTERNAL_ERROR"
        assert re.fullmatch(r"[0-9a-f]{32}", error["extensions"]["errorId"])
    assert not LEAKS.search(str(body)), body
    error_id: str = body["errors"][0]["extensions"]["errorId"]
    logged = [record for record in caplog.records if record.name == "hub.errors" and error_id in record.getMessage()]
    assert logged and logged[0].exc_info is not None, "the details are logged under the error id"
    return error_id


def test_a_failing_statement_is_answered_without_its_sql(
    post_table_missing: Engine, caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    body = caller("{ posts { totalCount edges { node { title quota unit { name } } } } }")
    assert body["data"] is None
    assert_generic(body, caplog)
    logged = next(record for record in caplog.records if record.name == "hub.errors")
    assert "post" in str(logged.exc_info[1])  # type: ignore[index]  (the log keeps what the client does not see)


def test_a_failing_nested_field_keeps_its_path_and_the_rest_of_the_answer(
    post_table_missing: Engine, caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    body = caller("{ cadre(id: 1) { name posts { title } } }")
    assert_generic(body, caplog)
    assert body["errors"][0]["path"][:2] == ["cadre", "posts"]


def test_a_failing_write_is_answered_without_its_sql(
    post_table_missing: Engine, caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    body = caller('mutation { createPost(input: {unitId: 1, title: "科员", rank: SECTION, quota: 1, isKeyPost: false}) '
                  "{ __typename } }")
    assert_generic(body, caplog)


def test_an_error_after_execution_is_answered_without_its_sql(
    audit_table_missing: Engine, caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    body = caller("{ cadre(id: 1) { name } }")
    assert_generic(body, caplog)


def test_errors_raised_on_purpose_keep_their_message(world: Engine, caller: Caller) -> None:
    body = caller("{ cadres(first: 100000) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert "first" in body["errors"][0]["message"]


def test_the_log_is_at_error_level(post_table_missing: Engine, caller: Caller, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="hub.errors"):
        assert_generic(caller("{ posts { totalCount } }"), caplog)


def test_a_refused_variable_value_is_named_in_every_mode(world: Engine, caller: Caller) -> None:
    body = caller("query($d: Date) { negativeRecords(filter: {reportedFrom: $d}) { totalCount } }", {"d": "2025-13-01"})
    assert body["data"] is None and "$d" in body["errors"][0]["message"]
