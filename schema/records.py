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
    """The row of `model` with this id, or None when absent or outside the caller's scope."""
    if row_id is None:
        return None
    return await context_of(info).loaders.by_id(model).load(row_id)


# The two helpers below are called from synchronous resolvers: they return the value itself when the parent's
# siblings are known (the usual case), else an awaitable that graphql-core awaits.


def related(info: Info, parent: Any, model: type[models.Base], foreign_key: str) -> Any:
    """The row of `model` that `parent.<foreign_key>` points to; None when absent or outside the caller's scope."""
    return context_of(info).loaders.by_id(model).follow(parent, foreign_key)


def children(
    info: Info,
    parent: Any,
    model: type[models.Base],
    parent_key: InstrumentedAttribute[Any],
    order_by: Sequence[Any] = (),
) -> Any:
    """The rows of `model` whose `parent_key` is the parent's id, scope-filtered."""
    return context_of(info).loaders.children(model, parent_key, order_by=order_by).follow(parent, "id")


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
    def parent(self, info: Info) -> UnitType | None:
        return related(info, self, models.Unit, "parent_id")

    @strawberry.field
    def posts(self, info: Info) -> list[PostType]:
        return children(info, self, models.Post, models.Post.unit_id)

    @strawberry.field(description="Cadres employed by the unit that the caller may see.")
    def cadres(self, info: Info) -> list[CadreType]:
        return children(info, self, models.Cadre, models.Cadre.unit_id)

    @strawberry.field
    def supply_contracts(self, info: Info) -> list[SupplyContractType]:
        return children(info, self, models.SupplyContract, models.SupplyContract.unit_id)


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
    def unit(self, info: Info) -> UnitType | None:
        return related(info, self, models.Unit, "unit_id")

    @strawberry.field(description="Tenures in this post, current and past.")
    def tenures(self, info: Info) -> list[TenureType]:
        return children(info, self, models.Tenure, models.Tenure.post_id, (models.Tenure.start_date,))


@record_type(models.Tenure, "Tenure", "任职经历: a cadre in a post from start to end.")
class TenureType:
    id: int
    start_date: date
    end_date: date | None

    @strawberry.field
    def cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "cadre_id")

    @strawberry.field
    def post(self, info: Info) -> PostType | None:
        return related(info, self, models.Post, "post_id")


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
    def unit(self, info: Info) -> UnitType | None:
        return related(info, self, models.Unit, "unit_id")

    @strawberry.field(description="Posts held now.")
    def posts(self, info: Info) -> list[PostType]:
        return context_of(info).loaders.current_posts().follow(self, "id")

    @strawberry.field
    def tenures(self, info: Info) -> list[TenureType]:
        return children(info, self, models.Tenure, models.Tenure.cadre_id, (models.Tenure.start_date,))

    @strawberry.field
    def relatives(self, info: Info) -> list[RelativeType]:
        return children(info, self, models.Kinship, models.Kinship.cadre_id)

    @strawberry.field
    def ties(self, info: Info) -> list[SocialTieType]:
        return children(info, self, models.SocialTie, models.SocialTie.cadre_id)

    @strawberry.field
    def negative_records(self, info: Info) -> list[NegativeRecordType]:
        return children(
            info, self, models.NegativeRecord, models.NegativeRecord.cadre_id, (models.NegativeRecord.reported_on,)
        )

    @strawberry.field(description="Personal matters reports (个人有关事项报告).")
    def reports(self, info: Info) -> list[PersonalMattersReportType]:
        return children(
            info, self, models.PersonalMattersReport, models.PersonalMattersReport.cadre_id,
            (models.PersonalMattersReport.year,),
        )

    @strawberry.field
    def supervision_actions(self, info: Info) -> list[SupervisionActionType]:
        return children(
            info, self, models.SupervisionAction, models.SupervisionAction.cadre_id,
            (models.SupervisionAction.issued_on,),
        )

    @strawberry.field
    def part_time_positions(self, info: Info) -> list[PartTimePositionType]:
        return children(info, self, models.PartTimePosition, models.PartTimePosition.cadre_id)

    @strawberry.field(description="Nominations of this cadre as a nominee.")
    def nominations(self, info: Info) -> list[NominationType]:
        return children(info, self, models.Nomination, models.Nomination.nominee_id)


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
    def relative_of(self, info: Info) -> list[RelativeType]:
        return children(info, self, models.Kinship, models.Kinship.person_id)

    @strawberry.field
    def organization_roles(self, info: Info) -> list[OrganizationRoleType]:
        return children(info, self, models.OrganizationRole, models.OrganizationRole.person_id)


@record_type(models.Kinship, "Relative", "RELATIVE_OF: a cadre's family member.")
class RelativeType:
    id: int
    kind: KinshipKind

    @strawberry.field
    def person(self, info: Info) -> PersonType | None:
        return related(info, self, models.Person, "person_id")

    @strawberry.field
    def cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "cadre_id")


@record_type(models.SocialTie, "SocialTie", "TIE: the social circle (社交圈).")
class SocialTieType:
    id: int
    kind: TieKind
    source: str

    @strawberry.field
    def cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "cadre_id")

    @strawberry.field
    def person(self, info: Info) -> PersonType | None:
        return related(info, self, models.Person, "person_id")

    @strawberry.field
    def other_cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "other_cadre_id")


@record_type(models.Organization, "Organization", "A company, association or institution.")
class OrganizationType:
    id: int
    name: str
    kind: OrganizationKind
    credit_code: str | None
    industry: str
    version: int

    @strawberry.field
    def roles(self, info: Info) -> list[OrganizationRoleType]:
        return children(info, self, models.OrganizationRole, models.OrganizationRole.organization_id)

    @strawberry.field
    def supply_contracts(self, info: Info) -> list[SupplyContractType]:
        return children(info, self, models.SupplyContract, models.SupplyContract.organization_id)

    @strawberry.field(description="Part-time positions (兼职) held in it by cadres.")
    def part_time_positions(self, info: Info) -> list[PartTimePositionType]:
        return children(info, self, models.PartTimePosition, models.PartTimePosition.organization_id)


@record_type(models.OrganizationRole, "OrganizationRole", "OWNS / DIRECTS / WORKS_AT.")
class OrganizationRoleType:
    id: int
    role: OrganizationRoleKind

    @strawberry.field
    def organization(self, info: Info) -> OrganizationType | None:
        return related(info, self, models.Organization, "organization_id")

    @strawberry.field
    def person(self, info: Info) -> PersonType | None:
        return related(info, self, models.Person, "person_id")

    @strawberry.field
    def cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "cadre_id")


@record_type(models.PartTimePosition, "PartTimePosition", "MEMBER_OF: a part-time post (兼职).")
class PartTimePositionType:
    id: int
    title: str
    approved: bool
    paid: bool
    start_date: date
    end_date: date | None

    @strawberry.field
    def organization(self, info: Info) -> OrganizationType | None:
        return related(info, self, models.Organization, "organization_id")

    @strawberry.field
    def cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "cadre_id")


@record_type(models.SupplyContract, "SupplyContract", "SUPPLIES: an organization's contract with a unit.")
class SupplyContractType:
    id: int
    subject: str
    amount: Decimal
    signed_on: date

    @strawberry.field
    def organization(self, info: Info) -> OrganizationType | None:
        return related(info, self, models.Organization, "organization_id")

    @strawberry.field
    def unit(self, info: Info) -> UnitType | None:
        return related(info, self, models.Unit, "unit_id")


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
    def cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "cadre_id")


@record_type(models.MatterItem, "MatterItem", "One declared or found item of a personal matters report.")
class MatterItemType:
    id: int
    category: MatterCategory
    description: str
    declared: bool
    found: bool
    finding: MatterFinding

    @strawberry.field
    def report(self, info: Info) -> PersonalMattersReportType | None:
        return related(info, self, models.PersonalMattersReport, "report_id")


@record_type(models.PersonalMattersReport, "PersonalMattersReport", "个人有关事项报告 of one year.")
class PersonalMattersReportType:
    id: int
    year: int
    submitted_on: date
    verified_on: date | None
    version: int

    @strawberry.field
    def items(self, info: Info) -> list[MatterItemType]:
        return children(info, self, models.MatterItem, models.MatterItem.report_id)

    @strawberry.field
    def cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "cadre_id")


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
    def cadre(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "cadre_id")


@record_type(models.Selection, "Selection", "A selection procedure for one post.")
class SelectionType:
    id: int
    opened_on: date
    status: SelectionStatus
    notes: str
    version: int

    @strawberry.field
    def post(self, info: Info) -> PostType | None:
        return related(info, self, models.Post, "post_id")

    @strawberry.field
    def nominations(self, info: Info) -> list[NominationType]:
        return children(info, self, models.Nomination, models.Nomination.selection_id)


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
    def selection(self, info: Info) -> SelectionType | None:
        return related(info, self, models.Selection, "selection_id")

    @strawberry.field
    def nominee(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "nominee_id")

    @strawberry.field
    def nominator(self, info: Info) -> CadreType | None:
        return related(info, self, models.Cadre, "nominator_id")
