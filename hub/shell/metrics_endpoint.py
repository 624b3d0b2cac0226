"""`/metrics` for Prometheus, on the public app (behind `OperatorAccess`) or on a listener of its own
(`HUB_METRICS_BIND`, e.g. 127.0.0.1:9100), which each hub process runs on a thread beside its server.

With `hub serve --workers N` the processes share that address (SO_REUSEPORT), so a scrape, as on the public
port, is answered by one of them.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Awaitable, Callable

import uvicorn
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from graph_sync.sync import backlog
from hub.metrics import SyncBacklog, exposition
from hub.settings import split_host_port
from hub.shell.operator_access import OperatorAccess

logger = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]


def metrics_endpoint(sessions: sessionmaker[Session], operator: OperatorAccess) -> Endpoint:
    """Prometheus metrics of this process; the sync backlog is read from the outbox when scraped."""
    def sync_backlog() -> tuple[int, float | None] | None:
        try:
            return backlog(sessions)
        except SQLAlchemyError:  # unreachable or not migrated: /readyz says which
            return None

    registry = CollectorRegistry()
    registry.register(SyncBacklog(sync_backlog))

    async def metrics(request: Request) -> Response:
        if not operator.allows(request):
            return operator.refusal()
        body, content_type = await asyncio.to_thread(exposition, registry)  # the backlog query blocks
        return Response(body, media_type=content_type)

    return metrics


def shared_socket(address: str) -> socket.socket:
    """A listening socket on `host:port` that the other worker processes of this hub may bind as well."""
    host, port = split_host_port(address)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(64)
    return sock


class MetricsListener:
    """The operator's own listener: `app` served on `address` by a uvicorn server on a thread of its own."""

    def __init__(self, app: ASGIApp, address: str) -> None:
        self.address = address
        self.server = uvicorn.Server(uvicorn.Config(app, lifespan="off", access_log=False, log_config=None))
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        sock = shared_socket(self.address)  # bound here, so a taken address fails the start, not the thread
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, name="metrics", daemon=True)
        self._thread.start()
        logger.info("metrics served on %s", self.address)

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
