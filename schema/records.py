"""GraphQL object types of the records. Resolvers return ORM rows; nested lists go through DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from sqlalchemy.orm import InstrumentedAttribute
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

T = TypeVar("T")


def record_type(model: type[models.Base], name: str, description: str) -> Any:
    """A GraphQL type whose values are rows of `model` (so unions can tell their members apart)."""

    def decorate(cls: type[T]) -> type[T]:
        cls.is_type_of = classmethod(lambda _cls, obj, _info: isinstance(obj, model))  # type: ignore[attr-defined]
        return strawberry.type(cls, name=name, description=description)

    return decorate


async def reference(info: Info, model: type[models.Base], row_id: int | None) -> Any:
    if row_id is None:
        return None
    return await context_of(info).loaders.by_id(model).load(row_id)


async def children(
    info: Info,
    model: type[models.Base],
    parent_key: InstrumentedAttribute[Any],
    parent_id: int,
    order_by: Sequence[Any] = (),
) -> list[Any]:
    return await context_of(info).loaders.children(model, parent_key, order_by=order_by).load(parent_id)


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

    @strawberry.field
    async def parent(self, info: Info) -> UnitType | None:
        return await reference(info, models.Unit, self.parent_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def posts(self, info: Info) -> list[PostType]:
        return await children(info, models.Post, models.Post.unit_id, self.id)

    @strawberry.field(description="Cadres employed by the unit that the caller may see.")
    async def cadres(self, info: Info) -> list[CadreType]:
        return await children(info, models.Cadre, models.Cadre.unit_id, self.id)

    @strawberry.field
    async def supply_contracts(self, info: Info) -> list[SupplyContractType]:
        return await children(info, models.SupplyContract, models.SupplyContract.unit_id, self.id)


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

    @strawberry.field
    async def unit(self, info: Info) -> UnitType | None:
        return await reference(info, models.Unit, self.unit_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Tenures in this post, current and past.")
    async def tenures(self, info: Info) -> list[TenureType]:
        return await children(info, models.Tenure, models.Tenure.post_id, self.id, (models.Tenure.start_date,))


@record_type(models.Tenure, "Tenure", "任职经历: a cadre in a post from start to end.")
class TenureType:
    id: int
    start_date: date
    end_date: date | None

    @strawberry.field
    async def cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.cadre_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def post(self, info: Info) -> PostType | None:
        return await reference(info, models.Post, self.post_id)  # type: ignore[attr-defined]


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

    @strawberry.field
    async def unit(self, info: Info) -> UnitType | None:
        return await reference(info, models.Unit, self.unit_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Posts held now.")
    async def posts(self, info: Info) -> list[PostType]:
        return await context_of(info).loaders.current_posts().load(self.id)

    @strawberry.field
    async def tenures(self, info: Info) -> list[TenureType]:
        return await children(info, models.Tenure, models.Tenure.cadre_id, self.id, (models.Tenure.start_date,))

    @strawberry.field
    async def relatives(self, info: Info) -> list[RelativeType]:
        return await children(info, models.Kinship, models.Kinship.cadre_id, self.id)

    @strawberry.field
    async def ties(self, info: Info) -> list[SocialTieType]:
        return await children(info, models.SocialTie, models.SocialTie.cadre_id, self.id)

    @strawberry.field
    async def negative_records(self, info: Info) -> list[NegativeRecordType]:
        return await children(
            info, models.NegativeRecord, models.NegativeRecord.cadre_id, self.id, (models.NegativeRecord.reported_on,)
        )

    @strawberry.field(description="Personal matters reports (个人有关事项报告).")
    async def reports(self, info: Info) -> list[PersonalMattersReportType]:
        return await children(
            info, models.PersonalMattersReport, models.PersonalMattersReport.cadre_id, self.id,
            (models.PersonalMattersReport.year,),
        )

    @strawberry.field
    async def supervision_actions(self, info: Info) -> list[SupervisionActionType]:
        return await children(
            info, models.SupervisionAction, models.SupervisionAction.cadre_id, self.id,
            (models.SupervisionAction.issued_on,),
        )

    @strawberry.field
    async def part_time_positions(self, info: Info) -> list[PartTimePositionType]:
        return await children(info, models.PartTimePosition, models.PartTimePosition.cadre_id, self.id)

    @strawberry.field(description="Nominations of this cadre as a nominee.")
    async def nominations(self, info: Info) -> list[NominationType]:
        return await children(info, models.Nomination, models.Nomination.nominee_id, self.id)


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

    @strawberry.field(description="The cadres this person is a relative of.")
    async def relative_of(self, info: Info) -> list[RelativeType]:
        return await children(info, models.Kinship, models.Kinship.person_id, self.id)

    @strawberry.field
    async def organization_roles(self, info: Info) -> list[OrganizationRoleType]:
        return await children(info, models.OrganizationRole, models.OrganizationRole.person_id, self.id)


@record_type(models.Kinship, "Relative", "RELATIVE_OF: a cadre's family member.")
class RelativeType:
    id: int
    kind: KinshipKind

    @strawberry.field
    async def person(self, info: Info) -> PersonType | None:
        return await reference(info, models.Person, self.person_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.cadre_id)  # type: ignore[attr-defined]


@record_type(models.SocialTie, "SocialTie", "TIE: the social circle (社交圈).")
class SocialTieType:
    id: int
    kind: TieKind
    source: str

    @strawberry.field
    async def cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.cadre_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def person(self, info: Info) -> PersonType | None:
        return await reference(info, models.Person, self.person_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def other_cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.other_cadre_id)  # type: ignore[attr-defined]


@record_type(models.Organization, "Organization", "A company, association or institution.")
class OrganizationType:
    id: int
    name: str
    kind: OrganizationKind
    credit_code: str | None
    industry: str
    version: int

    @strawberry.field
    async def roles(self, info: Info) -> list[OrganizationRoleType]:
        return await children(info, models.OrganizationRole, models.OrganizationRole.organization_id, self.id)

    @strawberry.field
    async def supply_contracts(self, info: Info) -> list[SupplyContractType]:
        return await children(info, models.SupplyContract, models.SupplyContract.organization_id, self.id)

    @strawberry.field(description="Part-time positions (兼职) held in it by cadres.")
    async def part_time_positions(self, info: Info) -> list[PartTimePositionType]:
        return await children(info, models.PartTimePosition, models.PartTimePosition.organization_id, self.id)


@record_type(models.OrganizationRole, "OrganizationRole", "OWNS / DIRECTS / WORKS_AT.")
class OrganizationRoleType:
    id: int
    role: OrganizationRoleKind

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await reference(info, models.Organization, self.organization_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def person(self, info: Info) -> PersonType | None:
        return await reference(info, models.Person, self.person_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.cadre_id)  # type: ignore[attr-defined]


@record_type(models.PartTimePosition, "PartTimePosition", "MEMBER_OF: a part-time post (兼职).")
class PartTimePositionType:
    id: int
    title: str
    approved: bool
    paid: bool
    start_date: date
    end_date: date | None

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await reference(info, models.Organization, self.organization_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.cadre_id)  # type: ignore[attr-defined]


@record_type(models.SupplyContract, "SupplyContract", "SUPPLIES: an organization's contract with a unit.")
class SupplyContractType:
    id: int
    subject: str
    amount: Decimal
    signed_on: date

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationType | None:
        return await reference(info, models.Organization, self.organization_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def unit(self, info: Info) -> UnitType | None:
        return await reference(info, models.Unit, self.unit_id)  # type: ignore[attr-defined]


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

    @strawberry.field
    async def cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.cadre_id)  # type: ignore[attr-defined]


@record_type(models.MatterItem, "MatterItem", "One declared or found item of a personal matters report.")
class MatterItemType:
    id: int
    category: MatterCategory
    description: str
    declared: bool
    found: bool
    finding: MatterFinding

    @strawberry.field
    async def report(self, info: Info) -> PersonalMattersReportType | None:
        return await reference(info, models.PersonalMattersReport, self.report_id)  # type: ignore[attr-defined]


@record_type(models.PersonalMattersReport, "PersonalMattersReport", "个人有关事项报告 of one year.")
class PersonalMattersReportType:
    id: int
    year: int
    submitted_on: date
    verified_on: date | None
    version: int

    @strawberry.field
    async def items(self, info: Info) -> list[MatterItemType]:
        return await children(info, models.MatterItem, models.MatterItem.report_id, self.id)

    @strawberry.field
    async def cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.cadre_id)  # type: ignore[attr-defined]


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

    @strawberry.field
    async def cadre(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.cadre_id)  # type: ignore[attr-defined]


@record_type(models.Selection, "Selection", "A selection procedure for one post.")
class SelectionType:
    id: int
    opened_on: date
    status: SelectionStatus
    notes: str
    version: int

    @strawberry.field
    async def post(self, info: Info) -> PostType | None:
        return await reference(info, models.Post, self.post_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def nominations(self, info: Info) -> list[NominationType]:
        return await children(info, models.Nomination, models.Nomination.selection_id, self.id)


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

    @strawberry.field
    async def selection(self, info: Info) -> SelectionType | None:
        return await reference(info, models.Selection, self.selection_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def nominee(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.nominee_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def nominator(self, info: Info) -> CadreType | None:
        return await reference(info, models.Cadre, self.nominator_id)  # type: ignore[attr-defined]
