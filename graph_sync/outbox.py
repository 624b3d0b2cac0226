"""Append the graph changes of every ORM flush to the outbox, in the flush's own transaction.

`install_outbox(factory)` hooks the sessions of a sessionmaker:

* `after_flush` turns inserted and updated rows of projected tables (re-read from the database, so
  values are normalized exactly as `rebuild` reads them) into node/edge upserts, and deleted rows into
  node/edge deletes; a node delete is a DETACH DELETE, so the edges of a deleted cadre go with it;
* `before_flush` collects rows the database will delete by ON DELETE CASCADE that the graph would not
  lose by itself (nominations of a deleted selection);
* `do_orm_execute` refuses ORM bulk INSERT/UPDATE/DELETE statements on projected tables, which bypass
  the flush and would silently leave the graph behind.

On PostgreSQL, a transaction-scoped advisory lock taken before the first outbox insert makes outbox
ids commit in id order, so the sync worker never advances its checkpoint past a row that is still
uncommitted (SQLite serializes writers anyway).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from graph_sync.model import ROLE_EDGE, EdgeKind, edge_key, node_key
from graph_sync.projection import (
    EDGE_TABLES,
    NODE_TABLES,
    ROLE_TABLE,
    TABLE_NODE_KIND,
    edge_columns,
    edge_kind_of,
    edge_record,
    node_columns,
    node_record,
    table,
)
from hub.models import GraphOutbox

PROJECTED_TABLES: frozenset[str] = frozenset(NODE_TABLES.values()) | frozenset(EDGE_TABLES)
OUTBOX_LOCK_ID = 7_305_231_845  # arbitrary constant naming the PostgreSQL advisory lock
_PENDING = "graph_outbox.cascaded"
_INSTALLED = "_graph_outbox_installed"
_CHUNK = 500


class OutboxBypassError(RuntimeError):
    """An ORM bulk statement would change projected rows without going through the outbox."""


@dataclass(frozen=True)
class Change:
    op: str  # upsert | delete
    entity: str  # node | edge
    kind: str
    key: str
    payload: dict[str, Any] | None = None

    def as_row(self) -> dict[str, Any]:
        return {"op": self.op, "entity": self.entity, "kind": self.kind, "key": self.key, "payload": self.payload}


def _cascade_children() -> dict[str, list[tuple[str, str]]]:
    """parent table -> [(projected child table, fk column)] for ON DELETE CASCADE the graph must mirror.

    Edge rows that cascade from one of their endpoint nodes need nothing: DETACH DELETE removes them.
    """
    children: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for child in sorted(PROJECTED_TABLES):
        for fk in table(child).foreign_keys:
            parent = fk.column.table.name
            if fk.ondelete != "CASCADE":
                continue
            if child in EDGE_TABLES and parent in TABLE_NODE_KIND:
                continue
            children[parent].append((child, fk.parent.name))
    return dict(children)


CASCADE_CHILDREN = _cascade_children()


def install_outbox(session_factory: sessionmaker[Session]) -> None:
    """Make every session of `session_factory` record graph changes in the outbox (idempotent)."""
    # A marker on the factory's own Session subclass: event.contains() gives false positives for a new
    # sessionmaker that reuses the memory address of a collected one.
    session_class = session_factory.class_
    if vars(session_class).get(_INSTALLED, False):
        return
    setattr(session_class, _INSTALLED, True)
    event.listen(session_factory, "before_flush", _before_flush)
    event.listen(session_factory, "after_flush", _after_flush)
    event.listen(session_factory, "do_orm_execute", _refuse_bulk_writes)


def _table_of(obj: object) -> str | None:
    mapped_table = getattr(obj, "__table__", None)
    name = getattr(mapped_table, "name", None)
    return name if name in PROJECTED_TABLES else None


def _refuse_bulk_writes(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    for mapper in state.all_mappers:
        if mapper.local_table.name in PROJECTED_TABLES:  # type: ignore[attr-defined]
            raise OutboxBypassError(
                f"bulk ORM writes to {mapper.local_table.name!r} bypass the graph outbox; "  # type: ignore[attr-defined]
                "load the objects and change them through the session instead"
            )


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    cascaded: list[Change] = []
    deleted_ids: dict[str, list[int]] = defaultdict(list)
    for obj in session.deleted:
        name = getattr(getattr(obj, "__table__", None), "name", None)
        if name in CASCADE_CHILDREN:
            deleted_ids[name].append(inspect(obj).identity[0])  # type: ignore[index]
    for parent, ids in deleted_ids.items():
        for child, column in CASCADE_CHILDREN[parent]:
            child_table = table(child)
            columns = edge_columns(child) if child in EDGE_TABLES else ["id"]
            for chunk in _chunks(ids):
                query = select(*(child_table.c[name] for name in columns)).where(child_table.c[column].in_(chunk))
                for row in session.connection().execute(query).mappings():
                    cascaded.extend(_delete_changes(child, row["id"], row))
    session.info[_PENDING] = cascaded


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    cascaded: list[Change] = session.info.pop(_PENDING, [])
    upserts: dict[str, set[int]] = defaultdict(set)
    role_changed: set[int] = set()
    deletes: list[Change] = list(cascaded)

    for obj in session.new:
        name = _table_of(obj)
        if name is not None:
            upserts[name].add(obj.id)  # type: ignore[attr-defined]
    for obj in session.dirty:
        name = _table_of(obj)
        if name is None:
            continue
        state = inspect(obj)
        changed = {attr for attr in _projected_columns(name) if state.attrs[attr].history.has_changes()}
        if changed:
            upserts[name].add(obj.id)  # type: ignore[attr-defined]
            if name == ROLE_TABLE and "role" in changed:
                role_changed.add(obj.id)  # type: ignore[attr-defined]
    for obj in session.deleted:
        name = _table_of(obj)
        if name is not None:
            state = inspect(obj)
            deletes.extend(_delete_changes(name, state.identity[0], state.dict))  # type: ignore[index]

    node_upserts, edge_upserts, moved_roles = _upsert_changes(session, upserts, role_changed)
    changes = [
        *node_upserts,
        *moved_roles,
        *(change for change in deletes if change.entity == "edge"),
        *edge_upserts,
        *(change for change in deletes if change.entity == "node"),
    ]
    if not changes:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": OUTBOX_LOCK_ID})
    for start in range(0, len(changes), _CHUNK):
        connection.execute(insert(GraphOutbox), [change.as_row() for change in changes[start : start + _CHUNK]])


def _projected_columns(name: str) -> list[str]:
    if name in TABLE_NODE_KIND:
        return node_columns(TABLE_NODE_KIND[name])[1:]
    return edge_columns(name)[1:]


def _upsert_changes(
    session: Session, upserts: Mapping[str, set[int]], role_changed: set[int]
) -> tuple[list[Change], list[Change], list[Change]]:
    nodes: list[Change] = []
    edges: list[Change] = []
    moved: list[Change] = []
    for name in sorted(upserts):
        source = table(name)
        columns = node_columns(TABLE_NODE_KIND[name]) if name in TABLE_NODE_KIND else edge_columns(name)
        for chunk in _chunks(sorted(upserts[name])):
            query = select(*(source.c[column] for column in columns)).where(source.c.id.in_(chunk)).order_by(source.c.id)
            for row in session.connection().execute(query).mappings():
                if name in TABLE_NODE_KIND:
                    kind = TABLE_NODE_KIND[name]
                    properties = node_record(kind, row)
                    nodes.append(Change("upsert", "node", kind.value, properties["key"], {"props": properties}))
                if name in EDGE_TABLES:
                    edge = edge_record(name, row)
                    if edge is not None:
                        payload = {"source": edge.source, "target": edge.target, "props": edge.properties}
                        edges.append(Change("upsert", "edge", edge.kind.value, edge.key, payload))
                    if name == ROLE_TABLE and row["id"] in role_changed:
                        current = edge_kind_of(name, row)
                        key = edge_key(name, row["id"])
                        moved += [Change("delete", "edge", kind.value, key) for kind in _role_kinds() if kind != current]
    return nodes, edges, moved


def _delete_changes(name: str, record_id: int, loaded: Mapping[str, Any]) -> list[Change]:
    """Deletes for a removed row; `loaded` holds whatever attributes are still known (may be partial)."""
    if name in TABLE_NODE_KIND:
        kind = TABLE_NODE_KIND[name]
        # A post's PART_OF edge goes with its node (DETACH DELETE).
        return [Change("delete", "node", kind.value, node_key(kind, record_id))]
    key = edge_key(name, record_id)
    if name == ROLE_TABLE:
        role = loaded.get("role")
        kinds: Iterable[EdgeKind] = _role_kinds() if role is None else [edge_kind_of(name, {"role": role})]
    else:
        kinds = EDGE_TABLES[name]
    return [Change("delete", "edge", kind.value, key) for kind in kinds]


def _role_kinds() -> list[EdgeKind]:
    return list(dict.fromkeys(ROLE_EDGE.values()))


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]

