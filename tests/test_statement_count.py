"""No N+1: a nested page costs a bounded number of SQL statements, whatever its size."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from psycopg.pq import Trace
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
        # The access audit's own statements are not the page's.
        data_statements = [s for s in statements if "audit" not in s]
        counts[size] = len(data_statements)
    assert any(edge["node"]["relatives"] for edge in page["edges"])
    assert any(edge["node"]["negativeRecords"] for edge in page["edges"])
    assert counts[20] == counts[100]
    # page, count, current posts, their units, kinships, their persons, negative records
    assert counts[100] <= 8, counts


class RoundTrips:
    """Every message exchange of the engine's PostgreSQL connections, read from libpq's protocol trace: one
    ReadyForQuery ends each round trip (a statement, BEGIN, COMMIT, ROLLBACK, a pool ping)."""

    def __init__(self, engine: Any, directory: Path) -> None:
        self.directory = directory
        self.connections: list[tuple[Any, Any]] = []
        event.listen(engine, "connect", self._trace)
        engine.dispose()  # from here on every connection is a new, traced one

    def _trace(self, dbapi_connection: Any, _record: Any) -> None:
        log = (self.directory / f"connection-{len(self.connections)}.trace").open("ab")
        dbapi_connection.pgconn.trace(log.fileno())
        dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
        self.connections.append((dbapi_connection, log))

    def messages(self) -> list[str]:
        lines: list[str] = []
        for connection, log in self.connections:
            connection.pgconn.untrace()  # flushes what libpq buffered
            lines += (self.directory / Path(log.name).name).read_text(errors="replace").splitlines()
            connection.pgconn.trace(log.fileno())
            connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
        return lines

    def count(self) -> int:
        return sum("ReadyForQuery" in line for line in self.messages())


@pytest.fixture
def traced_page(settings: Any, engine: Any, policy_store: Any, tmp_path: Path) -> Iterator[tuple[TestClient, RoundTrips, Any]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("round trips are counted on PostgreSQL's wire protocol")
    seed_database(engine, cadres=300, seed=11, progress=False)
    app = create_app(settings, policies=policy_store)
    with TestClient(app) as client:
        hub_engine = app.state.hub.engine
        checkouts: list[int] = []
        event.listen(hub_engine, "checkout", lambda *_args: checkouts.append(1))
        yield client, RoundTrips(hub_engine, tmp_path), checkouts


def test_an_audited_page_makes_one_checkout_and_few_round_trips_on_postgresql(traced_page: Any, settings: Any) -> None:
    """One connection for the read and its audit entry, no ping, no second BEGIN: 5 round trips (BEGIN, the page's one
    statement, the cadres behind the persons read, the head's compare-and-swap with the entry insert, COMMIT) where
    there were 18 (two checkouts with a ping and a BEGIN each, the page's 7 statements, a ROLLBACK, an advisory lock,
    the head's read, update and insert); a process appending alone does not read the head first."""
    client, round_trips, checkouts = traced_page
    org = Caller(client, settings, "org")
    for _warm in range(2):  # the pool connects, the audit head exists, this process has found it where it left it
        org.data(PAGE, {"first": 20})
    before, checked_out = round_trips.count(), len(checkouts)
    page = org.data(PAGE, {"first": 100})["cadres"]
    assert len(page["edges"]) == 100
    exchanged = round_trips.count() - before
    sent = [line for line in round_trips.messages() if "\tQuery\t" in line or "\tParse\t" in line][-exchanged:]
    assert len(checkouts) - checked_out == 1, "the read and its audit entry share one pooled connection"
    assert exchanged <= 5, (exchanged, [line[:120] for line in sent])
    assert not any("FOR UPDATE" in line for line in sent), "the head is not read: this process wrote it"


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


def test_a_compiled_page_statement_is_converted_once_for_psycopg(
    seeded_client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg keeps each statement's parameters converted to PostgreSQL's only for short texts by default; the
    compiled page is longer, and is still converted once, not on every request."""
    client, engine = seeded_client
    if engine.dialect.name != "postgresql":
        pytest.skip("psycopg's statement conversion")
    from psycopg import _queries

    original, splits = _queries._split_query, []

    def counted(*args: Any, **kwargs: Any) -> Any:
        splits.append(1)
        return original(*args, **kwargs)

    org = Caller(client, settings, "org")
    with counting(engine) as statements:
        org.data(COMPILED_PAGE, {"first": 100})  # warm: every statement text converted once
    assert max(map(len, statements)) > 4096, "the page's statement is longer than psycopg caches by default"
    monkeypatch.setattr(_queries, "_split_query", counted)
    for _request in range(3):
        org.data(COMPILED_PAGE, {"first": 100})
    assert splits == []
