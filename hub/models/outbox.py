"""The graph outbox: every relational write that changes the graph appends here in the same transaction.

The sync worker (graph_sync.sync) applies the rows to Neo4j in id order and records how far it got in
the single `GraphCheckpoint` row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, utcnow

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid alias that autoincrements.
OUTBOX_ID = BigInteger().with_variant(Integer(), "sqlite")


class GraphOutbox(Base):
    """One change to apply to the graph: upsert or delete of one node or one edge."""

    __tablename__ = "graph_outbox"
    __table_args__ = (
        CheckConstraint("op IN ('upsert', 'delete')", name="op_known"),
        CheckConstraint("entity IN ('node', 'edge')", name="entity_known"),
        # Never reuse the id of a pruned row: the checkpoint relies on ids only growing.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(OUTBOX_ID, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    op: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))  # NodeKind value or EdgeKind value
    key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class GraphCheckpoint(Base):
    """A single row (id 1): the last outbox id whose change Neo4j has committed."""

    __tablename__ = "graph_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_outbox_id: Mapped[int] = mapped_column(OUTBOX_ID, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
