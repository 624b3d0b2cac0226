"""Bulk reporting: the per-agency template and the all-or-nothing import of a half-year report file.

`GET /reports/template?format=xlsx|csv` and `POST /reports/import` (the file as the request body) use the
same bearer token, policy and write rules as GraphQL: the columns are the NegativeRecord fields the agency
may write, and every row goes through `RecordWriter` validation and the row scope. With
`Accept: application/x-ndjson` the import streams progress lines and ends with the result line.

With an allow-list (HUB_ALLOWED_OPERATIONS_FILE) only the operations it lists run, and the import, a write
outside GraphQL, is one of them only if the list names `/reports/import`; otherwise it is refused (403,
NOT_ALLOWED). The template, which holds no data, is served either way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from hub import audit
from hub.services.bulk_import import (
    NEGATIVE_RECORD_LABELS,
    ImportRefused,
    ImportResult,
    RowError,
    import_report,
    report_columns,
)
from hub.persisted_queries import route_allowed
from hub.purpose import purpose_of
from hub.services.record_writes import WriteGate
from hub.services.specs import SPECS_BY_TYPE
from hub.web.spreadsheets import FORMATS, XLSX_MEDIA_TYPE, UnreadableFile, detect_format, read_sheet, write_template
from graph_sync.sync import SyncWorker
from hub.access import AccessView, Principal
from hub.settings import Settings
from policies.enforcement import PolicyStore



class Hub(Protocol):
    """What the import views need of the running hub (`hub.app.Hub` is one)."""

    settings: Settings
    sessions: sessionmaker[Session]
    policies: PolicyStore
    sync: SyncWorker | None

Admit = Callable[[Request], Principal | Response]

SPEC = SPECS_BY_TYPE["NegativeRecord"]
CREATE_MUTATION = "Mutation.createNegativeRecord"
OPERATION_NAME = "importNegativeRecords"
IMPORT_PATH = "/reports/import"
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
NDJSON = "application/x-ndjson"
logger = logging.getLogger(__name__)


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def _access(hub: Hub, admit: Admit, request: Request) -> AccessView | Response:
    admitted = admit(request)
    if isinstance(admitted, Response):
        return admitted
    access, _schema = hub.policies.view(admitted)
    if CREATE_MUTATION not in access.writable:
        return _error(403, "your agency does not report negative records", "FORBIDDEN")
    return access


def template_route(hub: Hub, admit: Admit) -> Route:
    async def template(request: Request) -> Response:
        # Token checks (an identity provider's keys may be fetched) and policy compiling block: off the loop.
        access = await asyncio.to_thread(_access, hub, admit, request)
        if isinstance(access, Response):
            return access
        kind = request.query_params.get("format", "xlsx")
        if kind not in FORMATS:
            return _error(400, f"format must be one of {', '.join(FORMATS)}", "BAD_INPUT")
        agency = access.principal.agency
        columns = report_columns(SPEC, access.writable, NEGATIVE_RECORD_LABELS, access.agencies)
        body = await asyncio.to_thread(write_template, columns, kind, agency)
        media = XLSX_MEDIA_TYPE if kind == "xlsx" else "text/csv; charset=utf-8"
        filename = f"negative-records-{agency}.{kind}"
        return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return Route("/reports/template", template, methods=["GET"])


def _run_import(hub: Hub, access: AccessView, purpose: str, data: bytes, content_type: str, filename: str,
                progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Read and validate the whole file, then write it in one transaction with its audit entry; nothing if any row fails.

    A refused file is audited too (`write_refused`): who tried to write which cadres' fields, and why.
    """
    try:
        kind = detect_format(data, content_type, filename)
        sheet = read_sheet(data, kind, lambda done, total: progress({"phase": "read", "done": done, "total": total}))
    except UnreadableFile as unreadable:
        return _refused(hub, access, purpose, ImportResult(errors=[RowError(1, None, str(unreadable))]))
    progress({"phase": "read", "done": len(sheet.rows), "total": len(sheet.rows)})
    gate = WriteGate(writable=access.writable, row_clause=access.rows.clause, agencies=access.agencies)
    with hub.sessions() as session:
        try:
            result = import_report(
                session, SPEC, gate, sheet.header, sheet.rows, NEGATIVE_RECORD_LABELS,
                lambda phase, done, total: progress({"phase": phase, "done": done, "total": total}),
            )
        except ImportRefused as refused:
            session.rollback()
            return _refused(hub, access, purpose, ImportResult(errors=[RowError(1, None, str(refused))]))
        except Exception:
            session.rollback()
            raise
        if not result.ok:
            session.rollback()
            return _refused(hub, access, purpose, result)
        _audit(session, access, purpose, "write", result)
        session.commit()
    if hub.sync is not None:
        hub.sync.wake()
    return result.as_dict()


def _audit(session: Session, access: AccessView, purpose: str, operation: str, result: ImportResult) -> None:
    principal = access.principal
    audit.append(session, audit.AccessRecord(
        user=principal.user, agency=principal.agency, operation=operation, operation_name=OPERATION_NAME,
        cadre_ids=tuple(sorted(result.cadre_ids)),
        fields=tuple(sorted(f"{SPEC.type_name}.{column.field.policy_name}" for column in result.columns)),
        purpose=purpose,
    ))


def _refused(hub: Hub, access: AccessView, purpose: str, result: ImportResult) -> dict[str, Any]:
    """Audit the refused import in a transaction of its own; the refusal for the caller."""
    with hub.sessions() as session, session.begin():
        _audit(session, access, purpose, "write_refused", result)
    return result.as_dict()


def import_route(hub: Hub, admit: Admit) -> Route:
    allowed = route_allowed(hub.settings.allowed_operations_file, IMPORT_PATH)

    async def import_file(request: Request) -> Response:
        # Token checks (an identity provider's keys may be fetched) and policy compiling block: off the loop.
        access = await asyncio.to_thread(_access, hub, admit, request)
        if isinstance(access, Response):
            return access
        if not allowed:
            return _error(403, f"{IMPORT_PATH} is not on the hub's allow-list", "NOT_ALLOWED")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_UPLOAD_BYTES):
            return _error(413, f"the file is larger than {MAX_UPLOAD_BYTES:,} bytes", "REQUEST_TOO_LARGE")
        data = await _read_body(request)
        if data is None:
            return _error(413, f"the file is larger than {MAX_UPLOAD_BYTES:,} bytes", "REQUEST_TOO_LARGE")
        purpose = purpose_of(request)  # checked by `admit`
        content_type = request.headers.get("content-type", "")
        filename = request.query_params.get("filename", "")
        if NDJSON in request.headers.get("accept", ""):
            return StreamingResponse(
                _progress_stream(lambda report: _run_import(hub, access, purpose, data, content_type, filename, report)),
                media_type=NDJSON,
            )
        outcome = await asyncio.to_thread(_run_import, hub, access, purpose, data, content_type, filename, _ignore)
        return JSONResponse(outcome, status_code=200 if outcome["ok"] else 422)

    return Route(IMPORT_PATH, import_file, methods=["POST"])


async def _read_body(request: Request) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _ignore(_report: dict[str, Any]) -> None:
    return None


async def _progress_stream(job: Callable[[Callable[[dict[str, Any]], None]], dict[str, Any]]) -> AsyncIterator[bytes]:
    """Run the import in a worker thread; yield its progress reports, then `{"result": ...}`, one JSON per line."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def report(item: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    task = asyncio.ensure_future(asyncio.to_thread(job, report))
    while not task.done() or not queue.empty():
        getter = asyncio.ensure_future(queue.get())
        done, _pending = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            yield _line({"progress": getter.result()})
        else:
            getter.cancel()
    try:
        outcome = task.result()
    except Exception:
        logger.exception("bulk import failed")
        outcome = ImportResult(errors=[RowError(1, None, "internal error; nothing was imported")]).as_dict()
    yield _line({"result": outcome})


def _line(item: dict[str, Any]) -> bytes:
    return (json.dumps(item, ensure_ascii=False) + "\n").encode()


def import_routes(hub: Hub, admit: Admit) -> list[Route]:
    return [template_route(hub, admit), import_route(hub, admit)]


__all__ = ["MAX_UPLOAD_BYTES", "import_routes"]
