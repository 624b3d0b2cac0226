"""Project every record into an emptied graph, streaming rows from SQL in batches (bounded memory).

A reader thread streams and converts the next batches while the current one is written to Neo4j;
at most `READ_AHEAD` batches wait in between, so memory stays bounded whatever the database size.

The checkpoint is set to the largest outbox id seen *before* reading the records: every change
committed after that moment is in the outbox after the checkpoint and will be applied again by the
sync, which MERGE makes harmless, so rebuild followed by `sync --follow` loses nothing.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j import Driver, ManagedTransaction
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from sqlalchemy import Engine, RowMapping, func, select
from sqlalchemy.orm import Session

from graph_sync import cypher
from graph_sync.model import EdgeKind, NodeKind
from graph_sync.projection import EDGE_TABLES, NODE_TABLES, edge_columns, edge_record, node_columns, node_record, table
from graph_sync.sync import max_outbox_id, write_checkpoint

# Nodes before edges (an edge needs both ends); the order among node kinds does not matter.
NODE_ORDER = (NodeKind.UNIT, NodeKind.ORGANIZATION, NodeKind.POST, NodeKind.CADRE, NodeKind.PERSON)
READ_AHEAD = 2

T = TypeVar("T")


@dataclass
class RebuildSummary:
    nodes: dict[str, int] = field(default_factory=dict)  # node kind -> nodes written
    edges: dict[str, int] = field(default_factory=dict)  # edge kind -> edges written
    skipped_edges: int = 0  # rows whose endpoint node was missing
    deleted_nodes: int = 0
    checkpoint: int = 0
    seconds: float = 0.0  # the whole rebuild
    delete_seconds: float = 0.0  # of which emptying the graph

    @property
    def records(self) -> int:
        return sum(self.nodes.values()) + sum(self.edges.values())

    @property
    def records_per_second(self) -> float:
        """Nodes and edges written per second of the projection (after the graph was emptied)."""
        projecting = self.seconds - self.delete_seconds
        return self.records / projecting if projecting > 0 else 0.0


@dataclass(frozen=True)
class _Batch:
    label: str
    rows: int  # record rows read for it
    node_kind: NodeKind | None = None
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: dict[EdgeKind, list[dict[str, Any]]] = field(default_factory=dict)


def rebuild(engine: Engine, driver: Driver, batch_size: int = 5000, progress: bool = True) -> RebuildSummary:
    """Delete the whole graph, then write every node and edge from the records; sets the sync checkpoint."""
    started = time.perf_counter()
    summary = RebuildSummary()
    with Session(engine) as session:
        summary.checkpoint = max_outbox_id(session)
    cypher.ensure_schema(driver)
    with _progress(progress) as bar:
        summary.deleted_nodes = delete_graph(driver, batch_size, bar)
        summary.delete_seconds = time.perf_counter() - started
        task = bar.add_task("projecting", total=_record_rows(engine))
        for batch in _read_ahead(_batches(engine, batch_size), READ_AHEAD):
            bar.update(task, description=batch.label)
            with cypher.projection_session(driver) as graph:
                if batch.node_kind is not None:
                    graph.execute_write(_write_nodes, batch.node_kind, batch.nodes)
                    summary.nodes[batch.node_kind.value] = summary.nodes.get(batch.node_kind.value, 0) + len(batch.nodes)
                else:
                    written = graph.execute_write(_write_edges, batch.edges)
                    for kind, count in written.items():
                        summary.edges[kind.value] = summary.edges.get(kind.value, 0) + count
                    summary.skipped_edges += batch.rows - sum(written.values())
            bar.advance(task, batch.rows)
    with Session(engine) as session, session.begin():
        write_checkpoint(session, summary.checkpoint)
    summary.seconds = time.perf_counter() - started
    return summary


def delete_graph(driver: Driver, batch_size: int = 5000, bar: Progress | None = None) -> int:
    """Remove every relationship, then every node, `batch_size` per transaction; returns nodes deleted.

    Separate transactions rather than one `CALL {...} IN TRANSACTIONS` statement, whose outer
    transaction is still bound by the server's transaction timeout on a large graph. Relationships
    go first so that no transaction also deletes the many edges of a well-connected node.
    """
    with cypher.projection_session(driver, read=True) as graph:  # counts for the progress bar only
        nodes = graph.run("MATCH (n) RETURN count(n) AS n").single(strict=True)["n"]
        relationships = graph.run("MATCH ()-[r]->() RETURN count(r) AS n").single(strict=True)["n"]
    task = bar.add_task("deleting graph", total=nodes + relationships) if bar is not None else None
    for query in (
        "MATCH ()-[r]->() WITH r LIMIT $size DELETE r RETURN count(*) AS deleted",
        "MATCH (n) WITH n LIMIT $size DETACH DELETE n RETURN count(*) AS deleted",
    ):
        while True:
            with cypher.projection_session(driver) as graph:
                deleted = graph.execute_write(_deleted, query, batch_size)
            if bar is not None and task is not None:
                bar.advance(task, deleted)
            if deleted == 0:
                break
    return int(nodes)


def _deleted(tx: ManagedTransaction, query: str, size: int) -> int:
    return int(tx.run(query, size=size).single(strict=True)["deleted"])


def _write_nodes(tx: ManagedTransaction, kind: NodeKind, records: list[dict[str, Any]]) -> None:
    cypher.upsert_nodes(tx, kind, records)


def _write_edges(tx: ManagedTransaction, by_kind: Mapping[EdgeKind, list[dict[str, Any]]]) -> dict[EdgeKind, int]:
    return {kind: cypher.upsert_edges(tx, kind, edges, relocate=False) for kind, edges in by_kind.items()}


def _batches(engine: Engine, batch_size: int) -> Iterator[_Batch]:
    for kind in NODE_ORDER:
        for rows in _stream(engine, NODE_TABLES[kind], node_columns(kind), batch_size):
            yield _Batch(f"nodes {kind.value}", len(rows), kind, [node_record(kind, row) for row in rows])
    for name in EDGE_TABLES:
        for rows in _stream(engine, name, edge_columns(name), batch_size):
            edges: dict[EdgeKind, list[dict[str, Any]]] = defaultdict(list)
            for row in rows:
                edge = edge_record(name, row)
                if edge is not None:
                    edges[edge.kind].append(edge.as_row())
            yield _Batch(f"edges {name}", len(rows), edges=dict(edges))


def _stream(engine: Engine, table_name: str, columns: list[str], batch_size: int) -> Iterator[list[RowMapping]]:
    """Rows of a table in batches, through a server-side cursor where the database has one."""
    source = table(table_name)
    query = select(*(source.c[name] for name in columns)).order_by(source.c.id)
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=batch_size).execute(query)
        for partition in result.mappings().partitions(batch_size):
            yield list(partition)


def _read_ahead(items: Iterator[T], depth: int) -> Iterator[T]:
    """Iterate `items` in a background thread, keeping at most `depth` items ready; its errors re-raise here."""
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    abandoned = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not abandoned.is_set():
            try:
                ready.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("done", None))
        except BaseException as error:
            put(("error", error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # releases the database cursor when the consumer stopped early

    thread = threading.Thread(target=produce, name="rebuild-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        abandoned.set()
        thread.join(timeout=5)


def _record_rows(engine: Engine) -> int:
    names = [*NODE_TABLES.values(), *EDGE_TABLES]  # post twice: its node and its PART_OF edge
    with engine.connect() as connection:
        return sum(int(connection.scalar(select(func.count()).select_from(table(name))) or 0) for name in names)


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
    )
