"""Routes of the views: the static page shells, their bundled assets, and the bulk import endpoints."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub.web.dossiers import RunExport, dossier_routes
from hub.web.imports import Admit, Hub, import_routes

STATIC_DIR = Path(__file__).resolve().parent / "static"

# URL path -> page file in static/. The pages hold no data: they log in with a pasted token and query /graphql.
PAGES: dict[str, str] = {
    "/": "index.html",
    "/explore": "explore.html",
    "/cadre": "cadre.html",
    "/screening": "screening.html",
    "/import": "import.html",
    "/cases": "cases.html",
    "/graphiql": "graphiql.html",
}

# Scripts and styles only from the hub itself; no inline script, no framing, no third-party origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _page(filename: str) -> Callable[[Request], Awaitable[Response]]:
    path = STATIC_DIR / filename

    async def page(_request: Request) -> Response:
        if not path.is_file():
            return Response(f"{filename} is not built: run `npm ci && npm run build` in web/", status_code=503)
        return FileResponse(path, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    return page


def web_routes(hub: Hub, admit: Admit, run_export: RunExport) -> list[BaseRoute]:
    """The pages, `/static` assets, `/reports/*` and `/dossiers/*` endpoints; `admit` is the GraphQL gateway's
    authentication, `run_export` runs the hub's own query as the caller, audited as an export."""
    pages: list[BaseRoute] = [Route(url, _page(filename), methods=["GET"]) for url, filename in PAGES.items()]
    return [
        *pages,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
        *import_routes(hub, admit),
        *dossier_routes(hub, admit, run_export),
    ]
