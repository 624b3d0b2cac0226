"""Supervision alerts, as statements over what the caller may see: long tenure, posts over quota,
unapproved part-time positions, overdue inquiry replies and overdue rectification items.
(Overdue round returns are in `rounds.py`.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import SupervisionKind
from hub.models.workflow import RectificationItem
from hub.services.workflows import rules
from hub.services.workflows.base import Actor


def long_tenures(actor: Actor, as_of: date, min_years: int) -> Select[Any]:
    """Current tenures that have lasted at least `min_years` in the same post (rotation due)."""
    tenure = models.Tenure
    return (
        select(tenure)
        .where(
            tenure.start_date <= rules.tenure_started_on_or_before(as_of, min_years),
            _current(tenure.start_date, tenure.end_date, as_of),
            actor.scope(tenure),
        )
        .order_by(tenure.start_date, tenure.id)
    )


@dataclass(frozen=True)
class PostOccupancy:
    post: models.Post
    holders: int


def posts_over_quota(session: Session, actor: Actor, as_of: date) -> list[PostOccupancy]:
    """Posts held by more cadres than their approved quota (超职数配备); only holders the caller may see count."""
    tenure, post = models.Tenure, models.Post
    holders = (
        select(tenure.post_id, func.count(func.distinct(tenure.cadre_id)).label("holders"))
        .where(_current(tenure.start_date, tenure.end_date, as_of), actor.scope(tenure))
        .group_by(tenure.post_id)
        .subquery()
    )
    rows = session.execute(
        select(post, holders.c.holders)
        .join(holders, holders.c.post_id == post.id)
        .where(holders.c.holders > post.quota, actor.scope(post))
        .order_by(post.unit_id, post.id)
    )
    return [PostOccupancy(post=row, holders=int(count)) for row, count in rows]


def unapproved_part_time_positions(actor: Actor, as_of: date) -> Select[Any]:
    position = models.PartTimePosition
    return (
        select(position)
        .where(position.approved.is_(False), _current(position.start_date, position.end_date, as_of), actor.scope(position))
        .order_by(position.start_date, position.id)
    )


def overdue_inquiry_replies(actor: Actor, as_of: date) -> Select[Any]:
    """Inquiry letters (函询) past their reply deadline without a reply."""
    action = models.SupervisionAction
    return (
        select(action)
        .where(
            action.kind == SupervisionKind.INQUIRY_LETTER, action.due_on < as_of, action.replied_on.is_(None),
            actor.scope(action),
        )
        .order_by(action.due_on, action.id)
    )


def overdue_rectification_items(actor: Actor, as_of: date) -> Select[Any]:
    return (
        select(RectificationItem)
        .where(RectificationItem.due_on < as_of, RectificationItem.completed_on.is_(None), actor.scope(RectificationItem))
        .order_by(RectificationItem.due_on, RectificationItem.id)
    )


def _current(start: Any, end: Any, as_of: date) -> Any:
    return (start <= as_of) & or_(end.is_(None), end >= as_of)
