"""Graph time per user and per agency in fixed windows, counted in the database so every hub process shares it.

A request that reaches the graph first reserves its whole graph budget from both its user's and its agency's
window; what it did not spend is given back when it ends. So the sum of what concurrent requests on any number
of processes and hosts may spend never passes a window's limit by more than rounding, and a crashed process's
reservation lapses with its window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.models import UsageWindow

TABLE: Table = UsageWindow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class WindowLimits:
    """Graph seconds a user and an agency may spend per window of `seconds`."""

    user_graph_seconds: float
    agency_graph_seconds: float
    seconds: int = 60


@dataclass(frozen=True)
class Reservation:
    """Graph time granted to one request: `seconds` it may spend, `reserved_ms` taken from each subject;
    `cut_short` when a window had less left than the request asked for."""

    subjects: tuple[str, ...]
    window: int
    reserved_ms: int
    seconds: float
    cut_short: bool = False


@dataclass(frozen=True)
class Exhausted:
    """The window's graph time is spent: who spent it and when the next window opens."""

    subject: str
    retry_after: int


def user_subject(agency: str, user: str) -> str:
    return f"user:{agency}:{user}"


def agency_subject(agency: str) -> str:
    return f"agency:{agency}"


class GraphWindows:
    """Reserves and settles graph time in the `usage_window` table."""

    def __init__(self, engine: Engine, limits: WindowLimits, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.limits = limits
        self.clock = clock
        self._pruned_window = -1

    def reserve(self, agency: str, user: str, want_seconds: float) -> Reservation | Exhausted:
        """Up to `want_seconds` from both windows, or the subject whose window is spent."""
        now = self.clock()
        window = int(now // self.limits.seconds)
        want_ms = max(1, int(want_seconds * 1000))
        limits = (
            (user_subject(agency, user), int(self.limits.user_graph_seconds * 1000)),
            (agency_subject(agency), int(self.limits.agency_graph_seconds * 1000)),
        )
        granted_ms = want_ms
        with self.engine.connect() as connection:  # closed without a commit, it reserves nothing
            self._prune(connection, window)
            grants: list[tuple[str, int]] = []
            for subject, limit_ms in limits:
                granted_ms = self._take(connection, subject, window, granted_ms, limit_ms)
                if granted_ms == 0:
                    return Exhausted(subject, self.seconds_to_next_window())
                grants.append((subject, granted_ms))
            for subject, subject_ms in grants:  # a later subject may have granted less than an earlier one
                self._give_back(connection, (subject,), window, subject_ms - granted_ms)
            connection.commit()
        return Reservation(
            tuple(subject for subject, _ in grants), window, granted_ms, granted_ms / 1000, cut_short=granted_ms < want_ms,
        )

    def settle(self, reservation: Reservation, spent_seconds: float) -> None:
        """Give back what the request reserved but did not spend."""
        spent_ms = min(reservation.reserved_ms, max(0, int(spent_seconds * 1000)))
        unused_ms = reservation.reserved_ms - spent_ms
        if unused_ms <= 0:
            return
        with self.engine.begin() as connection:
            self._give_back(connection, reservation.subjects, reservation.window, unused_ms)

    def seconds_to_next_window(self) -> int:
        now = self.clock()
        return max(1, math.ceil((int(now // self.limits.seconds) + 1) * self.limits.seconds - now))

    def spent_seconds(self, subject: str) -> float:
        """What `subject` has reserved or spent in the current window."""
        window = int(self.clock() // self.limits.seconds)
        with self.engine.connect() as connection:
            value = connection.execute(
                TABLE.select().with_only_columns(TABLE.c.graph_ms).where(TABLE.c.subject == subject, TABLE.c.window == window)
            ).scalar()
        return (value or 0) / 1000

    def _take(self, connection: Connection, subject: str, window: int, want_ms: int, limit_ms: int) -> int:
        """Up to `want_ms` added to the subject's window, never past its limit: what was granted (0: none left)."""
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(insert(TABLE).values(subject=subject, window=window, graph_ms=0).on_conflict_do_nothing())
        total = connection.execute(
            update(TABLE)
            .where(TABLE.c.subject == subject, TABLE.c.window == window, TABLE.c.graph_ms < limit_ms)
            .values(graph_ms=TABLE.c.graph_ms + want_ms)
            .returning(TABLE.c.graph_ms)
        ).scalar()
        if total is None:
            return 0
        overshoot = max(0, total - limit_ms)
        self._give_back(connection, (subject,), window, overshoot)
        return want_ms - overshoot

    def _give_back(self, connection: Connection, subjects: tuple[str, ...], window: int, ms: int) -> None:
        # One row at a time, in the order `reserve` takes them (the user's, then the agency's): a single UPDATE over
        # both would lock them in the table's order, and a reservation and a settlement of one user would deadlock.
        if ms > 0:
            for subject in subjects:
                connection.execute(
                    update(TABLE)
                    .where(TABLE.c.subject == subject, TABLE.c.window == window)
                    .values(graph_ms=TABLE.c.graph_ms - ms)
                )

    def _prune(self, connection: Connection, window: int) -> None:
        """Once per window and process: rows of windows before the previous one are of no use."""
        if window != self._pruned_window:
            connection.execute(delete(TABLE).where(TABLE.c.window < window - 1))
            self._pruned_window = window
