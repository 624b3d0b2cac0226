"""What a client may send for each record kind: the writable fields declared in `hub.record_fields`, and the
cross-field rules and workflow-owned fields of each kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from hub import models
from hub.models import enums
from hub.record_fields import RECORD_KINDS, RecordField, camel
from hub.validation import DomainValidationError, validate_date_order

Check = Callable[[dict[str, Any]], None]


# What a client may send is the writable part of a declared record field; the workflows' text inputs use it too.
InputField = RecordField


@dataclass(frozen=True)
class RecordSpec:
    type_name: str
    model: type[models.Base]
    fields: tuple[InputField, ...]
    checks: tuple[Check, ...] = field(default=())
    # Fields only the workflows move (e.g. a record's status): a create may give only the initial value,
    # an update may not change them. Maps attribute -> initial value (None: set only by the workflow).
    workflow_fields: dict[str, Any] = field(default_factory=dict)

    def field_by_attr(self, attr: str) -> InputField:
        return self._fields_by_attr[attr]

    @cached_property
    def _fields_by_attr(self) -> dict[str, InputField]:
        return {spec.attr: spec for spec in self.fields}


def dates_in_order(start: str, end: str) -> Check:
    def check(values: dict[str, Any]) -> None:
        validate_date_order(values.get(start), values.get(end), camel(start), camel(end))

    return check


def in_range(attr: str, low: int, high: int) -> Check:
    def check(values: dict[str, Any]) -> None:
        value = values.get(attr)
        if value is not None and not low <= value <= high:
            raise DomainValidationError(camel(attr), f"must be between {low} and {high}")

    return check


def exactly_one(*attrs: str) -> Check:
    def check(values: dict[str, Any]) -> None:
        given = [attr for attr in attrs if values.get(attr) is not None]
        if len(given) != 1:
            names = " or ".join(camel(attr) for attr in attrs)
            raise DomainValidationError(camel(attrs[0]), f"give exactly one of {names}")

    return check


def not_tied_to_self(values: dict[str, Any]) -> None:
    if values.get("other_cadre_id") is not None and values.get("other_cadre_id") == values.get("cadre_id"):
        raise DomainValidationError("otherCadreId", "a cadre cannot be tied to themselves")


def weights_sum_to_one(values: dict[str, Any]) -> None:
    weights = values.get("requirements") or {}
    if weights and abs(sum(weights.values()) - 1.0) > 1e-6:
        raise DomainValidationError("requirements", "weights must sum to 1")
    if any(weight < 0 for weight in weights.values()):
        raise DomainValidationError("requirements", "weights must not be negative")


def not_self_nominated(values: dict[str, Any]) -> None:
    if values.get("nominee_id") is not None and values.get("nominee_id") == values.get("nominator_id"):
        raise DomainValidationError("nominatorId", "a cadre cannot nominate themselves")


def _spec(type_name: str, checks: tuple[Check, ...] = (), workflow_fields: dict[str, Any] | None = None) -> RecordSpec:
    kind = RECORD_KINDS[type_name]
    return RecordSpec(type_name, kind.model, kind.input_fields, checks, workflow_fields or {})


RECORD_SPECS: tuple[RecordSpec, ...] = (
    _spec("Unit"),
    _spec("Post", (in_range("quota", 0, 1000), weights_sum_to_one)),
    _spec(
        "Cadre",
        (
            in_range("reserve_tier", 1, 3),
            dates_in_order("birth_date", "party_join_date"),
            dates_in_order("birth_date", "work_start_date"),
        ),
    ),
    _spec("Tenure", (dates_in_order("start_date", "end_date"),)),
    _spec("Person"),
    _spec("Relative"),
    _spec("SocialTie", (exactly_one("person_id", "other_cadre_id"), not_tied_to_self)),
    _spec("Organization"),
    _spec("OrganizationRole", (exactly_one("person_id", "cadre_id"),)),
    _spec("PartTimePosition", (dates_in_order("start_date", "end_date"),)),
    _spec("SupplyContract"),
    _spec(
        "NegativeRecord",
        (dates_in_order("occurred_on", "reported_on"),),
        {"status": enums.NegativeStatus.REPORTED, "conclusion": None},
    ),
    _spec("PersonalMattersReport", (in_range("year", 1990, 2100), dates_in_order("submitted_on", "verified_on"))),
    _spec("MatterItem"),
    _spec(
        "SupervisionAction",
        (dates_in_order("issued_on", "due_on"), dates_in_order("issued_on", "replied_on")),
    ),
    _spec("Selection", (), {"status": enums.SelectionStatus.OPEN}),
    _spec(
        "Nomination",
        (
            not_self_nominated,
            *(
                in_range(score, 0, 100)
                for score in ("political_quality", "professional_ability", "responsibility", "performance", "reputation")
            ),
        ),
    ),
)

SPECS_BY_TYPE = {spec.type_name: spec for spec in RECORD_SPECS}
