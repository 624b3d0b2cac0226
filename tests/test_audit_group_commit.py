"""Group commit: concurrent requests' audit entries are appended in a few transactions, one head lock hold each,
and every caller returns only once its own entry is committed; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub import audit
from hub.models import AuditEntry
from hub.sessions import make_session_factory

CALLERS = 10  # within the pool (its size and overflow): all hold a connection at once


def _committed_users(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(AuditEntry.user)))


@pytest.mark.parametrize("max_batch", [500, 3])
def test_concurrent_entries_share_transactions_and_each_returns_once_committed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, max_batch: int,
) -> None:
    """Also when more entries wait than one batch takes: each leader's batch holds its own entry."""
    monkeypatch.setattr(audit, "GROUP_COMMIT_MAX", max_batch)
    batches: list[int] = []
    original = audit.append_batch

    def slow_batch(session: Session, records: Sequence[audit.AccessRecord]) -> list[AuditEntry]:
        batches.append(len(records))
        time.sleep(0.2)  # while one batch is written, the other callers queue up for the next
        return original(session, records)

    monkeypatch.setattr(audit, "append_batch", slow_batch)
    sessions = make_session_factory(engine)
    start = threading.Barrier(CALLERS)
    seen_committed: list[bool] = []

    def request(number: int) -> None:
        user = f"reader-{number}"
        with sessions() as session:
            session.execute(select(AuditEntry.id).limit(1)).all()  # the request's read, in its transaction
            start.wait(30)
            audit.append_committed(session, audit.AccessRecord(user, "org", "query", "", (number,), ("Cadre.name",), ""))
        seen_committed.append(user in _committed_users(engine))

    with ThreadPoolExecutor(CALLERS) as pool:
        list(pool.map(request, range(CALLERS)))

    assert seen_committed == [True] * CALLERS, "a caller returned before its entry was committed"
    assert sum(batches) == CALLERS and max(batches) <= max_batch
    # one leader alone, then the others together (give or take a late arrival), or in batches of at most max_batch
    assert len(batches) <= 4 if max_batch > CALLERS else len(batches) <= CALLERS // 2, batches
    with Session(engine) as session:
        assert audit.verify(session) == []
        assert len(session.scalars(select(AuditEntry)).all()) == CALLERS


def test_a_failed_batch_fails_every_caller_in_it_and_the_next_batch_succeeds(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    original = audit.append_batch
    failures = iter([RuntimeError("the database went away")])

    def failing_once(session: Session, records: Sequence[audit.AccessRecord]) -> Any:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return original(session, records)

    monkeypatch.setattr(audit, "append_batch", failing_once)
    sessions = make_session_factory(engine)
    record = audit.AccessRecord("u", "org", "query", "", (1,), ("Cadre.name",), "")
    with sessions() as session, pytest.raises(RuntimeError, match="went away"):
        audit.append_committed(session, record)
    with sessions() as session:
        audit.append_committed(session, record)
    with Session(engine) as session:
        assert audit.verify(session) == []
        assert len(session.scalars(select(AuditEntry)).all()) == 1


def test_equal_entries_of_different_requests_are_each_appended(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sixteen clients reading the same page as the same user make equal entries: each is its own request's."""
    original = audit.append_batch

    def slow_batch(session: Session, records: Sequence[audit.AccessRecord]) -> list[AuditEntry]:
        time.sleep(0.2)
        return original(session, records)

    monkeypatch.setattr(audit, "append_batch", slow_batch)
    sessions = make_session_factory(engine)

    def request(number: int) -> None:
        time.sleep(0 if number == 0 else 0.05 + 0.005 * number)  # the others queue while the first one leads
        with sessions() as session:
            audit.append_committed(session, audit.AccessRecord("bench", "org", "query", "Page", (1, 2), ("Cadre.name",), ""))

    for _round in range(3):  # which waiter leads the next batch is up to the scheduler: try a few times
        with ThreadPoolExecutor(CALLERS) as pool:
            list(pool.map(request, range(CALLERS)))
    with Session(engine) as session:
        assert audit.verify(session) == []
        assert len(session.scalars(select(AuditEntry)).all()) == 3 * CALLERS
