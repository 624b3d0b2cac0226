"""GraphQL object types of the records. Values are rows (read-only tuples from the loaders, or ORM instances from
the services); relations are followed through the request's loaders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from hub import models
from schema.context import context_of
from schema.enums import (
    Agency,
    Education,
    Gender,
    KinshipKind,
    ManagementLevel,
    MatterCategory,
    MatterFinding,
    NegativeCategory,
    NegativeStatus,
    OrganizationKind,
    OrganizationRoleKind,
    Rank,
    SelectionStatus,
    Severity,
    SupervisionKind,
    TieKind,
)
from schema.read_rows import read_type
from schema.relations import CurrentPosts, belongs_to, has_many, relation

T = TypeVar("T")


def record_type(model: type[models.Base], name: str, description: str) -> Any:
    """A GraphQL type whose values are rows of `model` (so unions can tell their members apart)."""

    def decorate(cls: type[T]) -> type[T]:
        row_types = (model, read_type(model))
        cls.is_type_of = classmethod(lambda _cls, obj, _info: isinstance(obj, row_types))  # type: ignore[attr-defined]
        return strawberry.type(cls, name=name, description=description)

    return decorate


async def reference(info: Info, model: type[models.Base], row_id: int | None) -> Any:
    """The row of `model` with this id, or None when absent or outside the caller's scope."""
    if row_id is None:
        return None
    return await context_of(info).loaders.by_id(model).load(row_id)


@strawberry.type(description="One weighted fit dimension of a post's requirements.")
class FitWeight:
    dimension: str
    weight: float


@record_type(models.Unit, "Unit", "单位: an employing unit.")
class UnitType:
    id: int
    name: str
    jurisdiction: str
    level: ManagementLevel
    version: int

    parent: UnitType | None = belongs_to(models.Unit, "parent_id")

    posts: list[PostType] = has_many(models.Post, models.Post.unit_id)

    cadres: list[CadreType] = has_many(
        models.Cadre, models.Cadre.unit_id, description="Cadres employed by the unit that the caller may see.",
    )

    supply_contracts: list[SupplyContractType] = has_many(models.SupplyContract, models.SupplyContract.unit_id)


@record_type(models.Post, "Post", "岗位: a post with its approved quota (职数).")
class PostType:
    id: int
    title: str
    rank: Rank
    quota: int
    is_key_post: bool
    version: int

    @strawberry.field(description="Weighted fit dimensions used to score candidates.")
    def requirements(self) -> list[FitWeight]:
        weights: dict[str, float] = self.requirements or {}  # type: ignore[assignment]
        return [FitWeight(dimension=key, weight=weights[key]) for key in sorted(weights)]

    unit: UnitType | None = belongs_to(models.Unit, "unit_id")

    tenures: list[TenureType] = has_many(
        models.Tenure, models.Tenure.post_id, (models.Tenure.start_date,),
        description="Tenures in this post, current and past.",
    )


@record_type(models.Tenure, "Tenure", "任职经历: a cadre in a post from start to end.")
class TenureType:
    id: int
    start_date: date
    end_date: date | None

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")

    post: PostType | None = belongs_to(models.Post, "post_id")


@record_type(models.Cadre, "Cadre", "干部: the file of one official.")
class CadreType:
    id: int
    name: str
    gender: Gender
    birth_date: date
    ethnicity: str
    native_place: str
    id_number: str
    party_join_date: date | None
    work_start_date: date
    education: Education
    rank: Rank
    management_level: ManagementLevel
    reserve_tier: int | None
    jurisdiction: str
    version: int

    unit: UnitType | None = belongs_to(models.Unit, "unit_id")

    posts: list[PostType] = relation(CurrentPosts(), description="Posts held now.")

    tenures: list[TenureType] = has_many(models.Tenure, models.Tenure.cadre_id, (models.Tenure.start_date,))

    relatives: list[RelativeType] = has_many(models.Kinship, models.Kinship.cadre_id)

    ties: list[SocialTieType] = has_many(models.SocialTie, models.SocialTie.cadre_id)

    negative_records: list[NegativeRecordType] = has_many(
        models.NegativeRecord, models.NegativeRecord.cadre_id, (models.NegativeRecord.reported_on,),
    )

    reports: list[PersonalMattersReportType] = has_many(
        models.PersonalMattersReport, models.PersonalMattersReport.cadre_id, (models.PersonalMattersReport.year,),
        description="Personal matters reports (个人有关事项报告).",
    )

    supervision_actions: list[SupervisionActionType] = has_many(
        models.SupervisionAction, models.SupervisionAction.cadre_id, (models.SupervisionAction.issued_on,),
    )

    part_time_positions: list[PartTimePositionType] = has_many(
        models.PartTimePosition, models.PartTimePosition.cadre_id,
    )

    nominations: list[NominationType] = has_many(
        models.Nomination, models.Nomination.nominee_id, description="Nominations of this cadre as a nominee.",
    )


@record_type(models.Person, "Person", "A relative or associate (亲属, 社会关系).")
class PersonType:
    id: int
    name: str
    gender: Gender
    birth_date: date | None
    id_number: str | None
    occupation: str
    employer: str
    emigrated_to: str | None
    jurisdiction: str
    version: int

    relative_of: list[RelativeType] = has_many(
        models.Kinship, models.Kinship.person_id, description="The cadres this person is a relative of.",
    )

    organization_roles: list[OrganizationRoleType] = has_many(
        models.OrganizationRole, models.OrganizationRole.person_id,
    )


@record_type(models.Kinship, "Relative", "RELATIVE_OF: a cadre's family member.")
class RelativeType:
    id: int
    kind: KinshipKind

    person: PersonType | None = belongs_to(models.Person, "person_id")

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@record_type(models.SocialTie, "SocialTie", "TIE: the social circle (社交圈).")
class SocialTieType:
    id: int
    kind: TieKind
    source: str

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")

    person: PersonType | None = belongs_to(models.Person, "person_id")

    other_cadre: CadreType | None = belongs_to(models.Cadre, "other_cadre_id")


@record_type(models.Organization, "Organization", "A company, association or institution.")
class OrganizationType:
    id: int
    name: str
    kind: OrganizationKind
    credit_code: str | None
    industry: str
    version: int

    roles: list[OrganizationRoleType] = has_many(models.OrganizationRole, models.OrganizationRole.organization_id)

    supply_contracts: list[SupplyContractType] = has_many(models.SupplyContract, models.SupplyContract.organization_id)

    part_time_positions: list[PartTimePositionType] = has_many(
        models.PartTimePosition, models.PartTimePosition.organization_id,
        description="Part-time positions (兼职) held in it by cadres.",
    )


@record_type(models.OrganizationRole, "OrganizationRole", "OWNS / DIRECTS / WORKS_AT.")
class OrganizationRoleType:
    id: int
    role: OrganizationRoleKind

    organization: OrganizationType | None = belongs_to(models.Organization, "organization_id")

    person: PersonType | None = belongs_to(models.Person, "person_id")

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@record_type(models.PartTimePosition, "PartTimePosition", "MEMBER_OF: a part-time post (兼职).")
class PartTimePositionType:
    id: int
    title: str
    approved: bool
    paid: bool
    start_date: date
    end_date: date | None

    organization: OrganizationType | None = belongs_to(models.Organization, "organization_id")

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@record_type(models.SupplyContract, "SupplyContract", "SUPPLIES: an organization's contract with a unit.")
class SupplyContractType:
    id: int
    subject: str
    amount: Decimal
    signed_on: date

    organization: OrganizationType | None = belongs_to(models.Organization, "organization_id")

    unit: UnitType | None = belongs_to(models.Unit, "unit_id")


@record_type(models.NegativeRecord, "NegativeRecord", "负面信息: an item on the negative list.")
class NegativeRecordType:
    id: int
    reporting_agency: Agency
    category: NegativeCategory
    facts: str
    occurred_on: date
    reported_on: date
    severity: Severity
    status: NegativeStatus
    conclusion: str | None
    version: int

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@record_type(models.MatterItem, "MatterItem", "One declared or found item of a personal matters report.")
class MatterItemType:
    id: int
    category: MatterCategory
    description: str
    declared: bool
    found: bool
    finding: MatterFinding

    report: PersonalMattersReportType | None = belongs_to(models.PersonalMattersReport, "report_id")


@record_type(models.PersonalMattersReport, "PersonalMattersReport", "个人有关事项报告 of one year.")
class PersonalMattersReportType:
    id: int
    year: int
    submitted_on: date
    verified_on: date | None
    version: int

    items: list[MatterItemType] = has_many(models.MatterItem, models.MatterItem.report_id)

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@record_type(models.SupervisionAction, "SupervisionAction", "Reminder talk, inquiry letter, admonishment, ...")
class SupervisionActionType:
    id: int
    kind: SupervisionKind
    issued_by: Agency
    issued_on: date
    due_on: date | None
    reason: str
    reply: str | None
    replied_on: date | None
    version: int

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@record_type(models.Selection, "Selection", "A selection procedure for one post.")
class SelectionType:
    id: int
    opened_on: date
    status: SelectionStatus
    notes: str
    version: int

    post: PostType | None = belongs_to(models.Post, "post_id")

    nominations: list[NominationType] = has_many(models.Nomination, models.Nomination.selection_id)


@record_type(models.Nomination, "Nomination", "NOMINATED: a first nominator (首推责任人) puts a nominee forward.")
class NominationType:
    id: int
    nominated_on: date
    political_quality: int | None
    professional_ability: int | None
    responsibility: int | None
    performance: int | None
    reputation: int | None
    version: int

    selection: SelectionType | None = belongs_to(models.Selection, "selection_id")

    nominee: CadreType | None = belongs_to(models.Cadre, "nominee_id")

    nominator: CadreType | None = belongs_to(models.Cadre, "nominator_id")
