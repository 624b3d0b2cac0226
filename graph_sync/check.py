"""Compare the graph with the records: counts per node and edge kind, and a random sample property by property."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver
from sqlalchemy import Connection, Engine, RowMapping, func, select

from graph_sync import cypher
from graph_sync.cypher import checked_name
from graph_sync.model import EDGE_SPECS, NODE_LABELS, ROLE_EDGE, EdgeKind, NodeKind
from graph_sync.projection import (
    EDGE_TABLES,
    KEY_LABEL,
    NODE_TABLES,
    ROLE_TABLE,
    EdgeRecord,
    edge_columns,
    edge_record,
    node_columns,
    node_record,
    table,
)

MAX_DIFFERENCES = 1000


@dataclass
class CheckReport:
    node_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (records, graph)
    edge_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    sampled_nodes: int = 0
    sampled_edges: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def differ(self, message: str) -> None:
        if len(self.differences) < MAX_DIFFERENCES:
            self.differences.append(message)


def check(engine: Engine, driver: Driver, sample: int = 200, seed: int | None = None) -> CheckReport:
    """Counts of every node and edge kind, plus up to `sample` random nodes per node kind and edges per edge table."""
    report = CheckReport()
    rng = random.Random(seed)
    with engine.connect() as connection, cypher.projection_session(driver, read=True) as graph:
        _compare_counts(connection, graph, report)
        for kind, name in NODE_TABLES.items():
            rows = _sample_rows(connection, name, node_columns(kind), sample, rng)
            _compare_nodes(graph, kind, [node_record(kind, row) for row in rows], report)
        for name in EDGE_TABLES:
            rows = _sample_rows(connection, name, edge_columns(name), sample, rng)
            by_kind: dict[EdgeKind, list[EdgeRecord]] = defaultdict(list)
            for row in rows:
                edge = edge_record(name, row)
                if edge is not None:
                    by_kind[edge.kind].append(edge)
            for edge_kind, edges in by_kind.items():
                _compare_edges(graph, edge_kind, edges, report)
    return report


def _compare_counts(connection: Connection, graph: Any, report: CheckReport) -> None:
    for kind, name in NODE_TABLES.items():
        records = int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
        found = graph.run(
            f"MATCH (n:{checked_name(KEY_LABEL[kind])}) WHERE n.kind = $kind RETURN count(n) AS n", kind=kind.value
        ).single(strict=True)["n"]
        report.node_counts[kind.value] = (records, int(found))
    cadres = graph.run("MATCH (n:Cadre) RETURN count(n) AS n").single(strict=True)["n"]
    if cadres != report.node_counts[NodeKind.CADRE.value][1]:
        report.differ(f"{cadres} nodes carry the Cadre label, but {report.node_counts['cadre'][1]} have kind 'cadre'")
    all_nodes = graph.run("MATCH (n) RETURN count(n) AS n").single(strict=True)["n"]
    stray = all_nodes - sum(found for _records, found in report.node_counts.values())
    if stray:
        report.differ(f"{stray} graph nodes are of no projected kind")

    role = table(ROLE_TABLE)
    role_counts = {
        (row[0].value if hasattr(row[0], "value") else row[0]): int(row[1])
        for row in connection.execute(select(role.c.role, func.count()).group_by(role.c.role))
    }
    for edge_kind, spec in EDGE_SPECS.items():
        if spec.table == ROLE_TABLE:
            records = sum(count for value, count in role_counts.items() if ROLE_EDGE[value] is edge_kind)
        else:
            records = int(connection.scalar(select(func.count()).select_from(table(spec.table))) or 0)
        found = graph.run(f"MATCH ()-[r:{checked_name(edge_kind.value)}]->() RETURN count(r) AS n").single(strict=True)["n"]
        report.edge_counts[edge_kind.value] = (records, int(found))
    all_edges = graph.run("MATCH ()-[r]->() RETURN count(r) AS n").single(strict=True)["n"]
    stray = all_edges - sum(found for _records, found in report.edge_counts.values())
    if stray:
        report.differ(f"{stray} graph relationships are of no projected kind")

    for what, counts in (("nodes", report.node_counts), ("edges", report.edge_counts)):
        for kind_name, (records, found) in counts.items():
            if records != found:
                report.differ(f"{kind_name} {what}: {records} in the records, {found} in the graph")


def _sample_rows(
    connection: Connection, name: str, columns: list[str], size: int, rng: random.Random
) -> list[RowMapping]:
    """Up to `size` random rows: ids drawn uniformly between the smallest and largest id (gaps skipped)."""
    source = table(name)
    low, high, count = connection.execute(select(func.min(source.c.id), func.max(source.c.id), func.count())).one()
    if not count or size < 1:
        return []
    query = select(*(source.c[column] for column in columns))
    if count <= size:
        return list(connection.execute(query.order_by(source.c.id)).mappings())
    wanted = sorted(set(rng.randint(low, high) for _ in range(min(size * 2, high - low + 1))))
    rows: list[RowMapping] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows += connection.execute(query.where(source.c.id.in_(chunk)).order_by(source.c.id)).mappings()
    rng.shuffle(rows)
    return rows[:size]


def _expected(properties: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in properties.items() if value is not None}  # Neo4j stores no nulls


def _compare_properties(what: str, expected: Mapping[str, Any], found: Mapping[str, Any], report: CheckReport) -> None:
    expected = _expected(expected)
    for name in sorted(set(expected) | set(found)):
        if expected.get(name) != found.get(name):
            report.differ(f"{what}: {name} is {expected.get(name)!r} in the records, {found.get(name)!r} in the graph")


def _compare_nodes(graph: Any, kind: NodeKind, records: list[dict[str, Any]], report: CheckReport) -> None:
    found = {
        row["key"]: row
        for row in graph.run(
            f"UNWIND $keys AS key MATCH (n:{checked_name(KEY_LABEL[kind])} {{key: key}}) "
            "RETURN key, labels(n) AS labels, properties(n) AS props",
            keys=[record["key"] for record in records],
        )
    }
    report.sampled_nodes += len(records)
    for record in records:
        node = found.get(record["key"])
        if node is None:
            report.differ(f"node {record['key']} is missing from the graph")
            continue
        if set(node["labels"]) != set(NODE_LABELS[kind]):
            report.differ(f"node {record['key']}: labels {sorted(node['labels'])}, expected {sorted(NODE_LABELS[kind])}")
        _compare_properties(f"node {record['key']}", record, node["props"], report)


def _compare_edges(graph: Any, kind: EdgeKind, edges: list[EdgeRecord], report: CheckReport) -> None:
    found: dict[str, list[Any]] = defaultdict(list)
    for row in graph.run(
        f"UNWIND $keys AS key MATCH (s)-[r:{checked_name(kind.value)} {{key: key}}]->(t) "
        "RETURN key, s.key AS source, t.key AS target, properties(r) AS props",
        keys=[edge.key for edge in edges],
    ):
        found[row["key"]].append(row)
    report.sampled_edges += len(edges)
    for edge in edges:
        matches = found.get(edge.key, [])
        what = f"{kind.value} edge {edge.key}"
        if not matches:
            report.differ(f"{what} ({edge.source} -> {edge.target}) is missing from the graph")
            continue
        if len(matches) > 1:
            report.differ(f"{what} appears {len(matches)} times in the graph")
        first = matches[0]
        if (first["source"], first["target"]) != (edge.source, edge.target):
            report.differ(
                f"{what} runs {first['source']} -> {first['target']} in the graph, "
                f"{edge.source} -> {edge.target} in the records"
            )
        _compare_properties(what, edge.properties, first["props"], report)
