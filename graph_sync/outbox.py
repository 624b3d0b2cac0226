"""Append the graph changes of a transaction to the outbox, inside that transaction.

`install_outbox(factory)` hooks the sessions of a sessionmaker:

* `after_flush` notes which rows of projected tables were inserted, updated (in a projected column)
  or deleted; `before_flush` also notes the rows the database will delete by ON DELETE CASCADE that
  the graph would not lose by itself (the nominations of a deleted selection);
* `before_commit` (of the transaction or of a savepoint) flushes, re-reads every noted row and
  appends one outbox row per change: an upsert with the row's current values when it exists (read
  back from the database, so normalized exactly as `rebuild` reads them), a delete when it is gone.
  A node delete is a DETACH DELETE, so a deleted cadre's edges go with it. Resolving against the
  final state keeps savepoint rollbacks right and costs one SELECT per table per commit, however
  many flushes the transaction had;
* `do_orm_execute` refuses ORM bulk INSERT/UPDATE/DELETE statements on projected tables, which bypass
  the flush and would silently leave the graph behind.

On PostgreSQL, a transaction-scoped advisory lock taken before the outbox insert makes outbox ids
commit in id order, so the sync worker never moves its checkpoint past a row that is still
uncommitted (SQLite serializes writers anyway).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction, sessionmaker

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
ROLE_KINDS: tuple[EdgeKind, ...] = tuple(dict.fromkeys(ROLE_EDGE.values()))
_STATE = "graph_outbox"
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


@dataclass
class _Touched:
    """What a session's transaction changed so far, resolved into outbox rows at commit."""

    rows: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # table -> ids
    role_kinds: dict[int, set[EdgeKind]] = field(default_factory=lambda: defaultdict(set))  # kinds a role row had
    committing: bool = False  # set once before_commit wrote: later flushes write at once
    # What was written inside a savepoint, kept until the transaction ends: if an enclosing savepoint
    # rolls back, its outbox rows are gone, so those rows are noted again.
    written: list[tuple[SessionTransaction, dict[str, set[int]], dict[int, set[EdgeKind]]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(self.rows.values())

    def note(self, rows: dict[str, set[int]], role_kinds: dict[int, set[EdgeKind]]) -> None:
        for name, ids in rows.items():
            self.rows[name].update(ids)
        for record_id, kinds in role_kinds.items():
            self.role_kinds[record_id].update(kinds)


def _cascade_children() -> dict[str, list[tuple[str, str]]]:
    """parent table -> [(projected child table, fk column)] for ON DELETE CASCADE the graph must mirror.

    Edge rows that cascade from one of their endpoint nodes need nothing: DETACH DELETE removes them.
    """
    children: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for child in sorted(PROJECTED_TABLES):
        for fk in table(child).foreign_keys:
            parent = fk.column.table.name
            if fk.ondelete != "CASCADE" or (child in EDGE_TABLES and parent in TABLE_NODE_KIND):
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
    event.listen(session_factory, "before_commit", _before_commit)
    event.listen(session_factory, "after_soft_rollback", _after_soft_rollback)
    event.listen(session_factory, "after_transaction_end", _after_transaction_end)
    event.listen(session_factory, "do_orm_execute", _refuse_bulk_writes)


def _touched(session: Session) -> _Touched:
    state = session.info.get(_STATE)
    if state is None:
        state = session.info[_STATE] = _Touched()
    return state


def _table_of(obj: object) -> str | None:
    name = getattr(getattr(obj, "__table__", None), "name", None)
    return name if name in PROJECTED_TABLES else None


def _refuse_bulk_writes(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    for mapper in state.all_mappers:
        name = mapper.local_table.name  # type: ignore[attr-defined]
        if name in PROJECTED_TABLES:
            raise OutboxBypassError(
                f"bulk ORM writes to {name!r} bypass the graph outbox; "
                "load the objects and change them through the session instead"
            )


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    parents: dict[str, list[int]] = defaultdict(list)
    for obj in session.deleted:
        name = getattr(getattr(obj, "__table__", None), "name", None)
        if name in CASCADE_CHILDREN:
            parents[name].append(inspect(obj).identity[0])
    if not parents:
        return
    touched = _touched(session)
    for parent, ids in parents.items():
        for child, column in CASCADE_CHILDREN[parent]:
            child_table = table(child)
            columns = [child_table.c.id, *([child_table.c.role] if child == ROLE_TABLE else [])]
            for chunk in _chunks(ids):
                for row in session.connection().execute(select(*columns).where(child_table.c[column].in_(chunk))):
                    touched.rows[child].add(row[0])
                    if child == ROLE_TABLE:
                        touched.role_kinds[row[0]].add(edge_kind_of(ROLE_TABLE, {"role": row[1]}))


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    touched = _touched(session)
    for obj in session.new:
        name = _table_of(obj)
        if name is not None:
            touched.rows[name].add(obj.id)
    for obj in session.dirty:
        name = _table_of(obj)
        if name is None:
            continue
        state = inspect(obj)
        changed = [attr for attr in _projected_columns(name) if state.attrs[attr].history.has_changes()]
        if changed:
            touched.rows[name].add(obj.id)
            if name == ROLE_TABLE and "role" in changed:  # the old kind's edge must go (any kind if unknown)
                old_kinds = _history_kinds(state.attrs.role.history.deleted)
                touched.role_kinds[obj.id].update(old_kinds or ROLE_KINDS)
    for obj in session.deleted:
        name = _table_of(obj)
        if name is None:
            continue
        state = inspect(obj)
        record_id = state.identity[0]
        touched.rows[name].add(record_id)
        if name == ROLE_TABLE:
            role = state.dict.get("role")
            touched.role_kinds[record_id].update(ROLE_KINDS if role is None else _history_kinds([role]))
    if touched.committing:  # a flush after our before_commit (another listener wrote): append now
        _write(session, touched)


def _before_commit(session: Session) -> None:
    session.flush()  # the commit would flush after this hook; the changes must be noted first
    touched = _touched(session)
    _write(session, touched)
    touched.committing = True


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    touched = session.info.get(_STATE)
    if touched is None or not previous.nested:
        return
    kept = []
    for transaction, rows, role_kinds in touched.written:
        if _within(transaction, previous):
            touched.note(rows, role_kinds)  # rolled back with the savepoint: write again at the next commit
        else:
            kept.append((transaction, rows, role_kinds))
    touched.written = kept


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    touched = session.info.get(_STATE)
    if touched is None:
        return
    if transaction.parent is None:
        session.info.pop(_STATE, None)  # committed (written) or rolled back (discarded with the rows)
    else:
        # Rows noted inside a rolled-back savepoint stay noted; resolving them against the final
        # state at commit writes their unchanged values or deletes what never reached the graph.
        touched.committing = False


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _history_kinds(roles: Iterable[Any]) -> set[EdgeKind]:
    return {edge_kind_of(ROLE_TABLE, {"role": role}) for role in roles if role is not None}


def _projected_columns(name: str) -> list[str]:
    if name in TABLE_NODE_KIND:
        return node_columns(TABLE_NODE_KIND[name])[1:]
    return edge_columns(name)[1:]


def _write(session: Session, touched: _Touched) -> None:
    if not touched:
        return
    changes = resolve(session, touched)
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        touched.written.append((savepoint, dict(touched.rows), dict(touched.role_kinds)))
    touched.rows = defaultdict(set)
    touched.role_kinds = defaultdict(set)
    if not changes:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": OUTBOX_LOCK_ID})
    for start in range(0, len(changes), _CHUNK):
        connection.execute(insert(GraphOutbox), [change.as_row() for change in changes[start : start + _CHUNK]])


def resolve(session: Session, touched: _Touched) -> list[Change]:
    """Outbox rows for the noted rows, from their current state: upserts, then deletes of what is gone.

    Order: node upserts, edge deletes, edge upserts, node deletes, so that an edge finds its ends and
    a DETACH DELETE comes last.
    """
    node_upserts: list[Change] = []
    edge_deletes: list[Change] = []
    edge_upserts: list[Change] = []
    node_deletes: list[Change] = []
    for name in sorted(touched.rows):
        ids = sorted(touched.rows[name])
        if not ids:
            continue
        source = table(name)
        columns = node_columns(TABLE_NODE_KIND[name]) if name in TABLE_NODE_KIND else edge_columns(name)
        found: set[int] = set()
        for chunk in _chunks(ids):
            query = select(*(source.c[column] for column in columns)).where(source.c.id.in_(chunk)).order_by(source.c.id)
            for row in session.connection().execute(query).mappings():
                found.add(row["id"])
                if name in TABLE_NODE_KIND:
                    kind = TABLE_NODE_KIND[name]
                    properties = node_record(kind, row)
                    node_upserts.append(Change("upsert", "node", kind.value, properties["key"], {"props": properties}))
                if name in EDGE_TABLES:
                    edge = edge_record(name, row)
                    if edge is not None:
                        payload = {"source": edge.source, "target": edge.target, "props": edge.properties}
                        edge_upserts.append(Change("upsert", "edge", edge.kind.value, edge.key, payload))
                    if name == ROLE_TABLE:  # a role that changed kind: remove the edge of the old kind
                        current = edge_kind_of(name, row)
                        edge_deletes += [
                            Change("delete", "edge", kind.value, edge_key(name, row["id"]))
                            for kind in sorted(touched.role_kinds.get(row["id"], ()), key=ROLE_KINDS.index)
                            if kind != current
                        ]
        for record_id in ids:
            if record_id in found:
                continue
            if name in TABLE_NODE_KIND:  # a post's PART_OF edge goes with its node
                kind = TABLE_NODE_KIND[name]
                node_deletes.append(Change("delete", "node", kind.value, node_key(kind, record_id)))
                continue
            kinds = EDGE_TABLES[name] if name != ROLE_TABLE else touched.role_kinds.get(record_id) or ROLE_KINDS
            edge_deletes += [
                Change("delete", "edge", kind.value, edge_key(name, record_id))
                for kind in sorted(kinds, key=list(EdgeKind).index)
            ]
    return [*node_upserts, *edge_deletes, *edge_upserts, *node_deletes]


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
