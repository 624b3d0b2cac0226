"""Append to and verify the hash-chained access audit.

Each entry's hash is an HMAC-SHA256 (key outside the database) over the entry and the previous hash; after each
commit that appended entries, the new head is anchored in an append-only file (`hub.audit_seal`), so verification
catches edits, removals, a truncated tail with a moved head, and a chain recomputed without the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Text, cast, event, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from hub.audit_seal import AuditSeal, seal_for
from hub.metrics import record_audit_entries
from hub.models.audit import GENESIS_HASH, AuditEntry, AuditHead

HEAD_ID = 1
APPEND_ATTEMPTS = 20
# PostgreSQL advisory lock key serializing appends across all hub processes ("audit" in ASCII).
APPEND_LOCK_KEY = 0x6175646974
PENDING_ANCHOR = "hub.audit.pending_anchor"  # session.info: (seal, count, hash) to anchor once committed
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


def append(session: Session, record: AccessRecord) -> AuditEntry:
    """Append one entry within the caller's transaction, chained to the current head (compare-and-swap)."""
    seal = seal_for(session)
    _serialize_appends(session)
    for _attempt in range(APPEND_ATTEMPTS):
        head = session.get(AuditHead, HEAD_ID, populate_existing=True)
        if head is None:
            _create_head(session)
            continue
        prev_hash, count = head.hash, head.count
        at = datetime.now(UTC)
        digest = entry_hash(seal, prev_hash, at, record)
        swapped = session.execute(
            update(AuditHead)
            .where(AuditHead.id == HEAD_ID, AuditHead.hash == prev_hash)
            .values(hash=digest, count=count + 1)
            .execution_options(synchronize_session=False)
        )
        if swapped.rowcount == 1:  # type: ignore[attr-defined]
            entry = AuditEntry(
                at=at,
                user=record.user,
                agency=record.agency,
                operation=record.operation,
                operation_name=record.operation_name,
                cadre_ids=sorted(record.cadre_ids),
                fields=sorted(record.fields),
                purpose=record.purpose,
                prev_hash=prev_hash,
                hash=digest,
            )
            session.add(entry)
            session.flush()
            session.info[PENDING_ANCHOR] = (seal, count + 1, digest)
            appended = session.info.setdefault(PENDING_COUNTS, {})
            appended[record.operation] = appended.get(record.operation, 0) + 1
            return entry
    raise RuntimeError("the audit head kept changing; could not append")


def _serialize_appends(session: Session) -> None:
    """On PostgreSQL, wait for other transactions appending (in any process) to end before reading the head.

    Without it, each concurrent append past the first loses the compare-and-swap and retries; with many hub
    processes writing at once an append can lose APPEND_ATTEMPTS times and fail. The lock is released at commit or
    rollback. SQLite needs none: its single writer lock already serializes the swaps.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK_KEY)))


def _create_head(session: Session) -> None:
    """The genesis head, unless a concurrent first append created it first (no error either way)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(AuditHead).values(id=HEAD_ID, hash=GENESIS_HASH, count=0).on_conflict_do_nothing(index_elements=["id"])
    )


@event.listens_for(Session, "after_commit")
def _anchor_committed_head(session: Session) -> None:
    counts = session.info.pop(PENDING_COUNTS, None)
    if counts:
        record_audit_entries(counts)
    pending = session.info.pop(PENDING_ANCHOR, None)
    if pending is not None:
        seal, count, digest = pending
        seal.anchor(count, digest)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_head(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(PENDING_ANCHOR, None)  # a rolled-back append is never anchored
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
