"""Logs: one JSON object a line (or plain text), each with the id of the request it belongs to.

Every HTTP request gets an id: the client's `X-Request-ID` when it is a sane token, a fresh one otherwise.
It is sent back in the response's `X-Request-ID` and added to every log line written while the request is
handled (worker threads included: the id travels in a context variable). Casbin writes a line per
authorization decision; those are off unless `HUB_LOG_CASBIN=1`. Times are RFC 3339 with their offset
(`2025-03-01T08:30:00.123+08:00`).
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.asgi_messages import on_response_start

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
REQUEST_ID_HEADER = "x-request-id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
CASBIN_LOGGERS = ("casbin", "casbin.enforcer", "casbin.policy", "casbin.role")
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


def zoned_time(record: logging.LogRecord) -> str:
    """The record's time in RFC 3339 with the local offset, to the millisecond."""
    return dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class ZonedTextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return zoned_time(record)


class ZonedJsonFormatter(JsonFormatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return zoned_time(record)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (empty outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def logging_config(log_format: str = "json", level: str = "INFO", casbin: bool = False) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the hub and uvicorn, JSON or text, with request ids."""
    formatter: dict[str, Any] = (
        {"()": ZonedJsonFormatter, "fmt": JSON_FIELDS,
         "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}
        if log_format == "json"
        else {"()": ZonedTextFormatter, "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "hub", "filters": ["request_id"],
               "stream": "ext://sys.stderr"}
    casbin_level = "INFO" if casbin else "ERROR"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"hub": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["default"], "level": level, "propagate": False},
            **{name: {"level": casbin_level, "propagate": True} for name in CASBIN_LOGGERS},
        },
    }


def configure_logging(log_format: str = "json", level: str = "INFO", casbin: bool = False) -> dict[str, Any]:
    config = logging_config(log_format, level, casbin)
    logging.config.dictConfig(config)
    for name in CASBIN_LOGGERS:  # casbin disables its loggers itself when built without logging; dictConfig does not undo it
        logging.getLogger(name).disabled = not casbin
    return config


def quiet_casbin(casbin: bool = False) -> None:
    """Casbin's per-decision lines off (or on), whatever logging configuration the host process has."""
    for name in CASBIN_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if casbin else logging.ERROR)


class RequestIds:
    """ASGI middleware: a request id for every HTTP request, in the context and in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        def add_id(start: Message) -> None:
            MutableHeaders(scope=start)[REQUEST_ID_HEADER] = request_id

        try:
            await self.app(scope, receive, on_response_start(send, add_id))
        finally:
            REQUEST_ID.reset(token)
