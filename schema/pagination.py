"""Relay-style connections. Cursors encode a position only, never a sort value, so they leak nothing."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from schema.errors import BadInput

Node = TypeVar("Node")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 500
CURSOR_PREFIX = "pos:"


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{position}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInput("after", "is not a cursor returned by this API") from None
    if not text.startswith(CURSOR_PREFIX) or not text.removeprefix(CURSOR_PREFIX).isdigit():
        raise BadInput("after", "is not a cursor returned by this API")
    return int(text.removeprefix(CURSOR_PREFIX))


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo
    count_statement: strawberry.Private[Select[Any]]
    session: strawberry.Private[Session]

    @strawberry.field(description="Rows matching the filter that the caller may see.")
    def total_count(self) -> int:
        return int(self.session.scalar(self.count_statement) or 0)


def page_bounds(first: int | None, after: str | None) -> tuple[int, int]:
    """(page size, position of the page's first row) of the `first` and `after` arguments; BadInput if invalid."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise BadInput("first", f"must be between 0 and {MAX_PAGE_SIZE}")
    return size, 0 if after is None else decode_cursor(after) + 1


def paginate(
    session: Session, statement: Select[Any], first: int | None, after: str | None,
    read: Callable[[Any], Any] | None = None,
) -> Connection[Any]:
    """Run one page of `statement` (already filtered, scoped and ordered); fetch one extra row to know if more follow.

    `read` turns each result row into a node; without it, the statement selects ORM entities.
    """
    size, start = page_bounds(first, after)
    page = statement.offset(start).limit(size + 1)
    rows = list(map(read, session.execute(page))) if read is not None else list(session.scalars(page))
    has_next = len(rows) > size
    edges = [Edge(cursor=encode_cursor(start + index), node=row) for index, row in enumerate(rows[:size])]
    count_statement = select(func.count()).select_from(statement.order_by(None).subquery())
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_statement=count_statement,
        session=session,
    )
