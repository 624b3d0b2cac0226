"""The cadres a detection run covers: the runner's scope (jurisdiction, management level), and for an incremental
run the cadres whose neighbourhood changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select, true
from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import ManagementLevel
from hub.services.workflows.base import Actor

RUNNER_AGENCY = "detection"  # who the ledger and the alerts name as having found them
RUNNER_USER = "hub-detect"


@dataclass(frozen=True)
class CadreSet:
    jurisdiction: str | None = None
    level: ManagementLevel | None = None
    ids: frozenset[int] | None = None  # None: every cadre of the scope

    def with_ids(self, ids: frozenset[int]) -> CadreSet:
        return replace(self, ids=ids if self.ids is None else self.ids & ids)

    def clause(self, column: Any) -> ColumnElement[bool]:
        """`column` (a cadre id) names a cadre of this set."""
        conditions: list[ColumnElement[bool]] = []
        if self.ids is not None:
            conditions.append(column.in_(sorted(self.ids)))
        scoped = self._scope(models.Cadre)
        if scoped is not None:
            conditions.append(column.in_(select(models.Cadre.id).where(scoped)))
        return and_(true(), *conditions)

    def _scope(self, cadre: Any) -> ColumnElement[bool] | None:
        conditions = []
        if self.jurisdiction is not None:
            conditions.append(cadre.jurisdiction == self.jurisdiction)
        if self.level is not None:
            conditions.append(cadre.management_level == self.level)
        return and_(*conditions) if conditions else None

    def batches(self, session: Session, size: int) -> Iterator[list[int]]:
        """The set's cadre ids in id order, `size` at a time (read by keyset, so 200,000 never sit in one list)."""
        after = 0
        while True:
            batch = list(session.scalars(
                select(models.Cadre.id).where(models.Cadre.id > after, self.clause(models.Cadre.id))
                .order_by(models.Cadre.id).limit(size)
            ))
            if not batch:
                return
            yield batch
            after = batch[-1]

    def count(self, session: Session) -> int:
        from sqlalchemy import func

        return int(session.scalar(select(func.count()).select_from(models.Cadre).where(self.clause(models.Cadre.id))) or 0)

    def actor(self) -> Actor:
        """A reader of every field whose rows are those of this set's cadres: the supervision queries of
        `hub/services/workflows/alerts.py` run as it."""
        owned: dict[str, Callable[[], ColumnElement[bool]]] = {
            "tenure": lambda: self.clause(models.Tenure.cadre_id),
            "part_time_position": lambda: self.clause(models.PartTimePosition.cadre_id),
            "supervision_action": lambda: self.clause(models.SupervisionAction.cadre_id),
            "rectification_item": lambda: exists().where(
                models.SupervisionAction.id == models.RectificationItem.action_id,
                self.clause(models.SupervisionAction.cadre_id),
            ),
        }

        def row_clause(table: str) -> ColumnElement[bool]:
            build = owned.get(table)
            return build() if build is not None else true()

        return Actor(agency_code=RUNNER_AGENCY, user=RUNNER_USER, writable=frozenset(), readable=frozenset({"*"}),
                     row_clause=row_clause)
