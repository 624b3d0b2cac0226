"""The Cypher that writes the projection: schema, and batched upserts and deletes of nodes and edges.

Labels, relationship types and property names are interpolated only from graph_sync.model constants
(and checked); every value travels as a parameter. Each writer runs one `UNWIND $rows` statement
over a batch, each row a list of values in a fixed property order.
"""

from __future__ import annotations

import re
from typing import Any

from neo4j import Driver, ManagedTransaction, NotificationDisabledClassification, Session

from graph_sync.driver import graph_session
from graph_sync.model import EDGE_SPECS, NODE_LABELS, NODE_PROPERTIES, EdgeKind, NodeKind
from graph_sync.projection import KEY_LABEL

KEY_LABELS: tuple[str, ...] = tuple(dict.fromkeys(KEY_LABEL.values()))  # Person, Post, Unit, Organization
_NAME = re.compile(r"^[A-Z][A-Za-z_]*$")
_PROPERTY = re.compile(r"^[a-z][A-Za-z0-9]*$")


def checked_name(name: str) -> str:
    """A label or relationship type from model.py, checked before it is written into Cypher."""
    if not _NAME.match(name):
        raise ValueError(f"not a label or relationship type: {name!r}")
    return name


def checked_property(name: str) -> str:
    """A property name from model.py, checked before it is written into Cypher."""
    if not _PROPERTY.match(name):
        raise ValueError(f"not a property name: {name!r}")
    return name


def projection_session(driver: Driver, *, read: bool = False) -> Session:
    """A session on the configured database for the projection's statements, where a relationship type
    without edges yet is expected; `read=True` for statements that only read (a cluster's readers serve them)."""
    return graph_session(
        driver, read=read, notifications_disabled_classifications=[NotificationDisabledClassification.UNRECOGNIZED]
    )


def schema_statements() -> list[str]:
    statements = [
        f"CREATE CONSTRAINT {label.lower()}_key IF NOT EXISTS FOR (n:{checked_name(label)}) REQUIRE n.key IS UNIQUE"
        for label in KEY_LABELS
    ]
    # Person nodes are cadres and relatives alike; graph queries tell them apart by `kind`.
    statements.append("CREATE INDEX person_kind IF NOT EXISTS FOR (n:Person) ON (n.kind)")
    statements += [
        f"CREATE CONSTRAINT {kind.value.lower()}_key IF NOT EXISTS "
        f"FOR ()-[r:{checked_name(kind.value)}]-() REQUIRE r.key IS UNIQUE"
        for kind in EdgeKind
    ]
    return statements


def ensure_schema(driver: Driver) -> None:
    """Create the key constraints (which also index `key`) and indexes; a no-op when they exist."""
    with projection_session(driver) as session:
        for statement in schema_statements():
            session.run(statement).consume()
        session.run("CALL db.awaitIndexes(300)").consume()


def node_property_names(kind: NodeKind) -> list[str]:
    """The properties of a node kind in a fixed order: `key`, `kind`, then its NODE_PROPERTIES."""
    return list(dict.fromkeys(["key", "kind", *NODE_PROPERTIES[kind]]))


def edge_property_names(kind: EdgeKind) -> list[str]:
    return list(dict.fromkeys(["key", *EDGE_SPECS[kind].properties]))


def _map_literal(names: list[str], offset: int) -> str:
    """`{name: row[offset], ...}`: rows travel as lists, which the driver packs about twice as fast as maps."""
    return "{" + ", ".join(f"{checked_property(name)}: row[{offset + index}]" for index, name in enumerate(names)) + "}"


def upsert_nodes(tx: ManagedTransaction, kind: NodeKind, records: list[dict[str, Any]]) -> None:
    """records: every property of each node (with `key` and `kind`); the node's properties become exactly these."""
    names = node_property_names(kind)
    key_label, *extra = (checked_name(label) for label in NODE_LABELS[kind])
    add_labels = f", n:{':'.join(extra)}" if extra else ""
    tx.run(
        f"UNWIND $rows AS row MERGE (n:{key_label} {{key: row[0]}}) SET n = {_map_literal(names, 0)}{add_labels}",
        rows=[[record.get(name) for name in names] for record in records],
    ).consume()


def delete_nodes(tx: ManagedTransaction, kind: NodeKind, keys: list[str]) -> None:
    """Delete the nodes and every edge at them."""
    tx.run(
        f"UNWIND $keys AS key MATCH (n:{checked_name(KEY_LABEL[kind])} {{key: key}}) DETACH DELETE n", keys=keys
    ).consume()


def upsert_edges(tx: ManagedTransaction, kind: EdgeKind, edges: list[dict[str, Any]], relocate: bool = True) -> int:
    """edges: {"key", "source", "target", "props"}; returns how many exist afterwards (a missing endpoint skips one).

    With `relocate`, an edge whose endpoints changed (a tenure moved to another post) is deleted first,
    so the MERGE recreates it between the new endpoints instead of adding a second edge with its key.
    """
    spec = EDGE_SPECS[kind]
    names = edge_property_names(kind)
    rel = checked_name(kind.value)
    source_label = checked_name(KEY_LABEL[spec.source[1]])
    target_label = checked_name(KEY_LABEL[spec.target[1]])
    rows = [[edge["key"], edge["source"], edge["target"], *(edge["props"].get(name) for name in names)] for edge in edges]
    if relocate:
        tx.run(
            f"UNWIND $rows AS row MATCH (s)-[r:{rel} {{key: row[0]}}]->(t) "
            "WHERE s.key <> row[1] OR t.key <> row[2] DELETE r",
            rows=rows,
        ).consume()
    record = tx.run(
        f"UNWIND $rows AS row "
        f"MATCH (s:{source_label} {{key: row[1]}}) MATCH (t:{target_label} {{key: row[2]}}) "
        f"MERGE (s)-[r:{rel} {{key: row[0]}}]->(t) SET r = {_map_literal(names, 3)} RETURN count(r) AS edges",
        rows=rows,
    ).single()
    return int(record["edges"]) if record else 0


def delete_edges(tx: ManagedTransaction, kind: EdgeKind, keys: list[str]) -> None:
    tx.run(
        f"UNWIND $keys AS key MATCH ()-[r:{checked_name(kind.value)} {{key: key}}]->() DELETE r", keys=keys
    ).consume()
