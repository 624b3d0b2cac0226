"""The per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from neo4j import Driver
from sqlalchemy.orm import Session
from starlette.responses import Response
from strawberry.types import Info

from hub.access import AccessView
from hub.core.usage_windows import GraphWindows
from hub.models import Cadre
from hub.settings import DEFAULT_PURPOSE_CASE_PATTERN
from policies.enforcement import PolicyStore
from schema.graph_budget import GraphBudget
from schema.loaders import Loaders
from schema.read_cadres import direct_cadre_ids, linked_key, resolve_linked
from schema.read_rows import read_type

CADRE_ROWS = (Cadre, read_type(Cadre))


@dataclass
class ReadLog:
    """What the request touched, for the access audit: the cadres whose records it loaded."""

    cadre_ids: set[int] = field(default_factory=set)
    wrote: bool = False
    # Keys of rows that name their cadres through another row, by table (see schema.read_cadres).
    linked: dict[str, set[int]] = field(default_factory=dict)

    def note(self, rows: Iterable[Any]) -> None:
        for row in rows:
            if row is None:
                continue
            if isinstance(row, CADRE_ROWS):
                self.cadre_ids.add(row.id)
                continue
            table = getattr(row, "__tablename__", None)
            self.cadre_ids.update(direct_cadre_ids(table, row))
            key = linked_key(table, row)
            if key is not None:
                self.note_linked(*key)

    def note_linked(self, table: str, key: int) -> None:
        """A `table` row read by key (a person, say) whose cadres are named by other rows."""
        self.linked.setdefault(table, set()).add(key)

    def all_cadre_ids(self, session: Session) -> set[int]:
        """The cadres noted directly and those behind the linked rows."""
        return self.cadre_ids | resolve_linked(session, self.linked)

    def delivered_cadre_ids(self, session: Session, data: object) -> set[int]:
        """The cadres an answer with `data` delivered, for its audit entry: none when the whole answer was nulled (a
        non-null root field failed), though a sibling root field may have been read before the failure."""
        return set() if data is None else self.all_cadre_ids(session)


class GraphSource(Protocol):
    """Where graph queries get their Neo4j driver (the hub's `GraphStore`)."""

    def driver(self) -> Driver: ...

    def query_span(self, name: str) -> AbstractContextManager[object]: ...


def _nothing() -> None:
    return None


@dataclass
class RequestContext:
    session: Session
    access: AccessView
    loaders: Loaders
    read_log: ReadLog
    purpose: str = ""
    graph_budget: GraphBudget = field(default_factory=GraphBudget)
    graph_windows: GraphWindows | None = None  # graph time per user and agency across processes; None: unbounded
    operation_type: str = ""  # query | mutation, once known (for metrics)
    operation_name: str = ""
    # The HTTP sub-response strawberry answers with: its status and headers (503 on an outage, 400 on a request error).
    http_response: Response | None = None
    graph: GraphSource | None = None
    policies: PolicyStore | None = None  # the whole policy, for workflows that ask every agency allowed to act
    after_write: Callable[[], None] = _nothing  # called after a committed write (wakes the graph sync)
    case_pattern: str = DEFAULT_PURPOSE_CASE_PATTERN  # what a case number looks like (HUB_PURPOSE_CASE_PATTERN)
    # Read a page or a record with its selection in one SQL statement where it can be (schema.sql_reads);
    # off, every read goes through the loaders (the differential tests compare both).
    sql_reads: bool = True
    sql_reads_done: int = 0  # reads answered by one statement, for tests and the statement count
    # The answer is only encoded (served over HTTP): what a statement read as JSON stays text (schema.json_text).
    splice_json: bool = False
    # Set when the hub itself runs an operation to export what it reads (a dossier): the audit records it as an
    # export by this name, and the allow-list (which the route passed) does not apply to the hub's own text.
    export: str = ""


def context_of(info: Info) -> RequestContext:
    return info.context


def new_context(session: Session, access: AccessView, purpose: str = "") -> RequestContext:
    read_log = ReadLog()
    return RequestContext(
        session=session, access=access, loaders=Loaders(session, access.rows, read_log.note), read_log=read_log,
        purpose=purpose,
    )
