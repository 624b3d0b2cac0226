"""What a client may send for each record kind: fields, required ones, references and cross-field rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from decimal import Decimal
from typing import Any

from hub import models
from hub.agencies import AgencyCode
from hub.models import enums
from hub.validation import DomainValidationError, validate_date_order

Check = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class InputField:
    """One writable attribute. `policy_field` is the GraphQL output field whose write permission covers it."""

    attr: str
    python_type: Any
    required: bool = False
    references: type[models.Base] | None = None
    policy_field: str | None = None
    max_length: int | None = None
    multiline: bool = False

    @property
    def graphql_name(self) -> str:
        head, *rest = self.attr.split("_")
        return head + "".join(part.capitalize() for part in rest)

    @property
    def policy_name(self) -> str:
        if self.policy_field:
            return self.policy_field
        return self.graphql_name.removesuffix("Id") if self.references else self.graphql_name


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
        validate_date_order(values.get(start), values.get(end), _camel(start), _camel(end))

    return check


def in_range(attr: str, low: int, high: int) -> Check:
    def check(values: dict[str, Any]) -> None:
        value = values.get(attr)
        if value is not None and not low <= value <= high:
            raise DomainValidationError(_camel(attr), f"must be between {low} and {high}")

    return check


def exactly_one(*attrs: str) -> Check:
    def check(values: dict[str, Any]) -> None:
        given = [attr for attr in attrs if values.get(attr) is not None]
        if len(given) != 1:
            names = " or ".join(_camel(attr) for attr in attrs)
            raise DomainValidationError(_camel(attrs[0]), f"give exactly one of {names}")

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


def _camel(attr: str) -> str:
    return InputField(attr, str).graphql_name


F = InputField

RECORD_SPECS: tuple[RecordSpec, ...] = (
    RecordSpec(
        "Unit",
        models.Unit,
        (
            F("name", str, required=True, max_length=128),
            F("jurisdiction", str, required=True, max_length=32),
            F("level", enums.ManagementLevel, required=True),
            F("parent_id", int, references=models.Unit),
        ),
    ),
    RecordSpec(
        "Post",
        models.Post,
        (
            F("unit_id", int, required=True, references=models.Unit),
            F("title", str, required=True, max_length=128),
            F("rank", enums.Rank, required=True),
            F("quota", int, required=True),
            F("is_key_post", bool),
            F("requirements", dict),
        ),
        (in_range("quota", 0, 1000), weights_sum_to_one),
    ),
    RecordSpec(
        "Cadre",
        models.Cadre,
        (
            F("name", str, required=True, max_length=64),
            F("gender", enums.Gender, required=True),
            F("birth_date", date, required=True),
            F("ethnicity", str, max_length=32),
            F("native_place", str, max_length=64),
            F("id_number", str, required=True, max_length=18),
            F("party_join_date", date),
            F("work_start_date", date, required=True),
            F("education", enums.Education, required=True),
            F("rank", enums.Rank, required=True),
            F("management_level", enums.ManagementLevel, required=True),
            F("reserve_tier", int),
            F("unit_id", int, required=True, references=models.Unit),
            F("jurisdiction", str, required=True, max_length=32),
        ),
        (
            in_range("reserve_tier", 1, 3),
            dates_in_order("birth_date", "party_join_date"),
            dates_in_order("birth_date", "work_start_date"),
        ),
    ),
    RecordSpec(
        "Tenure",
        models.Tenure,
        (
            F("cadre_id", int, required=True, references=models.Cadre),
            F("post_id", int, required=True, references=models.Post),
            F("start_date", date, required=True),
            F("end_date", date),
        ),
        (dates_in_order("start_date", "end_date"),),
    ),
    RecordSpec(
        "Person",
        models.Person,
        (
            F("name", str, required=True, max_length=64),
            F("gender", enums.Gender, required=True),
            F("birth_date", date),
            F("id_number", str, max_length=18),
            F("occupation", str, max_length=64),
            F("employer", str, max_length=128),
            F("emigrated_to", str, max_length=64),
            F("jurisdiction", str, required=True, max_length=32),
        ),
    ),
    RecordSpec(
        "Relative",
        models.Kinship,
        (
            F("cadre_id", int, required=True, references=models.Cadre),
            F("person_id", int, required=True, references=models.Person),
            F("kind", enums.KinshipKind, required=True),
        ),
    ),
    RecordSpec(
        "SocialTie",
        models.SocialTie,
        (
            F("cadre_id", int, required=True, references=models.Cadre),
            F("person_id", int, references=models.Person),
            F("other_cadre_id", int, references=models.Cadre),
            F("kind", enums.TieKind, required=True),
            F("source", str, max_length=128),
        ),
        (exactly_one("person_id", "other_cadre_id"), not_tied_to_self),
    ),
    RecordSpec(
        "Organization",
        models.Organization,
        (
            F("name", str, required=True, max_length=128),
            F("kind", enums.OrganizationKind, required=True),
            F("credit_code", str, max_length=18),
            F("industry", str, max_length=64),
        ),
    ),
    RecordSpec(
        "OrganizationRole",
        models.OrganizationRole,
        (
            F("organization_id", int, required=True, references=models.Organization),
            F("person_id", int, references=models.Person),
            F("cadre_id", int, references=models.Cadre),
            F("role", enums.OrganizationRoleKind, required=True),
        ),
        (exactly_one("person_id", "cadre_id"),),
    ),
    RecordSpec(
        "PartTimePosition",
        models.PartTimePosition,
        (
            F("cadre_id", int, required=True, references=models.Cadre),
            F("organization_id", int, required=True, references=models.Organization),
            F("title", str, required=True, max_length=64),
            F("approved", bool),
            F("paid", bool),
            F("start_date", date, required=True),
            F("end_date", date),
        ),
        (dates_in_order("start_date", "end_date"),),
    ),
    RecordSpec(
        "SupplyContract",
        models.SupplyContract,
        (
            F("organization_id", int, required=True, references=models.Organization),
            F("unit_id", int, required=True, references=models.Unit),
            F("subject", str, max_length=128),
            F("amount", Decimal, required=True),
            F("signed_on", date, required=True),
        ),
    ),
    RecordSpec(
        "NegativeRecord",
        models.NegativeRecord,
        (
            F("cadre_id", int, required=True, references=models.Cadre),
            F("reporting_agency", AgencyCode, required=True),
            F("category", enums.NegativeCategory, required=True),
            F("facts", str, required=True, max_length=10000, multiline=True),
            F("occurred_on", date, required=True),
            F("reported_on", date, required=True),
            F("severity", enums.Severity, required=True),
            F("status", enums.NegativeStatus, required=True),
            F("conclusion", str, max_length=10000, multiline=True),
        ),
        (dates_in_order("occurred_on", "reported_on"),),
        {"status": enums.NegativeStatus.REPORTED, "conclusion": None},
    ),
    RecordSpec(
        "PersonalMattersReport",
        models.PersonalMattersReport,
        (
            F("cadre_id", int, required=True, references=models.Cadre),
            F("year", int, required=True),
            F("submitted_on", date, required=True),
            F("verified_on", date),
        ),
        (in_range("year", 1990, 2100), dates_in_order("submitted_on", "verified_on")),
    ),
    RecordSpec(
        "MatterItem",
        models.MatterItem,
        (
            F("report_id", int, required=True, references=models.PersonalMattersReport, policy_field="report"),
            F("category", enums.MatterCategory, required=True),
            F("description", str, required=True, max_length=256),
            F("declared", bool),
            F("found", bool),
            F("finding", enums.MatterFinding),
        ),
    ),
    RecordSpec(
        "SupervisionAction",
        models.SupervisionAction,
        (
            F("cadre_id", int, required=True, references=models.Cadre),
            F("kind", enums.SupervisionKind, required=True),
            F("issued_by", AgencyCode, required=True),
            F("issued_on", date, required=True),
            F("due_on", date),
            F("reason", str, max_length=10000, multiline=True),
            F("reply", str, max_length=10000, multiline=True),
            F("replied_on", date),
        ),
        (dates_in_order("issued_on", "due_on"), dates_in_order("issued_on", "replied_on")),
    ),
    RecordSpec(
        "Selection",
        models.Selection,
        (
            F("post_id", int, required=True, references=models.Post),
            F("opened_on", date, required=True),
            F("status", enums.SelectionStatus),
            F("notes", str, max_length=10000, multiline=True),
        ),
        (),
        {"status": enums.SelectionStatus.OPEN},
    ),
    RecordSpec(
        "Nomination",
        models.Nomination,
        (
            F("selection_id", int, required=True, references=models.Selection),
            F("nominee_id", int, required=True, references=models.Cadre),
            F("nominator_id", int, required=True, references=models.Cadre),
            F("nominated_on", date, required=True),
            F("political_quality", int),
            F("professional_ability", int),
            F("responsibility", int),
            F("performance", int),
            F("reputation", int),
        ),
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
