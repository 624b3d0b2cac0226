"""Fields that follow a relation between records: a reference to one row, or a list of child rows.

A relation is declared once, as data: the strawberry resolver calls it with the request's loaders, and
the executor (`schema.executor`) reads the same declaration from the field's metadata to follow the
relation without building a resolve info for every row. Both go through the same scope-filtered loaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import strawberry
from sqlalchemy.orm import InstrumentedAttribute
from strawberry.types import Info

from hub import models
from schema.context import context_of
from schema.loaders import Loaders

RELATION = "hub.relation"  # key of the declaration in the strawberry field's metadata


class Relation(Protocol):
    def follow(self, loaders: Loaders, parent: Any) -> Any:
        """The related value for `parent`, or an awaitable of it when the parent's siblings are unknown."""
        ...


@dataclass(frozen=True)
class Reference:
    """The row of `model` that `parent.<foreign_key>` points to; None when absent or outside the caller's scope."""

    model: type[models.Base]
    foreign_key: str

    def follow(self, loaders: Loaders, parent: Any) -> Any:
        return loaders.by_id(self.model).follow(parent, self.foreign_key)


@dataclass(frozen=True)
class Children:
    """The rows of `model` whose `parent_key` is the parent's id, scope-filtered, in `order_by` then id order."""

    model: type[models.Base]
    parent_key: InstrumentedAttribute[Any]
    order_by: Sequence[Any] = ()

    def follow(self, loaders: Loaders, parent: Any) -> Any:
        return loaders.children(self.model, self.parent_key, order_by=self.order_by).follow(parent, "id")


@dataclass(frozen=True)
class CurrentPosts:
    """The posts a cadre holds now (its open tenures)."""

    def follow(self, loaders: Loaders, parent: Any) -> Any:
        return loaders.current_posts().follow(parent, "id")


def relation(declared: Relation, description: str | None = None) -> Any:
    """A strawberry field following `declared`; its GraphQL type is the annotation of the class attribute."""

    def resolve(root: Any, info: Info) -> Any:
        return declared.follow(context_of(info).loaders, root)

    return strawberry.field(resolver=resolve, description=description, metadata={RELATION: declared})


def belongs_to(model: type[models.Base], foreign_key: str, description: str | None = None) -> Any:
    """A field holding the row `foreign_key` points to."""
    return relation(Reference(model, foreign_key), description)


def has_many(
    model: type[models.Base], parent_key: InstrumentedAttribute[Any], order_by: Sequence[Any] = (),
    description: str | None = None,
) -> Any:
    """A field holding the rows whose `parent_key` is this row's id."""
    return relation(Children(model, parent_key, tuple(order_by)), description)
