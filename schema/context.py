"""The per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from strawberry.types import Info

from hub.models import Cadre
from schema.access import AccessView
from schema.graph_budget import GraphBudget
from schema.loaders import Loaders
from schema.read_rows import read_type

CADRE_ROWS = (Cadre, read_type(Cadre))


@dataclass
class ReadLog:
    """What the request touched, for the access audit: the cadres whose records it loaded."""

    cadre_ids: set[int] = field(default_factory=set)
    wrote: bool = False

    def note(self, rows: Iterable[Any]) -> None:
        for row in rows:
            if row is None:
                continue
            cadre_id = row.id if isinstance(row, CADRE_ROWS) else getattr(row, "cadre_id", None)
            if cadre_id is not None:
                self.cadre_ids.add(cadre_id)


@dataclass
class RequestContext:
    session: Session
    access: AccessView
    loaders: Loaders
    read_log: ReadLog
    purpose: str = ""
    graph_budget: GraphBudget = field(default_factory=GraphBudget)
    extras: dict[str, Any] = field(default_factory=dict)


def context_of(info: Info) -> RequestContext:
    return info.context  # type: ignore[no-any-return]


def new_context(session: Session, access: AccessView, purpose: str = "") -> RequestContext:
    read_log = ReadLog()
    return RequestContext(
        session=session, access=access, loaders=Loaders(session, access.rows, read_log.note), read_log=read_log,
        purpose=purpose,
    )
