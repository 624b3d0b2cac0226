"""Engine and session factory for the relational store (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from hub.audit_seal import bind_seal
from hub.settings import Settings

# Connections beyond the pool for work outside GraphQL requests: graph sync, imports, readiness checks.
POOL_OVERFLOW = 10
# How long a SQLite write waits for the one write lock before failing with "database is locked". In WAL mode
# reads never wait for a writer, but every audited read appends its audit entry, which does: behind a large
# import's single transaction (all or nothing) that takes seconds, so Python's default of 5 s turned reads
# into 503s while a valid import was being written.
SQLITE_BUSY_TIMEOUT_SECONDS = 60.0


def make_engine(settings: Settings) -> Engine:
    engine = _create_engine(settings)
    bind_seal(engine, settings)  # the audit chain's key and anchor file, which never live in the database
    return engine


def _create_engine(settings: Settings) -> Engine:
    url = settings.database_url
    pool = {"pool_size": settings.db_pool_size, "max_overflow": POOL_OVERFLOW}
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        engine = create_engine(url, echo=settings.debug_sql, connect_args=connect_args, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    _cache_long_statements()
    # No ping per checkout: a connection lost in an outage fails its request with a 503 and invalidates the pool,
    # so the next requests connect afresh (tests/test_faults.py).
    return create_engine(url, echo=settings.debug_sql, **pool)


# psycopg turns a statement's named parameters into PostgreSQL's ($1, $2, ...) and keeps the result only for texts
# of at most 4 kB. A compiled page's statement is longer, so its text was split again on every request: about 5 %
# of a served page's CPU (py-spy --gil, 16 clients). psycopg has no public setting for it; its cache holds at most
# 128 texts, so the larger bound costs at most a few megabytes.
CACHED_STATEMENT_BYTES = 64 * 1024


def _cache_long_statements() -> None:
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, CACHED_STATEMENT_BYTES)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls everything back on any error."""
    with factory() as session, session.begin():
        yield session
