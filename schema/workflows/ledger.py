"""The decision ledger in GraphQL: who took which workflow step about a record, and when."""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.models import workflow as wf
from hub.services.workflows import ledger
from schema.context import context_of
from schema.enums import Agency, computed_enum
from schema.record_types import record_type
from schema.workflows.steps import actor_of, note_read, run_read

DecisionSubject = strawberry.enum(
    computed_enum(
        "DecisionSubject", {re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper(): name for name in sorted(ledger.SUBJECTS)}
    ),
    description="What a decision was taken about (NEGATIVE_RECORD, JOINT_REVIEW, ...).",
)


@record_type(wf.Decision, "Decision", "One workflow step: who (agency and user) took it, when, and what changed.")
class DecisionType:
    id: int
    at: datetime
    agency: Agency
    user: str
    action: str
    subject: str
    subject_id: int
    from_state: str | None
    to_state: str | None
    note: str


@strawberry.type
class LedgerQueries:
    @strawberry.field(description="The decisions taken about a record you may see, oldest first.")
    def decisions(
        self, info: Info, subject: Annotated[enum.Enum, strawberry.argument(graphql_type=DecisionSubject)], subject_id: int,
    ) -> list[DecisionType]:
        context = context_of(info)
        found = run_read("subjectId", lambda: ledger.decisions_about(
            context.session, actor_of(context), subject.value, subject_id
        ))
        note_read(info, found)
        return found  # type: ignore[return-value]
