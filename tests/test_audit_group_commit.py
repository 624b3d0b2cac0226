"""Group commit: concurrent requests' audit entries are appended in a few transactions, one head lock hold each,
and every caller returns only once its own entry is committed; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from hub import audit
from hub.audit_seal import seal_for
from hub.db import make_engine
from hub.models import AuditEntry, AuditHead
from hub.sessions import make_session_factory

CALLERS = 10  # within the pool (its size and overflow): all hold a connection at once
Joining = Callable[[], Sequence[audit.AccessRecord]] | None


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

    def slow_batch(session: Session, records: Sequence[audit.AccessRecord], joining: Joining = None) -> list[Any]:
        time.sleep(0.2)  # while one batch is written, the other callers queue up for the next
        appended = original(session, records, joining)
        batches.append(len(appended))
        return appended

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


def test_entries_arriving_while_another_process_holds_the_head_join_the_waiting_batch(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leader takes its batch once it has locked the head, not before: what queued behind it meanwhile (here
    while another process's transaction held the head) is appended with it, in one transaction."""
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL locks the head row while a batch is written")
    record = audit.AccessRecord("first", "org", "query", "", (1,), ("Cadre.name",), "")
    with Session(engine) as session, session.begin():
        audit.append(session, record)  # the head exists from here on
    batches: list[int] = []
    original = audit.append_batch

    def counted(session: Session, records: Sequence[audit.AccessRecord], joining: Joining = None) -> Any:
        appended = original(session, records, joining)
        batches.append(len(appended))
        return appended

    monkeypatch.setattr(audit, "append_batch", counted)
    sessions = make_session_factory(engine)
    other_process = engine.connect()
    holding = other_process.begin()
    other_process.execute(select(AuditHead.hash).where(AuditHead.id == audit.HEAD_ID).with_for_update())

    def request(number: int) -> None:
        time.sleep(0 if number == 0 else 0.05)  # the first leads and waits for the head; the others queue
        with sessions() as session:
            audit.append_committed(session, audit.AccessRecord(f"r{number}", "org", "query", "", (1,), ("Cadre.name",), ""))

    with ThreadPoolExecutor(CALLERS) as pool:
        requests = [pool.submit(request, number) for number in range(CALLERS)]
        time.sleep(1.0)  # well after every request queued
        assert batches == [] and not any(done.done() for done in requests)
        holding.commit()
        other_process.close()
        for done in requests:
            done.result(timeout=30)
    assert batches == [CALLERS]
    with Session(engine) as session:
        assert audit.verify(session) == []


def test_a_failed_batch_fails_every_caller_in_it_and_the_next_batch_succeeds(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    original = audit.append_batch
    failures = iter([RuntimeError("the database went away")])

    def failing_once(session: Session, records: Sequence[audit.AccessRecord], joining: Joining = None) -> Any:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return original(session, records, joining)

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

    def slow_batch(session: Session, records: Sequence[audit.AccessRecord], joining: Joining = None) -> Any:
        time.sleep(0.2)
        return original(session, records, joining)

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


def test_a_batch_is_written_whole_with_its_values_in_chain_order(engine: Engine) -> None:
    """One head read and one statement for the whole batch on PostgreSQL (the entries and the head's move together);
    each entry keeps its values exactly: empty lists stay lists, the purpose its characters, the batch its order."""
    records = [
        audit.AccessRecord(f"reader-{number}", "org", "query", "Read", tuple(range(number % 3)),
                           ("Query.cadre", "Cadre.name")[: number % 3], f"线索核查 {number}")
        for number in range(50)
    ]
    statements: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as session, session.begin():
            audit.append(session, records[0])  # the head exists from here on
        statements.clear()
        with Session(engine) as session, session.begin():
            appended = audit.append_batch(session, records[1:])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if engine.dialect.name == "postgresql":
        assert len(statements) == 2, statements  # the head, locked; the entries with the head's compare-and-swap
    with Session(engine) as session:
        assert audit.verify(session) == []
        stored = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(entry.user, entry.cadre_ids, entry.fields, entry.purpose) for entry in stored] == [
        (record.user, sorted(record.cadre_ids), sorted(record.fields), record.purpose) for record in records
    ]
    assert [entry.hash for entry in stored[1:]] == [entry.hash for entry in appended]
    assert stored[3].cadre_ids == [] and stored[3].fields == []  # reader-3, in the batch


def test_an_append_whose_head_moved_meanwhile_writes_nothing(engine: Engine) -> None:
    """The compare-and-swap fails as a whole: no entry is inserted when the head is no longer the one read."""
    record = audit.AccessRecord("u", "org", "query", "", (1,), ("Cadre.name",), "")
    with Session(engine) as session, session.begin():
        audit.append(session, record)
    with Session(engine) as session, session.begin():
        moved_away = "f" * 64
        entries = audit._chained(seal_for(session), moved_away, [record, record])
        append = audit._append_postgresql if engine.dialect.name == "postgresql" else audit._append_portable
        assert not append(session.connection(), moved_away, 3, entries)
    with Session(engine) as session:
        assert len(session.scalars(select(AuditEntry)).all()) == 1
        assert audit.verify(session) == []


def test_a_process_appending_alone_chains_from_the_head_it_knows_and_falls_back_when_another_moved_it(
    engine: Engine, settings: Any
) -> None:
    """No head read while this process appended last and found the head where it had left it; a head another process
    moved makes the compare-and-swap fail, and the batch is chained again from the head read (and locked)."""
    statements: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    def appended(user: str) -> list[str]:
        statements.clear()
        with Session(engine) as session, session.begin():
            audit.append(session, audit.AccessRecord(user, "org", "query", "", (1,), ("Cadre.name",), ""))
        return [statement for statement in statements if "audit_head" in statement]

    def reads_head(statement: str) -> bool:  # SQLite has no FOR UPDATE: the read is the lock there is
        return statement.lstrip().upper().startswith("SELECT")

    other_process = make_engine(settings)  # its own pool and its own knowledge of the head, as another process has
    event.listen(engine, "before_cursor_execute", count)
    try:
        appended("first")  # the head exists
        appended("second")  # it finds the head where "first" left it
        assert not any(map(reads_head, appended("third"))), "chained from the known head"
        with Session(other_process) as session, session.begin():
            audit.append(session, audit.AccessRecord("elsewhere", "org", "query", "", (2,), ("Cadre.name",), ""))
        fell_back = appended("fourth")
        assert len(fell_back) == 3 and reads_head(fell_back[1]), fell_back  # the swap failed, then a locked read
        assert any(map(reads_head, appended("fifth"))), "the head had been moved: it is read until found as left"
        assert not any(map(reads_head, appended("sixth")))
    finally:
        event.remove(engine, "before_cursor_execute", count)
        other_process.dispose()
    with Session(engine) as session:
        assert audit.verify(session) == []
        users = session.scalars(select(AuditEntry.user).order_by(AuditEntry.id)).all()
    assert users == ["first", "second", "third", "elsewhere", "fourth", "fifth", "sixth"]
