"""Watchlists and the `watchEvents` subscription.

A user watches cadres and persons (`watch`, `unwatch`, `myWatchlist`). `watchEvents(after:)` streams the events
of the watch event log (`hub.services.watch_events`) about them, oldest first, from after the event id given (or
from now), so a client that reconnects with the last id it saw misses nothing.

Each event is resolved when it is delivered, with the policy current at that moment: the subscriber's row scope
is taken again from the policy store, an event whose record type the agency may not read or whose record or
cadres are outside its scope is not delivered, and the payload is read through the same loaders, row scopes and
masks as a query. When the policy changes what the agency may read (fields or masks), the subscription ends with
`POLICY_CHANGED` (the client subscribes again on its new schema, after the last id it saw). Every delivered event
is appended to the access audit like a read (`hub.shell.subscriptions`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Protocol

import strawberry
from graphql import DocumentNode, GraphQLError
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry.types import Info

from hub import models
from hub.access import AccessView, Principal
from hub.services import watch_events
from hub.services.watch_events import WatchedEvent
from schema.context import ReadLog, RequestContext, context_of
from schema.errors import BadInput
from schema.record_types import CadreType, NegativeRecordType, PersonType
from schema.relations import belongs_to
from schema.workflows.cases import CaseType

EVENTS_PER_READ = 100

# The GraphQL type of each table's rows, and the field of Cadre or Person that reads them: an event about a row
# reaches only subscribers whose schema has that type and who may read that field. Any other table: never.
RECORD_TYPES: dict[str, tuple[str, str | None]] = {
    "cadre": ("Cadre", None),
    "person": ("Person", None),
    "tenure": ("Tenure", "Cadre.tenures"),
    "kinship": ("Relative", "Cadre.relatives"),
    "social_tie": ("SocialTie", "Cadre.ties"),
    "negative_record": ("NegativeRecord", "Cadre.negativeRecords"),
    "personal_matters_report": ("PersonalMattersReport", "Cadre.reports"),
    "supervision_action": ("SupervisionAction", "Cadre.supervisionActions"),
    "part_time_position": ("PartTimePosition", "Cadre.partTimePositions"),
    "nomination": ("Nomination", "Cadre.nominations"),
    "case_file": ("Case", None),
    "detection_alert": ("DetectionAlert", None),
}
# Tables whose rows are visible exactly when their cadre or person is: their deletions can be told to anyone who
# sees the cadre. A deleted row of any other table (a negative record under `own_reports`) is not announced.
FOLLOWS_ITS_SUBJECT = frozenset({"cadre", "person", "tenure", "kinship", "social_tie", "part_time_position", "nomination"})


@strawberry.enum(name="WatchedKind", description="What a watchlist entry watches.")
class WatchedKind(Enum):
    CADRE = "cadre"
    PERSON = "person"


@strawberry.enum(name="WatchEventKind", description="What happened to a watched cadre or person.")
class WatchEventKind(Enum):
    RECORD_WRITTEN = watch_events.RECORD_WRITTEN
    CASE_CHANGED = watch_events.CASE_CHANGED
    ALERT_CHANGED = watch_events.ALERT_CHANGED


@strawberry.enum(name="WatchChange", description="Whether the record was created, updated or deleted.")
class WatchChange(Enum):
    CREATED = watch_events.CREATED
    UPDATED = watch_events.UPDATED
    DELETED = watch_events.DELETED


@dataclass(frozen=True)
class WatchedRow:
    kind: WatchedKind
    entity_id: int
    since: datetime

    @property
    def cadre_id(self) -> int | None:
        return self.entity_id if self.kind is WatchedKind.CADRE else None

    @property
    def person_id(self) -> int | None:
        return self.entity_id if self.kind is WatchedKind.PERSON else None


@strawberry.type(name="WatchedEntity", description="A cadre or person on the caller's watchlist.")
class WatchedEntityType:
    kind: WatchedKind
    entity_id: strawberry.ID
    since: datetime
    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")
    person: PersonType | None = belongs_to(models.Person, "person_id")


@dataclass(frozen=True)
class DeliveredEvent:
    """An event as it is delivered: the row it is about, and the watched cadre and person the subscriber sees."""

    id: int
    at: datetime
    kind: WatchEventKind
    change: WatchChange
    record_type: str
    record_id: int
    action: str | None
    cadre_id: int | None
    person_id: int | None

    @property
    def negative_record_id(self) -> int | None:
        return self.record_id if self.record_type == "NegativeRecord" and self.change is not WatchChange.DELETED else None

    @property
    def case_id(self) -> int | None:
        return self.record_id if self.record_type == "Case" else None


@strawberry.type(name="WatchEvent", description="Something happened to a cadre or person the caller watches.")
class WatchEventType:
    id: strawberry.ID = strawberry.field(description="Give it as `after` to resume after this event.")
    at: datetime
    kind: WatchEventKind
    change: WatchChange
    record_type: str = strawberry.field(description="The GraphQL type of the record written.")
    record_id: strawberry.ID
    action: str | None = strawberry.field(description=(
        "The case step taken (`moveCase`, ...), for case events; what changed (`created`, `reopened`, `status_changed`, ...), "
        "for alert events."))
    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id", "The watched cadre it concerns.")
    person: PersonType | None = belongs_to(models.Person, "person_id", "The watched person it concerns.")
    negative_record: NegativeRecordType | None = belongs_to(models.NegativeRecord, "negative_record_id")
    case: CaseType | None = belongs_to(models.Case, "case_id")


# --- the watchlist -----------------------------------------------------------------------------------------------

_WATCHED_MODELS: dict[WatchedKind, type[models.Base]] = {WatchedKind.CADRE: models.Cadre, WatchedKind.PERSON: models.Person}


def _watched_row(entry: models.WatchEntry) -> WatchedRow:
    return WatchedRow(WatchedKind(entry.entity), entry.entity_id, entry.since)


def _may_see(session: Session, access: AccessView, kind: WatchedKind, entity_id: int) -> bool:
    model = _WATCHED_MODELS[kind]
    if not access.can_read(model.__name__, "id"):
        return False
    table = model.__tablename__
    return session.scalar(
        select(model.id).where(model.id == entity_id, access.rows.clause(table))  # type: ignore[attr-defined]
    ) is not None


@strawberry.type
class WatchQueries:
    @strawberry.field(description="The cadres and persons the caller watches.")
    def my_watchlist(self, info: Info) -> list[WatchedEntityType]:
        context = context_of(info)
        principal = context.access.principal
        rows = watch_events.watchlist(context.session, principal.agency, principal.user)
        return [_watched_row(entry) for entry in rows]  # type: ignore[misc]


@strawberry.type
class WatchMutations:
    @strawberry.mutation(description="Watch a cadre or person the caller may see; watching twice is one entry.")
    def watch(self, info: Info, kind: WatchedKind, id: strawberry.ID) -> WatchedEntityType:
        context = context_of(info)
        entity_id = _entity_id(id)
        if not _may_see(context.session, context.access, kind, entity_id):
            context.session.rollback()
            raise BadInput("id", f"no {kind.value} {entity_id}")
        principal = context.access.principal
        entry = watch_events.add_watch(context.session, principal.agency, principal.user, kind.value, entity_id)
        row = _watched_row(entry)
        context.session.commit()
        if kind is WatchedKind.CADRE:
            context.read_log.cadre_ids.add(entity_id)
        else:
            context.read_log.note_linked("person", entity_id)
        return row  # type: ignore[return-value]

    @strawberry.mutation(description="Stop watching a cadre or person; false if it was not watched.")
    def unwatch(self, info: Info, kind: WatchedKind, id: strawberry.ID) -> bool:
        context = context_of(info)
        principal = context.access.principal
        removed = watch_events.remove_watch(context.session, principal.agency, principal.user, kind.value, _entity_id(id))
        context.session.commit()
        return removed


def _entity_id(value: str) -> int:
    if not str(value).isdigit() or len(str(value)) > 12:
        raise BadInput("id", "must be a record id")
    return int(value)


# --- the subscription --------------------------------------------------------------------------------------------

class Bell(Protocol):
    """Wakes waiting subscribers when events may have been appended (by this process or another)."""

    def mark(self) -> int:
        """How often it rang so far: taken before a read, so that a ring during the read is not missed."""
        ...

    async def wait(self, timeout: float, since: int) -> None:
        """Return once it rang after `since`, or after `timeout` seconds."""
        ...


@dataclass
class SubscriptionContext(RequestContext):
    """A subscription's context: besides the request context (its session and loaders renewed for every event
    delivered), how to open sessions, the policy's current view of the subscriber, and the bell."""

    principal: Principal | None = None
    open_session: Callable[[], Session] | None = None
    current_access: Callable[[], AccessView] | None = None
    bell: Bell | None = None
    poll_seconds: float = 1.0
    delivered: DeliveredEvent | None = None
    document: DocumentNode | None = None
    on_policy_changed: Callable[[], None] = field(default=lambda: None)

    def renew(self, access: AccessView) -> Session:
        """A fresh session, loaders and read log under `access`, for one event's payload."""
        assert self.open_session is not None
        self.close_session()
        session = self.open_session()
        self.session, self.access, self.read_log = session, access, ReadLog()
        # The same loaders object: the executor of a subscription holds the one it was built with.
        self.loaders.restart(session, access.rows, self.read_log.note)
        return session

    def close_session(self) -> None:
        session = getattr(self, "session", None)
        if session is not None:
            session.close()


class PolicyChanged(GraphQLError):
    def __init__(self) -> None:
        super().__init__(
            "the policy changed what your agency may read; subscribe again, after the last event id you received",
            extensions={"code": "POLICY_CHANGED"},
        )


def _deliverable(session: Session, access: AccessView, event: WatchedEvent) -> DeliveredEvent | None:
    """The event as this subscriber may see it now, or None."""
    record = RECORD_TYPES.get(event.source_table)
    if record is None:
        return None
    type_name, governing = record
    if not access.can_read(type_name, "id") or (governing and not access.can_read(*governing.split(".", 1))):
        return None
    tables = models.Base.metadata.tables
    if event.change == watch_events.DELETED:
        if event.source_table not in FOLLOWS_ITS_SUBJECT:
            return None
    elif event.source_table in tables:
        table = tables[event.source_table]
        visible = select(table.c.id).where(table.c.id == event.source_id, access.rows.clause(event.source_table))
        if session.scalar(visible) is None:
            return None
    cadre_ids = [i for i in event.cadre_ids if _may_see(session, access, WatchedKind.CADRE, i)]
    person_ids = [i for i in event.person_ids if _may_see(session, access, WatchedKind.PERSON, i)]
    if not cadre_ids and not person_ids:
        return None
    return DeliveredEvent(
        id=event.id, at=event.at, kind=WatchEventKind(event.kind), change=WatchChange(event.change),
        record_type=type_name, record_id=event.source_id,
        action=event.detail or None if event.kind in (watch_events.CASE_CHANGED, watch_events.ALERT_CHANGED) else None,
        cadre_id=cadre_ids[0] if cadre_ids else None, person_id=person_ids[0] if person_ids else None,
    )


def _start_after(context: SubscriptionContext, after: strawberry.ID | None) -> int:
    if after is not None:
        if not str(after).isdigit() or len(str(after)) > 18:
            raise BadInput("after", "must be the id of an event received")
        return int(after)
    with context.open_session() as session:  # type: ignore[misc]
        return watch_events.latest_event_id(session)


@strawberry.type
class WatchSubscriptions:
    @strawberry.subscription(description=(
        "The events about the cadres and persons the caller watches, oldest first: after the event id `after` "
        "(resume with the last id received), or from now. Each is read with the policy current when it is sent."
    ))
    async def watch_events(self, info: Info, after: strawberry.ID | None = None) -> AsyncGenerator[WatchEventType, None]:
        context = info.context
        if not isinstance(context, SubscriptionContext) or context.principal is None or context.current_access is None:
            raise GraphQLError("subscriptions are served over a websocket only", extensions={"code": "BAD_REQUEST"})
        principal, started_with = context.principal, context.access
        cursor = await asyncio.to_thread(_start_after, context, after)
        try:
            while True:
                access = context.current_access()
                if (access.readable, access.masked) != (started_with.readable, started_with.masked):
                    raise PolicyChanged()
                session = context.renew(access)
                assert context.bell is not None
                mark = context.bell.mark()
                events = await asyncio.to_thread(
                    watch_events.events_for, session, principal.agency, principal.user, cursor, EVENTS_PER_READ,
                )
                for event in events:
                    cursor = event.id
                    access = context.current_access()
                    if (access.readable, access.masked) != (started_with.readable, started_with.masked):
                        raise PolicyChanged()
                    session = context.renew(access)
                    shown = await asyncio.to_thread(_deliverable, session, access, event)
                    if shown is None:
                        continue
                    context.delivered = shown
                    yield shown  # type: ignore[misc]
                    context.delivered = None
                if len(events) < EVENTS_PER_READ:  # caught up: wait for the next events
                    context.close_session()
                    await context.bell.wait(context.poll_seconds, mark)
        finally:
            context.close_session()
