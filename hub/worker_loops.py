"""Worker threads with event loops of their own, where requests that block (SQL, Neo4j) run.

Resolvers call the database and the graph synchronously. Run on the server's event loop, one slow graph
query would hold up every other request of the process, `/healthz` included. A request handed to
`WorkerLoops.run` executes on a worker's loop instead; the ASGI `receive` and `send` it is given hop back
to the server's loop, which stays free to accept and answer others. Each request gets a worker of its own,
so one request's blocking call never delays another's; at most `size` run at once, the rest wait their turn
without blocking anything.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from starlette.types import Message, Receive, Send

Result = TypeVar("Result")
Work = Callable[[Receive, Send], Awaitable[None]]


class WorkerLoops:
    """A fixed number of threads, each running an event loop; started on first use."""

    def __init__(self, size: int, name: str = "hub-request") -> None:
        if size < 1:
            raise ValueError("at least one worker loop is needed")
        self.size = size
        self.name = name
        self._idle: deque[asyncio.AbstractEventLoop] = deque()
        self._all: list[tuple[asyncio.AbstractEventLoop, threading.Thread]] = []
        self._lock = threading.Lock()
        self._admission: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _start(self) -> None:
        with self._lock:
            if self._all:
                return
            for number in range(self.size):
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=f"{self.name}-{number}", daemon=True)
                thread.start()
                self._all.append((loop, thread))
                self._idle.append(loop)

    def _semaphore(self) -> asyncio.Semaphore:
        """One admission count per calling loop (a test client may open a loop per request)."""
        caller = asyncio.get_running_loop()
        with self._lock:
            semaphore = self._admission.get(caller)
            if semaphore is None:
                semaphore = self._admission[caller] = asyncio.Semaphore(self.size)
            return semaphore

    async def run(self, work: Work, receive: Receive, send: Send) -> None:
        """Run `work(receive, send)` on an idle worker loop; ASGI messages still travel through the caller's loop."""
        self._start()
        caller = asyncio.get_running_loop()
        semaphore = self._semaphore()
        await semaphore.acquire()
        with self._lock:
            # Empty only when several client loops share the workers at once: then two requests share a loop.
            loop = self._idle.popleft() if self._idle else self._all[len(self._idle) % self.size][0]

        def release(_done: Future[None]) -> None:
            # The worker is idle again only once its work has really ended (also after a cancellation).
            with self._lock:
                if loop not in self._idle:
                    self._idle.append(loop)
            caller.call_soon_threadsafe(semaphore.release)

        future = asyncio.run_coroutine_threadsafe(
            _call(work, _on_loop(caller, receive), _on_loop(caller, send)), loop,
        )
        future.add_done_callback(release)
        await asyncio.wrap_future(future)

    def stop(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
            self._idle.clear()
            self._admission.clear()
        for loop, _thread in workers:
            loop.call_soon_threadsafe(loop.stop)
        for loop, thread in workers:
            thread.join(timeout=5)
            if not thread.is_alive():
                loop.close()


async def _call(work: Work, receive: Receive, send: Send) -> None:
    await work(receive, send)


def _on_loop(caller: asyncio.AbstractEventLoop, channel: Callable[..., Awaitable[Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    """`channel` (ASGI receive or send) called on `caller`'s loop, awaited from whichever loop runs the work."""

    async def hop(*args: Message) -> Any:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_awaited(channel, *args), caller))

    return hop


async def _awaited(channel: Callable[..., Awaitable[Result]], *args: Any) -> Result:
    return await channel(*args)
