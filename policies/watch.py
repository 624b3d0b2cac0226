"""Keep every hub process on the same policy: a watch thread re-reads the policy files (or the policy database)
every second, and on PostgreSQL a listener thread reloads at once when `hub policy reload` announces a change.

The announcement is a PostgreSQL NOTIFY on the hub's own database, so processes on other hosts hear it too; the
listener holds a connection of its own (never a pooled one) and reconnects after any error, catching up on
whatever it may have missed while disconnected.

Any role that may connect to the database may NOTIFY, so announcements are not trusted to mean a change: the
listener reads the policy at most once per `MIN_RELOAD_SECONDS`, coalescing whatever arrives meanwhile, skips
announcements that all name the digest already served, and a policy read installs a new version only when the
policy differs from the one served (`PolicyStore.refresh`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

from policies.enforcement import WATCH_INTERVAL_SECONDS, PolicyStore

logger = logging.getLogger(__name__)

CHANNEL = "hub_policy_reload"
RECONNECT_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)  # waits between attempts after an error; the last one repeats
LISTEN_TICK_SECONDS = 0.5  # how long one wait for notifications lasts before checking whether to stop
APPLICATION_NAME = "hub-policy-listener"
MIN_RELOAD_SECONDS = 0.5  # the least time between two policy reads caused by announcements
COALESCE_SECONDS = 0.05  # after a first announcement, how long to gather the rest of a burst
MAX_PAYLOADS = 16  # distinct payloads remembered per read; beyond them the announcements name "something"
Announced = frozenset[str] | None  # the digests announced; None when unknown (a catch-up, or too many)


def is_postgresql(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


def libpq_conninfo(database_url: str) -> str:
    """The SQLAlchemy URL (`postgresql+psycopg://...`) as a libpq URI psycopg connects with."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def announce_policy_reload(database_url: str, digest: str) -> bool:
    """Tell every hub listening on this PostgreSQL database to reload its policy; False on other databases."""
    if not is_postgresql(database_url):
        return False
    with psycopg.connect(libpq_conninfo(database_url), autocommit=True) as connection:
        connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, digest))
    return True


class ReloadListener:
    """A thread that LISTENs on `channel` (by default `CHANNEL`) and calls `on_reload` with the digests announced, at most once per
    `min_interval` however many announcements arrive, and with None after each (re)connect."""

    def __init__(
        self, database_url: str, on_reload: Callable[[Announced], object], min_interval: float = MIN_RELOAD_SECONDS,
        channel: str = CHANNEL, application_name: str = APPLICATION_NAME,
    ) -> None:
        self.conninfo = libpq_conninfo(database_url)
        self.channel, self.application_name = channel, application_name
        self.on_reload = on_reload
        self.min_interval = min_interval
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.channel}-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0
            except Exception:
                self.connected.clear()
                wait = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                logger.warning("%s listener lost its connection; reconnecting in %ss", self.channel, wait, exc_info=True)
                self._stop.wait(wait)

    def _listen(self) -> None:
        with psycopg.connect(
            self.conninfo, autocommit=True, application_name=self.application_name, connect_timeout=5,
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
        ) as connection:
            connection.execute(f"LISTEN {self.channel}")
            self.connected.set()
            self.on_reload(None)  # an announcement may have been sent while this process was not listening
            last_reload = time.monotonic()
            while not self._stop.is_set():
                first = [note.payload for note in connection.notifies(timeout=LISTEN_TICK_SECONDS, stop_after=1)]
                if not first:
                    continue
                # One read for the whole burst: gather what arrives until the least interval since the last read.
                gather = max(COALESCE_SECONDS, last_reload + self.min_interval - time.monotonic())
                payloads = set(first)
                for note in connection.notifies(timeout=gather):
                    if len(payloads) <= MAX_PAYLOADS:
                        payloads.add(note.payload)
                self.on_reload(frozenset(payloads) if len(payloads) <= MAX_PAYLOADS else None)
                last_reload = time.monotonic()


class PolicyWatch:
    """The policy watch of one hub process: the polling thread, plus the listener on PostgreSQL."""

    def __init__(self, store: PolicyStore, database_url: str, interval: float = WATCH_INTERVAL_SECONDS) -> None:
        self.store = store
        self.interval = interval
        self.listener = ReloadListener(database_url, self._reload_now) if is_postgresql(database_url) else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, name="policy-watch", daemon=True)
        self._thread.start()
        if self.listener is not None:
            self.listener.start()

    def stop(self) -> None:
        self._stop.set()
        if self.listener is not None:
            self.listener.stop()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def _reload_now(self, announced: Announced) -> None:
        if announced is not None and announced <= {self.store.digest}:
            return  # every announcement names the policy this process already serves
        self.store.refresh(force=True)

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.store.refresh()
            except Exception:
                logger.exception("policy watch failed")


__all__ = ["CHANNEL", "PolicyWatch", "ReloadListener", "announce_policy_reload", "is_postgresql"]
