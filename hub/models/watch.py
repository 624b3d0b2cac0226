"""Watchlists and the watch event log.

A user watches cadres and persons (`WatchEntry`). Whenever a record touching a watched cadre or person is written,
or a case or an alert about one changes, one `WatchEvent` is appended in the same transaction as the write, with
the cadres and persons it concerns as its `WatchEventSubject`s. Event ids only grow and commit in id order (see
`hub.services.watch_events`), so a subscriber that saw event N resumes after N without loss.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, utcnow

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid alias that autoincrements.
EVENT_ID = BigInteger().with_variant(Integer(), "sqlite")
WATCHED_KINDS = ("cadre", "person")


class WatchEntry(Base):
    """One cadre or person on one user's watchlist (a user is its agency and its name)."""

    __tablename__ = "watch_entry"
    __table_args__ = (
        UniqueConstraint("agency", "user", "entity", "entity_id", name="uq_watch_entry_watcher_entity"),
        CheckConstraint("entity IN ('cadre', 'person')", name="entity_known"),
        Index("ix_watch_entry_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(128))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WatchEvent(Base):
    """Something happened to a watched cadre or person: `kind` says what, `source_table`/`source_id` which row."""

    __tablename__ = "watch_event"
    __table_args__ = (
        CheckConstraint("change IN ('created', 'updated', 'deleted')", name="change_known"),
        {"sqlite_autoincrement": True},  # never reuse an id: subscribers resume after the last one they saw
    )

    id: Mapped[int] = mapped_column(EVENT_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))  # record_written | case_changed | alert_changed
    change: Mapped[str] = mapped_column(String(8))
    source_table: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(200), default="")


class WatchEventSubject(Base):
    """A cadre or person an event concerns (only watched ones are recorded)."""

    __tablename__ = "watch_event_subject"
    __table_args__ = (
        CheckConstraint("entity IN ('cadre', 'person')", name="entity_known"),
        Index("ix_watch_event_subject_entity", "entity", "entity_id", "event_id"),
    )

    event_id: Mapped[int] = mapped_column(EVENT_ID, ForeignKey("watch_event.id", ondelete="CASCADE"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
