"""The Starlette application: GraphQL per agency at /graphql, GraphiQL in a browser, health and readiness."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import strawberry
from cross_web import HTTPException
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from graph_sync.sync import SyncWorker
from hub.access import AccessView, Principal
from hub.asgi_messages import on_response_start
from hub.auth import AuthenticationFailed, KeysUnavailable, principal_from_header
from hub.core.usage_windows import GraphWindows, WindowLimits
from hub.db import make_engine
from hub.graph_store import GraphStore
from hub.graphql_http import GRAPHQL_RESPONSE_JSON, encode_response, is_request_error, response_media_type
from hub.heap import LongLivedHeap
from hub.logs import RequestIds, quiet_casbin
from hub.metrics import HttpMetrics, outcome, record_operation
from hub.migrate import SchemaState, schema_state
from hub.persisted_queries import PersistedQueries, ProtocolMisused, allowed_operation_texts
from hub.purpose import PurposeRefused, admitted_purpose, purpose_of, unworked_cases
from hub.services.detection.schedule import DetectionSchedule
from hub.sessions import make_session_factory
from hub.settings import Settings, refuse_insecure_production
from hub.shell.fair_share import FairScheduler, Refused, share_limits
from hub.shell.graph_warm_up import GraphWarmUp
from hub.shell.metrics_endpoint import MetricsListener, metrics_endpoint
from hub.shell.operator_access import OperatorAccess
from hub.shell.subscriptions import EventBell, SubscriptionsView, WatchEventWake
from hub.tracing import graph_tracer, http_server_spans, mark_outcome, otlp_exporter, trace_sql, tracing_extension
from hub.tracing import tracer_provider as export_to
from hub.web import web_routes
from hub.worker_loops import WorkerLoops
from policies.enforcement import PolicyStore, UnknownAgency
from policies.watch import PolicyWatch
from schema.build import build_full_schema
from schema.context import RequestContext, new_context
from schema.graph_budget import GraphBudget
from schema.internal_errors import masked_unexpected
from schema.limits import GraphQLLimits
from schema.request_errors import code_of

CONTEXT_KEY = "hub.context"
OUTCOME_KEY = "hub.outcome"  # (outcome, code) of the GraphQL result, for the operations metric
CORS_REQUEST_HEADERS = ["authorization", "content-type", "accept", "x-purpose", "x-request-id"]
TRACE_CONTEXT_HEADERS = ["traceparent", "tracestate"]  # W3C Trace Context
logger = logging.getLogger(__name__)


class AgencyGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view for one agency's schema; the context is prepared by the gateway."""

    def __init__(self, schema: strawberry.Schema, persisted: PersistedQueries, cache_control: str, **options: Any) -> None:
        super().__init__(schema, **options)
        self.persisted = persisted
        self.cache_control = cache_control

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for a GET that names its query by a persisted query hash instead of a `query` parameter."""
        return super().should_render_graphql_ide(request) and "extensions" not in request.query_params

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        context: RequestContext = request.scope[CONTEXT_KEY]
        context.http_response = response  # lets DatabaseAvailability answer 503 on an outage
        response.media_type = response_media_type(request.headers.get("accept"))
        return context

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """In application/graphql-response+json a request error (nothing executed) is a 400 without `data`.

        In application/json it stays a 200 with `"data": null`, as clients of that media type expect.
        """
        if result.errors:
            # Errors an extension raises as the operation starts never pass through InternalErrors: mask them here.
            result.errors = masked_unexpected(result.errors)
        request.scope[OUTCOME_KEY] = outcome(result.data is not None, (code_of(error) for error in result.errors or ()))
        if result.errors and (span := trace.get_current_span()).is_recording():  # the HTTP server span
            mark_outcome(span, result.data, result.errors)
        processed = await super().process_result(request, result)
        response = request.scope[CONTEXT_KEY].http_response
        if request.method == "GET":  # scoped to the caller: no shared cache may keep it
            response.headers["cache-control"] = self.cache_control
        if response.media_type == GRAPHQL_RESPONSE_JSON and is_request_error(result.data, result.errors):
            processed.pop("data", None)
            if response.status_code is None:
                response.status_code = 400
        return processed

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """As strawberry's, with a mutation sent over GET refused as 405 (Method Not Allowed), as the spec asks.

        A persisted query hash (Apollo's `extensions.persistedQuery`) is resolved to its text first; a text sent
        with its hash is learned once it passed parsing, validation against the agency's schema and the limits.
        """
        context: RequestContext = kwargs["context"]
        agency = context.access.principal.agency
        unresolved = self.persisted.prepare(kwargs["request_data"], agency)
        if unresolved is not None:
            if isinstance(unresolved, ProtocolMisused) and context.http_response is not None:
                context.http_response.status_code = 400  # as Apollo answers it, in either media type
            return ExecutionResult(data=None, errors=[unresolved])
        try:
            result = await super().execute_single(*args, **kwargs)
            if context.operation_type:  # set when execution began, so the document was valid
                self.persisted.learn(kwargs["request_data"], agency)
            return result
        except HTTPException as refused:
            if isinstance(refused.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, refused.reason) from refused.__cause__
            raise

    def encode_json(self, data: object) -> bytes:
        return encode_response(data)

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
    persisted: PersistedQueries
    graph: GraphStore
    sync: SyncWorker | None
    detection: DetectionSchedule | None
    heap: LongLivedHeap
    workers: WorkerLoops
    share: FairScheduler
    graph_windows: GraphWindows
    _views: dict[tuple[int, str], AgencyGraphQL]

    def view_for(self, agency: str, schema: strawberry.Schema) -> AgencyGraphQL:
        key = (self.policies.version, agency)
        view = self._views.get(key)
        if view is None or view.schema is not schema:
            view = self._views[key] = AgencyGraphQL(
                schema, self.persisted, self.settings.cache_control, graphql_ide="graphiql", allow_queries_via_get=True
            )
            self.heap.settle(self.policies.version)  # the agency's cut schema lives as long as this version
        return view


def _error(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers)


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
        too_large = self._too_large(request)
        if too_large is not None:
            await too_large(scope, receive, send)
            return
        admitted = await self.admit(request)
        if isinstance(admitted, Response):
            await admitted(scope, receive, send)
            return
        principal = admitted

        async def execute(receive: Receive, send: Send) -> None:
            await self._execute(scope, receive, send, request, principal)

        # SQL and Neo4j calls block: the request runs on a worker's loop, this one stays free for other requests.
        # One worker per pooled connection: a request holds its connection while it awaits (DataLoaders, graph
        # calls), so requests beyond the pool wait for a worker instead of blocking on checkout. The fair share
        # decides who waits: no user or agency holds every worker.
        try:
            async with self.hub.share.slot(principal):
                await self.hub.workers.run(execute, receive, send)
        except Refused as refused:
            await _error(429, refused.reason, "RATE_LIMITED", {"Retry-After": str(refused.retry_after)})(scope, receive, send)

    def _context(self, session: Session, access: AccessView, purpose: str) -> RequestContext | Response:
        """The request's context, or the 400 refusing an obliged purpose that names a case the caller does not work."""
        context = new_context(session, access, purpose=purpose)
        if self.hub.policies.grant(access.principal.agency).purpose_required:
            unworked = unworked_cases(session, access, context.purpose, self.hub.settings)
            if unworked:
                session.rollback()
                message = f"the purpose names {'、'.join(unworked)}, which is not a case your agency works on"
                return _error(400, message, "PURPOSE_REQUIRED")
        context.graph = self.hub.graph
        settings = self.hub.settings
        context.graph_budget = GraphBudget(settings.graph_request_seconds, settings.graph_request_nodes)
        context.graph_windows = self.hub.graph_windows
        context.case_pattern = settings.purpose_case_pattern
        context.policies = self.hub.policies
        if self.hub.sync is not None:
            context.after_write = self.hub.sync.wake
        return context

    async def run_export(self, principal: Principal, purpose: str, query: str, variables: dict[str, Any],
                         export: str) -> ExecutionResult | Response:
        """Run the hub's own query as `principal` on their agency's schema, exactly as a request to /graphql would
        run (fair share, a worker, the purpose check, the row scopes), audited as an export named `export`."""
        outcome: list[ExecutionResult | Response] = []

        async def work(_receive: Receive, _send: Send) -> None:
            access, schema = self.hub.policies.view(principal)
            with self.hub.sessions() as session:
                context = self._context(session, access, purpose)
                if isinstance(context, Response):
                    outcome.append(context)
                    return
                context.export = export
                outcome.append(await schema.execute(query, variable_values=variables, context_value=context))

        try:
            async with self.hub.share.slot(principal):
                await self.hub.workers.run(work, _nothing_received, _nothing_sent)
        except Refused as refused:
            return _error(429, refused.reason, "RATE_LIMITED", {"Retry-After": str(refused.retry_after)})
        return outcome[0]

    async def _execute(self, scope: Scope, receive: Receive, send: Send, request: Request, principal: Principal) -> None:
        access, schema = self.hub.policies.view(principal)
        agency = principal.agency
        with self.hub.sessions() as session:
            context = self._context(session, access, purpose_of(request))
            if isinstance(context, Response):
                await context(scope, receive, send)
                return
            context.splice_json = True  # the answer is only encoded: JSON read whole is copied, not parsed
            scope[CONTEXT_KEY] = context
            started = time.perf_counter()
            status = {"code": 500}
            noting_status = on_response_start(send, lambda start: status.update(code=start["status"]))
            try:
                await self.hub.view_for(agency, schema)(scope, receive, noting_status)
            finally:
                record_operation(context.operation_type, context.operation_name, agency, status["code"],
                                 time.perf_counter() - started, scope.get(OUTCOME_KEY))

    def _too_large(self, request: Request) -> Response | None:
        limit = self.hub.settings.max_request_bytes
        length = request.headers.get("content-length")
        if length is None and request.method == "POST":
            return _error(411, "send the request with a Content-Length header", "LENGTH_REQUIRED")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return _error(413, f"the request is larger than {limit:,} bytes", "REQUEST_TOO_LARGE")
        return None

    async def admit(self, request: Request) -> Principal | Response:
        """`_admit` with what may block off this loop: fetching the identity provider's keys, and compiling the
        agency's grant on its first request."""
        if self.hub.settings.jwt_jwks_url is not None:
            authenticated = await asyncio.to_thread(self._authenticate, request)
        else:
            authenticated = self._authenticate(request)
        if isinstance(authenticated, Response):
            return authenticated
        with suppress(UnknownAgency):  # refused by `_admitted`
            await self.hub.policies.grant_off_loop(authenticated.agency)
        return self._admitted(request, authenticated)

    def _admit(self, request: Request) -> Principal | Response:
        """The caller's principal, or the response that refuses them (401, 403 or 400)."""
        authenticated = self._authenticate(request)
        return authenticated if isinstance(authenticated, Response) else self._admitted(request, authenticated)

    def _admitted(self, request: Request, principal: Principal) -> Principal | Response:
        """The authenticated `principal`, or the 403 or 400 that refuses its agency or its purpose."""
        try:
            grant = self.hub.policies.grant(principal.agency)
        except UnknownAgency:
            return _error(403, "the token's agency has no access to this hub", "FORBIDDEN")
        try:
            admitted_purpose(request, self.hub.settings, grant.purpose_required)
        except PurposeRefused as refused:
            return _error(400, refused.message, refused.code)
        return principal

    def _authenticate(self, request: Request) -> Principal | Response:
        try:
            return principal_from_header(self.hub.settings, request.headers.get("authorization"))
        except AuthenticationFailed as failure:
            return _error(401, str(failure), "UNAUTHENTICATED", {"WWW-Authenticate": failure.challenge})
        except KeysUnavailable as unavailable:
            logger.warning("the identity provider's keys could not be fetched: %s", unavailable)
            return _error(503, "the identity provider cannot be reached; try again later", "IDENTITY_PROVIDER_UNAVAILABLE")


async def _nothing_received() -> Message:
    return {"type": "http.disconnect"}


async def _nothing_sent(_message: Message) -> None:
    return None


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _readyz(hub: Hub, operator: OperatorAccess) -> Any:
    def database_state() -> str:
        """"ok", "unreachable", "not migrated" or "unknown revision" (migrated by a newer hub)."""
        try:
            with hub.engine.connect() as connection:
                return schema_state(connection).value
        except SQLAlchemyError:
            return "unreachable"

    async def readyz(request: Request) -> Response:
        """Public: the status a load balancer needs. For the operator also the policy and the graph sync's state."""
        # Both checks block on the network: off the event loop, so a store that hangs never stalls the server.
        database = await asyncio.to_thread(database_state)
        if database != SchemaState.CURRENT.value:
            return JSONResponse({"status": "unavailable", "database": database}, status_code=503)
        graph = await asyncio.to_thread(hub.graph.status)
        body: dict[str, Any] = {"status": "ready" if graph == "ok" else "degraded", "database": "ok", "graph": graph}
        if not operator.allows(request):
            return JSONResponse(body)
        body.update(policy_version=hub.policies.version, policy_digest=hub.policies.digest)
        if hub.sync is not None:
            body["graph_sync"] = await asyncio.to_thread(hub.sync.status)  # leader or standby, pending, last error
        if hub.detection is not None:
            body["detection"] = hub.detection.status()  # leader or standby, runs, last error
        return JSONResponse(body)

    return readyz


def graphql_limits(settings: Settings) -> GraphQLLimits:
    texts = allowed_operation_texts(settings.allowed_operations_file)
    allowed = frozenset(texts) if texts is not None else None
    return GraphQLLimits(
        max_depth=settings.max_depth, max_cost=settings.max_cost, max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens, production=settings.production, allowed_operations=allowed,
    )


def _web_views(hub: Hub, gateway: GraphQLGateway) -> list[Any]:
    """The bundled pages and bulk import (hub/web), authenticated exactly like /graphql."""
    return web_routes(hub, admit=gateway._admit, run_export=gateway.run_export)


def _operator_routes(hub: Hub, operator: OperatorAccess) -> list[Route]:
    return [Route("/readyz", _readyz(hub, operator)), Route("/metrics", metrics_endpoint(hub.sessions, operator))]


def _metrics_listener(hub: Hub) -> MetricsListener | None:
    """The listener of HUB_METRICS_BIND: metrics and /readyz with its details, apart from the public app."""
    address = hub.settings.metrics_bind
    if address is None:
        return None
    operator = OperatorAccess(hub.settings.metrics_token, without_token="everyone")  # trusted by where it listens
    return MetricsListener(Starlette(routes=_operator_routes(hub, operator)), address)


def _middleware(settings: Settings, provider: TracerProvider | None) -> list[Middleware]:
    """Outermost first: the trace's server span (when tracing), request ids (so every later log line has one),
    metrics, CORS."""
    return [
        *([http_server_spans(provider)] if provider is not None else []),
        Middleware(RequestIds),
        Middleware(HttpMetrics),
        Middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=list(dict.fromkeys([*CORS_REQUEST_HEADERS, *TRACE_CONTEXT_HEADERS, *settings.cors_headers])),
            expose_headers=["x-request-id", "retry-after"], max_age=600,
        ),
    ]


def _tracing(settings: Settings, provider: TracerProvider | None) -> TracerProvider | None:
    """The given provider, else one exporting to `HUB_OTEL_ENDPOINT`; None (no tracing at all) without either."""
    if provider is None and settings.otel_endpoint:
        provider = export_to(otlp_exporter(settings.otel_endpoint))
    return provider


def create_app(
    settings: Settings | None = None, *, policies: PolicyStore | None = None, tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """The hub. `tracer_provider` overrides the OTLP exporter of `HUB_OTEL_ENDPOINT` (tests use an in-memory one)."""
    settings = settings or Settings.from_env()
    refuse_insecure_production(settings)
    quiet_casbin(settings.log_casbin)
    engine = make_engine(settings)
    provider = _tracing(settings, tracer_provider)
    if provider is not None:
        trace_sql(engine, provider)
    limits, observers = graphql_limits(settings), [tracing_extension(provider)] if provider is not None else []
    store = policies or PolicyStore(
        policy_dir=settings.policy_dir, policy_db_url=settings.policy_db_url,
        # a reload that adds or removes an agency builds the schema again, with the new Agency enum
        build_schema=lambda agencies: build_full_schema(limits, observers, agencies),
    )
    sessions = make_session_factory(engine)
    hub = Hub(
        settings=settings, engine=engine, sessions=sessions, policies=store,
        graph=GraphStore(settings, graph_tracer(provider) if provider is not None else None),
        persisted=PersistedQueries(allowed_operation_texts(settings.allowed_operations_file), settings.persisted_queries_max),
        sync=SyncWorker(settings, sessions) if settings.graph_sync else None,
        detection=DetectionSchedule(settings, sessions, interval=settings.detect_interval_seconds,
                                    full_every=settings.detect_full_seconds) if settings.detect_interval_seconds else None,
        heap=LongLivedHeap(settings.freeze_heap), workers=WorkerLoops(settings.db_pool_size),
        share=FairScheduler(share_limits(settings)), graph_windows=GraphWindows(engine, WindowLimits(
            settings.graph_user_seconds, settings.graph_agency_seconds, settings.graph_window_seconds)),
        _views={},
    )
    gateway = GraphQLGateway(hub)
    policy_watch = PolicyWatch(store, settings.database_url)
    event_bell = EventBell()
    watch_event_wake = WatchEventWake(event_bell, settings.database_url)
    metrics_listener = _metrics_listener(hub)
    local = settings.metrics_bind is None and not settings.production
    operator = OperatorAccess(settings.metrics_token, without_token="local clients" if local else "no one")
    readyz, metrics = _operator_routes(hub, operator)
    # With HUB_METRICS_BIND the public app has no /metrics at all; /readyz stays, its details for the operator.
    operator_routes = [readyz] if metrics_listener is not None else [readyz, metrics]

    graph_warm_up = GraphWarmUp(hub.graph, hub.policies) if settings.graph_warm_up else None

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if hub.sync is not None:
            hub.sync.start()
        if hub.detection is not None:
            hub.detection.start()
        if graph_warm_up is not None:
            graph_warm_up.start()
        policy_watch.start()
        watch_event_wake.start()
        if metrics_listener is not None:
            metrics_listener.start()
        hub.heap.settle(hub.policies.version)
        yield
        if metrics_listener is not None:
            metrics_listener.stop()
        watch_event_wake.stop()
        policy_watch.stop()
        if graph_warm_up is not None:
            graph_warm_up.stop()
        if hub.detection is not None:
            hub.detection.stop()
        if hub.sync is not None:
            hub.sync.stop()
        hub.workers.stop()
        hub.graph.close()
        engine.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", gateway, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", SubscriptionsView(hub, event_bell)),  # subscriptions (graphql-transport-ws)
            Route("/healthz", healthz),
            *operator_routes,
            *_web_views(hub, gateway),
        ],
        middleware=_middleware(settings, provider),
        lifespan=lifespan,
    )
    app.state.hub = hub
    return app
