"""Supervision alerts in GraphQL: long tenures, posts over quota, unapproved part-time positions, overdue
inquiry replies and rectification items, each over what the caller may see."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from hub.services.workflows import alerts, rules
from schema.context import context_of
from schema.errors import BadInput
from schema.pagination import Connection, paginate
from schema.record_types import PartTimePositionType, PostType, SupervisionActionType, TenureType
from schema.workflows.steps import actor_of, date_or_today, note_read
from schema.workflows.supervision import RectificationItemType


@strawberry.type(name="PostOccupancy", description="A post held by more cadres (that you may see) than its quota.")
class PostOccupancyType:
    source: strawberry.Private[alerts.PostOccupancy]

    @strawberry.field
    def post(self) -> PostType:
        return self.source.post  # type: ignore[return-value]

    @strawberry.field
    def holders(self) -> int:
        return self.source.holders

    @strawberry.field(description="Holders beyond the approved quota.")
    def excess(self) -> int:
        return self.source.holders - self.source.post.quota


@strawberry.type
class AlertQueries:
    @strawberry.field(description="Alert: current tenures of at least minYears (default 10) in one post.")
    def long_tenures(
        self, info: Info, as_of: date | None = None, min_years: int = rules.LONG_TENURE_YEARS,
        first: int | None = None, after: str | None = None,
    ) -> Connection[TenureType]:
        if not 1 <= min_years <= 60:
            raise BadInput("minYears", "must be between 1 and 60")
        context = context_of(info)
        return _page(info, alerts.long_tenures(actor_of(context), date_or_today(as_of), min_years), first, after)

    @strawberry.field(description="Alert: posts held by more cadres than their approved quota (职数).")
    def over_quota_posts(self, info: Info, as_of: date | None = None) -> list[PostOccupancyType]:
        context = context_of(info)
        found = alerts.posts_over_quota(context.session, actor_of(context), date_or_today(as_of))
        return [PostOccupancyType(source=occupancy) for occupancy in found]

    @strawberry.field(description="Alert: part-time positions (兼职) held without approval.")
    def unapproved_part_time_positions(
        self, info: Info, as_of: date | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[PartTimePositionType]:
        context = context_of(info)
        return _page(info, alerts.unapproved_part_time_positions(actor_of(context), date_or_today(as_of)), first, after)

    @strawberry.field(description="Alert: inquiry letters past their reply deadline without a reply.")
    def overdue_inquiry_replies(
        self, info: Info, as_of: date | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[SupervisionActionType]:
        context = context_of(info)
        return _page(info, alerts.overdue_inquiry_replies(actor_of(context), date_or_today(as_of)), first, after)

    @strawberry.field(description="Alert: rectification items past their due date and not completed.")
    def overdue_rectification_items(
        self, info: Info, as_of: date | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[RectificationItemType]:
        context = context_of(info)
        return _page(info, alerts.overdue_rectification_items(actor_of(context), date_or_today(as_of)), first, after)


def _page(info: Info, statement: Any, first: int | None, after: str | None) -> Connection[Any]:
    context = context_of(info)
    connection = paginate(context.session, statement, first, after)
    note_read(info, (edge.node for edge in connection.edges))
    return connection
