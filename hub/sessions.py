"""Sessions of the relational store, each of which records its graph changes in the outbox.

It sits above `graph_sync` (whose outbox hooks it installs), so the core `hub.db` stays below everything.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from graph_sync.outbox import install_outbox
from hub.services.watch_events import install_watch_events


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # close_resets_only=False: a closed request session cannot silently reopen a transaction (e.g. from a late
    # DataLoader batch), which would hold a pooled connection and its locks.
    factory = sessionmaker(bind=engine, expire_on_commit=False, close_resets_only=False)
    install_outbox(factory)  # every write that changes the graph also appends to the graph outbox
    install_watch_events(factory)  # and every write about a watched cadre or person to the watch event log
    return factory
