"""Dossiers: a cadre's or a case's file as PDF or workbook, for the paper file a joint review or a case ends in.

`GET /dossiers/cadre/{id}.pdf|.xlsx` and `GET /dossiers/case/{number}.pdf|.xlsx` are authenticated like /graphql.
The file is the answer to a GraphQL query the hub builds from the reader's own agency schema (every field of the
record and its relations that the schema has) and runs as that reader, so the policy cut, row scopes and masks are
exactly those of their queries. It is audited as an export (`operation` "export", the fields and cadres read, the
purpose); a case dossier's purpose names the case. Every page carries the reader, the time and the purpose.

With an allow-list (HUB_ALLOWED_OPERATIONS_FILE), dossiers are served only if the list names `/dossiers`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.types import ExecutionResult

from hub.access import AccessView, Principal
from hub.persisted_queries import route_allowed
from hub.purpose import MAX_PURPOSE_LENGTH, purpose_of
from hub.web.dossier_content import Dossier, Mark, dossier
from hub.web.dossier_pdf import PDF_MEDIA_TYPE, NoCjkFont, find_cjk_font, write_pdf
from hub.web.dossier_query import DossierQuery, cadre_query, case_query
from hub.web.dossier_sheets import write_workbook
from hub.web.imports import Admit, Hub
from hub.web.spreadsheets import XLSX_MEDIA_TYPE
from schema.internal_errors import masked_unexpected

Kind = Literal["pdf", "xlsx"]
RunExport = Callable[[Principal, str, str, dict[str, Any], str], Awaitable[ExecutionResult | Response]]
DOSSIERS_PATH = "/dossiers"
CALLER_INPUT_ERRORS = frozenset({"BAD_INPUT", "BAD_USER_INPUT"})
MEDIA_TYPES: dict[str, str] = {"pdf": PDF_MEDIA_TYPE, "xlsx": XLSX_MEDIA_TYPE}
logger = logging.getLogger(__name__)


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def _agency_name(access: AccessView) -> str:
    agency = next((member for member in access.agencies if member.code == access.principal.agency), None)
    return agency.name_zh if agency is not None else access.principal.agency


def _refusal(errors: list[GraphQLError]) -> JSONResponse:
    """The query's errors as /graphql would send them: bad input is the caller's (400); the query is the hub's own,
    so any other error (one it failed to validate, say) is the hub's (500)."""
    errors = masked_unexpected(errors)
    codes = {(error.extensions or {}).get("code") for error in errors}
    status = 400 if codes <= CALLER_INPUT_ERRORS else 500
    if status == 500:
        logger.error("a dossier's query failed: %s", [error.formatted for error in errors])
    return JSONResponse({"errors": [error.formatted for error in errors]}, status_code=status)


def case_purpose(stated: str, number: str) -> str:
    """A case dossier's purpose names the case: the stated one if it does, else the number before it."""
    if number in stated:
        return stated
    return (f"{number} {stated}" if stated else number)[:MAX_PURPOSE_LENGTH]


class DossierEndpoint:
    """One kind of dossier: which query, keyed how, titled how."""

    def __init__(self, hub: Hub, admit: Admit, run_export: RunExport, *, kind: str,
                 build: Callable[[Any], DossierQuery | None], refused: str) -> None:
        self.hub, self.admit, self.run_export = hub, admit, run_export
        self.kind, self.build, self.refused = kind, build, refused
        self.allowed = route_allowed(hub.settings.allowed_operations_file, DOSSIERS_PATH)

    async def respond(self, request: Request) -> Response:
        file_kind = request.path_params["format"]
        if file_kind not in MEDIA_TYPES:
            return _error(404, "a dossier is a .pdf or an .xlsx file", "NOT_FOUND")
        # Token checks (an identity provider's keys may be fetched) and policy compiling block: off the loop.
        admitted = await asyncio.to_thread(self.admit, request)
        if isinstance(admitted, Response):
            return admitted
        if not self.allowed:
            return _error(403, f"{DOSSIERS_PATH} is not on the hub's allow-list", "NOT_ALLOWED")
        access, schema = await asyncio.to_thread(self.hub.policies.view, admitted)
        query = self.build(schema._schema)
        if query is None:
            return _error(403, self.refused, "FORBIDDEN")
        if file_kind == "pdf":
            try:
                await asyncio.to_thread(find_cjk_font)
            except NoCjkFont as missing:
                return _error(503, str(missing), "NO_CJK_FONT")
        key = request.path_params["key"]
        purpose = purpose_of(request)  # checked by `admit`
        if self.kind == "case":
            purpose = case_purpose(purpose, key)
        variables = {"id": key} if self.kind == "cadre" else {"number": key}
        export = f"{self.kind}Dossier"
        result = await self.run_export(admitted, purpose, query.text, variables, export)
        if isinstance(result, Response):
            return result
        if result.errors:
            return _refusal(list(result.errors))
        record = (result.data or {}).get(query.root)
        if not isinstance(record, Mapping):
            return _error(404, f"no {self.kind} {key} in your agency's window", "NOT_FOUND")
        mark = Mark(admitted.user, admitted.agency, _agency_name(access), datetime.now(UTC), purpose)
        content = self._dossier(mark, key, record, query)
        body = await asyncio.to_thread(write_pdf if file_kind == "pdf" else write_workbook, content)
        return Response(body, media_type=MEDIA_TYPES[file_kind], headers={
            "Content-Disposition": f'attachment; filename="{content.file_stem}.{file_kind}"',
            "Cache-Control": "no-store",
        })

    def _dossier(self, mark: Mark, key: Any, record: Mapping[str, Any], query: DossierQuery) -> Dossier:
        if self.kind == "cadre":
            title = f"干部档案 cadre file: {record.get('name') or ''} (#{key})"
            stem = f"cadre-{key}"
        else:
            title = f"案件档案 case file: {key} {record.get('title') or ''}"
            stem = "case-" + "".join(char if char.isascii() and (char.isalnum() or char in "-_") else "_" for char in key)
        return dossier(title.strip(), stem, mark, record, query.selected)


def dossier_routes(hub: Hub, admit: Admit, run_export: RunExport) -> list[Route]:
    cadre = DossierEndpoint(hub, admit, run_export, kind="cadre", build=cadre_query,
                            refused="your agency does not read cadres' files")
    case = DossierEndpoint(hub, admit, run_export, kind="case", build=case_query,
                           refused="your agency does not work cases")
    return [
        Route(DOSSIERS_PATH + "/cadre/{key:int}.{format}", cadre.respond, methods=["GET"]),
        Route(DOSSIERS_PATH + "/case/{key}.{format}", case.respond, methods=["GET"]),
    ]


__all__ = ["DOSSIERS_PATH", "RunExport", "case_purpose", "dossier_routes"]
