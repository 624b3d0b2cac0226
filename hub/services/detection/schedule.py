"""The detection schedule: any number of hub processes may run it, exactly one (the leader) runs the rules.

Every `interval` seconds the leader runs the rules again over the cadres whose neighbourhood changed (the graph
changes the sync has applied since the last run, the negative records and supervision actions changed since), and
over every cadre once `full_every` seconds have passed since the last full run (the first tick runs one when none
is recorded). Leadership is the graph sync's mechanism with a lock of its own (graph_sync/leadership.py): a
PostgreSQL advisory lock, or a file lock beside a SQLite database; a leader that dies frees it.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import Driver
from sqlalchemy.orm import Session, sessionmaker

from graph_sync.driver import open_driver
from graph_sync.leadership import Leadership, leadership_for
from hub import models
from hub.services.detection.runner import CHECKPOINT_ID, run_full, run_incremental
from hub.services.workflows import clock
from hub.settings import Settings

log = logging.getLogger(__name__)

DETECTION_LEADER_LOCK_ID = 7_305_231_847  # arbitrary constant naming the PostgreSQL advisory lock of the schedule


class DetectionSchedule:
    def __init__(
        self, settings: Settings, session_factory: sessionmaker[Session], *, interval: float, full_every: float,
        leadership: Leadership | None = None,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.session_factory = session_factory
        self.interval = interval
        self.full_every = full_every
        self.leadership = leadership or leadership_for(
            session_factory.kw.get("bind"), lock_id=DETECTION_LEADER_LOCK_ID, name="detection")
        self.leader = False
        self.runs = 0  # ticks this process ran as the leader
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="detection-schedule", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def status(self) -> dict[str, Any]:
        return {"leader": self.leader, "leadership": self.leadership.description, "runs": self.runs,
                "last_error": self.last_error}

    def tick(self, driver: Driver) -> str:
        """One scheduled run, as the leader: full when due, else incremental. Says which."""
        with self.session_factory() as session:
            checkpoint = session.get(models.DetectionCheckpoint, CHECKPOINT_ID)
            last_full = checkpoint.last_full_run_at if checkpoint is not None else None
        if last_full is not None and last_full.tzinfo is None:
            last_full = last_full.replace(tzinfo=UTC)
        if last_full is None or datetime.now(UTC) - last_full >= timedelta(seconds=self.full_every):
            run_full(self.session_factory, driver, clock.today())
            kind = "full"
        else:
            run_incremental(self.session_factory, driver, clock.today())
            kind = "incremental"
        self.runs += 1
        return kind

    def _run(self) -> None:
        driver: Driver | None = None
        try:
            while not self._stop.is_set():
                try:
                    leads = self.leadership.try_acquire() and self.leadership.confirm()
                    if leads != self.leader:
                        log.info("detection schedule: %s (%s)", "leading" if leads else "standing by",
                                 self.leadership.description)
                    self.leader = leads
                    if leads:
                        if driver is None:
                            driver = open_driver(self.settings)
                        kind = self.tick(driver)
                        log.info("detection schedule: %s run done", kind)
                    self.last_error = None
                except Exception as error:
                    self.last_error = f"{type(error).__name__}: {error}"
                    log.warning("detection run failed, retrying at the next tick: %s", self.last_error)
                    if driver is not None:
                        driver.close()
                        driver = None
                self._stop.wait(self.interval)
        finally:
            if driver is not None:
                driver.close()
            self.leadership.release()
            self.leader = False
