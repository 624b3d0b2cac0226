"""Who applies the graph outbox: any number of sync workers may run, one leads at a time.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own. The lock
lives exactly as long as that connection: a leader killed with SIGKILL (or cut off, detected by TCP
keepalives within about 11 s) loses it, and a standby polling `pg_try_advisory_lock`
takes over. On SQLite, a single host, the leader holds an exclusive `flock` on a file beside the
database, released by the kernel when the process dies.

The leader confirms its lock before every batch. A leader that lost its lock in the middle of a batch
may still finish that one Neo4j write; the batch is idempotent (MERGE / delete by key) and the new
leader starts from the checkpoint, so the graph still ends equal to the records.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

SYNC_LEADER_LOCK_ID = 7_305_231_846  # arbitrary constant naming the PostgreSQL advisory lock of the sync leader
APPLICATION_NAME = "hub graph sync (pid {pid})"  # the leader's connection says which process holds the lock
# TCP keepalives (idle, interval, probes): the server drops a silent leader connection, freeing its lock, after ~11 s.
KEEPALIVE = (5, 2, 3)
CONNECT_TIMEOUT_SECONDS = 5


def leader_pid(engine: Engine, lock_id: int = SYNC_LEADER_LOCK_ID) -> int | None:
    """The OS pid of the process leading the sync on PostgreSQL, from the server's lock table (None: nobody)."""
    with engine.connect() as connection:
        name = connection.execute(
            text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :high AND l.objid = :low"
            ),
            {"high": lock_id >> 32, "low": lock_id & 0xFFFFFFFF},
        ).scalar()
    if not name or "pid " not in name:
        return None
    return int(name.rsplit("pid ", 1)[1].rstrip(")"))


class Leadership(Protocol):
    description: str

    def try_acquire(self) -> bool:
        """True if this worker leads now (acquired or already held); never waits for the current leader."""

    def confirm(self) -> bool:
        """True while the lock is still held; False once it is lost (the worker must stop applying)."""

    def release(self) -> None:
        """Give up the lead (if held) and free the resources; a standby can then take over at once."""


def leadership_for(engine: Engine | None, *, lock_id: int = SYNC_LEADER_LOCK_ID, name: str = "graph-sync") -> Leadership:
    """The leadership that suits the database behind `engine` (no engine: nobody else to lead). Another task that
    must run in one process only (the detection schedule) names a lock of its own: `lock_id` and `name`."""
    if engine is None:
        return SoleLeader()
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(url, lock_id)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return FileLock(Path(f"{url.database}.{name}.lock"))
    return SoleLeader()


class PostgresAdvisoryLock:
    """A session-level advisory lock held on a dedicated connection (outside the hub's pool)."""

    def __init__(self, url: URL, lock_id: int = SYNC_LEADER_LOCK_ID) -> None:
        self.lock_id = lock_id
        self.description = "PostgreSQL advisory lock"
        self._engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={
                "application_name": APPLICATION_NAME.format(pid=os.getpid()),
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                # Notice a dead database host on this side, too.
                "keepalives": 1,
                "keepalives_idle": KEEPALIVE[0],
                "keepalives_interval": KEEPALIVE[1],
                "keepalives_count": KEEPALIVE[2],
            },
        )
        self._connection: Connection | None = None
        self._held = False

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            # The server frees the lock of a leader whose host went silent, not only of one whose process died.
            idle, interval, probes = KEEPALIVE
            connection.execute(text(f"SET tcp_keepalives_idle = {int(idle)}"))
            connection.execute(text(f"SET tcp_keepalives_interval = {int(interval)}"))
            connection.execute(text(f"SET tcp_keepalives_count = {int(probes)}"))
            self._connection = connection
        return self._connection

    def try_acquire(self) -> bool:
        if self._held:
            return True  # confirmed before each batch
        try:
            acquired = bool(self._connect().scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": self.lock_id}))
        except Exception:
            self._drop()
            raise
        self._held = acquired
        return acquired

    def confirm(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            held = bool(
                self._connection.scalar(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND pid = pg_backend_pid() AND classid = :high AND objid = :low AND objsubid = 1)"
                    ),
                    {"high": self.lock_id >> 32, "low": self.lock_id & 0xFFFFFFFF},
                )
            )
        except Exception:
            held = False
        if not held:
            self._drop()
        return held

    def release(self) -> None:
        if self._held and self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": self.lock_id})
            except Exception:
                pass
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        self._held = False
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                pass
            self._connection = None


class FileLock:
    """An exclusive `flock` on a file beside the SQLite database (one host, like SQLite itself)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"file lock {path}"
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        handle = open(self.path, "ab")  # noqa: SIM115  (kept open while leading)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def confirm(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class SoleLeader:
    """A database only this process can see (SQLite in memory): nobody else could lead."""

    description = "sole worker"

    def try_acquire(self) -> bool:
        return True

    def confirm(self) -> bool:
        return True

    def release(self) -> None:
        return None
