"""Apply the graph outbox to Neo4j in id order; the checkpoint moves only after Neo4j has committed.

Every write is a MERGE by key or a delete by key, so applying a row twice changes nothing: a crash
between the Neo4j commit and the checkpoint update just applies that batch again. Two appliers
interleaving old and new batches could briefly replay a stale upsert, so `SyncWorker`s elect one
leader (graph_sync/leadership.py): any number may run, the others stand by and take over when it dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from neo4j import Driver, ManagedTransaction
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from graph_sync import cypher
from graph_sync.driver import open_driver
from graph_sync.leadership import Leadership, leadership_for
from graph_sync.model import EdgeKind, NodeKind
from hub.db import transaction
from hub.models import GraphCheckpoint, GraphOutbox
from hub.models.base import utcnow
from hub.settings import Settings

log = logging.getLogger(__name__)

CHECKPOINT_ID = 1
ROUND_BATCHES = 20
STANDBY_POLL_SECONDS = 1.0  # a standby asks for the lead at least this often: it takes over well within 5 s


@dataclass(frozen=True)
class OutboxRow:
    id: int
    op: str
    entity: str
    kind: str
    key: str
    payload: dict[str, Any] | None


# --- checkpoint ----------------------------------------------------------------------------------


def read_checkpoint(session: Session) -> int:
    """The last outbox id applied to the graph (0 before the first sync)."""
    value = session.scalar(select(GraphCheckpoint.last_outbox_id).where(GraphCheckpoint.id == CHECKPOINT_ID))
    return int(value or 0)


def write_checkpoint(session: Session, outbox_id: int) -> None:
    row = session.get(GraphCheckpoint, CHECKPOINT_ID)
    if row is None:
        session.add(GraphCheckpoint(id=CHECKPOINT_ID, last_outbox_id=outbox_id, updated_at=utcnow()))
    else:
        row.last_outbox_id = outbox_id
        row.updated_at = utcnow()


def max_outbox_id(session: Session) -> int:
    return int(session.scalar(select(func.max(GraphOutbox.id))) or 0)


def pending_count(session_factory: sessionmaker[Session]) -> int:
    """Outbox rows not yet applied to the graph."""
    with session_factory() as session:
        checkpoint = read_checkpoint(session)
        return int(session.scalar(select(func.count()).select_from(GraphOutbox).where(GraphOutbox.id > checkpoint)) or 0)


def backlog(session_factory: sessionmaker[Session]) -> tuple[int, float | None]:
    """Outbox rows not yet applied, and the age in seconds of the oldest of them (None when there is none)."""
    with session_factory() as session:
        checkpoint = read_checkpoint(session)
        count, oldest = session.execute(
            select(func.count(), func.min(GraphOutbox.created_at)).where(GraphOutbox.id > checkpoint)
        ).one()
    if oldest is None:
        return int(count or 0), None
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    return int(count), max(0.0, (datetime.now(UTC) - oldest).total_seconds())


# --- applying ------------------------------------------------------------------------------------


def read_pending(session_factory: sessionmaker[Session], limit: int) -> list[OutboxRow]:
    with session_factory() as session:
        checkpoint = read_checkpoint(session)
        query = (
            select(GraphOutbox.id, GraphOutbox.op, GraphOutbox.entity, GraphOutbox.kind, GraphOutbox.key, GraphOutbox.payload)
            .where(GraphOutbox.id > checkpoint)
            .order_by(GraphOutbox.id)
            .limit(limit)
        )
        return [OutboxRow(*row) for row in session.execute(query)]


def plan_groups(rows: Sequence[OutboxRow]) -> list[list[OutboxRow]]:
    """Group ordered rows into statements of one (entity, kind, op), giving the same graph as applying them one by one.

    A row moves to an earlier group only past rows it commutes with: it stays after every earlier row
    on the same key; an edge upsert stays after the operations on its two end nodes, and a node
    operation after the edge upserts that end at it. Rows in one group therefore have distinct keys
    and can run in any order. (Consecutive runs of one kind would also be correct, but a stream of
    small transactions, a person then its kinship and so on, would need a statement per row.)
    """
    groups: list[list[OutboxRow]] = []
    signatures: list[tuple[str, str, str]] = []
    # Index of the last group with: an operation on a node / an edge upsert ending at a node / an operation on an edge.
    node_op: dict[str, int] = {}
    endpoint: dict[str, int] = {}
    edge_op: dict[str, int] = {}
    for row in rows:
        ends: tuple[str, ...] = ()
        if row.entity == "node":
            after = max(node_op.get(row.key, -1), endpoint.get(row.key, -1))
        else:
            if row.op == "upsert":
                payload = _payload(row)
                ends = (payload["source"], payload["target"])
            after = max([edge_op.get(row.key, -1), *(node_op.get(end, -1) for end in ends)])
        signature = (row.entity, row.kind, row.op)
        index = next((i for i in range(after + 1, len(groups)) if signatures[i] == signature), None)
        if index is None:
            index = len(groups)
            groups.append([])
            signatures.append(signature)
        groups[index].append(row)
        if row.entity == "node":
            node_op[row.key] = max(node_op.get(row.key, -1), index)
        else:
            edge_op[row.key] = max(edge_op.get(row.key, -1), index)
            for end in ends:
                endpoint[end] = max(endpoint.get(end, -1), index)
    return groups


def apply_rows(tx: ManagedTransaction, rows: Sequence[OutboxRow]) -> None:
    """Apply outbox rows in one Neo4j transaction, one UNWIND statement per group of `plan_groups`."""
    for group in plan_groups(rows):
        first = group[0]
        if first.entity == "node":
            node_kind = NodeKind(first.kind)
            if first.op == "upsert":
                cypher.upsert_nodes(tx, node_kind, [_payload(row)["props"] for row in group])
            else:
                cypher.delete_nodes(tx, node_kind, [row.key for row in group])
            continue
        edge_kind = EdgeKind(first.kind)
        if first.op == "upsert":
            edges = [{"key": row.key, **_payload(row)} for row in group]
            found = cypher.upsert_edges(tx, edge_kind, edges)
            if found < len(edges):
                log.warning("%d %s edges skipped: an endpoint node is not in the graph (run `hub graph rebuild`)",
                            len(edges) - found, edge_kind.value)
        else:
            cypher.delete_edges(tx, edge_kind, [row.key for row in group])


def _payload(row: OutboxRow) -> dict[str, Any]:
    if row.payload is None:
        raise ValueError(f"outbox row {row.id} ({row.op} {row.entity} {row.key}) has no payload")
    return row.payload


def apply_pending(
    session_factory: sessionmaker[Session],
    driver: Driver,
    batch_size: int = 500,
    *,
    max_batches: int | None = None,
    on_graph_commit: Callable[[int], None] | None = None,
) -> int:
    """Apply outbox rows after the checkpoint in id order, `batch_size` per Neo4j transaction; returns rows applied.

    Stops when nothing is pending or after `max_batches`. `on_graph_commit(last_id)` runs after each
    Neo4j commit and before the checkpoint moves (an exception there leaves the batch pending).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    applied = batches = 0
    while max_batches is None or batches < max_batches:
        rows = read_pending(session_factory, batch_size)
        if not rows:
            break
        with cypher.projection_session(driver) as graph:
            graph.execute_write(apply_rows, rows)
        if on_graph_commit is not None:
            on_graph_commit(rows[-1].id)
        with transaction(session_factory) as session:
            write_checkpoint(session, rows[-1].id)
        applied += len(rows)
        batches += 1
    return applied


# --- background worker ---------------------------------------------------------------------------


class SyncWorker:
    """Runs `apply_pending` in a background thread every `interval` seconds, while it leads.

    Any number of workers may run on one database: each asks for the lead (`leadership`, by default
    the one that suits the database) and only the leader applies; the others stand by and ask again
    every `STANDBY_POLL_SECONDS` at most, so one takes over soon after the leader dies or stops.
    Survives Neo4j (and database) outages: logs, keeps the error in `last_error`, backs off up to
    `max_backoff` seconds and retries; pending rows stay in the outbox until they are applied.
    """

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        interval: float = 0.5,
        *,
        batch_size: int = 500,
        max_backoff: float = 30.0,
        leadership: Leadership | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.interval = interval
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.leadership = leadership if leadership is not None else leadership_for(session_factory.kw.get("bind"))
        self.leader = False
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.applied = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="graph-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self._thread = None

    def wake(self) -> None:
        """Look at the outbox now instead of at the end of the current interval."""
        self._wake.set()

    def lag(self) -> int:
        """Outbox rows not yet applied to the graph."""
        return pending_count(self.session_factory)

    def status(self) -> dict[str, Any]:
        """What `/readyz` shows: whether this worker leads, how, what is pending and the last error."""
        return {
            "leader": self.leader,
            "leadership": self.leadership.description,
            "applied": self.applied,
            "pending": self.lag(),
            "last_error": self.last_error,
        }

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _lead(self) -> bool:
        """Whether this worker leads now, asking for the lead if it does not; logs every change."""
        leads = self.leadership.try_acquire()
        if leads != self.leader:
            if leads:
                log.info("graph sync: leading (%s); this worker applies the outbox", self.leadership.description)
            else:
                log.warning("graph sync: lost the lead (%s); standing by", self.leadership.description)
        self.leader = leads
        return leads

    def _apply_round(self, driver: Driver) -> tuple[int, bool]:
        """Up to ROUND_BATCHES batches, confirming the lead before each; (rows applied, caught up)."""
        applied = 0
        for _ in range(ROUND_BATCHES):
            if not self.leadership.confirm():
                self.leader = False
                log.warning("graph sync: lost the lead (%s); standing by", self.leadership.description)
                return applied, False
            rows = apply_pending(self.session_factory, driver, self.batch_size, max_batches=1)
            applied += rows
            self.applied += rows
            if rows < self.batch_size:
                return applied, True
        return applied, False

    def _run(self) -> None:
        driver: Driver | None = None
        backoff = self.interval
        try:
            while not self._stop.is_set():
                try:
                    if not self._lead():
                        if driver is not None:  # a former leader frees its Neo4j connections
                            driver.close()
                            driver = None
                        self.last_error = None
                        backoff = self.interval
                        self._sleep(min(self.interval, STANDBY_POLL_SECONDS))
                        continue
                    if driver is None:
                        driver = open_driver(self.settings, max_transaction_retry_time=5.0)
                        cypher.ensure_schema(driver)
                    # A bounded number of batches per round, so stop() is honoured during a long catch-up.
                    _applied, caught_up = self._apply_round(driver)
                except Exception as error:
                    self.last_error = f"{type(error).__name__}: {error}"
                    self.last_error_at = time.time()
                    log.warning("graph sync failed, retrying in %.1fs: %s", backoff, self.last_error)
                    if driver is not None:
                        driver.close()
                        driver = None
                    self._sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                self.last_error = None
                backoff = self.interval
                if caught_up:  # wait for new rows
                    self._sleep(self.interval)
        finally:
            if driver is not None:
                driver.close()
            self.leadership.release()
            self.leader = False
