"""Per-request loaders: every nested list or reference costs one batched, scope-filtered query.

A row remembers the rows it was loaded with (its siblings: one page, or one batch of children). The first
time a field asks for a relation of one of them, the relation is loaded for all the siblings in one
statement and every later sibling gets its value synchronously, without an awaitable. A row whose siblings
are unknown (returned by a service, for instance) goes through a strawberry DataLoader, which batches
the keys asked for within one event-loop tick.

Siblings are only ever rows read through the caller's row scope, so the relations of a batch of them start
from rows the caller may see: the scope then says what is left to check (`RowScope.children_of_visible`,
`RowScope.referenced_by_visible`; a relative's cadre, for instance, needs no second look). Keys that come
through the DataLoader carry no such knowledge and get the whole scope predicate.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from strawberry.dataloader import DataLoader

from hub import models
from hub.access import RowScope
from schema.read_rows import read_type, select_rows

Value = TypeVar("Value")
# (table, column) of the visible rows the keys were read from: (parent table, "id") for children, or the
# referencing table and its foreign key for a reference; None when the keys' origin is unknown.
Origin = tuple[str, str] | None
Fetch = Callable[[list[int], Origin], dict[int, Any]]
KEYS: BindParameter[list[int]] = bindparam("keys", expanding=True)  # the batch's keys, bound at execution rather than built into the statement


class Siblings:
    """Which rows were loaded together, so that a relation of one is loaded for all of them at once.

    Only rows read through the caller's row scope may be remembered here.
    """

    def __init__(self) -> None:
        self._of: dict[int, Sequence[Any]] = {}  # id(row) -> its batch; the batch keeps the rows alive

    def remember(self, rows: Sequence[Any]) -> None:
        for row in rows:
            self._of[id(row)] = rows

    def of(self, row: Any) -> Sequence[Any] | None:
        return self._of.get(id(row))


class Relation(Generic[Value]):
    """Values by integer key (a row id or a parent id), fetched in batches and kept for the request."""

    def __init__(self, fetch: Fetch, missing: Callable[[], Value], siblings: Siblings) -> None:
        self._fetch = fetch
        self._missing = missing
        self._siblings = siblings
        self.found: dict[int, Value] = {}
        self.loader: DataLoader[int, Value] = DataLoader(load_fn=self._load)

    def follow(self, parent: Any, key_attribute: str) -> Value | Awaitable[Value] | None:
        """The value for `parent.<key_attribute>`: at once when the parent's siblings are known, else awaitable."""
        key = getattr(parent, key_attribute)
        if key is None:
            return None
        found = self.found
        if key in found:
            return found[key]
        siblings = self._siblings.of(parent)
        if siblings is None:
            return self.loader.load(key)
        wanted = {getattr(row, key_attribute) for row in siblings}
        wanted.add(key)
        origin = (parent.__tablename__, key_attribute)
        self.fetch_now((key for key in wanted if key is not None and key not in found), origin)
        return found[key]

    def fetch_now(self, keys: Iterable[int], origin: Origin = None) -> None:
        keys = list(keys)
        if not keys:
            return
        fetched = self._fetch(keys, origin)
        for key in keys:
            self.found[key] = fetched.get(key, self._missing())

    async def load(self, key: int) -> Value:
        if key in self.found:
            return self.found[key]
        return await self.loader.load(key)

    async def load_many(self, keys: Iterable[int]) -> list[Value]:
        return list(await asyncio.gather(*(self.load(key) for key in keys)))

    def prime(self, key: int, value: Value) -> None:
        self.found.setdefault(key, value)

    async def _load(self, keys: list[int]) -> Sequence[Value]:
        self.fetch_now(key for key in keys if key not in self.found)
        return [self.found[key] for key in keys]


class Loaders:
    """Creates each relation on first use and keeps it for the rest of the request."""

    def __init__(self, session: Session, rows: RowScope, on_rows: Callable[[Iterable[Any]], None] = lambda _rows: None) -> None:
        self.session = session
        self.rows = rows
        self.on_rows = on_rows
        self.siblings = Siblings()
        self._relations: dict[Hashable, Relation[Any]] = {}

    def restart(self, session: Session, rows: RowScope, on_rows: Callable[[Iterable[Any]], None]) -> None:
        """Forget what was loaded and read from now on through `session` under `rows` (a subscription's next event:
        its execution keeps the loaders object it started with)."""
        self.__init__(session, rows, on_rows)  # type: ignore[misc]

    def _cached(self, key: Hashable, build: Callable[[], Fetch], missing: Callable[[], Any]) -> Relation[Any]:
        relation = self._relations.get(key)
        if relation is None:
            relation = self._relations[key] = Relation(build(), missing, self.siblings)
        return relation

    def batched(self, key: Hashable, fetch: Fetch, missing: Callable[[], Any]) -> Relation[Any]:
        """A relation of the caller's own (`fetch` reads the values of many keys at once), kept for the request and
        batched over siblings like the record relations."""
        return self._cached(key, lambda: fetch, missing)

    def _read(self, statement: Select[Any], keys: list[int]) -> Sequence[Any]:
        """The statement's rows for `keys` (its expanding KEYS parameter), through the session's connection:
        plain columns need no ORM loading."""
        return self.session.connection().execute(statement, {KEYS.key: keys}).all()

    def scoped(self, model: type[models.Base]) -> ColumnElement[bool]:
        return self.rows.clause(model.__tablename__)

    def loaded(self, rows: Sequence[Any]) -> None:
        """Rows the request read together: noted for the audit, and siblings for the relations they ask for."""
        self.on_rows(rows)
        self.siblings.remember(rows)

    def by_id(self, model: type[models.Base]) -> Relation[Any]:
        """Rows by primary key; a row outside the caller's scope loads as None, exactly like a missing one."""
        return self._cached(("by_id", model), lambda: self._fetch_by_id(model), lambda: None)

    def _fetch_by_id(self, model: type[models.Base]) -> Fetch:
        read, table = read_type(model), model.__tablename__

        def fetch(ids: list[int], origin: Origin) -> dict[int, Any]:
            scope = self.rows.referenced_by_visible(table, *origin) if origin else self.scoped(model)
            stmt = select_rows(model).where(model.id.in_(KEYS), scope)  # type: ignore[attr-defined]
            rows = list(map(read._make, self._read(stmt, ids)))
            self.loaded(rows)
            return {row.id: row for row in rows}

        return fetch

    def children(
        self,
        model: type[models.Base],
        parent_key: InstrumentedAttribute[Any],
        *,
        order_by: Sequence[Any] = (),
        where: Sequence[ColumnElement[bool]] = (),
    ) -> Relation[list[Any]]:
        """Rows of `model` grouped by `parent_key`, scope-filtered, in a stable order."""
        key = ("children", model, parent_key.key, tuple(map(str, where)) if where else ())
        return self._cached(key, lambda: self._fetch_children(model, parent_key, order_by, where), list)

    def _fetch_children(
        self, model: type[models.Base], parent_key: InstrumentedAttribute[Any], order_by: Sequence[Any],
        where: Sequence[ColumnElement[bool]],
    ) -> Fetch:
        read, table, column = read_type(model), model.__tablename__, parent_key.key

        def fetch(keys: list[int], origin: Origin) -> dict[int, Any]:
            if origin is not None and origin[1] == "id":
                scope = self.rows.children_of_visible(table, column, origin[0])
            else:
                scope = self.scoped(model)
            stmt: Select[Any] = (
                select_rows(model)
                .where(parent_key.in_(KEYS), scope, *where)
                .order_by(*order_by, model.id)  # type: ignore[attr-defined]
            )
            rows = list(map(read._make, self._read(stmt, keys)))
            self.loaded(rows)
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[getattr(row, column)].append(row)
            return grouped

        return fetch

    def current_posts(self) -> Relation[list[Any]]:
        """Posts a cadre holds now (open tenures), through one join."""
        return self._cached("current_posts", self._fetch_current_posts, list)

    def _fetch_current_posts(self) -> Fetch:
        read = read_type(models.Post)

        def fetch(cadre_ids: list[int], _origin: Origin) -> dict[int, Any]:
            stmt = (
                select(models.Tenure.cadre_id, *models.Post.__table__.columns)
                .join(models.Post, models.Post.id == models.Tenure.post_id)
                .where(
                    models.Tenure.cadre_id.in_(KEYS),
                    models.Tenure.end_date.is_(None),
                    self.scoped(models.Post),
                )
                .order_by(models.Tenure.start_date, models.Post.id)
            )
            grouped: dict[int, list[Any]] = defaultdict(list)
            posts = []
            for cadre_id, *columns in self._read(stmt, cadre_ids):
                post = read._make(columns)
                grouped[cadre_id].append(post)
                posts.append(post)
            self.siblings.remember(posts)
            return grouped

        return fetch
