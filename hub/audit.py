"""Append to and verify the hash-chained access audit.

Each entry's hash is an HMAC-SHA256 (key outside the database) over the entry and the previous hash; after each
commit that appended entries, the new head is anchored in an append-only file (`hub.audit_seal`), so verification
catches edits, removals, a truncated tail with a moved head, and a chain recomputed without the key.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, Row, Text, cast, event, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from hub.audit_seal import AuditSeal, seal_for
from hub.metrics import record_audit_entries
from hub.models.audit import GENESIS_HASH, AuditEntry, AuditHead

HEAD_ID = 1
APPEND_ATTEMPTS = 20
GROUP_COMMIT_MAX = 500  # entries appended in one transaction at most
PENDING_ANCHOR = "hub.audit.pending_anchor"  # session.info: (seal, engine, head) to anchor and remember once committed
PENDING_COUNTS = "hub.audit.pending_counts"  # session.info: entries appended by operation, counted once committed


@dataclass(frozen=True)
class AccessRecord:
    user: str
    agency: str
    operation: str
    operation_name: str
    cadre_ids: tuple[int, ...]
    fields: tuple[str, ...]
    purpose: str


def entry_hash(seal: AuditSeal, prev_hash: str, at: datetime, record: AccessRecord) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": _utc(at).isoformat(),
            "user": record.user,
            "agency": record.agency,
            "operation": record.operation,
            "operation_name": record.operation_name,
            "cadre_ids": sorted(record.cadre_ids),
            "fields": sorted(record.fields),
            "purpose": record.purpose,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return seal.mac(payload.encode())


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the chain hashes every time as UTC at microsecond precision."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class ChainedEntry:
    """An appended entry's place in the chain: when, the hash it follows and its own."""

    at: datetime
    prev_hash: str
    hash: str


def append(session: Session, record: AccessRecord) -> ChainedEntry:
    """Append one entry within the caller's transaction, chained to the current head (compare-and-swap)."""
    return append_batch(session, [record])[0]


_HEAD_FOR_UPDATE = select(AuditHead.hash, AuditHead.count).where(AuditHead.id == HEAD_ID).with_for_update()
_ENTRY_VALUES = ("at", "user", "agency", "operation", "operation_name", "cadre_ids", "fields", "purpose", "prev_hash",
                 "hash")
# PostgreSQL: the whole batch and the head's compare-and-swap in one statement, the same text (so prepared once per
# connection) whatever the batch's size; the entries are inserted only if the head moved, in the batch's order.
_POSTGRESQL_APPEND = text("""
WITH moved AS (
    UPDATE audit_head SET hash = :head_hash, count = :head_count WHERE id = :head_id AND hash = :prev_hash RETURNING id
)
INSERT INTO audit_entry (at, "user", agency, operation, operation_name, cadre_ids, fields, purpose, prev_hash, hash)
SELECT at, "user", agency, operation, operation_name, cadre_ids::json, fields::json, purpose, prev_hash, hash
FROM unnest(
    CAST(:entries_at AS timestamptz[]), CAST(:entries_user AS text[]), CAST(:entries_agency AS text[]), CAST(:entries_operation AS text[]),
    CAST(:entries_operation_name AS text[]), CAST(:entries_cadre_ids AS text[]), CAST(:entries_fields AS text[]), CAST(:entries_purpose AS text[]),
    CAST(:entries_prev_hash AS text[]), CAST(:entries_hash AS text[])
) WITH ORDINALITY AS entry(at, "user", agency, operation, operation_name, cadre_ids, fields, purpose, prev_hash, hash,
                          position)
WHERE EXISTS (SELECT FROM moved)
ORDER BY position
""")


@dataclass(frozen=True)
class _KnownHead:
    """The head this process last committed, and whether it is likely still the head: the batch that wrote it found
    the head where this process had left it (no other process appended in between)."""

    hash: str
    count: int
    undisturbed: bool


# Per engine: in a process that appends alone, the next batch chains from the head it knows and lets the
# compare-and-swap confirm it, without first reading (and locking) the head: a round trip less per batch.
_KNOWN_HEADS: WeakKeyDictionary[Engine, _KnownHead] = WeakKeyDictionary()


def append_batch(
    session: Session, records: Sequence[AccessRecord], joining: Callable[[], Sequence[AccessRecord]] | None = None
) -> list[ChainedEntry]:
    """Append `records`, in order, within the caller's transaction: the entries and the head's compare-and-swap (one
    statement on PostgreSQL), chained from the head this process committed last if no other process had moved it
    then; otherwise, or when the swap finds the head moved, from a head read that, on PostgreSQL, locks the head row
    until the transaction ends, so appends of every process wait for each other instead of retrying.

    `joining()`, if given, is called once, when the head to chain from is known (read and locked, or the one this
    process left), and its records are appended after `records`: what arrived while this append waited for the lock
    joins it instead of waiting for the next.
    """
    seal = seal_for(session)
    connection = session.connection()
    engine = connection.engine
    postgresql = connection.dialect.name == "postgresql"
    records = list(records)
    known = _KNOWN_HEADS.get(engine)
    for attempt in range(APPEND_ATTEMPTS):
        if attempt == 0 and known is not None and known.undisturbed:
            prev_hash, count, undisturbed = known.hash, known.count, True
        else:
            head = connection.execute(_HEAD_FOR_UPDATE).one_or_none()
            if head is None:
                _create_head(session)
                continue
            prev_hash, count = head
            undisturbed = known is not None and known.hash == prev_hash
        if joining is not None:
            records += joining()
            joining = None
        entries = _chained(seal, prev_hash, records)
        moved = count + len(entries)
        if postgresql:
            appended = _append_postgresql(connection, prev_hash, moved, entries)
        else:
            appended = _append_portable(connection, prev_hash, moved, entries)
        if appended:
            session.info[PENDING_ANCHOR] = (seal, engine, _KnownHead(entries[-1]["hash"], moved, undisturbed))
            counts = session.info.setdefault(PENDING_COUNTS, {})
            for record in records:
                counts[record.operation] = counts.get(record.operation, 0) + 1
            return [ChainedEntry(entry["at"], entry["prev_hash"], entry["hash"]) for entry in entries]
    raise RuntimeError("the audit head kept changing; could not append")


def _append_postgresql(connection: Connection, prev_hash: str, count: int, entries: list[dict[str, Any]]) -> bool:
    columns: dict[str, list[Any]] = {name: [entry[name] for entry in entries] for name in _ENTRY_VALUES}
    for name in ("cadre_ids", "fields"):
        columns[name] = [json.dumps(value) for value in columns[name]]  # as the JSON type writes them
    arrays = {f"entries_{name}": values for name, values in columns.items()}
    inserted = connection.execute(_POSTGRESQL_APPEND, {
        **arrays, "head_hash": entries[-1]["hash"], "head_count": count, "head_id": HEAD_ID, "prev_hash": prev_hash,
    })
    return bool(inserted.rowcount == len(entries))


def _append_portable(connection: Connection, prev_hash: str, count: int, entries: list[dict[str, Any]]) -> bool:
    swapped = connection.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID, AuditHead.hash == prev_hash)
        .values(hash=entries[-1]["hash"], count=count)
    )
    if swapped.rowcount != 1:
        return False
    connection.execute(insert(AuditEntry), entries)
    return True


def _chained(seal: AuditSeal, prev_hash: str, records: Sequence[AccessRecord]) -> list[dict[str, Any]]:
    """The rows of `records` chained from `prev_hash`, hashed in one pass."""
    entries: list[dict[str, Any]] = []
    for record in records:
        at = datetime.now(UTC)
        digest = entry_hash(seal, prev_hash, at, record)
        entries.append({
            "at": at, "user": record.user, "agency": record.agency, "operation": record.operation,
            "operation_name": record.operation_name, "cadre_ids": sorted(record.cadre_ids),
            "fields": sorted(record.fields), "purpose": record.purpose, "prev_hash": prev_hash, "hash": digest,
        })
        prev_hash = digest
    return entries


def _create_head(session: Session) -> None:
    """The genesis head, unless a concurrent first append created it first (no error either way)."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        upsert(AuditHead).values(id=HEAD_ID, hash=GENESIS_HASH, count=0).on_conflict_do_nothing(index_elements=["id"])
    )


class GroupCommit:
    """Appends the entries of concurrent requests in batches: one transaction, one head lock hold per batch.

    A request hands its entry over and waits. The first waiter finding no batch in flight leads: on its own session
    (so on the connection its request already holds) it locks the head, then takes every entry waiting by then
    (those that arrived while other processes held the head join it), appends them after its own, commits, and wakes
    them all; entries that arrived meanwhile form the next batch, led by one of their own requests. So every request
    still returns only after its own entry is committed, and the head is locked once per batch.
    """

    def __init__(self, max_batch: int = GROUP_COMMIT_MAX) -> None:
        self.max_batch = max_batch
        self._changed = threading.Condition()
        self._waiting: list[_Pending] = []
        self._leading = False

    def append(self, session: Session, record: AccessRecord) -> None:
        """Return once `record` is committed to the chain; raise what made its batch fail.

        `session`'s transaction is committed if this request leads a batch: it must hold nothing else to write.
        """
        pending = _Pending(record)
        with self._changed:
            self._waiting.append(pending)
            while self._leading and not pending.settled:
                self._changed.wait()
            if not pending.settled:
                self._leading = True
                self._waiting.remove(pending)  # the leader's own entry is always in its batch
        if not pending.settled:
            self._lead(session, [pending])
        if pending.error is not None:
            raise pending.error

    def _lead(self, session: Session, batch: list[_Pending]) -> None:
        def joining() -> list[AccessRecord]:
            """The entries waiting once the head is locked (they arrived while it was locked by others)."""
            with self._changed:
                room = self.max_batch - len(batch)
                joined, self._waiting = self._waiting[:room], self._waiting[room:]
            batch.extend(joined)
            return [pending.record for pending in joined]

        error: BaseException | None = None
        try:
            append_batch(session, [pending.record for pending in batch], joining)
            session.commit()
        except BaseException as failure:  # every request of the batch gets the failure, e.g. an outage
            error = failure
            session.rollback()
        finally:
            with self._changed:
                for pending in batch:
                    pending.error, pending.settled = error, True
                self._leading = False
                self._changed.notify_all()


@dataclass(eq=False)  # each request's own: two requests with equal entries are still two (list.remove finds by ==)
class _Pending:
    record: AccessRecord
    settled: bool = False
    error: BaseException | None = None


_GROUP_COMMITS: WeakKeyDictionary[Engine, GroupCommit] = WeakKeyDictionary()
_GROUP_COMMITS_LOCK = threading.Lock()


def append_committed(session: Session, record: AccessRecord) -> None:
    """Append `record`, batched with other threads' entries on the same engine; returns once it is committed.

    The session's transaction may have read (it is committed with the batch if this call leads one), never written.
    """
    engine = session.get_bind().engine
    with _GROUP_COMMITS_LOCK:
        group = _GROUP_COMMITS.get(engine)
        if group is None:
            group = _GROUP_COMMITS[engine] = GroupCommit(GROUP_COMMIT_MAX)
    group.append(session, record)


@event.listens_for(Session, "after_commit")
def _anchor_committed_head(session: Session) -> None:
    counts = session.info.pop(PENDING_COUNTS, None)
    if counts:
        record_audit_entries(counts)
    pending = session.info.pop(PENDING_ANCHOR, None)
    if pending is not None:
        seal, engine, head = pending
        seal.anchor(head.count, head.hash)
        _KNOWN_HEADS[engine] = head


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_head(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(PENDING_ANCHOR, None)  # a rolled-back append is never anchored, nor its head remembered
    session.info.pop(PENDING_COUNTS, None)


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


def verify(session: Session, batch_size: int = 5000) -> list[ChainProblem]:
    """Recompute the chain from the first entry; report every entry whose content or link does not match,
    every anchored head the chain no longer holds, and a chain shorter than its newest anchor."""
    seal = seal_for(session)
    anchor_log = seal.read_anchors()
    anchored: dict[int, set[str]] = {}
    for anchor in anchor_log.anchors:
        anchored.setdefault(anchor.count, set()).add(anchor.hash)
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    last_hash = GENESIS_HASH
    count = 0
    for entry in _entries(session, batch_size):
        count += 1
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(entry.id, "its link to the previous entry is broken"))
        cadre_ids = _stored_list(entry.cadre_ids, int, "cadre_ids", "a list of cadre ids")
        fields = _stored_list(entry.fields, str, "fields", "a list of field names")
        if isinstance(cadre_ids, str) or isinstance(fields, str):
            malformed = (value for value in (cadre_ids, fields) if isinstance(value, str))
            problems.extend(ChainProblem(entry.id, f"{reason} (edited)") for reason in malformed)
        else:
            record = AccessRecord(
                entry.user, entry.agency, entry.operation, entry.operation_name,
                tuple(cadre_ids), tuple(fields), entry.purpose,
            )
            if entry_hash(seal, entry.prev_hash, entry.at, record) != entry.hash:
                problems.append(ChainProblem(entry.id, "its content does not match its hash (edited)"))
        if count in anchored and anchored[count] != {entry.hash}:
            problems.append(ChainProblem(entry.id, f"it is not the entry anchored at position {count} (rewritten)"))
        expected_prev = last_hash = entry.hash
    head = session.get(AuditHead, HEAD_ID)
    if head is not None and (head.hash != last_hash or head.count != count):
        problems.append(ChainProblem(0, "entries were removed or added outside the chain (head does not match)"))
    problems.extend(_anchor_problems(anchor_log.forged_lines, max(anchored, default=0), count, seal))
    return problems


def _anchor_problems(forged_lines: int, newest_anchor: int, count: int, seal: AuditSeal) -> list[ChainProblem]:
    problems: list[ChainProblem] = []
    if forged_lines:
        problems.append(ChainProblem(0, f"{forged_lines} line(s) of {seal.anchor_file} fail their HMAC (forged)"))
    if count < newest_anchor:
        problems.append(ChainProblem(
            0, f"the chain holds {count} entries but {newest_anchor} were anchored (entries removed from the end)"
        ))
    elif count and not newest_anchor:
        problems.append(ChainProblem(0, f"the chain holds {count} entries but {seal.anchor_file} anchors none"))
    return problems


# The JSON columns are read as their stored text and decoded here, so that one malformed value is reported
# with its entry instead of failing the whole batch it is read in.
_ENTRY_COLUMNS = (
    AuditEntry.id, AuditEntry.at, AuditEntry.user, AuditEntry.agency, AuditEntry.operation,
    AuditEntry.operation_name, cast(AuditEntry.cadre_ids, Text).label("cadre_ids"),
    cast(AuditEntry.fields, Text).label("fields"), AuditEntry.purpose, AuditEntry.prev_hash, AuditEntry.hash,
)
_SHOWN_CHARACTERS = 60


def _stored_list(raw: str | None, item_type: type, column: str, expected: str) -> list[Any] | str:
    """The stored JSON list, or why it is not `expected` (what `append` always writes)."""
    shown = repr(raw if raw is None or len(raw) <= _SHOWN_CHARACTERS else raw[:_SHOWN_CHARACTERS] + "...")
    try:
        value = json.loads(raw) if raw is not None else None
    except ValueError:
        return f"its {column} is not valid JSON: {shown}"
    if not isinstance(value, list) or not all(
        isinstance(item, item_type) and not isinstance(item, bool) for item in value
    ):
        return f"its {column} is not {expected}: {shown}"
    return value


def _entries(session: Session, batch_size: int) -> Iterator[Row[Any]]:
    last_id = 0
    while True:
        batch = session.execute(
            select(*_ENTRY_COLUMNS).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
