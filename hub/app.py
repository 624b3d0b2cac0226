"""The Starlette application: GraphQL per agency at /graphql, GraphiQL in a browser, health and readiness."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from cross_web import HTTPException

from hub.auth import AuthenticationFailed, principal_from_header
from hub.graphql_http import GRAPHQL_RESPONSE_JSON, is_request_error, response_media_type
from hub.db import make_engine, make_session_factory
from graph_sync.sync import SyncWorker
from hub.graph_store import GraphStore
from hub.heap import LongLivedHeap
from hub.purpose import PurposeRefused, admitted_purpose, purpose_of
from hub.settings import Settings, refuse_insecure_production
from hub.worker_loops import WorkerLoops
from policies.enforcement import PolicyStore, UnknownAgency
from schema.build import build_full_schema
from schema.limits import GraphQLLimits
from schema.access import AccessView, Principal
from schema.availability import RESPONSE_KEY
from schema.context import RequestContext, new_context
from schema.graph_budget import GraphBudget

CONTEXT_KEY = "hub.context"


class AgencyGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view for one agency's schema; the context is prepared by the gateway."""

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        context: RequestContext = request.scope[CONTEXT_KEY]
        context.extras[RESPONSE_KEY] = response  # lets DatabaseAvailability answer 503 on an outage
        response.media_type = response_media_type(request.headers.get("accept"))
        return context

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """In application/graphql-response+json a request error (nothing executed) is a 400 without `data`.

        In application/json it stays a 200 with `"data": null`, as clients of that media type expect.
        """
        processed = await super().process_result(request, result)
        response = request.scope[CONTEXT_KEY].extras[RESPONSE_KEY]
        if response.media_type == GRAPHQL_RESPONSE_JSON and is_request_error(result.data, result.errors):
            processed.pop("data", None)
            if response.status_code is None:
                response.status_code = 400
        return processed

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """As strawberry's, with a mutation sent over GET refused as 405 (Method Not Allowed), as the spec asks."""
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as refused:
            if isinstance(refused.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, refused.reason) from refused.__cause__
            raise

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        return response

    async def parse_http_body(self, request: Any) -> Any:
        """Strawberry's parsing, with any JSON body that is not a request object refused as a 400, not a 500."""
        try:
            data = await super().parse_http_body(request)
        except (AttributeError, TypeError) as error:  # e.g. a JSON string or number as the whole body
            raise HTTPException(400, "the request body must be a JSON object with a `query`") from error
        except UnicodeDecodeError as error:
            raise HTTPException(400, "the request body must be JSON encoded as UTF-8") from error
        if not isinstance(getattr(data, "operation_name", None), (str, type(None))):
            raise HTTPException(400, "the operation's `operationName` must be a string or null, if provided.")
        return data


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    policies: PolicyStore
    graph: GraphStore
    sync: SyncWorker | None
    heap: LongLivedHeap
    workers: WorkerLoops
    _views: dict[tuple[int, str], AgencyGraphQL]

    def view_for(self, agency: str, schema: strawberry.Schema) -> AgencyGraphQL:
        key = (self.policies.version, agency)
        view = self._views.get(key)
        if view is None or view.schema is not schema:
            view = self._views[key] = AgencyGraphQL(schema, graphql_ide="graphiql", allow_queries_via_get=True)
            self.heap.settle(self.policies.version)  # the agency's cut schema lives as long as this version
        return view


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


class GraphQLGateway:
    """Authenticates, picks the caller's agency schema, opens the request's session and hands over to strawberry."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            # The bundled GraphiQL works offline and opens on the caller's own schema; strawberry's loads from a CDN.
            await RedirectResponse("/graphiql", status_code=307)(scope, receive, send)
            return
        self.hub.policies.reload_if_changed()
        too_large = self._too_large(request)
        if too_large is not None:
            await too_large(scope, receive, send)
            return
        admitted = self._admit(request)
        if isinstance(admitted, Response):
            await admitted(scope, receive, send)
            return
        principal = admitted

        async def execute(receive: Receive, send: Send) -> None:
            await self._execute(scope, receive, send, request, principal)

        # SQL and Neo4j calls block: the request runs on a worker's loop, this one stays free for other requests.
        # One worker per pooled connection: a request holds its connection while it awaits (DataLoaders, graph
        # calls), so requests beyond the pool wait for a worker instead of blocking on checkout.
        await self.hub.workers.run(execute, receive, send)

    async def _execute(self, scope: Scope, receive: Receive, send: Send, request: Request, principal: Principal) -> None:
        access, schema = self.hub.policies.view(principal)
        agency = principal.agency
        with self.hub.sessions() as session:
            context = new_context(session, access, purpose=purpose_of(request))
            context.extras["graph"] = self.hub.graph
            settings = self.hub.settings
            context.graph_budget = GraphBudget(settings.graph_request_seconds, settings.graph_request_nodes)
            context.extras["policies"] = self.hub.policies
            context.extras["after_write"] = self.hub.sync.wake if self.hub.sync else _nothing
            scope[CONTEXT_KEY] = context
            await self.hub.view_for(agency, schema)(scope, receive, send)

    def _too_large(self, request: Request) -> Response | None:
        limit = self.hub.settings.max_request_bytes
        length = request.headers.get("content-length")
        if length is None and request.method == "POST":
            return _error(411, "send the request with a Content-Length header", "LENGTH_REQUIRED")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return _error(413, f"the request is larger than {limit:,} bytes", "REQUEST_TOO_LARGE")
        return None

    def _admit(self, request: Request) -> Principal | Response:
        """The caller's principal, or the response that refuses them (401, 403 or 400)."""
        try:
            principal = principal_from_header(self.hub.settings, request.headers.get("authorization"))
            grant = self.hub.policies.grant(principal.agency)
        except AuthenticationFailed as failure:
            return _error(401, str(failure), "UNAUTHENTICATED")
        except UnknownAgency:
            return _error(403, "the token's agency has no access to this hub", "FORBIDDEN")
        try:
            admitted_purpose(request, self.hub.settings, grant.purpose_required)
        except PurposeRefused as refused:
            return _error(400, refused.message, refused.code)
        return principal


def _nothing() -> None:
    return None


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _readyz(hub: Hub) -> Any:
    def database_answers() -> bool:
        try:
            with hub.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    async def readyz(_request: Request) -> Response:
        # Both checks block on the network: off the event loop, so a store that hangs never stalls the server.
        if not await asyncio.to_thread(database_answers):
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        graph = await asyncio.to_thread(hub.graph.status)
        body: dict[str, Any] = {
            "status": "ready" if graph == "ok" else "degraded",
            "database": "ok",
            "graph": graph,
            "policy_version": hub.policies.version,
        }
        if hub.sync is not None:
            body["graph_sync"] = await asyncio.to_thread(hub.sync.status)  # leader or standby, pending, last error
        return JSONResponse(body)

    return readyz


def graphql_limits(settings: Settings) -> GraphQLLimits:
    allowed = None
    if settings.allowed_operations_file is not None:
        texts = json.loads(settings.allowed_operations_file.read_text(encoding="utf-8"))
        allowed = frozenset(hashlib.sha256(text.encode()).hexdigest() for text in texts)
    return GraphQLLimits(
        max_depth=settings.max_depth, max_cost=settings.max_cost, max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens, production=settings.production, allowed_operations=allowed,
    )


def _web_views(hub: Hub, gateway: GraphQLGateway) -> list[Any]:
    """The bundled pages and bulk import (hub/web), authenticated exactly like /graphql."""
    from hub.web import web_routes  # imported here: hub.web refers back to this module

    return web_routes(hub, admit=gateway._admit)


def create_app(settings: Settings | None = None, *, policies: PolicyStore | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    refuse_insecure_production(settings)
    engine = make_engine(settings)
    store = policies or PolicyStore(build_full_schema(graphql_limits(settings)), settings.policy_dir, settings.policy_db_url)
    sessions = make_session_factory(engine)
    hub = Hub(
        settings=settings, engine=engine, sessions=sessions, policies=store, graph=GraphStore(settings),
        sync=SyncWorker(settings, sessions) if settings.graph_sync else None,
        heap=LongLivedHeap(settings.freeze_heap), workers=WorkerLoops(settings.db_pool_size), _views={},
    )
    gateway = GraphQLGateway(hub)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if hub.sync is not None:
            hub.sync.start()
        hub.heap.settle(hub.policies.version)
        yield
        if hub.sync is not None:
            hub.sync.stop()
        hub.workers.stop()
        hub.graph.close()
        engine.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", gateway, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", _readyz(hub)),
            *_web_views(hub, gateway),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    return app
