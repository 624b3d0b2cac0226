"""Every field of every record kind, declared once: its type, labels, and what it is used for.

The input specs (`hub.services.specs`), the scalar fields of the GraphQL record types
(`schema.record_types`), the standard filter fields and their clauses and the sort enums
(`schema.filters`), and the graph node properties (`graph_sync.model`) are generated from here.
Relations, custom resolvers (`Post.requirements`) and the special filters (`onNegativeList`,
`emigrated`, ...) stay hand-written next to the generated ones.

## Recipe: a new readable, filterable, projected field

1. `hub/models/<module>.py`: the column.
2. `hub/migrations/versions/`: one migration adding it.
3. `hub/record_fields.py` (here): one `RecordField` in its kind, with its flags (`filter=`, `sort=`,
   `graph=`, input limits). Output type, filter field (with its `requires`), sort key, create/update
   input and graph property follow; nullability comes from the column.
4. `policies/policy.csv`: which agencies may read and write it (an agency without read never sees it,
   nor its filter, sort key or graph property; without write, no input field).

Then, where it should show: the seed (`hub/seed/generator.py`), tests, and the web pages' queries.
`tests/test_record_fields.py` follows this recipe on a column added at run time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from hub import models
from hub.agencies import AgencyCode
from hub.models import enums


class Filter(enum.Enum):
    EQUAL = "equal"  # a filter field of the field's own name and type, matching equal values
    CONTAINS = "contains"  # `<field>Contains`: the text contains the given string


def camel(attr: str) -> str:
    """`birth_date` -> `birthDate`: the GraphQL name of a model attribute."""
    head, *rest = attr.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class RecordField:
    """One field of a record kind, named by its model attribute.

    `policy_field` is the GraphQL output field whose permissions cover it (default: its own name, or for a
    reference the relation's name: `unit_id` -> `unit`). `output`: a generated scalar of the GraphQL type
    (a reference is read through its hand-written relation instead). `graph`: the node property it is
    projected to, if any.
    """

    attr: str
    python_type: Any
    description: str | None = None  # GraphQL description of the output field
    label: str | None = None  # Chinese column heading of report templates
    references: type[models.Base] | None = None
    policy_field: str | None = None
    # What a client may send: nothing unless writable.
    writable: bool = True
    required: bool = False
    max_length: int | None = None
    multiline: bool = False
    # What the schema and the graph read.
    output: bool = True
    filter: Filter | None = None
    sort: bool = False
    graph: str | None = None

    @property
    def graphql_name(self) -> str:
        return camel(self.attr)

    @property
    def policy_name(self) -> str:
        if self.policy_field:
            return self.policy_field
        return self.graphql_name.removesuffix("Id") if self.references else self.graphql_name

    @property
    def filter_name(self) -> str:
        """The filter field's attribute name (`name_contains`; GraphQL `nameContains`)."""
        return f"{self.attr}_contains" if self.filter is Filter.CONTAINS else self.attr


def identifier(*, sort: bool = False) -> RecordField:
    return RecordField("id", int, writable=False, sort=sort)


def reference(attr: str, target: type[models.Base], **flags: Any) -> RecordField:
    """An id of another record; read through the type's hand-written relation field."""
    return RecordField(attr, int, references=target, output=False, **flags)


VERSION = RecordField("version", int, writable=False)  # optimistic concurrency (hub.models.base.Versioned)


@dataclass(frozen=True)
class RecordKind:
    """A record kind: its GraphQL type name, model and fields in declaration order (the order of the type's
    scalars and of its create/update inputs).

    `filter_order`, `sort_order` and `graph_order` name (by attribute) the filter fields, sort keys and graph
    properties in their published order where it is not the declaration order (so the schema and the Cypher
    stay as they were); flagged fields not named follow in declaration order.
    """

    type_name: str
    model: type[models.Base]
    fields: tuple[RecordField, ...]
    filter_order: tuple[str, ...] = ()
    sort_order: tuple[str, ...] = ()
    graph_order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        pins = (
            (self.filter_order, self.filter_fields), (self.sort_order, self.sort_fields),
            (self.graph_order, self.graph_fields),
        )
        for pinned, flagged in pins:
            unknown = set(pinned) - {field.attr for field in flagged}
            if unknown:
                raise ValueError(f"{self.type_name}: {sorted(unknown)} are not flagged for this use")

    def field(self, attr: str) -> RecordField:
        return self._by_attr[attr]

    def nullable(self, field: RecordField) -> bool:
        return bool(self.model.__table__.c[field.attr].nullable)

    @property
    def input_fields(self) -> tuple[RecordField, ...]:
        return tuple(field for field in self.fields if field.writable)

    @property
    def output_fields(self) -> tuple[RecordField, ...]:
        return tuple(field for field in self.fields if field.output)

    @property
    def filter_fields(self) -> tuple[RecordField, ...]:
        return self._published(tuple(field for field in self.fields if field.filter), self.filter_order)

    @property
    def sort_fields(self) -> tuple[RecordField, ...]:
        return self._published(tuple(field for field in self.fields if field.sort), self.sort_order)

    @property
    def graph_fields(self) -> tuple[RecordField, ...]:
        return self._published(tuple(field for field in self.fields if field.graph), self.graph_order)

    @property
    def labels(self) -> dict[str, str]:
        return {field.attr: field.label for field in self.fields if field.label}

    @cached_property
    def _by_attr(self) -> dict[str, RecordField]:
        return {field.attr: field for field in self.fields}

    @staticmethod
    def _published(flagged: tuple[RecordField, ...], pinned: tuple[str, ...]) -> tuple[RecordField, ...]:
        first = sorted((field for field in flagged if field.attr in pinned), key=lambda field: pinned.index(field.attr))
        return (*first, *(field for field in flagged if field.attr not in pinned))


F = RecordField
EQUAL, CONTAINS = Filter.EQUAL, Filter.CONTAINS
# Who reported a piece of evidence, and when; with its period for evidence that can begin and end.
SOURCE = (
    F("source", str, max_length=128, description="Who reported it."),
    F("reported_on", date, description="When it was reported."),
)
EVIDENCE = (
    F("start_date", date, description="Since when (unknown: as far back as the records go)."),
    F("end_date", date, description="Until when (unknown: still so)."),
    *SOURCE,
)


def _kinds(*kinds: RecordKind) -> dict[str, RecordKind]:
    return {kind.type_name: kind for kind in kinds}


RECORD_KINDS: dict[str, RecordKind] = _kinds(
    RecordKind(
        "Unit",
        models.Unit,
        (
            identifier(sort=True),
            F("name", str, required=True, max_length=128, filter=CONTAINS, sort=True, graph="name"),
            F("jurisdiction", str, required=True, max_length=32, filter=EQUAL, sort=True, graph="jurisdiction"),
            F("level", enums.ManagementLevel, required=True, filter=EQUAL, graph="level"),
            reference("parent_id", models.Unit),
            VERSION,
        ),
    ),
    RecordKind(
        "Post",
        models.Post,
        (
            identifier(sort=True),
            reference("unit_id", models.Unit, required=True, filter=EQUAL),
            F("title", str, required=True, max_length=128, filter=CONTAINS, sort=True, graph="title"),
            F("rank", enums.Rank, required=True, filter=EQUAL, sort=True, graph="rank"),
            F("quota", int, required=True, sort=True, graph="quota"),
            F("is_key_post", bool, filter=EQUAL, graph="isKeyPost"),
            F("requirements", dict, output=False),  # read as a list of FitWeight, by a hand-written resolver
            VERSION,
        ),
        filter_order=("title",),
    ),
    RecordKind(
        "Cadre",
        models.Cadre,
        (
            identifier(sort=True),
            F("name", str, required=True, max_length=64, filter=CONTAINS, sort=True, graph="name"),
            F("gender", enums.Gender, required=True, graph="gender"),
            F("birth_date", date, required=True, sort=True, graph="birthDate"),
            F("ethnicity", str, max_length=32),
            F("native_place", str, max_length=64),
            F("id_number", str, required=True, max_length=18),
            F("party_join_date", date),
            F("work_start_date", date, required=True, sort=True),
            F("education", enums.Education, required=True),
            F("rank", enums.Rank, required=True, filter=EQUAL, sort=True, graph="rank"),
            F("management_level", enums.ManagementLevel, required=True, filter=EQUAL, sort=True,
              graph="managementLevel"),
            F("reserve_tier", int, filter=EQUAL, sort=True, graph="reserveTier"),
            reference("unit_id", models.Unit, required=True, filter=EQUAL, graph="unitId"),
            F("jurisdiction", str, required=True, max_length=32, filter=EQUAL, graph="jurisdiction"),
            VERSION,
        ),
        filter_order=("name", "unit_id"),
        sort_order=("id", "name", "birth_date", "rank", "management_level", "reserve_tier", "work_start_date"),
        graph_order=("name", "gender", "birth_date", "rank", "management_level", "jurisdiction", "unit_id"),
    ),
    RecordKind(
        "Tenure",
        models.Tenure,
        (
            identifier(),
            reference("cadre_id", models.Cadre, required=True),
            reference("post_id", models.Post, required=True),
            F("start_date", date, required=True),
            F("end_date", date),
        ),
    ),
    RecordKind(
        "Person",
        models.Person,
        (
            identifier(sort=True),
            F("name", str, required=True, max_length=64, filter=CONTAINS, sort=True, graph="name"),
            F("gender", enums.Gender, required=True, graph="gender"),
            F("birth_date", date, sort=True),
            F("id_number", str, max_length=18),
            F("occupation", str, max_length=64, graph="occupation"),
            F("employer", str, max_length=128, graph="employer"),
            F("emigrated_to", str, max_length=64, graph="emigratedTo"),
            F("jurisdiction", str, required=True, max_length=32, filter=EQUAL, graph="jurisdiction"),
            VERSION,
        ),
    ),
    RecordKind(
        "Relative",
        models.Kinship,
        (
            identifier(),
            reference("cadre_id", models.Cadre, required=True),
            reference("person_id", models.Person, required=True),
            F("kind", enums.KinshipKind, required=True),
            *EVIDENCE,
        ),
    ),
    RecordKind(
        "SocialTie",
        models.SocialTie,
        (
            identifier(),
            reference("cadre_id", models.Cadre, required=True),
            reference("person_id", models.Person),
            reference("other_cadre_id", models.Cadre),
            F("kind", enums.TieKind, required=True),
            *EVIDENCE,
        ),
    ),
    RecordKind(
        "Organization",
        models.Organization,
        (
            identifier(sort=True),
            F("name", str, required=True, max_length=128, filter=CONTAINS, sort=True, graph="name"),
            # the node's own `kind` is structural ('org'), so the organization's kind is `organizationKind`
            F("kind", enums.OrganizationKind, required=True, filter=EQUAL, graph="organizationKind"),
            F("credit_code", str, max_length=18),
            F("industry", str, max_length=64, filter=EQUAL, sort=True, graph="industry"),
            VERSION,
        ),
    ),
    RecordKind(
        "OrganizationRole",
        models.OrganizationRole,
        (
            identifier(),
            reference("organization_id", models.Organization, required=True),
            reference("person_id", models.Person),
            reference("cadre_id", models.Cadre),
            F("role", enums.OrganizationRoleKind, required=True),
            *EVIDENCE,
        ),
    ),
    RecordKind(
        "PartTimePosition",
        models.PartTimePosition,
        (
            identifier(),
            reference("cadre_id", models.Cadre, required=True),
            reference("organization_id", models.Organization, required=True),
            F("title", str, required=True, max_length=64),
            F("approved", bool),
            F("paid", bool),
            F("start_date", date, required=True),
            F("end_date", date),
            *SOURCE,
        ),
    ),
    RecordKind(
        "SupplyContract",
        models.SupplyContract,
        (
            identifier(),
            reference("organization_id", models.Organization, required=True),
            reference("unit_id", models.Unit, required=True),
            F("subject", str, max_length=128),
            F("amount", Decimal, required=True),
            F("signed_on", date, required=True),
            F("start_date", date, description="In force from (the signing date when unknown)."),
            F("end_date", date, description="In force until (open when unknown)."),
        ),
    ),
    RecordKind(
        "NegativeRecord",
        models.NegativeRecord,
        (
            identifier(sort=True),
            reference("cadre_id", models.Cadre, required=True, filter=EQUAL, label="干部编号"),
            F("reporting_agency", AgencyCode, required=True, filter=EQUAL, label="报送单位"),
            F("category", enums.NegativeCategory, required=True, filter=EQUAL, sort=True, label="类别"),
            F("facts", str, required=True, max_length=10000, multiline=True, label="事实"),
            F("occurred_on", date, required=True, sort=True, label="发生日期"),
            F("reported_on", date, required=True, sort=True, label="报送日期"),
            F("severity", enums.Severity, required=True, filter=EQUAL, sort=True, label="严重程度"),
            F("status", enums.NegativeStatus, required=True, filter=EQUAL, sort=True, label="状态"),
            F("conclusion", str, max_length=10000, multiline=True, label="审定结论"),
            VERSION,
        ),
        filter_order=("cadre_id", "category", "status", "severity", "reporting_agency"),
        sort_order=("id", "reported_on", "occurred_on", "severity", "status", "category"),
    ),
    RecordKind(
        "PersonalMattersReport",
        models.PersonalMattersReport,
        (
            identifier(),
            reference("cadre_id", models.Cadre, required=True),
            F("year", int, required=True),
            F("submitted_on", date, required=True),
            F("verified_on", date),
            VERSION,
        ),
    ),
    RecordKind(
        "MatterItem",
        models.MatterItem,
        (
            identifier(),
            reference("report_id", models.PersonalMattersReport, required=True, policy_field="report"),
            F("category", enums.MatterCategory, required=True),
            F("description", str, required=True, max_length=256),
            F("declared", bool),
            F("found", bool),
            F("finding", enums.MatterFinding),
        ),
    ),
    RecordKind(
        "SupervisionAction",
        models.SupervisionAction,
        (
            identifier(),
            reference("cadre_id", models.Cadre, required=True),
            F("kind", enums.SupervisionKind, required=True),
            F("issued_by", AgencyCode, required=True),
            F("issued_on", date, required=True),
            F("due_on", date),
            F("reason", str, max_length=10000, multiline=True),
            F("reply", str, max_length=10000, multiline=True),
            F("replied_on", date),
            VERSION,
        ),
    ),
    RecordKind(
        "Selection",
        models.Selection,
        (
            identifier(),
            reference("post_id", models.Post, required=True),
            F("opened_on", date, required=True),
            F("status", enums.SelectionStatus),
            F("notes", str, max_length=10000, multiline=True),
            VERSION,
        ),
    ),
    RecordKind(
        "Nomination",
        models.Nomination,
        (
            identifier(),
            reference("selection_id", models.Selection, required=True),
            reference("nominee_id", models.Cadre, required=True),
            reference("nominator_id", models.Cadre, required=True),
            F("nominated_on", date, required=True),
            F("political_quality", int),
            F("professional_ability", int),
            F("responsibility", int),
            F("performance", int),
            F("reputation", int),
            VERSION,
        ),
    ),
)


def kind_of(model: type[models.Base]) -> RecordKind:
    """The record kind whose rows are `model`'s (e.g. what a reference points to)."""
    return next(kind for kind in RECORD_KINDS.values() if kind.model is model)
