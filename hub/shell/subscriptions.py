"""GraphQL subscriptions over a websocket (`graphql-transport-ws`, strawberry's own handler) at /graphql.

The client authenticates in `connection_init` (`{"Authorization": "Bearer <token>", "X-Purpose": "..."}`; the
upgrade request's own headers are used when the payload has none), exactly as a request does: the same token
checks, agency, purpose rules. Each subscription then runs on its agency's schema under the policy of the moment it
starts, with a context of its own (`schema.watch.SubscriptionContext`); only subscriptions are accepted here
(queries and mutations go over HTTP, through the fair share).

Every event delivered is appended to the access audit like a read (who, which cadres, which fields, why) before it
is sent; an event whose entry cannot be written is not sent, and the subscription ends with the error.

Wake-ups: `EventBell` wakes this process's subscriptions after a local commit that published events and, on
PostgreSQL, whenever `NOTIFY hub_watch_events` arrives from any process on any host (`WatchEventWake`).
Subscriptions also look every `HUB_WATCH_POLL_SECONDS` on their own (the only way on SQLite across processes).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote

from graphql import GraphQLError, parse
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hub import audit
from hub.access import Principal
from hub.auth import AuthenticationFailed, KeysUnavailable, principal_from_header
from hub.purpose import PURPOSE_HEADER, PurposeRefused, admitted_purpose, unworked_cases
from hub.services.watch_events import CHANNEL, on_committed
from policies.enforcement import UnknownAgency
from policies.watch import ReloadListener, is_postgresql
from schema.context import ReadLog
from schema.extensions import fields_of_document
from schema.loaders import Loaders
from schema.watch import SubscriptionContext

logger = logging.getLogger(__name__)
AUDITED_OPERATION = "delivered"  # one per event delivered; subscribing itself is a "subscription"


class EventBell:
    """Rung from any thread; wakes the subscriptions waiting on any event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rings = 0
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def ring(self) -> None:
        with self._lock:
            self._rings += 1
            waiting = list(self._waiting)
        for loop, woken in waiting:
            try:
                loop.call_soon_threadsafe(woken.set)
            except RuntimeError:  # its loop has closed
                pass

    def mark(self) -> int:
        with self._lock:
            return self._rings

    async def wait(self, timeout: float, since: int) -> None:
        woken = asyncio.Event()
        waiter = (asyncio.get_running_loop(), woken)
        with self._lock:
            if self._rings != since:
                return
            self._waiting.add(waiter)
        try:
            await asyncio.wait_for(woken.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiting.discard(waiter)


class WatchEventWake:
    """Rings the bell after this process's commits that published events and, on PostgreSQL, on every
    `NOTIFY hub_watch_events` (sent by the commit of any process) and after each (re)connect of the listener."""

    def __init__(self, bell: EventBell, database_url: str) -> None:
        self.bell = bell
        self.listener = ReloadListener(
            database_url, lambda _payloads: bell.ring(), min_interval=0.0, channel=CHANNEL,
            application_name="hub-watch-events",
        ) if is_postgresql(database_url) else None
        self._stop_local: Any = None

    def start(self) -> None:
        self._stop_local = on_committed(self.bell.ring)
        if self.listener is not None:
            self.listener.start()

    def stop(self) -> None:
        if self._stop_local is not None:
            self._stop_local()
        if self.listener is not None:
            self.listener.stop()


@dataclass
class Connection:
    """One websocket: who it is, once `connection_init` authenticated it."""

    websocket: WebSocket
    principal: Principal | None = None
    purpose: str = ""
    connection_params: dict[str, Any] = field(default_factory=dict)


class AgencySchemas:
    """Stands in for the schema in strawberry's websocket handler: each operation runs on the schema of the
    connection's agency, with a subscription context of its own, and its deliveries audited."""

    def __init__(self, hub: Any, bell: EventBell) -> None:
        self.hub = hub
        self.bell = bell

    async def stream(
        self, query: str | None, variable_values: dict[str, Any] | None = None, context_value: Any = None,
        root_value: Any = None, operation_name: str | None = None, **_options: Any,
    ) -> AsyncGenerator[Any, None]:
        connection = cast(Connection, context_value)
        principal = connection.principal
        assert principal is not None  # strawberry runs operations only after connection_ack
        await self.hub.policies.grant_off_loop(principal.agency)  # compiled again after a policy change: not here
        access, schema = self.hub.policies.view(principal)
        session = self.hub.sessions()
        read_log = ReadLog()
        context = SubscriptionContext(
            session=session, access=access, loaders=Loaders(session, access.rows, read_log.note), read_log=read_log,
            purpose=connection.purpose, policies=self.hub.policies, case_pattern=self.hub.settings.purpose_case_pattern,
            principal=principal, open_session=self.hub.sessions,
            current_access=lambda: self.hub.policies.view(principal)[0], bell=self.bell,
            poll_seconds=self.hub.settings.watch_poll_seconds,
        )
        source = await schema.stream(
            query, variable_values=variable_values, context_value=context, root_value=root_value,
            operation_name=operation_name, allowed_operation_types=(OperationType.SUBSCRIPTION,),
        )
        return self._audited(source, context, schema, query, operation_name)

    async def _audited(
        self, source: AsyncIterator[Any], context: SubscriptionContext, schema: Any, query: str | None,
        operation_name: str | None,
    ) -> AsyncGenerator[Any, None]:
        try:
            async with aclosing(source):  # type: ignore[type-var]
                async for result in source:
                    delivered = context.delivered
                    if delivered is not None and isinstance(result, ExecutionResult) and query is not None:
                        try:
                            await asyncio.to_thread(_audit_delivery, context, schema, query, operation_name or "")
                        except Exception as failure:
                            logger.exception("a watch event's delivery could not be audited; it was not sent")
                            context.close_session()
                            error = GraphQLError("the delivery could not be audited; try again later",
                                                 extensions={"code": "AUDIT_UNAVAILABLE"}, original_error=failure)
                            yield ExecutionResult(data=None, errors=[error])
                            return
                    yield result
        finally:
            context.close_session()


def _audit_delivery(context: SubscriptionContext, schema: Any, query: str, operation_name: str) -> None:
    """Append the delivered event's read to the audit (committed before it is sent), on the event's session."""
    delivered = context.delivered
    assert delivered is not None and context.principal is not None
    session = context.session
    if delivered.person_id is not None:
        context.read_log.note_linked("person", delivered.person_id)
    cadre_ids = context.read_log.all_cadre_ids(session)
    if delivered.cadre_id is not None:
        cadre_ids.add(delivered.cadre_id)
    record = audit.AccessRecord(
        user=context.principal.user, agency=context.principal.agency, operation=AUDITED_OPERATION,
        operation_name=operation_name, cadre_ids=tuple(sorted(cadre_ids)),
        fields=tuple(sorted(fields_of_document(schema._schema, parse(query), query))), purpose=context.purpose,
    )
    session.expunge_all()
    audit.append_committed(session, record)


class SubscriptionsView(GraphQL[Connection, None]):
    """Strawberry's websocket handling (graphql-transport-ws only) on the caller's agency schema."""

    def __init__(self, hub: Any, bell: EventBell) -> None:
        super().__init__(
            cast(BaseSchema, AgencySchemas(hub, bell)), graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=tuple(hub.settings.cors_origins),
        )
        self.hub = hub

    async def get_context(self, request: Any, response: Any) -> Connection:
        return Connection(websocket=request)

    async def on_ws_connect(self, context: Connection) -> None:
        """Authenticate the connection as a request is: token, agency, purpose; refuse it (4403) otherwise."""
        params = {str(k).lower(): v for k, v in (context.connection_params or {}).items() if isinstance(v, str)}
        headers = context.websocket.headers
        authorization = params.get("authorization") or headers.get("authorization")
        # In the payload the purpose is JSON text; in the upgrade request a header, percent-encoded as over HTTP.
        purpose = quote(params[PURPOSE_HEADER], safe="") if PURPOSE_HEADER in params else headers.get(PURPOSE_HEADER, "")
        settings, policies = self.hub.settings, self.hub.policies
        try:
            if settings.jwt_jwks_url is not None:
                principal = await asyncio.to_thread(principal_from_header, settings, authorization)
            else:
                principal = principal_from_header(settings, authorization)
            grant = await policies.grant_off_loop(principal.agency)
            context.purpose = admitted_purpose(_with_purpose(purpose), settings, grant.purpose_required)
        except AuthenticationFailed as failure:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "message": str(failure)}) from None
        except KeysUnavailable:
            raise ConnectionRejectionError({"code": "IDENTITY_PROVIDER_UNAVAILABLE"}) from None
        except UnknownAgency:
            raise ConnectionRejectionError({"code": "FORBIDDEN"}) from None
        except PurposeRefused as refused:
            raise ConnectionRejectionError({"code": refused.code, "message": refused.message}) from None
        if grant.purpose_required:
            access, _schema = policies.view(principal)
            unworked = await asyncio.to_thread(self._unworked, access, context.purpose)
            if unworked:
                raise ConnectionRejectionError({"code": "PURPOSE_REQUIRED", "message": "the purpose names a case "
                                                "your agency does not work on"})
        context.principal = principal

    def _unworked(self, access: Any, purpose: str) -> list[str]:
        with self.hub.sessions() as session:
            return unworked_cases(session, access, purpose, self.hub.settings)


def _with_purpose(value: str) -> Request:
    """A request carrying only the purpose, for the same checks the HTTP gateway makes."""
    return Request({"type": "http", "headers": [(PURPOSE_HEADER.encode(), value.encode("latin-1", "replace"))]})
