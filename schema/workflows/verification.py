"""Verifying and concluding a negative record in GraphQL: reported → verifying → confirmed / cleared."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from hub.services.workflows import verification
from schema.record_types import NegativeRecordType
from schema.workflows.steps import StepRefusal, run_step

NEGATIVE_RECORD_STEP_FIELDS = ("NegativeRecord.status", "NegativeRecord.conclusion")

NegativeRecordStepResult: TypeAlias = Annotated[NegativeRecordType | StepRefusal, strawberry.union("NegativeRecordStepResult")]


@strawberry.type
class VerificationMutations:
    @strawberry.mutation(description="REPORTED → VERIFYING.")
    def start_negative_record_verification(
        self, info: Info, id: int, note: str | None = None, expected_version: int | None = None
    ) -> NegativeRecordStepResult:
        return run_step(info, verification.START_VERIFICATION, NEGATIVE_RECORD_STEP_FIELDS,
                        lambda session, actor: verification.start_verification(session, actor, id, note, expected_version))

    @strawberry.mutation(description="VERIFYING → CONFIRMED (or PARTLY_CONFIRMED), with the conclusion (审定结论).")
    def confirm_negative_record(
        self, info: Info, id: int, conclusion: str, partly: bool = False, expected_version: int | None = None
    ) -> NegativeRecordStepResult:
        return run_step(info, verification.CONFIRM, NEGATIVE_RECORD_STEP_FIELDS,
                        lambda session, actor: verification.confirm(session, actor, id, conclusion, partly, expected_version))

    @strawberry.mutation(description="VERIFYING → CLEARED (unfounded, 澄清): the record stops counting everywhere.")
    def clear_negative_record(
        self, info: Info, id: int, conclusion: str, expected_version: int | None = None
    ) -> NegativeRecordStepResult:
        return run_step(info, verification.CLEAR, NEGATIVE_RECORD_STEP_FIELDS,
                        lambda session, actor: verification.clear(session, actor, id, conclusion, expected_version))
