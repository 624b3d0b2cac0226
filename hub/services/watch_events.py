"""The watch event log: what happened to watched cadres and persons, appended in the writing transaction.

`publish(session, kind, subjects, ...)` is the one call a service makes (cases here; detection alerts the same
way). Record writes publish by themselves: `install_watch_events(factory)` notes every flushed row of a table that
names a cadre or a person and, as the transaction commits, publishes one `record_written` event per row whose
cadres or persons someone watches. Nothing is appended when no one watches a subject.

Event ids commit in id order, so a subscriber that saw event N and reads `id > N` later misses nothing: on
PostgreSQL a transaction-scoped advisory lock is taken before the insert (as the graph outbox does; SQLite
serializes writers anyway). On PostgreSQL the insert also sends `NOTIFY hub_watch_events`, delivered when (and
only if) the transaction commits, which wakes the subscribers of every hub process on every host; in this process
`on_committed` callbacks are rung after the commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, text, tuple_
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from hub import models
from hub.models.watch import WatchEntry, WatchEvent, WatchEventSubject

CHANNEL = "hub_watch_events"
EVENT_LOCK_ID = 7_305_231_846  # arbitrary constant naming the PostgreSQL advisory lock (the outbox's + 1)
RECORD_WRITTEN, CASE_CHANGED, ALERT_CHANGED = "record_written", "case_changed", "alert_changed"
CREATED, UPDATED, DELETED = "created", "updated", "deleted"

CADRE_COLUMNS = ("cadre_id", "other_cadre_id", "candidate_id", "nominee_id", "nominator_id")
PERSON_COLUMNS = ("person_id",)
# Tables whose changes their services publish themselves, with what changed (a case step, an alert).
PUBLISHED_BY_SERVICES = frozenset({"case_file", "case_note", "case_link", "case_event", "detection_alert"})
_NOTED = "hub.watch_events.noted"
_QUEUED = "hub.watch_events.queued"
_PUBLISHED = "hub.watch_events.published"
_INSTALLED = "_watch_events_installed"


@dataclass(frozen=True)
class Subjects:
    """The cadres and persons an event concerns."""

    cadre_ids: frozenset[int] = frozenset()
    person_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, cadre_ids: Iterable[int | None] = (), person_ids: Iterable[int | None] = ()) -> Subjects:
        return cls(frozenset(i for i in cadre_ids if i is not None), frozenset(i for i in person_ids if i is not None))

    def pairs(self) -> list[tuple[str, int]]:
        return [("cadre", i) for i in sorted(self.cadre_ids)] + [("person", i) for i in sorted(self.person_ids)]

    def __bool__(self) -> bool:
        return bool(self.cadre_ids or self.person_ids)


def watched_among(session: Session, subjects: Subjects) -> set[tuple[str, int]]:
    """Which of the subjects anyone watches."""
    pairs = subjects.pairs()
    if not pairs:
        return set()
    found: set[tuple[str, int]] = set()
    for start in range(0, len(pairs), 500):
        chunk = pairs[start:start + 500]
        found.update(session.execute(
            select(WatchEntry.entity, WatchEntry.entity_id).distinct()
            .where(tuple_(WatchEntry.entity, WatchEntry.entity_id).in_(chunk))
        ).tuples())
    return found


@dataclass(frozen=True)
class _Queued:
    kind: str
    subjects: Subjects
    source_table: str
    source_id: int
    change: str
    detail: str


def publish(
    session: Session, kind: str, subjects: Subjects, source_table: str, source_id: int, change: str = UPDATED,
    detail: str = "",
) -> None:
    """Append one event about `subjects` in the caller's transaction: it commits or rolls back with the write it
    describes. Nothing is appended when no one watches any of them. `detail` is shown to subscribers (a step's
    name): no record data in it.

    On the hub's sessions the event is appended as the transaction commits, after everything else it wrote (so the
    event lock is always taken after the audit head's, whatever the write); on any other session at once."""
    queued = _Queued(kind, subjects, source_table, source_id, change, detail)
    if vars(type(session)).get(_INSTALLED, False):
        session.info.setdefault(_QUEUED, []).append(queued)
    else:
        _append(session, queued)


def _append(session: Session, queued: _Queued) -> WatchEvent | None:
    watched = watched_among(session, queued.subjects)
    if not watched:
        return None
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:  # held to the commit: events become visible in id order
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": EVENT_LOCK_ID})
    event = WatchEvent(kind=queued.kind, change=queued.change, source_table=queued.source_table,
                       source_id=queued.source_id, detail=queued.detail[:200])
    session.add(event)
    session.flush()
    session.add_all(WatchEventSubject(event_id=event.id, entity=entity, entity_id=entity_id)
                    for entity, entity_id in sorted(watched))
    if postgresql:
        session.execute(select(func.pg_notify(CHANNEL, str(event.id))))
    session.info[_PUBLISHED] = True
    session.flush()
    return event


# --- after a commit: wake this process's subscribers ------------------------------------------------------------

_BELLS: list[Callable[[], None]] = []
_BELLS_LOCK = threading.Lock()


def on_committed(bell: Callable[[], None]) -> Callable[[], None]:
    """Call `bell` after every commit in this process that published events; returns the call that stops it."""
    with _BELLS_LOCK:
        _BELLS.append(bell)

    def stop() -> None:
        with _BELLS_LOCK:
            if bell in _BELLS:
                _BELLS.remove(bell)

    return stop


def _ring(session: Session) -> None:
    if session.info.pop(_PUBLISHED, False):
        with _BELLS_LOCK:
            bells = list(_BELLS)
        for bell in bells:
            bell()


def _forget(session: Session, _previous: Any = None) -> None:
    session.info.pop(_PUBLISHED, None)
    session.info.pop(_NOTED, None)
    session.info.pop(_QUEUED, None)


# --- record writes publish by themselves ------------------------------------------------------------------------

@dataclass
class _Noted:
    """Rows written in the transaction: (table, id) -> the change and the cadres and persons they name."""

    rows: dict[tuple[str, int], tuple[str, Subjects]] = field(default_factory=dict)

    def note(self, table: str, row_id: int, change: str, subjects: Subjects) -> None:
        before = self.rows.get((table, row_id))
        if before is not None and before[0] == CREATED and change == UPDATED:
            change = CREATED
        merged = subjects if before is None else Subjects(
            before[1].cadre_ids | subjects.cadre_ids, before[1].person_ids | subjects.person_ids,
        )
        self.rows[(table, row_id)] = (change, merged)


def subjects_of_row(table: str, row: Any) -> Subjects:
    cadres = [getattr(row, column, None) for column in CADRE_COLUMNS]
    persons = [getattr(row, column, None) for column in PERSON_COLUMNS]
    if table == "cadre":
        cadres.append(row.id)
    elif table == "person":
        persons.append(row.id)
    return Subjects.of(cadres, persons)


def _watched_table(table: str, row: Any) -> bool:
    if table in PUBLISHED_BY_SERVICES or table.startswith("watch_"):
        return False
    return table in ("cadre", "person") or any(hasattr(row, c) for c in (*CADRE_COLUMNS, *PERSON_COLUMNS))


def _note_flushed(session: Session, _flush: UOWTransaction) -> None:
    changes = [(CREATED, session.new), (UPDATED, session.dirty), (DELETED, session.deleted)]
    for change, objects in changes:
        for row in objects:
            table = getattr(getattr(row, "__table__", None), "name", None)
            row_id = getattr(row, "id", None)
            if table is None or not isinstance(row_id, int) or not _watched_table(table, row):
                continue
            if change == UPDATED and not session.is_modified(row, include_collections=False):
                continue
            subjects = subjects_of_row(table, row)
            if subjects:
                session.info.setdefault(_NOTED, _Noted()).note(table, row_id, change, subjects)


def _publish_noted(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    for queued in session.info.pop(_QUEUED, []):
        _append(session, queued)
    noted: _Noted | None = session.info.pop(_NOTED, None)
    if not noted or not noted.rows:
        return
    if not session.scalar(select(exists().where(WatchEntry.id.is_not(None)))):
        return  # no one watches anything
    everyone = Subjects(
        frozenset().union(*(s.cadre_ids for _c, s in noted.rows.values())),
        frozenset().union(*(s.person_ids for _c, s in noted.rows.values())),
    )
    watched = watched_among(session, everyone)
    if not watched:
        return
    existing = _still_there(session, [key for key, (change, _s) in noted.rows.items() if change != DELETED])
    for (table, row_id), (change, subjects) in sorted(noted.rows.items()):
        if change != DELETED and (table, row_id) not in existing:
            continue  # written in a savepoint that was rolled back
        concerned = Subjects.of(
            (i for i in subjects.cadre_ids if ("cadre", i) in watched),
            (i for i in subjects.person_ids if ("person", i) in watched),
        )
        if concerned:
            _append(session, _Queued(RECORD_WRITTEN, concerned, table, row_id, change, ""))


def _still_there(session: Session, keys: list[tuple[str, int]]) -> set[tuple[str, int]]:
    by_table: dict[str, list[int]] = {}
    for table, row_id in keys:
        by_table.setdefault(table, []).append(row_id)
    found: set[tuple[str, int]] = set()
    tables = models.Base.metadata.tables
    for table, ids in by_table.items():
        column = tables[table].c.id
        for start in range(0, len(ids), 500):
            found.update((table, i) for i in session.scalars(select(column).where(column.in_(ids[start:start + 500]))))
    return found


def install_watch_events(session_factory: sessionmaker[Session]) -> None:
    """Make every session of `session_factory` publish its record writes to the watch event log (idempotent)."""
    from sqlalchemy import event

    session_class = session_factory.class_
    if vars(session_class).get(_INSTALLED, False):
        return
    setattr(session_class, _INSTALLED, True)
    event.listen(session_factory, "after_flush", _note_flushed)
    event.listen(session_factory, "before_commit", _publish_noted)
    event.listen(session_factory, "after_commit", _ring)
    event.listen(session_factory, "after_soft_rollback", _forget)


# --- reading ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WatchedEvent:
    """An event as one watcher sees it: with the subjects of it that this watcher watches."""

    id: int
    at: Any
    kind: str
    change: str
    source_table: str
    source_id: int
    detail: str
    cadre_ids: tuple[int, ...]
    person_ids: tuple[int, ...]


def latest_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(WatchEvent.id))) or 0)


def events_for(session: Session, agency: str, user: str, after: int, limit: int = 100) -> list[WatchedEvent]:
    """The events after `after` about what this user watches now, oldest first."""
    subject, entry = WatchEventSubject, WatchEntry
    mine = and_(entry.agency == agency, entry.user == user, entry.entity == subject.entity,
                entry.entity_id == subject.entity_id)
    rows = session.execute(
        select(WatchEvent, subject.entity, subject.entity_id)
        .join(subject, subject.event_id == WatchEvent.id)
        .where(WatchEvent.id > after, exists().where(mine))
        .order_by(WatchEvent.id, subject.entity, subject.entity_id)
        .limit(limit * 4)
    ).all()
    grouped: dict[int, tuple[WatchEvent, list[int], list[int]]] = {}
    for event, entity, entity_id in rows:
        _event, cadres, persons = grouped.setdefault(event.id, (event, [], []))
        (cadres if entity == "cadre" else persons).append(entity_id)
    ordered = sorted(grouped.values(), key=lambda group: group[0].id)
    if len(rows) == limit * 4 and len(ordered) > 1:
        ordered = ordered[:-1]  # the last event's subjects may be cut off by the limit: read it next time
    return [
        WatchedEvent(e.id, e.at, e.kind, e.change, e.source_table, e.source_id, e.detail, tuple(c), tuple(p))
        for e, c, p in ordered[:limit]
    ]


# --- the watchlist ----------------------------------------------------------------------------------------------

def watchlist(session: Session, agency: str, user: str) -> list[WatchEntry]:
    return list(session.scalars(
        select(WatchEntry).where(WatchEntry.agency == agency, WatchEntry.user == user).order_by(WatchEntry.id)
    ))


def add_watch(session: Session, agency: str, user: str, entity: str, entity_id: int) -> WatchEntry:
    """Watch one cadre or person (the caller checks it may see it); watching twice keeps the first entry."""
    existing = session.scalar(select(WatchEntry).where(
        WatchEntry.agency == agency, WatchEntry.user == user, WatchEntry.entity == entity,
        WatchEntry.entity_id == entity_id,
    ))
    if existing is not None:
        return existing
    entry = WatchEntry(agency=agency, user=user, entity=entity, entity_id=entity_id)
    session.add(entry)
    session.flush()
    return entry


def remove_watch(session: Session, agency: str, user: str, entity: str, entity_id: int) -> bool:
    entry = session.scalar(select(WatchEntry).where(
        WatchEntry.agency == agency, WatchEntry.user == user, WatchEntry.entity == entity,
        WatchEntry.entity_id == entity_id,
    ))
    if entry is None:
        return False
    session.delete(entry)
    session.flush()
    return True


def case_subjects(session: Session, case_id: int) -> Subjects:
    """The cadres and persons a case is linked to."""
    link = models.CaseLink
    rows = session.execute(select(link.cadre_id, link.person_id).where(
        link.case_id == case_id, or_(link.cadre_id.is_not(None), link.person_id.is_not(None)),
    )).all()
    return Subjects.of((r.cadre_id for r in rows), (r.person_id for r in rows))
