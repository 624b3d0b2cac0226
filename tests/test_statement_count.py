"""No N+1: a nested page costs a bounded number of SQL statements, whatever its size."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from hub.app import create_app
from hub.seed import seed_database
from tests.conftest import Caller

PAGE = """query Page($first: Int!) { cadres(first: $first) { totalCount edges { node {
  name rank posts { title unit { name } } relatives { kind person { name occupation } }
  negativeRecords { category status } } } } }"""


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def seeded_client(settings: Any, engine: Any, policy_store: Any) -> Iterator[tuple[TestClient, Any]]:
    seed_database(engine, cadres=300, seed=11, progress=False)
    app = create_app(settings, policies=policy_store)
    with TestClient(app) as client:
        yield client, app.state.hub.engine


def test_nested_page_costs_the_same_statements_for_20_or_100_cadres(seeded_client: Any, settings: Any) -> None:
    client, engine = seeded_client
    org = Caller(client, settings, "org")
    counts = {}
    for size in (20, 100):
        with counting(engine) as statements:
            page = org.data(PAGE, {"first": size})["cadres"]
        assert len(page["edges"]) == size
        # The access audit's own statements (on PostgreSQL its append takes an advisory lock first) are not the page's.
        data_statements = [s for s in statements if "audit" not in s and "pg_advisory_xact_lock" not in s]
        counts[size] = len(data_statements)
    assert any(edge["node"]["relatives"] for edge in page["edges"])
    assert any(edge["node"]["negativeRecords"] for edge in page["edges"])
    assert counts[20] == counts[100]
    # page, count, current posts, their units, kinships, their persons, negative records
    assert counts[100] <= 8, counts


# The peer benchmark's page (../shared/bench-peers/hub_page.graphql): every field of it compiles.
COMPILED_PAGE = """query Page($first: Int!) { cadres(first: $first, filter: {managementLevel: CITY, jurisdiction: "huzhou"}) {
  totalCount edges { node { id name idNumber rank birthDate unit { name }
    posts { id title rank unit { name } } negativeRecords { category status severity reportingAgency occurredOn } } } } }"""


@pytest.mark.parametrize("agency", ["org", "police"])
def test_a_compiled_page_is_one_statement(seeded_client: Any, settings: Any, agency: str) -> None:
    client, engine = seeded_client
    caller = Caller(client, settings, agency)
    for size in (20, 100):
        with counting(engine) as statements:
            page = caller.data(COMPILED_PAGE, {"first": size})["cadres"]
        assert len(page["edges"]) == min(size, page["totalCount"]) and page["edges"]
        # (the page's own SQL names the audit agency, AUDIT, among the reporting agencies: the audit's tables differ)
        data_statements = [s for s in statements if not re.search(r"audit_(entry|head)|pg_advisory_xact_lock", s)]
        assert len(data_statements) == 1, statements
        assert "json" in data_statements[0].lower()
