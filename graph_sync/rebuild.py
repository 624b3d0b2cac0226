"""Project every record into an emptied graph, streaming rows from SQL in batches (bounded memory).

The checkpoint is set to the largest outbox id seen *before* reading the records: every change
committed after that moment is in the outbox after the checkpoint and will be applied again by the
sync, which MERGE makes harmless, so rebuild followed by `sync --follow` loses nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver, ManagedTransaction
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from graph_sync import cypher
from graph_sync.model import EdgeKind, NodeKind
from graph_sync.projection import EDGE_TABLES, NODE_TABLES, edge_columns, edge_record, node_columns, node_record, table
from graph_sync.sync import max_outbox_id, write_checkpoint

# Nodes before edges; within nodes any order works (edges need both ends).
NODE_ORDER = (NodeKind.UNIT, NodeKind.ORGANIZATION, NodeKind.POST, NodeKind.CADRE, NodeKind.PERSON)


@dataclass
class RebuildSummary:
    nodes: dict[str, int] = field(default_factory=dict)  # node kind -> nodes written
    edges: dict[str, int] = field(default_factory=dict)  # edge kind -> edges written
    skipped_edges: int = 0  # rows whose endpoint node was missing
    deleted_nodes: int = 0
    checkpoint: int = 0
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return sum(self.nodes.values()) + sum(self.edges.values())

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


def rebuild(engine: Engine, driver: Driver, batch_size: int = 5000, progress: bool = True) -> RebuildSummary:
    """Delete the whole graph, then write every node and edge from the records; sets the sync checkpoint."""
    started = time.perf_counter()
    summary = RebuildSummary()
    with Session(engine) as session:
        summary.checkpoint = max_outbox_id(session)
    cypher.ensure_schema(driver)
    with _progress(progress) as bar:
        summary.deleted_nodes = delete_graph(driver, batch_size, bar)
        totals = _record_counts(engine)
        task = bar.add_task("projecting", total=sum(totals.values()))
        for kind in NODE_ORDER:
            bar.update(task, description=f"nodes {kind.value}")
            for rows in _stream(engine, NODE_TABLES[kind], node_columns(kind), batch_size):
                records = [node_record(kind, row) for row in rows]
                with driver.session() as graph:
                    graph.execute_write(_write_nodes, kind, records)
                summary.nodes[kind.value] = summary.nodes.get(kind.value, 0) + len(records)
                bar.advance(task, len(records))
        for name in EDGE_TABLES:
            bar.update(task, description=f"edges {name}")
            for rows in _stream(engine, name, edge_columns(name), batch_size):
                by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
                for row in rows:
                    edge = edge_record(name, row)
                    if edge is not None:
                        by_kind[edge.kind.value].append(edge.as_row())
                with driver.session() as graph:
                    written = graph.execute_write(_write_edges, by_kind)
                for kind_name, count in written.items():
                    summary.edges[kind_name] = summary.edges.get(kind_name, 0) + count
                summary.skipped_edges += len(rows) - sum(written.values())
                bar.advance(task, len(rows))
    with Session(engine) as session, session.begin():
        write_checkpoint(session, summary.checkpoint)
    summary.seconds = time.perf_counter() - started
    return summary


def delete_graph(driver: Driver, batch_size: int = 5000, bar: Progress | None = None) -> int:
    """Remove every relationship, then every node, in transactions of `batch_size`; returns nodes deleted."""
    with driver.session() as graph:
        nodes = graph.run("MATCH (n) RETURN count(n) AS n").single(strict=True)["n"]
        relationships = graph.run("MATCH ()-[r]->() RETURN count(r) AS n").single(strict=True)["n"]
        task = bar.add_task("deleting graph", total=nodes + relationships) if bar is not None else None
        # Relationships first keeps each transaction at `batch_size` deletions (a DETACH DELETE of a
        # node would also delete all its edges in the same transaction).
        for what, query in (
            (relationships, "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF $size ROWS"),
            (nodes, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $size ROWS"),
        ):
            graph.run(query, size=batch_size).consume()
            if bar is not None and task is not None:
                bar.advance(task, what)
    return int(nodes)


def _write_nodes(tx: ManagedTransaction, kind: NodeKind, records: list[dict[str, Any]]) -> None:
    cypher.upsert_nodes(tx, kind, [{"key": record["key"], "props": record} for record in records])


def _write_edges(tx: ManagedTransaction, by_kind: Mapping[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {kind: cypher.upsert_edges(tx, EdgeKind(kind), rows, relocate=False) for kind, rows in by_kind.items()}


def _stream(engine: Engine, table_name: str, columns: list[str], batch_size: int) -> Iterator[list[Mapping[str, Any]]]:
    """Rows of a table in batches, through a server-side cursor where the database has one."""
    source = table(table_name)
    query = select(*(source.c[name] for name in columns)).order_by(source.c.id)
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=batch_size).execute(query)
        for partition in result.mappings().partitions(batch_size):
            yield list(partition)


def _record_counts(engine: Engine) -> dict[str, int]:
    names = [*NODE_TABLES.values(), *EDGE_TABLES]  # post twice: its node and its PART_OF edge
    with engine.connect() as connection:
        return {
            f"{index}:{name}": int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
            for index, name in enumerate(names)
        }


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
    )
