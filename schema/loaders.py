"""Per-request DataLoaders: every nested list or reference costs one batched, scope-filtered query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from strawberry.dataloader import DataLoader

from hub import models
from schema.access import RowScope


class Loaders:
    """Creates each loader on first use and keeps it for the rest of the request."""

    def __init__(self, session: Session, rows: RowScope, on_rows: Callable[[Iterable[Any]], None] = lambda _rows: None) -> None:
        self.session = session
        self.rows = rows
        self.on_rows = on_rows
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}

    def _cached(self, key: Hashable, build: Callable[[], DataLoader[Any, Any]]) -> DataLoader[Any, Any]:
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = build()
        return loader

    def scoped(self, model: type[models.Base]) -> ColumnElement[bool]:
        return self.rows.clause(model.__tablename__)

    def by_id(self, model: type[models.Base]) -> DataLoader[int, Any]:
        """Rows by primary key; a row outside the caller's scope loads as None, exactly like a missing one."""

        def build() -> DataLoader[int, Any]:
            async def load(ids: list[int]) -> Sequence[Any]:
                stmt = select(model).where(model.id.in_(ids), self.scoped(model))  # type: ignore[attr-defined]
                found = {row.id: row for row in self.session.scalars(stmt)}
                self.on_rows(found.values())
                return [found.get(key) for key in ids]

            return DataLoader(load_fn=load)

        return self._cached(("by_id", model), build)

    def children(
        self,
        model: type[models.Base],
        parent_key: InstrumentedAttribute[Any],
        *,
        order_by: Sequence[Any] = (),
        where: Sequence[ColumnElement[bool]] = (),
    ) -> DataLoader[int, list[Any]]:
        """Rows of `model` grouped by `parent_key`, scope-filtered, in a stable order."""

        def build() -> DataLoader[int, list[Any]]:
            async def load(keys: list[int]) -> Sequence[list[Any]]:
                stmt: Select[Any] = (
                    select(model)
                    .where(parent_key.in_(keys), self.scoped(model), *where)
                    .order_by(*order_by, model.id)  # type: ignore[attr-defined]
                )
                grouped: dict[int, list[Any]] = defaultdict(list)
                for row in self.session.scalars(stmt):
                    grouped[getattr(row, parent_key.key)].append(row)
                self.on_rows(row for group in grouped.values() for row in group)
                return [grouped.get(key, []) for key in keys]

            return DataLoader(load_fn=load)

        return self._cached(("children", model, parent_key.key, tuple(map(str, where))), build)

    def current_posts(self) -> DataLoader[int, list[Any]]:
        """Posts a cadre holds now (open tenures), through one join."""

        def build() -> DataLoader[int, list[Any]]:
            async def load(cadre_ids: list[int]) -> Sequence[list[Any]]:
                stmt = (
                    select(models.Tenure.cadre_id, models.Post)
                    .join(models.Post, models.Post.id == models.Tenure.post_id)
                    .where(
                        models.Tenure.cadre_id.in_(cadre_ids),
                        models.Tenure.end_date.is_(None),
                        self.scoped(models.Post),
                    )
                    .order_by(models.Tenure.start_date, models.Post.id)
                )
                grouped: dict[int, list[Any]] = defaultdict(list)
                for cadre_id, post in self.session.execute(stmt):
                    grouped[cadre_id].append(post)
                return [grouped.get(key, []) for key in cadre_ids]

            return DataLoader(load_fn=load)

        return self._cached("current_posts", build)
