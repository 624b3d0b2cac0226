"""A fair share of the request workers for every user and every agency.

A process serves at most `slots` GraphQL requests at once (one per pooled connection). Without a scheduler one
principal sending many slow requests holds every slot and every other agency waits. Here:

- a user runs at most `per_user` requests at once and an agency at most `per_agency`, so slots always remain
  for the others;
- a request that cannot run yet waits in its agency's queue; when a slot frees, the agency with the fewest
  running requests goes next (oldest request first, skipping users at their limit);
- a user with `per_user` running and `user_queue` waiting, or a request that waited `wait_seconds`, is refused
  with `Refused.retry_after`, which the gateway answers as 429 with Retry-After.

The scheduler is per process: each process keeps room for every agency. Graph time, the costly part of a slow
request, is counted across all processes in the database (`hub.core.usage_windows`).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from hub.access import Principal
from hub.settings import Settings


@dataclass(frozen=True)
class ShareLimits:
    slots: int
    per_user: int
    per_agency: int
    user_queue: int
    wait_seconds: float


class Refused(Exception):
    """The principal has more requests in flight or waiting than its share; try again after `retry_after` s."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(eq=False)
class _Waiter:
    user: str
    agency: str
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    since: float = field(default_factory=time.monotonic)
    granted: bool = False  # set under the scheduler's lock when a slot is handed over


class FairScheduler:
    def __init__(self, limits: ShareLimits) -> None:
        if min(limits.slots, limits.per_user, limits.per_agency) < 1:
            raise ValueError("slots and the per-user and per-agency shares must be at least 1")
        self.limits = limits
        self._lock = threading.Lock()
        self._running = 0
        self._by_user: Counter[str] = Counter()
        self._by_agency: Counter[str] = Counter()
        self._waiting_by_user: Counter[str] = Counter()
        self._queues: dict[str, deque[_Waiter]] = {}

    @asynccontextmanager
    async def slot(self, principal: Principal) -> AsyncIterator[None]:
        """Hold one of the process's request slots for the duration; raises `Refused` beyond the share."""
        user = f"{principal.agency}:{principal.user}"
        await self._acquire(user, principal.agency)
        try:
            yield
        finally:
            self._release(user, principal.agency)

    def running(self, agency: str | None = None) -> int:
        with self._lock:
            return self._running if agency is None else self._by_agency[agency]

    async def _acquire(self, user: str, agency: str) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._may_run(user, agency):  # waiters are only ever those that may not run yet
                self._start(user, agency)
                return
            if self._by_user[user] + self._waiting_by_user[user] >= self.limits.per_user + self.limits.user_queue:
                raise Refused("too many requests of yours are running or waiting", self._retry_after())
            waiter = _Waiter(user, agency, loop, loop.create_future())
            self._queues.setdefault(agency, deque()).append(waiter)
            self._waiting_by_user[user] += 1
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), self.limits.wait_seconds)
        except TimeoutError:
            self._abandon(waiter)
            raise Refused("the hub is busy with your agency's other requests", self._retry_after()) from None
        except asyncio.CancelledError:  # the client went away while waiting
            self._abandon(waiter)
            raise

    def _abandon(self, waiter: _Waiter) -> None:
        with self._lock:
            if not waiter.granted:
                self._queues[waiter.agency].remove(waiter)
                self._waiting_by_user[waiter.user] -= 1
                return
        self._release(waiter.user, waiter.agency)  # a slot was handed over as the wait ended: give it back

    def _may_run(self, user: str, agency: str) -> bool:
        return (
            self._running < self.limits.slots
            and self._by_user[user] < self.limits.per_user
            and self._by_agency[agency] < self.limits.per_agency
        )

    def _start(self, user: str, agency: str) -> None:
        self._running += 1
        self._by_user[user] += 1
        self._by_agency[agency] += 1

    def _release(self, user: str, agency: str) -> None:
        with self._lock:
            self._running -= 1
            self._by_user[user] -= 1
            self._by_agency[agency] -= 1
            self._dispatch()

    def _dispatch(self) -> None:
        """Start waiting requests while slots are free: the agency with the fewest running goes first."""
        while self._running < self.limits.slots:
            waiter = self._next_waiter()
            if waiter is None:
                return
            self._queues[waiter.agency].remove(waiter)
            self._waiting_by_user[waiter.user] -= 1
            self._start(waiter.user, waiter.agency)
            waiter.granted = True
            waiter.loop.call_soon_threadsafe(_wake, waiter.future)

    def _next_waiter(self) -> _Waiter | None:
        best: _Waiter | None = None
        for agency, queue in self._queues.items():
            if not queue or self._by_agency[agency] >= self.limits.per_agency:
                continue
            candidate = next((w for w in queue if self._by_user[w.user] < self.limits.per_user), None)
            if candidate is None:
                continue
            if best is None or (self._by_agency[agency], candidate.since) < (self._by_agency[best.agency], best.since):
                best = candidate
        return best

    def _retry_after(self) -> int:
        return max(1, math.ceil(self.limits.wait_seconds / 2))


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)



def share_limits(settings: Settings) -> ShareLimits:
    """The shares from the settings; unset shares are half (per user) and two thirds (per agency) of the slots."""
    slots = settings.db_pool_size
    per_user = settings.share_per_user or max(1, slots // 2)
    per_agency = settings.share_per_agency or max(per_user, slots * 2 // 3)
    return ShareLimits(
        slots=slots, per_user=min(per_user, slots), per_agency=min(per_agency, slots),
        user_queue=settings.share_user_queue, wait_seconds=settings.share_wait_seconds,
    )
