"""GraphQL object types of the records. Values are rows (read-only tuples from the loaders, or ORM instances from
the services); relations are followed through the request's loaders.

Each type's scalar fields are generated from its declared record fields (`hub.record_fields`); the classes
below hold only the hand-written fields: relations and custom resolvers."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from sqlalchemy import select
from strawberry.types import Info

import schema.enums  # noqa: F401  (the declared fields' Python enums must be GraphQL enums first)
from hub import models
from hub.models.workflow import ReviewConclusion, ReviewStatus
from hub.record_fields import RECORD_KINDS, RecordKind
from schema.context import context_of
from schema.enums import graphql_type_of
from schema.read_rows import read_type
from schema.relations import CurrentPosts, belongs_to, has_many, relation
from schema.timeline import CADRE_SOURCES, PERSON_SOURCES, TimelineEvent, timeline_field

C = TypeVar("C", bound=type)

for _review_enum in (ReviewStatus, ReviewConclusion):  # a review outcome's; joint review's module uses them too
    strawberry.enum(_review_enum)  # marks the class as a GraphQL enum in place


def record_type(model: type[models.Base], name: str, description: str) -> Callable[[C], C]:
    """A GraphQL type whose values are rows of `model` (so unions can tell their members apart)."""

    def decorate(cls: C) -> C:
        row_types = (model, read_type(model))
        cls.is_type_of = classmethod(lambda _cls, obj, _info: isinstance(obj, row_types))  # type: ignore[attr-defined]
        return strawberry.type(cls, name=name, description=description)

    return decorate


# The GraphQL type of each declared record kind, by type name (filled by `declared_type`).
DECLARED_TYPES: dict[str, type] = {}


def declared_type(type_name: str, description: str) -> Callable[[C], C]:
    """`record_type` of a declared record kind: its declared output fields first, then the class's own fields."""
    kind = RECORD_KINDS[type_name]

    def decorate(cls: C) -> C:
        own = inspect.get_annotations(cls)
        clash = {field.attr for field in kind.output_fields} & {*own, *vars(cls)}
        if clash:
            raise TypeError(f"{type_name}: {sorted(clash)} are declared in hub.record_fields, not in the class")
        cls.__annotations__ = {**_scalar_annotations(kind), **own}
        for field in kind.output_fields:
            if field.description:
                setattr(cls, field.attr, strawberry.field(description=field.description))
        DECLARED_TYPES[type_name] = record_type(kind.model, type_name, description)(cls)
        return cls

    return decorate


def _scalar_annotations(kind: RecordKind) -> dict[str, Any]:
    return {
        field.attr: graphql_type_of(field.python_type) | None if kind.nullable(field) else graphql_type_of(field.python_type)
        for field in kind.output_fields
    }


async def reference(info: Info, model: type[models.Base], row_id: int | None) -> Any:
    """The row of `model` with this id, or None when absent or outside the caller's scope."""
    if row_id is None:
        return None
    return await context_of(info).loaders.by_id(model).load(row_id)


@strawberry.type(description="One weighted fit dimension of a post's requirements.")
class FitWeight:
    dimension: str
    weight: float


@declared_type("Unit", "单位: an employing unit.")
class UnitType:
    parent: UnitType | None = belongs_to(models.Unit, "parent_id")

    posts: list[PostType] = has_many(models.Post, models.Post.unit_id)

    cadres: list[CadreType] = has_many(
        models.Cadre, models.Cadre.unit_id, description="Cadres employed by the unit that the caller may see.",
    )

    supply_contracts: list[SupplyContractType] = has_many(models.SupplyContract, models.SupplyContract.unit_id)


@declared_type("Post", "岗位: a post with its approved quota (职数).")
class PostType:
    @strawberry.field(description="Weighted fit dimensions used to score candidates.")
    def requirements(self) -> list[FitWeight]:
        weights: dict[str, float] = self.requirements or {}
        return [FitWeight(dimension=key, weight=weights[key]) for key in sorted(weights)]

    unit: UnitType | None = belongs_to(models.Unit, "unit_id")

    tenures: list[TenureType] = has_many(
        models.Tenure, models.Tenure.post_id, (models.Tenure.start_date,),
        description="Tenures in this post, current and past.",
    )


@declared_type("Tenure", "任职经历: a cadre in a post from start to end.")
class TenureType:
    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")

    post: PostType | None = belongs_to(models.Post, "post_id")


@declared_type("Cadre", "干部: the file of one official.")
class CadreType:
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

    timeline: list[TimelineEvent] = timeline_field(
        CADRE_SOURCES, "cadre", "Every dated event of the cadre you may read, oldest first.",
    )


@declared_type("Person", "A relative or associate (亲属, 社会关系).")
class PersonType:
    relative_of: list[RelativeType] = has_many(
        models.Kinship, models.Kinship.person_id, description="The cadres this person is a relative of.",
    )

    organization_roles: list[OrganizationRoleType] = has_many(
        models.OrganizationRole, models.OrganizationRole.person_id,
    )

    timeline: list[TimelineEvent] = timeline_field(
        PERSON_SOURCES, "person", "Every dated event of the person you may read, oldest first.",
    )


@declared_type("Relative", "RELATIVE_OF: a cadre's family member.")
class RelativeType:
    person: PersonType | None = belongs_to(models.Person, "person_id")

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@declared_type("SocialTie", "TIE: the social circle (社交圈).")
class SocialTieType:
    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")

    person: PersonType | None = belongs_to(models.Person, "person_id")

    other_cadre: CadreType | None = belongs_to(models.Cadre, "other_cadre_id")


@declared_type("Organization", "A company, association or institution.")
class OrganizationType:
    roles: list[OrganizationRoleType] = has_many(models.OrganizationRole, models.OrganizationRole.organization_id)

    supply_contracts: list[SupplyContractType] = has_many(models.SupplyContract, models.SupplyContract.organization_id)

    part_time_positions: list[PartTimePositionType] = has_many(
        models.PartTimePosition, models.PartTimePosition.organization_id,
        description="Part-time positions (兼职) held in it by cadres.",
    )


@declared_type("OrganizationRole", "OWNS / DIRECTS / WORKS_AT.")
class OrganizationRoleType:
    organization: OrganizationType | None = belongs_to(models.Organization, "organization_id")

    person: PersonType | None = belongs_to(models.Person, "person_id")

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@declared_type("PartTimePosition", "MEMBER_OF: a part-time post (兼职).")
class PartTimePositionType:
    organization: OrganizationType | None = belongs_to(models.Organization, "organization_id")

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@declared_type("SupplyContract", "SUPPLIES: an organization's contract with a unit.")
class SupplyContractType:
    organization: OrganizationType | None = belongs_to(models.Organization, "organization_id")

    unit: UnitType | None = belongs_to(models.Unit, "unit_id")


@declared_type("NegativeRecord", "负面信息: an item on the negative list.")
class NegativeRecordType:
    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@declared_type("MatterItem", "One declared or found item of a personal matters report.")
class MatterItemType:
    report: PersonalMattersReportType | None = belongs_to(models.PersonalMattersReport, "report_id")


@declared_type("PersonalMattersReport", "个人有关事项报告 of one year.")
class PersonalMattersReportType:
    items: list[MatterItemType] = has_many(models.MatterItem, models.MatterItem.report_id)

    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@declared_type("SupervisionAction", "Reminder talk, inquiry letter, admonishment, ...")
class SupervisionActionType:
    cadre: CadreType | None = belongs_to(models.Cadre, "cadre_id")


@record_type(
    models.JointReview, "ReviewOutcome",
    "Where a joint review of a selection's candidate stands and how it was concluded: no answer, no finding.",
)
class ReviewOutcomeType:
    status: ReviewStatus
    conclusion: ReviewConclusion | None
    concluded_at: datetime | None

    candidate: CadreType | None = belongs_to(models.Cadre, "candidate_id")


@declared_type("Selection", "A selection procedure for one post.")
class SelectionType:
    post: PostType | None = belongs_to(models.Post, "post_id")

    nominations: list[NominationType] = has_many(models.Nomination, models.Nomination.selection_id)

    @strawberry.field(description="The joint reviews of the selection's candidates: their status and conclusion.")
    def review_outcomes(self, info: Info) -> list[ReviewOutcomeType]:
        context = context_of(info)
        review = models.JointReview
        rows = list(context.session.scalars(
            select(review).where(review.selection_id == self.id).order_by(review.id)  # type: ignore[attr-defined]
        ))
        context.read_log.note(rows)
        return rows  # type: ignore[return-value]


@declared_type("Nomination", "NOMINATED: a first nominator (首推责任人) puts a nominee forward.")
class NominationType:
    selection: SelectionType | None = belongs_to(models.Selection, "selection_id")

    nominee: CadreType | None = belongs_to(models.Cadre, "nominee_id")

    nominator: CadreType | None = belongs_to(models.Cadre, "nominator_id")
